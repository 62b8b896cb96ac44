"""Relay connections (``first``/``after``, ``pageInfo``, ``edges``, ``nodes``, ``totalCount``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    get_operation_ast,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from resolvers.context import RequestContext
from resolvers.cursors import CursorCodec
from resolvers.errors import PublicError
from resolvers.paging import Connection as ConnectionValue
from resolvers.paging import precheck

from .documents import DocumentCache

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")
V = TypeVar("V")


@strawberry.type(description="Relay paging state.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def _edge_cursor(root: Edge[Any]) -> str:
    return root._cursor()


@strawberry.type
class Edge(Generic[T]):
    # Signed only when selected: clients mostly page by pageInfo.endCursor.
    cursor: str = strawberry.field(resolver=_edge_cursor)
    node: T
    _cursor: strawberry.Private[Callable[[], str]]


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="All matches the viewer may see; counted upstream only when this field is selected."
    )


def build(value: ConnectionValue[V], convert: Callable[[V], T]) -> Connection[T]:
    edges = [Edge(node=convert(node), _cursor=cursor) for cursor, node in value.edges]
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        # Past the last entry of the page, even one the resolver left out (``Page.convert``).
        page_info=PageInfo(has_next_page=value.has_next, end_cursor=value.end),
        total_count=value.total,
    )


def selects(info: Info, name: str) -> bool:
    """Whether the client selected ``name`` directly under the current field (fragments included)."""

    def walk(selections: Any) -> bool:
        for selection in selections:
            if getattr(selection, "name", None) == name:
                return True
            if walk(getattr(selection, "selections", ()) if not hasattr(selection, "arguments") else ()):
                return True
        return False

    return any(walk(field.selections) for field in info.selected_fields)


def node_fields(info: Info) -> frozenset[str]:
    """The fields the client selected on the nodes of the current connection (``edges.node`` and
    ``nodes``, fragments included)."""

    def fields(selections: Any) -> Any:
        for selection in selections:
            if hasattr(selection, "arguments"):
                yield selection
            else:  # a fragment: its fields count as selected here
                yield from fields(selection.selections)

    names: set[str] = set()
    for connection in info.selected_fields:
        for part in fields(connection.selections):
            if part.name == "nodes":
                names.update(f.name for f in fields(part.selections))
            elif part.name == "edges":
                for node in fields(part.selections):
                    if node.name == "node":
                        names.update(f.name for f in fields(node.selections))
    return frozenset(names)


class ConnectionArguments(SchemaExtension):
    """Checks the arguments of every connection field of the operation before anything runs.

    Wherever a connection is reached (``patient.results``, ``viewer.patients.patient.results``, inside
    fragments), a bad ``first``, ``code`` or a cursor not signed for this session fails the operation with
    BAD_USER_INPUT before any resolver, so bad input costs no upstream request. Connection fields are found
    by type (an object type with ``pageInfo``), so a new connection is covered without being listed.
    """

    def __init__(self, *, documents: DocumentCache | None = None) -> None:
        super().__init__()
        self._documents = documents

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        try:
            await _check_connections(context, self._documents)
        except PublicError as error:
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(error.message, original_error=error)]
            )
        yield


async def _check_connections(context: ExecutionContext, documents: DocumentCache | None) -> None:
    document = context.graphql_document
    ctx = context.context
    if document is None or not isinstance(ctx, RequestContext):
        return
    schema, operation = context.schema._schema, context.operation_name

    def find() -> list[tuple[GraphQLField, FieldNode]]:
        return _connection_fields(schema, document, operation)

    fields = documents.memo(context, ("connections", operation), find) if documents else find()
    if not fields:
        return
    coerced = _variables(context.schema._schema, document, context.operation_name, context.variables)
    if coerced is None:
        return  # graphql-core reports the variable errors itself
    codec = None
    for definition, node in fields:
        arguments = get_argument_values(definition, node, coerced)
        if codec is None and isinstance(arguments.get("after"), str):
            codec = await _codec(ctx)
        precheck(arguments, codec)


async def _codec(ctx: RequestContext) -> CursorCodec | None:
    try:
        return await ctx.cursors()
    except PublicError:
        return None  # no viewer: the fields answer UNAUTHENTICATED themselves


def _connection_fields(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> list[tuple[GraphQLField, FieldNode]]:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found: list[tuple[GraphQLField, FieldNode]] = []
    type_info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            definition = type_info.get_field_def()
            if definition is not None and _is_connection(definition.type):
                found.append((definition, node))

    pending: list[Any] = [operation]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        visit(node, TypeInfoVisitor(type_info, Collect()))
        for spread in _spreads(node):
            if spread not in seen and spread in fragments:
                seen.add(spread)
                pending.append(fragments[spread])
    return found


def _spreads(node: Any) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def _is_connection(field_type: GraphQLOutputType) -> bool:
    named = get_named_type(field_type)
    return isinstance(named, GraphQLObjectType) and "pageInfo" in named.fields


def _variables(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, raw: dict[str, Any] | None
) -> VariableValues | None:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), raw or {})
    return coerced if isinstance(coerced, VariableValues) else None
