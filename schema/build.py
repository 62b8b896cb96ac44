"""Assembles the schema and every guard on it in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig

from .common import FHIR_DATE_SCALAR, FhirDate
from .config import SchemaSettings
from .connection import ConnectionArguments
from .errors import PortalSchema, PublicErrors
from .mutation import Mutation
from .query import Query


def build_schema(settings: SchemaSettings) -> PortalSchema:
    """Build the GraphQL schema with its guards.

    Depth, alias and token limits always apply. Introspection and field suggestions exist only in
    development (docs/decisions.md, "Schema"). Errors leave through ``PublicErrors``.
    """
    # Factories, not instances: Strawberry then makes fresh extensions for every request.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        ConnectionArguments,
        PublicErrors,
    ]
    if not settings.development:
        extensions.append(DisableIntrospection)
    return PortalSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=not settings.development, scalar_map={FhirDate: FHIR_DATE_SCALAR}
        ),
    )
