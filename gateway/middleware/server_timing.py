"""``Server-Timing`` on every answer (setting ``server_timing``): CPU per phase and upstream requests.

Off by default outside development: the numbers are for developers' tools and the benchmark
(docs/performance.md), and cost a few microseconds per request.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.timings import CURRENT, Timings


class ServerTimingMiddleware:
    """Start the request's ``Timings`` and write them as the ``Server-Timing`` header.

    Args:
        app: The wrapped application.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timings = Timings()
        token = CURRENT.set(timings)

        async def send_timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("Server-Timing", timings.header())
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            CURRENT.reset(token)
