"""Mutation results: every union member can be produced from a plain value, in one way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graphql import GraphQLNonNull, GraphQLUnionType

from auth import results as r
from gateway import Settings
from resolvers.account import Outcome
from resolvers.problems import IdempotencyKeyReused, NotPermitted
from schema import build_schema
from schema.outcomes import present, presented_types

SCHEMA = build_schema(Settings(environment="development"))._schema


def _mutation_unions() -> dict[str, GraphQLUnionType]:
    assert SCHEMA.mutation_type is not None
    found = {}
    for name, field in SCHEMA.mutation_type.fields.items():
        kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(kind, GraphQLUnionType):
            found[name] = kind
    return found


def test_every_union_member_is_presented_from_a_plain_value() -> None:
    presented = {graphql_type.__name__ for graphql_type in presented_types().values()}
    missing = {
        f"{field}: {member.name}"
        for field, union in _mutation_unions().items()
        for member in union.types
        if member.name not in presented
    }
    assert missing == set()


def test_every_idempotent_mutation_can_answer_key_reused() -> None:
    assert SCHEMA.mutation_type is not None
    for name, field in SCHEMA.mutation_type.fields.items():
        if "idempotencyKey" in field.args:
            assert "IdempotencyKeyReused" in {t.name for t in _mutation_unions()[name].types}, name


def test_fields_are_copied_and_tokens_come_only_from_the_outcome() -> None:
    at = datetime(2026, 12, 2, tzinfo=UTC)
    signed_in = r.SignedIn(token="secret-token", expires_at=at, account_id="acc")
    assert present(signed_in).token is None  # a cookie client: the token is not in the body
    assert present(Outcome(signed_in, "secret-token")).token == "secret-token"
    assert present(r.RateLimited(retry_after=7)).retry_after_seconds == 7
    problem = present(NotPermitted("No."))
    assert (problem.message, problem.code.value) == ("No.", "NOT_PERMITTED")
    assert present(IdempotencyKeyReused()).code.value == "IDEMPOTENCY_KEY_REUSED"


def test_a_value_without_a_result_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no GraphQL result type"):
        present(object())
