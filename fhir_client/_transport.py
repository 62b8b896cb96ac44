"""The one place ``fhir_client`` touches its HTTP library.

Every other module takes HTTP names from here. httpx 0.28 is stable but no longer released; its maintained
successor ``httpx2`` keeps the same API line (authlib 1.9 already prefers it). Moving over is then a change of
the import below and nothing else.

The defaults are written out instead of inherited so that a reader sees what an upstream call may cost:

- ``connect`` 3 s: the EHR is on the local network; a slow handshake means it is in trouble.
- ``read`` 10 s: the longest wait for the next byte of an answer; large searches stream quickly once started.
- ``write`` 10 s: request bodies are small (a resource, a transaction Bundle).
- ``pool`` 3 s: waiting this long for a free connection means we are overloading the EHR; fail instead.

Each attempt gets these timeouts; a whole operation (retries and backoff included) is bounded by the
per-operation deadline in :class:`~fhir_client.ClientOptions`.
"""

from __future__ import annotations

import httpx

AsyncClient = httpx.AsyncClient
AsyncBaseTransport = httpx.AsyncBaseTransport
Headers = httpx.Headers
Limits = httpx.Limits
Request = httpx.Request
Response = httpx.Response
Timeout = httpx.Timeout
URL = httpx.URL
TimeoutException = httpx.TimeoutException
TransportError = httpx.TransportError
InvalidURL = httpx.InvalidURL

DEFAULT_TIMEOUT = Timeout(connect=3.0, read=10.0, write=10.0, pool=3.0)
# httpx's own pool defaults, written out: 100 connections, 20 kept alive for 30 s.
DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


def make_http_client(
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    limits: Limits = DEFAULT_LIMITS,
    transport: AsyncBaseTransport | None = None,
) -> AsyncClient:
    """Create the shared HTTP client for FHIR calls (once, in the app lifespan).

    Redirects are not followed: a FHIR server that redirects is misconfigured, and following a redirect could
    carry our credentials to another host. The environment (proxy variables, ``.netrc``) is ignored for the
    same reason: credentials are configured explicitly.

    Args:
        timeout: Per-attempt timeouts; :data:`DEFAULT_TIMEOUT` unless there is a reason.
        limits: Connection pool limits.
        transport: A custom transport (tests).

    Returns:
        A new client; the caller closes it (``await client.aclose()``) at shutdown.
    """
    return AsyncClient(
        timeout=timeout, limits=limits, transport=transport, follow_redirects=False, trust_env=False
    )


__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "URL",
    "AsyncBaseTransport",
    "AsyncClient",
    "Headers",
    "InvalidURL",
    "Limits",
    "Request",
    "Response",
    "Timeout",
    "TimeoutException",
    "TransportError",
    "make_http_client",
]
