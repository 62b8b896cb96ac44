"""How the gateway authenticates to the FHIR server, chosen by settings.

``none`` (a trusted network), ``basic``, a static ``bearer`` token, or ``smart``: SMART Backend Services
(client_credentials with a private_key_jwt assertion, see ``fhir_client._smart``). Every kind gives the value
of the ``Authorization`` header for the next request; secrets never appear in a ``repr``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ._transport import AsyncClient

AuthKind = Literal["none", "basic", "bearer", "smart"]


class UpstreamAuth(Protocol):
    """Supplies the ``Authorization`` header of FHIR requests."""

    async def authorization(self, http: AsyncClient) -> str | None:
        """The header value for the next request, or ``None`` for no header.

        Args:
            http: The shared HTTP client, for kinds that must fetch a token first.
        """
        ...

    def invalidate(self) -> bool:
        """Forget a cached credential after the server answered 401; True if a retry could then succeed."""
        ...


class NoAuth:
    """No ``Authorization`` header (the EHR trusts the network)."""

    async def authorization(self, http: AsyncClient) -> str | None:
        """No header."""
        return None

    def invalidate(self) -> bool:
        """Nothing to refresh."""
        return False


class _FixedHeader:
    """A fixed ``Authorization`` value; asking again after a 401 would not help."""

    def __init__(self, header: str) -> None:
        self._header = header

    async def authorization(self, http: AsyncClient) -> str | None:
        """The fixed header."""
        return self._header

    def invalidate(self) -> bool:
        """A fixed credential cannot be refreshed."""
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(***)"


class BasicAuth(_FixedHeader):
    """HTTP Basic with a fixed user and password."""

    def __init__(self, username: str, password: str) -> None:
        raw = f"{username}:{password}".encode()
        super().__init__("Basic " + base64.b64encode(raw).decode("ascii"))


class BearerAuth(_FixedHeader):
    """A static bearer token (issued out of band)."""

    def __init__(self, token: str) -> None:
        super().__init__(f"Bearer {token}")


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """The upstream credentials, as the gateway's settings provide them.

    Attributes:
        kind: ``none``, ``basic``, ``bearer`` or ``smart``.
        username: For ``basic``.
        password: For ``basic``.
        token: For ``bearer``.
        token_url: For ``smart``: the authorization server's token endpoint.
        client_id: For ``smart``: the registered client id (``iss`` and ``sub`` of the assertion).
        private_key_pem: For ``smart``: the PEM private key whose public half the server knows.
        key_id: For ``smart``: the ``kid`` of that key in the registered JWKS.
        algorithm: For ``smart``: ``RS384`` or ``ES384`` (the two the SMART spec requires servers to accept).
        scope: For ``smart``: the system scopes to request.
    """

    kind: AuthKind = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_url: str | None = None
    client_id: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)
    key_id: str | None = None
    algorithm: str = "RS384"
    scope: str = "system/*.read"


def auth_from_settings(settings: AuthSettings) -> UpstreamAuth:
    """Build the upstream authentication the settings ask for (once, in the app lifespan).

    Args:
        settings: The upstream credentials.

    Returns:
        An ``UpstreamAuth`` to pass to ``FhirClient``.

    Raises:
        ValueError: A setting the chosen kind needs is missing.
    """
    if settings.kind == "none":
        return NoAuth()
    if settings.kind == "basic":
        if settings.username is None or settings.password is None:
            raise ValueError("basic upstream auth needs username and password")
        return BasicAuth(settings.username, settings.password)
    if settings.kind == "bearer":
        if not settings.token:
            raise ValueError("bearer upstream auth needs a token")
        return BearerAuth(settings.token)
    if not (settings.token_url and settings.client_id and settings.private_key_pem):
        raise ValueError("smart upstream auth needs token_url, client_id and private_key_pem")
    from ._smart import SmartBackendAuth  # joserfc is only loaded when SMART is used

    return SmartBackendAuth(
        token_url=settings.token_url,
        client_id=settings.client_id,
        private_key=settings.private_key_pem,
        key_id=settings.key_id,
        algorithm=settings.algorithm,
        scope=settings.scope,
    )


__all__ = [
    "AuthKind",
    "AuthSettings",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "UpstreamAuth",
    "auth_from_settings",
]
