"""Parse and validate each document once: an LRU of the documents that passed, keyed by their text.

Frontends send the same few documents over and over (their variables change, the text does not), and
validating one of the portal's pages costs milliseconds of CPU on every request (docs/performance.md). A
document is cached only once it has parsed under the token limit and passed every validation rule, so a
cached text needs neither again; anything else is parsed and validated as usual every time. The cache holds
document text and syntax only (variables are never part of it), so it shares nothing between sessions.

What extensions work out from a document alone (the connection fields of ``ConnectionArguments``) is kept
with it (``memo``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

T = TypeVar("T")
DEFAULT_SIZE = 256


@dataclass(slots=True)
class Prepared:
    """A document that parsed and validated, and what was worked out from it."""

    document: DocumentNode
    memo: dict[Hashable, Any] = field(default_factory=dict)


class DocumentCache:
    """The documents that passed, most recently used last, at most ``size`` of them."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        self._size = size

    def get(self, text: str) -> Prepared | None:
        entry = self._entries.get(text)
        if entry is not None:
            self._entries.move_to_end(text)
        return entry

    def put(self, text: str, document: DocumentNode) -> None:
        self._entries[text] = Prepared(document)
        self._entries.move_to_end(text)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def memo(self, context: ExecutionContext, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` for this document, worked out once while the document is cached."""
        entry = self._entries.get(context.query or "")
        if entry is None or entry.document is not context.graphql_document:
            return compute()
        if key not in entry.memo:
            entry.memo[key] = compute()
        result: T = entry.memo[key]
        return result


class CachedDocuments(SchemaExtension):
    """Skips parsing and validation of a document that passed both before.

    Listed after the token limit, so a document parses under it the first time.

    Args:
        cache: The schema's cache.
    """

    def __init__(self, *, cache: DocumentCache) -> None:
        super().__init__()
        self._cache = cache
        self._hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        entry = self._cache.get(context.query) if context.query else None
        if entry is not None:
            context.graphql_document = entry.document
            self._hit = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._hit:
            context.pre_execution_errors = []  # validated when it was cached
        yield
        if not self._hit and not context.pre_execution_errors and context.graphql_document and context.query:
            self._cache.put(context.query, context.graphql_document)
