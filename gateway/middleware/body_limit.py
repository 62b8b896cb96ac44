"""Request body size cap: larger bodies are refused with 413 before the GraphQL layer reads them."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_response
from resolvers.errors import ErrorCode


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes the cap."""


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413 and a GraphQL-shaped error.

    Both a declared ``Content-Length`` and the bytes actually streamed (chunked bodies) are checked.

    Args:
        app: The wrapped application.
        max_bytes: The largest body accepted.
        larger: Paths with a cap of their own (file uploads), exactly as given.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.larger.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _refuse(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _refuse(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(413, "Request body too large.", ErrorCode.BAD_USER_INPUT)(scope, receive, send)
