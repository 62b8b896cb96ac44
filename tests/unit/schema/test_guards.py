"""Every guard of build_schema, at its limit and one past it. No servers: without a session `patient`
answers UNAUTHENTICATED before any upstream call, so reaching execution proves the document passed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql.language import Lexer, Source, TokenKind

from gateway.settings import Settings
from resolvers.context import RequestContext
from schema import build_schema
from tests.unit.schema.support import context


def _context(development: bool) -> RequestContext:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected upstream call {request.method} {request.url.path}")

    return context(refuse, development=development)


async def _run(query: str, **settings: Any) -> list[dict[str, Any]]:
    config = Settings(environment=settings.pop("environment", "production"), **settings)
    schema = build_schema(config)
    result = await schema.execute(query, context_value=_context(config.development))
    return [{"message": e.message, "code": (e.extensions or {}).get("code")} for e in result.errors or []]


def _codes(errors: list[dict[str, Any]]) -> set[str]:
    return {e["code"] for e in errors}


async def test_depth_at_limit_executes() -> None:
    errors = await _run('{ patient(id: "a") { name { family } } }', max_query_depth=2)
    assert _codes(errors) == {"UNAUTHENTICATED"}


async def test_depth_one_past_limit_is_refused_before_execution() -> None:
    errors = await _run('{ patient(id: "a") { name { family } } }', max_query_depth=1)
    assert _codes(errors) == {"BAD_USER_INPUT"}
    assert any("exceeds maximum operation depth" in e["message"] for e in errors)


def _aliases(n: int) -> str:
    return "{ " + " ".join(f'a{i}: patient(id: "p{i}") {{ id }}' for i in range(n)) + " }"


async def test_aliases_at_limit_execute() -> None:
    errors = await _run(_aliases(15), max_aliases=15)
    assert _codes(errors) == {"UNAUTHENTICATED"}
    assert len(errors) == 15


async def test_aliases_one_past_limit_are_refused() -> None:
    errors = await _run(_aliases(16), max_aliases=15)
    assert _codes(errors) == {"BAD_USER_INPUT"}
    assert any("aliases" in e["message"] for e in errors)


def _tokens(query: str) -> int:
    lexer, count = Lexer(Source(query)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def _query_with_tokens(n: int) -> str:
    # '{ patient(id: "x") { id } }' is 11 tokens; each extra ' id' adds one.
    base = 11
    return '{ patient(id: "x") { id' + " id" * (n - base) + " } }"


@pytest.mark.parametrize("limit", [50, 1000])
async def test_tokens_at_limit_pass_the_guard(limit: int) -> None:
    query = _query_with_tokens(limit)
    assert _tokens(query) == limit
    # The padding repeats one field, which the repeated-field limit would refuse on its own.
    errors = await _run(query, max_tokens=limit, max_repeated_fields=100)
    assert not any("tokens" in e["message"] for e in errors)
    if limit == 50:
        # Small enough for graphql-core to validate the repeated fields, so it runs to the resolver.
        assert _codes(errors) == {"UNAUTHENTICATED"}


@pytest.mark.parametrize("limit", [50, 1000])
async def test_tokens_one_past_limit_are_refused(limit: int) -> None:
    query = _query_with_tokens(limit + 1)
    assert _tokens(query) == limit + 1
    errors = await _run(query, max_tokens=limit)
    assert _codes(errors) == {"BAD_USER_INPUT"}
    assert any("tokens" in e["message"] for e in errors)


def _directives(n: int) -> str:
    # Inline fragments without a type condition may repeat, each carrying one directive.
    return '{ patient(id: "a") { ' + " ".join(["... @include(if: true) { id }"] * n) + " } }"


async def test_directives_at_limit_execute() -> None:
    assert _codes(await _run(_directives(50))) == {"UNAUTHENTICATED"}


async def test_directives_one_past_limit_are_refused() -> None:
    errors = await _run(_directives(51))
    assert errors == [{"message": "The document has more than 50 directives.", "code": "BAD_USER_INPUT"}]


async def test_repeated_fields_at_limit_execute() -> None:
    assert _codes(await _run('{ patient(id: "a") { id id id } }')) == {"UNAUTHENTICATED"}


async def test_repeated_fields_one_past_limit_are_refused() -> None:
    errors = await _run('{ patient(id: "a") { id id id id } }')
    assert _codes(errors) == {"BAD_USER_INPUT"}
    assert any("'id' is selected 4 times" in e["message"] for e in errors)


async def test_an_unknown_fragment_is_the_clients_mistake_not_a_crash() -> None:
    errors = await _run("{ viewer { ...Missing } }")
    assert errors == [{"message": "Unknown fragment 'Missing'.", "code": "BAD_USER_INPUT"}]


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_only_in_development() -> None:
    assert await _run(INTROSPECTION, environment="development") == []
    for environment in ("test", "production"):
        errors = await _run(INTROSPECTION, environment=environment)
        assert _codes(errors) == {"BAD_USER_INPUT"}
        assert any("introspection" in e["message"].lower() for e in errors)


async def test_field_suggestions_hidden_outside_development() -> None:
    dev = await _run('{ patient(id: "a") { nme } }', environment="development")
    prod = await _run('{ patient(id: "a") { nme } }', environment="production")
    assert any("Did you mean" in e["message"] for e in dev)
    assert not any("Did you mean" in e["message"] for e in prod)
    assert _codes(prod) == {"BAD_USER_INPUT"}


async def test_unknown_field_is_bad_user_input() -> None:
    errors = await _run("{ nothingHere }")
    assert _codes(errors) == {"BAD_USER_INPUT"}
