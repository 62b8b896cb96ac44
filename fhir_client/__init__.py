"""Async FHIR R4 REST client on httpx. Knows nothing of GraphQL or of the rest of the gateway.

Start at :class:`FhirClient`; ``docs/fhir-client.md`` describes the behaviour (errors, retries, breaker,
paging, batching, auth) and the decisions behind it.
"""

from ._auth import AuthKind, AuthSettings, BasicAuth, BearerAuth, NoAuth, UpstreamAuth, auth_from_settings
from ._breaker import CircuitBreaker
from ._bundle import Entry, EntryResult, SearchPage
from ._client import FhirClient
from ._errors import (
    FhirAuthError,
    FhirBadRequest,
    FhirConflict,
    FhirError,
    FhirForbidden,
    FhirGone,
    FhirInvalidResource,
    FhirNotFound,
    FhirPreconditionFailed,
    FhirResponseError,
    FhirServerError,
    FhirStatusError,
    FhirTimeout,
    FhirTransportError,
    FhirUnavailable,
    OutcomeIssue,
)
from ._ids import is_fhir_id
from ._loader import GetBatcher, ReadLoader
from ._log import CallCounter
from ._model import ResourceInput
from ._options import ClientOptions
from ._resource import JsonObject, Resource
from ._retry import RetryPolicy
from ._search import AnyOf, ParamValue, Prefixed, SearchOptions, SearchParams, encode_search, ge, gt, le, lt
from ._smart import SmartBackendAuth
from ._transport import DEFAULT_LIMITS, DEFAULT_TIMEOUT, AsyncClient, Limits, Timeout, make_http_client
from ._writes import WriteResult

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "AnyOf",
    "AsyncClient",
    "AuthKind",
    "AuthSettings",
    "BasicAuth",
    "BearerAuth",
    "CallCounter",
    "CircuitBreaker",
    "ClientOptions",
    "Entry",
    "EntryResult",
    "FhirAuthError",
    "FhirBadRequest",
    "FhirClient",
    "FhirConflict",
    "FhirError",
    "FhirForbidden",
    "FhirGone",
    "FhirInvalidResource",
    "FhirNotFound",
    "FhirPreconditionFailed",
    "FhirResponseError",
    "FhirServerError",
    "FhirStatusError",
    "FhirTimeout",
    "FhirTransportError",
    "FhirUnavailable",
    "GetBatcher",
    "JsonObject",
    "Limits",
    "NoAuth",
    "OutcomeIssue",
    "ParamValue",
    "Prefixed",
    "ReadLoader",
    "Resource",
    "ResourceInput",
    "RetryPolicy",
    "SearchOptions",
    "SearchPage",
    "SearchParams",
    "SmartBackendAuth",
    "Timeout",
    "UpstreamAuth",
    "WriteResult",
    "auth_from_settings",
    "encode_search",
    "ge",
    "gt",
    "is_fhir_id",
    "le",
    "lt",
    "make_http_client",
]
