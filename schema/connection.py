"""Relay connections (``first``/``after``, ``pageInfo``, ``edges``, ``nodes``, ``totalCount``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.context import RequestContext
from resolvers.paging import Connection as ConnectionValue
from resolvers.paging import precheck

Info = strawberry.Info[RequestContext, None]
T = TypeVar("T")
V = TypeVar("V")


@strawberry.type(description="Relay paging state.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="All matches the viewer may see; counted upstream only when this field is selected."
    )


def build(value: ConnectionValue[V], convert: Callable[[V], T]) -> Connection[T]:
    edges = [Edge(cursor=cursor, node=convert(node)) for cursor, node in value.edges]
    end = edges[-1].cursor if edges else None
    return Connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(has_next_page=value.has_next, end_cursor=end),
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


CONNECTIONS = frozenset({"results", "observations", "conditions", "allergies", "immunizations"})


async def check_connections(info: Info, patient_id: str) -> None:
    """BAD_USER_INPUT for a bad ``first``/``after`` of any connection selected under ``patient``, before the
    patient (or anything else) is read upstream."""

    async def walk(selections: Any) -> None:
        for selection in selections:
            if not hasattr(selection, "arguments"):
                await walk(selection.selections)
            elif selection.name in CONNECTIONS:
                args = selection.arguments
                await precheck(
                    info.context, patient_id, args.get("first"), args.get("after"), args.get("code")
                )

    for field in info.selected_fields:
        await walk(field.selections)
