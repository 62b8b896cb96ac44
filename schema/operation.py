"""Which operation of the document runs, read from the parsed document (the ``/metrics`` labels)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import get_operation_ast
from strawberry.extensions import SchemaExtension

from resolvers.context import OperationSeen, RequestContext


class SeeOperation(SchemaExtension):
    """Note the type and name of the operation that runs on the request's context.

    Read from the parsed document with the request's ``operationName``, as GraphQL selects it, so that a
    document of several operations is labelled by the one that ran, not by its first. A document that did
    not parse, or names no single operation, leaves the context without one.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # Parsing is over when validation begins (from the text, or from the cache of parsed documents).
        if context.graphql_document is not None and isinstance(context.context, RequestContext):
            node = get_operation_ast(context.graphql_document, context.operation_name)
            if node is not None:
                name = node.name.value if node.name else None
                context.context.operation = OperationSeen(node.operation.value, name)
        yield
