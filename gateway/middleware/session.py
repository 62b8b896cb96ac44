"""Session lookup before GraphQL runs (docs/architecture.md, step 1; docs/auth.md section 1).

The token comes from ``Authorization: Bearer`` or the session cookie. The lookup (live, expired or none) is
stored in ``scope["state"]["session"]``; this middleware refuses nothing, because public fields such as
``signIn`` need no viewer. The schema decides per field (``resolvers.viewer.require_viewer``).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import auth
from gateway.errors import error_response
from resolvers.errors import ErrorCode
from resolvers.viewer import SessionState

logger = logging.getLogger("gateway.session")


class SessionMiddleware:
    """Resolve the request's session token once, through the lifespan's ``Auth``.

    A request marked ``X-Background-Request: 1`` (polling) does not move the idle window. When a cookie names
    a session that is over, the response clears the cookie, unless the request itself set a new one.

    Only ``paths`` are looked at: the health endpoints must answer without Redis. When Redis cannot be
    reached, the request gets a GraphQL-shaped 503 (UPSTREAM_UNAVAILABLE): nobody can be recognised then.

    Args:
        app: The wrapped application.
        secure_cookie: Use the ``__Host-`` cookie with ``Secure`` (everywhere except development).
        paths: The paths whose requests carry sessions.
    """

    def __init__(self, app: ASGIApp, *, secure_cookie: bool, paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app = app
        self.secure_cookie = secure_cookie
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        service: auth.Auth = state["auth"]
        headers = Headers(scope=scope)
        authorization = headers.get("authorization")
        token = auth.token_from_headers(
            cookie=headers.get("cookie"), authorization=authorization, secure=self.secure_cookie
        )
        bearer = token is not None and (authorization or "").lower().startswith("bearer ")
        try:
            lookup = await service.sessions.resolve(
                token, background=headers.get("x-background-request") == "1"
            )
        except (RedisError, OSError) as exc:
            logger.error("session store unavailable", extra={"error_class": type(exc).__name__})
            await _unavailable(scope, receive, send)
            return
        state["session"] = SessionState(lookup=lookup, token=token, bearer=bearer)
        if not isinstance(lookup, auth.ExpiredSession) or bearer:
            await self.app(scope, receive, send)
            return
        clear = auth.clear_cookie(secure=self.secure_cookie)

        async def send_clearing(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if "set-cookie" not in response_headers:
                    response_headers.append("set-cookie", clear)
            await send(message)

        await self.app(scope, receive, send_clearing)


async def _unavailable(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        503, "The sign-in service is not reachable right now.", ErrorCode.UPSTREAM_UNAVAILABLE
    )
    await response(scope, receive, send)
