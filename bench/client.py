"""The benchmark's clients, measured as a client would see them: through HTTP, wall time per call.

- ``PortalClient``: a signed-in bearer client of the gateway (as the mobile app is); reads each answer's
  ``Server-Timing`` (CPU per phase, upstream requests).
- ``FhirClient``: the same questions asked of HAPI directly, as the minimal FHIR requests (independent ones
  sent together) or as one ``$graphql`` POST.

Every answer is checked (HTTP 200, no GraphQL errors, the expected data), so that a fast failure never
counts as a fast answer.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

SIGN_IN = """
mutation SignIn($username: String!, $password: String!) {
  signIn(username: $username, password: $password, bearer: true) {
    __typename
    ... on SignedIn { token }
  }
}
"""
_METRIC = re.compile(r"\s*([\w-]+)((?:;[^,]*)?)")
_DUR = re.compile(r";\s*dur=([0-9.]+)")
_DESC = re.compile(r';\s*desc="?(\d+)')


class BenchError(RuntimeError):
    """An answer was not what the question should get (an error is never timed as an answer)."""


@dataclass(frozen=True, slots=True)
class Timed:
    """One call: wall milliseconds, and the gateway's Server-Timing (empty for HAPI)."""

    ms: float
    server: Mapping[str, float] = field(default_factory=dict)
    upstream_requests: int | None = None


def server_timing(header: str | None) -> tuple[dict[str, float], int | None]:
    """The ``Server-Timing`` metrics (name -> dur) and the upstream request count (``fhir``'s desc)."""
    metrics: dict[str, float] = {}
    requests = None
    for part in (header or "").split(","):
        match = _METRIC.match(part)
        if not match:
            continue
        name, params = match.group(1), match.group(2)
        if dur := _DUR.search(params):
            metrics[name] = float(dur.group(1))
        if name == "fhir" and (desc := _DESC.search(params)):
            requests = int(desc.group(1))
    return metrics, requests


class PortalClient:
    """A signed-in client of the gateway at ``base`` (one session, its own connection)."""

    def __init__(self, base: str, token: str) -> None:
        self._http = httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=60,
        )

    @classmethod
    async def sign_in(cls, base: str, username: str, password: str) -> PortalClient:
        """Sign in as ``username`` and keep the session's bearer token."""
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            body = {"query": SIGN_IN, "variables": {"username": username, "password": password}}
            response = await http.post("/graphql", json=body)
        data = _graphql_data(response)
        token = data["signIn"].get("token")
        if not token:
            raise BenchError(f"sign-in of {username} answered {data['signIn']['__typename']}")
        return cls(base, token)

    async def query(self, document: str, variables: Mapping[str, Any] | None = None) -> tuple[Timed, Any]:
        """Run one operation; its timing and data (``BenchError`` on any error)."""
        body = orjson.dumps({"query": document, "variables": dict(variables or {})})
        started = time.perf_counter()
        response = await self._http.post("/graphql", content=body)
        ms = (time.perf_counter() - started) * 1000
        data = _graphql_data(response)
        metrics, requests = server_timing(response.headers.get("server-timing"))
        return Timed(ms, metrics, requests), data

    async def close(self) -> None:
        await self._http.aclose()


class FhirClient:
    """HAPI directly: the baseline a client without the gateway would get."""

    def __init__(self, base: str) -> None:
        self._http = httpx.AsyncClient(
            base_url=base.rstrip("/") + "/", headers={"Accept": "application/fhir+json"}, timeout=60
        )

    async def requests(self, paths: Sequence[str]) -> tuple[Timed, list[Any]]:
        """GET every path at once (they are independent); the time until the last answer."""
        started = time.perf_counter()
        responses = await asyncio.gather(*(self._http.get(path) for path in paths))
        ms = (time.perf_counter() - started) * 1000
        bodies = []
        for path, response in zip(paths, responses, strict=True):
            if response.status_code != 200:
                raise BenchError(f"HAPI answered {response.status_code} to {path.split('?')[0]}")
            bodies.append(orjson.loads(response.content))
        return Timed(ms), bodies

    async def graphql(self, path: str, document: str) -> tuple[Timed, Any]:
        """One FHIR GraphQL POST (``[base]/Patient/<id>/$graphql``)."""
        started = time.perf_counter()
        response = await self._http.post(
            path, content=document.encode(), headers={"Content-Type": "application/graphql"}
        )
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise BenchError(f"HAPI $graphql answered {response.status_code}: {response.text[:300]}")
        answer = orjson.loads(response.content)
        if answer.get("errors"):
            raise BenchError(f"HAPI $graphql errors: {answer['errors']}")
        return Timed(ms), answer["data"]

    async def close(self) -> None:
        await self._http.aclose()


def _graphql_data(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise BenchError(f"the gateway answered HTTP {response.status_code}: {response.text[:300]}")
    answer = orjson.loads(response.content)
    if answer.get("errors"):
        raise BenchError(f"the gateway answered errors: {answer['errors']}")
    return answer["data"]
