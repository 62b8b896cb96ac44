"""The committed SDL (schema.graphql) is what the code builds."""

from __future__ import annotations

from pathlib import Path

from gateway.settings import Settings
from schema import build_schema

SDL = Path(__file__).parents[3] / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    built = build_schema(Settings(environment="production")).as_str() + "\n"
    assert SDL.read_text(encoding="utf-8") == built, "schema.graphql is stale: run `make sdl`"


def test_sdl_does_not_depend_on_the_environment() -> None:
    dev = build_schema(Settings(environment="development")).as_str()
    prod = build_schema(Settings(environment="production")).as_str()
    assert dev == prod
