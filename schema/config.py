"""The settings the schema is built from (satisfied by ``gateway.settings.Settings``)."""

from __future__ import annotations

from typing import Protocol


class SchemaSettings(Protocol):
    @property
    def development(self) -> bool: ...

    @property
    def max_query_depth(self) -> int: ...

    @property
    def max_aliases(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    @property
    def max_directives(self) -> int: ...

    @property
    def max_repeated_fields(self) -> int: ...

    @property
    def timing(self) -> bool: ...
