"""Assembles the schema and every guard on it in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig

from .audit import AuditFlush
from .common import FHIR_DATE_SCALAR, FhirDate
from .config import SchemaSettings
from .connection import ConnectionArguments
from .descriptions import describe
from .documents import CachedDocuments, DocumentCache
from .errors import PortalSchema, PublicErrors
from .limits import DepthLimit, DocumentLimits
from .mutation import Mutation
from .operation import SeeOperation
from .query import Query
from .timing import PhaseTimings


def build_schema(settings: SchemaSettings) -> PortalSchema:
    """Build the GraphQL schema with its guards.

    Depth, alias, token, directive and repeated-field limits always apply (once per document text: a
    document that passed them is cached, ``schema.documents``). Introspection and suggestions
    exist only in development; elsewhere validation messages name nothing the client did not name
    (``schema.secrecy``). Every connection field's arguments are checked before anything runs
    (``ConnectionArguments``). Errors leave through ``PublicErrors``.
    """
    documents = DocumentCache()
    # Factories, not instances: Strawberry then makes fresh extensions for every request.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        # After the token limit (a document is parsed under it before it is cached), before the rules.
        partial(CachedDocuments, cache=documents),
        partial(DepthLimit, max_depth=settings.max_query_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        partial(
            DocumentLimits,
            max_directives=settings.max_directives,
            max_repeated_fields=settings.max_repeated_fields,
        ),
        partial(ConnectionArguments, documents=documents),
        SeeOperation,
        # Before PublicErrors, so it finishes after it (extensions unwind in reverse): its own error is final.
        AuditFlush,
        partial(PublicErrors, hide_schema=not settings.development),
    ]
    if not settings.development:
        extensions.append(DisableIntrospection)
    if settings.timing:
        extensions.append(PhaseTimings)
    schema = PortalSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=not settings.development, scalar_map={FhirDate: FHIR_DATE_SCALAR}
        ),
    )
    # Every type and field is described; the older ones from the catalogue (schema/descriptions.py).
    describe(schema._schema)
    return schema
