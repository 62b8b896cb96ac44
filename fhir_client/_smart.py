"""SMART Backend Services: a system-level access token by client_credentials and a signed JWT assertion.

Flow (https://hl7.org/fhir/smart-app-launch/backend-services.html): the client signs a short-lived JWT
(``iss`` = ``sub`` = client id, ``aud`` = token URL, ``exp`` <= 5 minutes, a fresh ``jti``) with its private
key, posts it to the token endpoint as ``client_assertion`` with ``grant_type=client_credentials``, and gets
a bearer token with an ``expires_in``. The token is cached until shortly before it expires, fetched by one
caller at a time, and dropped when the FHIR server answers 401 (revoked early).

The assertion is signed with joserfc (authlib's successor for JOSE); the token request goes through the
shared HTTP client of ``fhir_client._transport``.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from ._errors import FhirAuthError
from ._log import log_call
from ._transport import DEFAULT_TIMEOUT, AsyncClient, Timeout, TimeoutException, TransportError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds; the SMART spec allows at most five minutes
_DEFAULT_EXPIRES_IN = 300  # assumed when the server omits expires_in


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float


class SmartBackendAuth:
    """Bearer tokens from a SMART Backend Services authorization server.

    Args:
        token_url: The token endpoint.
        client_id: The registered client id.
        private_key: The signing key, as a joserfc key or PEM text.
        key_id: ``kid`` header of the assertion (lets the server pick the key from its JWKS).
        algorithm: ``RS384`` or ``ES384``.
        scope: The requested scopes, e.g. ``"system/*.read"``.
        refresh_margin: Seconds before expiry at which a cached token is replaced.
        timeout: Timeouts of the token request.
        clock: Wall-clock seconds (``exp`` claims are wall-clock); tests inject a fake one.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        private_key: RSAKey | ECKey | str,
        key_id: str | None = None,
        algorithm: str = "RS384",
        scope: str = "system/*.read",
        refresh_margin: float = 60.0,
        timeout: Timeout = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if algorithm not in ("RS384", "ES384"):
            raise ValueError("SMART Backend Services signs with RS384 or ES384")
        if isinstance(private_key, str):
            key_class = RSAKey if algorithm.startswith("RS") else ECKey
            private_key = key_class.import_key(private_key)
        self._key = private_key
        self._token_url = token_url
        self._client_id = client_id
        self._key_id = key_id
        self._algorithm = algorithm
        self._scope = scope
        self._margin = refresh_margin
        self._timeout = timeout
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    async def authorization(self, http: AsyncClient) -> str | None:
        """``Bearer <token>``, fetching a new token first if none is cached or it is about to expire.

        Raises:
            FhirAuthError: The token endpoint failed or refused.
        """
        token = self._token
        if token is None or self._clock() >= token.refresh_at:
            async with self._lock:  # one fetch at a time; the others reuse its token
                token = self._token
                if token is None or self._clock() >= token.refresh_at:
                    token = self._token = await self._fetch(http)
        return f"Bearer {token.value}"

    def invalidate(self) -> bool:
        """Drop the cached token (the server answered 401); the next request fetches a new one."""
        self._token = None
        return True

    def assertion(self) -> str:
        """A freshly signed client assertion JWT."""
        now = int(self._clock())
        header: dict[str, Any] = {"alg": self._algorithm, "typ": "JWT"}
        if self._key_id:
            header["kid"] = self._key_id
        claims = {
            "iss": self._client_id,
            "sub": self._client_id,
            "aud": self._token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode(header, claims, self._key, algorithms=[self._algorithm])

    async def _fetch(self, http: AsyncClient) -> _Token:
        form = {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        started = time.perf_counter()
        status: int | str = "error"
        try:
            response = await http.post(
                self._token_url, data=form, headers={"Accept": "application/json"}, timeout=self._timeout
            )
            status = response.status_code
        except (TimeoutException, TransportError) as exc:
            status = "transport-error"
            raise FhirAuthError("SMART token endpoint unreachable") from exc
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log_call(
                method="POST",
                interaction="token",
                resource_type=None,
                status=status,
                elapsed_ms=elapsed,
                attempt=1,
                request_id=None,
            )
        if response.status_code != 200:
            raise FhirAuthError("SMART token request refused", status_code=response.status_code)
        return self._parse(response.content)

    def _parse(self, content: bytes) -> _Token:
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise FhirAuthError("SMART token endpoint answered without a JSON object", status_code=200)
        value, kind = body.get("access_token"), body.get("token_type")
        if not isinstance(value, str) or not value or not isinstance(kind, str) or kind.lower() != "bearer":
            raise FhirAuthError("SMART token endpoint answered without a bearer token", status_code=200)
        expires_in = body.get("expires_in", _DEFAULT_EXPIRES_IN)
        if not isinstance(expires_in, int | float) or expires_in <= 0:
            expires_in = _DEFAULT_EXPIRES_IN
        margin = min(self._margin, expires_in / 2)
        return _Token(value, self._clock() + expires_in - margin)

    def __repr__(self) -> str:
        return f"SmartBackendAuth(client_id={self._client_id!r}, token_url={self._token_url!r})"


__all__ = ["ASSERTION_TYPE", "SmartBackendAuth"]
