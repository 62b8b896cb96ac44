"""Every type and field of the schema says what FHIR element it comes from and what it means for a patient."""

from __future__ import annotations

from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from gateway import Settings
from schema import build_schema
from schema.descriptions import FIELDS, TYPES

SCHEMA = build_schema(Settings(environment="development"))._schema


def _named_types() -> list[str]:
    return [name for name in SCHEMA.type_map if not name.startswith("__")]


def test_every_type_and_field_has_a_description() -> None:
    missing = [name for name in _named_types() if not SCHEMA.type_map[name].description]
    for name in _named_types():
        kind = SCHEMA.type_map[name]
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [f"{name}.{field}" for field, value in kind.fields.items() if not value.description]
    assert not missing, f"describe these (strawberry description=...): {missing}"


def test_the_catalogue_names_only_fields_that_need_it() -> None:
    # An entry whose field is gone, or whose field the code describes itself, is stale: remove it.
    stale = [
        name
        for name, text in TYPES.items()
        if getattr(SCHEMA.type_map.get(name), "description", None) != text
    ]
    for key, text in FIELDS.items():
        type_name, field_name = key.split(".", 1)
        fields = getattr(SCHEMA.type_map.get(type_name), "fields", {})
        if field_name not in fields or fields[field_name].description != text:
            stale.append(key)
    assert not stale, f"stale entries in schema/descriptions.py: {stale}"
