"""Fixtures for fhir_client unit tests: a client over ``httpx.MockTransport`` for the faults that a real
HAPI server cannot produce on demand (timeouts, 5xx, HTML pages, truncated bodies, hostile links)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest

from fhir_client import ClientOptions, FhirClient, RetryPolicy

BASE = "http://fhir.test/fhir"
Handler = Callable[[httpx.Request], Any]


class Fake:
    """Builds mock-backed clients and canned FHIR answers; records every request sent."""

    base = BASE

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.delays: list[float] = []
        self._http: list[httpx.AsyncClient] = []

    def options(self, **overrides: Any) -> ClientOptions:
        async def no_sleep(seconds: float) -> None:
            self.delays.append(seconds)

        retry = overrides.pop("retry", RetryPolicy(sleep=no_sleep, random=lambda: 1.0))
        return ClientOptions(retry=retry, **overrides)

    def client(self, handler: Handler, *, options: ClientOptions | None = None, **kwargs: Any) -> FhirClient:
        async def recording(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            response = handler(request)
            if not isinstance(response, httpx.Response):
                response = await response
            return response

        http = httpx.AsyncClient(transport=httpx.MockTransport(recording))
        self._http.append(http)
        return FhirClient(http, BASE, request_id="req-7", options=options or self.options(), **kwargs)

    @staticmethod
    def json(body: Any, status: int = 200, **headers: str) -> httpx.Response:
        return httpx.Response(
            status, content=orjson.dumps(body), headers={"content-type": "application/fhir+json", **headers}
        )

    @staticmethod
    def outcome(code: str = "processing", diagnostics: str = "HAPI-0000: Patient/secret-id failed") -> dict:
        issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
        return {"resourceType": "OperationOutcome", "issue": [issue]}

    @staticmethod
    def patient(resource_id: str = "p1", version: str = "1") -> dict:
        return {"resourceType": "Patient", "id": resource_id, "meta": {"versionId": version}}

    @staticmethod
    def searchset(*entries: tuple[dict, str], next_url: str | None = None, total: int | None = None) -> dict:
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": resource, "search": {"mode": mode}} for resource, mode in entries],
        }
        if next_url:
            bundle["link"] = [{"relation": "next", "url": next_url}]
        if total is not None:
            bundle["total"] = total
        return bundle

    async def aclose(self) -> None:
        for http in self._http:
            await http.aclose()


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    helper = Fake()
    yield helper
    await helper.aclose()
