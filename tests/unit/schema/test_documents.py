"""Each document is parsed and validated once: a cached document skips both, nothing refused is cached, and
the limits still refuse a document however often it comes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import parse

from gateway.settings import Settings
from resolvers.context import RequestContext
from schema import build_schema
from schema.documents import DocumentCache
from tests.unit.schema.support import context

VALID = '{ patient(id: "a") { name { family } } }'


def _context() -> RequestContext:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected upstream call {request.method} {request.url.path}")

    return context(refuse, development=False)


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents graphql-core parsed and validated (Strawberry's own steps), in order."""
    seen: list[str] = []
    parse_document, validate_document = strawberry_schema.parse, strawberry_schema.validate_document

    def counting_parse(text: Any, **options: Any) -> Any:
        seen.append(f"parse {text}")
        return parse_document(text, **options)

    def counting_validate(schema: Any, document: Any, rules: Any) -> Any:
        seen.append("validate")
        return validate_document(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "parse", counting_parse)
    monkeypatch.setattr(strawberry_schema, "validate_document", counting_validate)
    return seen


async def _codes(schema: Any, query: str) -> set[str]:
    result = await schema.execute(query, context_value=_context())
    return {(e.extensions or {}).get("code") for e in result.errors or []}


async def test_a_valid_document_is_parsed_and_validated_once_and_executes_every_time(
    validated: list[str],
) -> None:
    schema = build_schema(Settings(environment="production"))
    for _ in range(3):
        assert await _codes(schema, VALID) == {"UNAUTHENTICATED"}  # executed: there is no viewer
    assert validated == [f"parse {VALID}", "validate"]


async def test_a_refused_document_is_never_cached_and_refused_every_time(validated: list[str]) -> None:
    schema = build_schema(Settings(environment="production", max_query_depth=2))
    too_deep = '{ patient(id: "a") { careTeam { participant { member { __typename } } } } }'
    for _ in range(3):
        assert await _codes(schema, too_deep) == {"BAD_USER_INPUT"}
        assert await _codes(schema, "{ nope }") == {"BAD_USER_INPUT"}
        assert await _codes(schema, "{ patient(") == {"BAD_USER_INPUT"}
    assert validated.count("validate") == 6  # the two documents that parse, each time
    assert validated.count(f"parse {too_deep}") == 3


def test_the_cache_keeps_the_most_recently_used() -> None:
    cache = DocumentCache(size=2)
    documents = {text: parse(text) for text in ("{ a }", "{ b }", "{ c }")}
    cache.put("{ a }", documents["{ a }"])
    cache.put("{ b }", documents["{ b }"])
    assert cache.get("{ a }") is not None  # a is now the most recent
    cache.put("{ c }", documents["{ c }"])
    assert cache.get("{ b }") is None
    assert cache.get("{ a }") is not None and cache.get("{ c }") is not None
