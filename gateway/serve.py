"""How the gateway is served by uvicorn; one place, used by ``python -m gateway`` and by the tests."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp


def server_config(app: ASGIApp | str, *, host: str, port: int, workers: int = 1) -> uvicorn.Config:
    """Build the uvicorn configuration for ``app``.

    Args:
        app: The ASGI app from ``create_app``, or (with ``workers``) the import path of a factory of it.
        host: Interface to bind.
        port: Port to bind (0 for an ephemeral one).
        workers: Worker processes (each builds its own app; they share state only through Redis).

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
        workers=workers,
        factory=isinstance(app, str),
    )


def app_from_environment() -> ASGIApp:
    """The app of one worker process, from the ``PORTAL_*`` environment (``serve --workers N``)."""
    from .app import create_app
    from .logs import configure_logging
    from .settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
