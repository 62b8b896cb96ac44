"""Per-phase CPU time of each operation for ``Server-Timing`` (``resolvers.timings``), when it is on."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from resolvers.timings import phase


class PhaseTimings(SchemaExtension):
    """Records parse, validate and execute in the request's timings (serialize is the view's)."""

    def on_parse(self) -> Iterator[None]:
        with phase("parse"):
            yield

    def on_validate(self) -> Iterator[None]:
        with phase("validate"):
            yield

    def on_execute(self) -> Iterator[None]:
        with phase("execute"):
            yield
