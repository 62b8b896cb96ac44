"""How the gateway is served by uvicorn; one place, used by ``python -m gateway`` and by the tests."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp


def server_config(app: ASGIApp, *, host: str, port: int) -> uvicorn.Config:
    """Build the uvicorn configuration for ``app``.

    Args:
        app: The ASGI app from ``create_app``.
        host: Interface to bind.
        port: Port to bind (0 for an ephemeral one).

    Returns:
        The configuration: our own JSON access log instead of uvicorn's, no ``Server`` header, and
        uvicorn's own forwarded-header handling off: the app applies it for ``PORTAL_TRUSTED_PROXIES``
        (``create_app``), so the trust list is part of the app however it is served.
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
    )
