"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_client import FhirClient


@dataclass(slots=True)
class RequestContext:
    """What one GraphQL request may use. Built by the gateway for each request; never shared.

    Attributes:
        request_id: Correlates logs and upstream calls of this request.
        fhir: The FHIR client for this request (over the app's shared connection pool).
        development: True in the development environment only.
    """

    request_id: str
    fhir: FhirClient
    development: bool
