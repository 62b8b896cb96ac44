"""Outside development, error messages name no schema element the document did not name itself.

With introspection off, a schema-recovery tool rebuilds the schema from validation messages: suggestions
("Did you mean ..."), the type in "Cannot query field 'x' on type 'T'", the argument in "argument 'id' of
type 'ID!' is required", the enum in "Value 'X' does not exist in 'E' enum". Each document below misspells or
leaves out something; every message it gets back is searched for schema names the document did not contain.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema as parse_sdl
from graphql import specified_scalar_types
from graphql.language import Lexer, Source, TokenKind

from gateway.settings import Settings
from schema import build_schema
from tests.unit.schema.support import context

SDL = Path(__file__).parents[3] / "schema.graphql"

MISTAKES: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("field", '{ patient(id: "a") { nme } }', None, "nme"),
    ("field on a root", "{ viewr { account { id } } }", None, "viewr"),
    ("argument", '{ patient(idd: "a") { id } }', None, "idd"),
    ("argument on a field without any", "{ viewer { account { id(x: 1) } } }", None, "x"),
    ("missing argument", "{ patient { id } }", None, "patient"),
    ("missing selection", '{ patient(id: "a") }', None, "patient"),
    ("selection on a leaf", "{ viewer { account { id { x } } } }", None, "id"),
    ("type of a variable", "query Q($x: Patiant) { viewer { account { id } } }", None, "Patiant"),
    ("type of a fragment", "{ viewer { ...F } } fragment F on Viewr { account { id } }", None, "Viewr"),
    ("unknown fragment", "{ viewer { ...Missing } }", None, "Missing"),
    ("unknown directive", "{ viewer @skp(if: true) { account { id } } }", None, "skp"),
    (
        "enum value",
        'mutation { inviteProxy(email: "a@b.test", accessLevel: READ_ONY, idempotencyKey: "k-12345678") '
        "{ __typename } }",
        None,
        "READ_ONY",
    ),
    (
        "enum value in a variable",
        'mutation M($l: ProxyAccessLevel!) { inviteProxy(email: "a@b.c", accessLevel: $l, '
        'idempotencyKey: "k-12345678") { __typename } }',
        {"l": "READ_ONY"},
        "READ_ONY",
    ),
    ("argument of the wrong type", '{ patient(id: "a") { results(first: "ten") { totalCount } } }', None, ""),
    (
        "variable in the wrong position",
        'query Q($n: String) { patient(id: "a") { results(first: $n) { totalCount } } }',
        None,
        "n",
    ),
    (
        "wrong type in a variable",
        'query Q($n: Int) { patient(id: "a") { results(first: $n) { totalCount } } }',
        {"n": "ten"},
        "n",
    ),
    ("conflicting fields", "{ viewer { account { id: username id } } }", None, "id"),
]


@cache
def schema_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every element name of the committed schema, and the names of its types and enum values."""
    schema = parse_sdl(SDL.read_text(encoding="utf-8"))
    names: set[str] = set()
    capitalised: set[str] = set(specified_scalar_types)
    for type_name, kind in schema.type_map.items():
        names.add(type_name)
        capitalised.add(type_name)
        for field_name, field in (getattr(kind, "fields", None) or {}).items():
            names.add(field_name)
            names.update(getattr(field, "args", {}) or {})
        for value in getattr(kind, "values", None) or {}:
            names.add(value)
            capitalised.add(value)
    return frozenset(names | capitalised), frozenset(capitalised)


def named_by(query: str, variables: dict[str, Any] | None) -> set[str]:
    """The names the client itself sent: the document's name tokens and its variables' string values."""
    names: set[str] = {str(value) for value in (variables or {}).values()}
    lexer = Lexer(Source(query))
    while (token := lexer.advance()).kind != TokenKind.EOF:
        if token.kind == TokenKind.NAME and token.value:
            names.add(token.value)
    return names


def leaked(message: str, sent: set[str]) -> set[str]:
    """Schema names in ``message`` the client did not send: quoted ones of any kind, bare type names."""
    every, capitalised = schema_names()
    quoted = [word for part in re.findall(r"'([^']*)'", message) for word in re.findall(r"\w+", part)]
    bare = re.findall(r"\w+", re.sub(r"'[^']*'", " ", message))
    found = {w for w in quoted if w in every} | {w for w in bare if w in capitalised}
    return found - sent


async def _messages(query: str, variables: dict[str, Any] | None, environment: str) -> list[str]:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected upstream call {request.method} {request.url.path}")

    config = Settings(environment=environment)
    result = await build_schema(config).execute(
        query, variable_values=variables, context_value=context(refuse, development=config.development)
    )
    assert result.errors, "the mistake was refused"
    assert {(e.extensions or {}).get("code") for e in result.errors} == {"BAD_USER_INPUT"}
    return [error.message for error in result.errors]


@pytest.mark.parametrize(("what", "query", "variables", "own"), MISTAKES, ids=[m[0] for m in MISTAKES])
async def test_production_messages_name_only_what_the_document_named(
    what: str, query: str, variables: dict[str, Any] | None, own: str
) -> None:
    messages = await _messages(query, variables, "production")
    sent = named_by(query, variables)
    for message in messages:
        assert "did you mean" not in message.lower(), message
        assert not leaked(message, sent), f"{what}: {message!r} names {sorted(leaked(message, sent))}"
    if own:
        assert any(own in message for message in messages), f"the message still points at {own!r}"


async def test_development_keeps_the_full_messages() -> None:
    messages = await _messages('{ patient(idd: "a") { id } }', None, "development")
    assert any("Did you mean" in message for message in messages)


def test_the_check_sees_leaks() -> None:
    sent = named_by('{ patient(id: "a") { nme } }', None)
    message = "Cannot query field 'nme' on type 'Patient'. Did you mean 'name'?"
    assert leaked(message, sent) == {"Patient", "name"}
    assert leaked("Int cannot represent non-integer value: 1.5", sent) == {"Int"}
