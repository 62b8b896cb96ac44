"""/healthz and /readyz against a real Redis and the real HAPI server, taken away and given back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.servers import RedisServer, TcpRelay, running_gateway
from tests.support.settings import gateway_settings


@pytest.fixture
async def redis_server() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    yield server
    await server.close()


async def _ready(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    response = await client.get("/readyz")
    return response.status_code, response.json()["checks"]


async def test_readiness_follows_redis_and_fhir(
    redis_server: RedisServer, fhir_relay: TcpRelay, fhir_base_url: str
) -> None:
    settings = gateway_settings(
        "test", fhir_relay.relayed(fhir_base_url), redis_server.url, readiness_timeout=2.0
    )
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert await _ready(client) == (200, {"redis": "ok", "fhir": "ok", "audit": "ok"})

        await redis_server.stop()
        assert await _ready(client) == (503, {"redis": "unavailable", "fhir": "ok"})
        assert (await client.get("/healthz")).status_code == 200, "liveness does not depend on Redis"
        await redis_server.start()
        assert await _ready(client) == (200, {"redis": "ok", "fhir": "ok", "audit": "ok"})

        await fhir_relay.stop()
        assert await _ready(client) == (503, {"redis": "ok", "fhir": "unavailable", "audit": "ok"})
        await fhir_relay.start()
        assert await _ready(client) == (200, {"redis": "ok", "fhir": "ok", "audit": "ok"})


async def test_sessions_need_redis_but_liveness_does_not(
    redis_server: RedisServer, fhir_base_url: str
) -> None:
    settings = gateway_settings("test", fhir_base_url, redis_server.url, redis_timeout=1.0)
    query = {"query": "{ viewer { session { expiresAt } } }"}
    cookie = {"cookie": "__Host-portal_session=" + "A" * 43}
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        before = await client.post("/graphql", json=query, headers=cookie)
        assert before.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await redis_server.stop()
        down = await client.post("/graphql", json=query, headers=cookie)
        assert down.status_code == 503
        assert down.json()["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert (await client.get("/healthz", headers=cookie)).status_code == 200
        await redis_server.start()
        again = await client.post("/graphql", json=query, headers=cookie)
        assert again.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
