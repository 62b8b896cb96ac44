"""A recording HTTP reverse proxy in front of the real HAPI server: what left the gateway, as HAPI saw it.

The gateway under test is pointed at the proxy's base URL; every request is forwarded unchanged (the Host
header stays the proxy's, so HAPI's paging links point back through it) and recorded with its decoded URL
and body, so a test can assert that no request for another patient's data was sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serving

_HOP = {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class Recorded:
    """One request that reached HAPI: method, decoded path and query, and body text."""

    method: str
    url: str
    body: str

    def mentions(self, text: str) -> bool:
        return text in self.url or text in self.body

    @property
    def batched(self) -> list[str]:
        """For a ``batch`` Bundle of GETs (the client's ``GetBatcher``): each entry as ``GET /fhir/...``."""
        if self.method != "POST" or '"type":"batch"' not in self.body:
            return []
        base = self.url.rstrip("/")
        return [
            f"{e['request']['method']} {base}/{unquote(e['request']['url'])}"
            for e in json.loads(self.body).get("entry", [])
        ]

    @property
    def reads_only(self) -> bool:
        """A GET, or a batch of GETs: nothing written."""
        return self.method == "GET" or (
            bool(self.batched) and all(e.startswith("GET ") for e in self.batched)
        )

    def describe(self) -> str:
        """``METHOD url``, with a batch's entries after it: ``POST /fhir [GET /fhir/A, GET /fhir/B?x]``."""
        inner = self.batched
        return f"{self.method} {self.url}" + (f" [{', '.join(inner)}]" if inner else "")


@dataclass
class Recorder:
    """The proxy's base URL (``.../fhir``) and what went through it."""

    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    lost_answers: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)
    meanwhile: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def clear(self) -> None:
        self.requests.clear()

    def flat(self) -> list[str]:
        """Every request as ``METHOD url``, a batch's GETs as their own entries (what HAPI answered)."""
        return [item for r in self.requests for item in (r.batched or [f"{r.method} {r.url}"])]

    def lose_next_answer(self, method: str) -> None:
        """Fault injection: the next ``method`` request reaches HAPI, which does its work, but the gateway
        gets a 502 instead of its answer (an answer lost on the way back; a real server cannot stage it)."""
        self.lost_answers.append(method)

    def before_next(self, method: str, change: Callable[[], None]) -> None:
        """Fault injection: ``change`` runs (straight against HAPI) just before the next ``method`` request
        is forwarded: someone else's write between the gateway's read and its own."""
        self.meanwhile.append((method, change))

    def ignore_param(self, name: str) -> None:
        """Fault injection: HAPI never sees the search parameter ``name`` (in URLs and in batch entries), as
        a server that does not support it would behave (it then answers as if it were not there)."""
        self.ignored.add(name)

    def refuse_next(self, method: str) -> None:
        """Fault injection: the next ``method`` request is answered 503 without reaching HAPI."""
        self.refused.append(method)


@asynccontextmanager
async def recording_proxy(upstream_base: str) -> AsyncIterator[Recorder]:
    """Run the proxy for ``upstream_base`` (e.g. ``http://127.0.0.1:8080/fhir``) on an ephemeral port."""
    upstream = httpx.URL(upstream_base)
    origin = f"{upstream.scheme}://{upstream.netloc.decode()}"
    recorder = Recorder()

    async with httpx.AsyncClient(base_url=origin, timeout=30) as client:

        async def forward(request: Request) -> Response:
            body = await request.body()
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            recorded = Recorded(request.method, unquote(path), body.decode("utf-8", "replace"))
            recorder.requests.append(recorded)
            # Faults aimed at a method: a batch of GETs (the client's GetBatcher) counts as a GET.
            method = "GET" if recorded.batched and recorded.reads_only else request.method
            for pending in recorder.meanwhile:
                if pending[0] == method:
                    recorder.meanwhile.remove(pending)
                    pending[1]()
                    break
            if method in recorder.refused:
                recorder.refused.remove(method)
                return Response(b"unavailable", status_code=503, media_type="text/plain")
            for name in recorder.ignored:
                path = re.sub(rf"[?&]{re.escape(name)}=[^&]*", "", path)
                body = re.sub(rf"(?:&|\\u0026){re.escape(name)}=[^&\"\\]*".encode(), b"", body)
            headers = {k: v for k, v in request.headers.items() if k not in _HOP and k != "accept-encoding"}
            reply = await client.request(request.method, path, content=body, headers=headers)
            if method in recorder.lost_answers:
                recorder.lost_answers.remove(method)
                return Response(b"lost on the way back", status_code=502, media_type="text/plain")
            out = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP}
            return Response(reply.content, status_code=reply.status_code, headers=out)

        app = Starlette(
            routes=[Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        async with serving(server) as port:
            recorder.base_url = f"http://127.0.0.1:{port}{upstream.path}"
            yield recorder
