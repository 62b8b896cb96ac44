"""The gateway's HTTP surface, served by uvicorn against the real HAPI server and Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway import Settings
from tests.support.servers import running_gateway
from tests.support.settings import gateway_settings

QUERY = "{ __typename }"


def _settings(environment: str, fhir_base_url: str, redis_url: str) -> Settings:
    return gateway_settings(environment, fhir_base_url, redis_url)


@pytest.fixture
async def dev(fhir_base_url: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = _settings("development", fhir_base_url, redis_url)
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


@pytest.fixture
async def prod(fhir_base_url: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = _settings("production", fhir_base_url, redis_url)
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


async def test_security_headers_on_every_response(prod: httpx.AsyncClient) -> None:
    for response in (await prod.get("/healthz"), await prod.post("/graphql", json={"query": QUERY})):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert "server" not in response.headers


async def test_request_id_kept_when_plain_and_replaced_when_not(prod: httpx.AsyncClient) -> None:
    kept = await prod.get("/healthz", headers={"X-Request-ID": "frontend-abc-123"})
    assert kept.headers["x-request-id"] == "frontend-abc-123"
    for hostile in ("<script>alert(1)</script>", "x" * 500, "short"):
        replaced = await prod.get("/healthz", headers={"X-Request-ID": hostile})
        assert replaced.headers["x-request-id"] != hostile
        assert len(replaced.headers["x-request-id"]) == 32


async def _post_body(client: httpx.AsyncClient, size: int, *, chunked: bool = False) -> httpx.Response:
    """POST a valid GraphQL request padded with whitespace to exactly ``size`` bytes."""
    body = json.dumps({"query": QUERY}).encode()
    body = body[:-1] + b" " * (size - len(body)) + b"}"
    assert len(body) == size
    if not chunked:
        return await client.post("/graphql", content=body, headers={"content-type": "application/json"})

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    return await client.post("/graphql", content=stream(), headers={"content-type": "application/json"})


async def test_body_at_cap_is_served_and_one_byte_more_is_413(dev: httpx.AsyncClient) -> None:
    at_cap = await _post_body(dev, 64 * 1024)
    assert at_cap.status_code == 200
    assert at_cap.json() == {"data": {"__typename": "Query"}}
    over = await _post_body(dev, 64 * 1024 + 1)
    assert over.status_code == 413
    assert over.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_chunked_body_over_cap_is_413(dev: httpx.AsyncClient) -> None:
    response = await _post_body(dev, 200 * 1024, chunked=True)
    assert response.status_code == 413


async def test_get_queries_only_in_development(dev: httpx.AsyncClient, prod: httpx.AsyncClient) -> None:
    ok = await dev.get("/graphql", params={"query": QUERY})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"__typename": "Query"}}
    refused = await prod.get("/graphql", params={"query": QUERY})
    assert refused.status_code in (400, 405)
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_graphiql_only_in_development(dev: httpx.AsyncClient, prod: httpx.AsyncClient) -> None:
    page = await dev.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    missing = await prod.get("/graphql", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded"),
        (b'{"query": "{ __typename }"}', "text/plain"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"query": 42}', "application/json"),
        (b"[]", "application/json"),
    ],
)
async def test_malformed_requests_get_a_coded_error(
    prod: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await prod.post("/graphql", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
