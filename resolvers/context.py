"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from auth import Auth, FhirPatientDirectory
from fhir_client import FhirClient

from .viewer import SessionState


@dataclass(slots=True)
class RequestContext:
    """What one GraphQL request may use. Built by the gateway for each request; never shared.

    Attributes:
        request_id: Correlates logs and upstream calls of this request.
        fhir: The FHIR client for this request (over the app's shared connection pool).
        development: True in the development environment only.
        auth: The app's ``auth`` services.
        session: The session the middleware resolved (live, expired or none) and how its token came.
        client_ip: The client's address from the socket (rate limits; logged only as a keyed hash).
        secure_cookie: Whether the session cookie is the ``__Host-`` one with ``Secure``.
        admin: The request carried the admin key (``X-Admin-Key``).
        add_header: Adds a header to the response (``Set-Cookie`` for sign-in and sign-out).
    """

    request_id: str
    fhir: FhirClient
    development: bool
    auth: Auth
    session: SessionState = field(default_factory=SessionState)
    client_ip: str | None = None
    secure_cookie: bool = True
    admin: bool = False
    add_header: Callable[[str, str], None] = field(default=lambda name, value: None)

    @property
    def directory(self) -> FhirPatientDirectory:
        """The EHR as the ``auth`` flows see it, over this request's FHIR client."""
        return FhirPatientDirectory(self.fhir)
