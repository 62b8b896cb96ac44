"""The example operations in docs/operations/ stay valid against the schema (they are documentation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from gateway import Settings
from schema import build_schema

OPERATIONS = sorted((Path(__file__).resolve().parents[3] / "docs" / "operations").glob("*.graphql"))


def test_there_are_example_operations() -> None:
    assert OPERATIONS


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_each_example_operation_is_valid(path: Path) -> None:
    schema = build_schema(Settings(environment="development"))._schema
    errors = validate(schema, parse(path.read_text(encoding="utf-8")))
    assert [e.message for e in errors] == []
