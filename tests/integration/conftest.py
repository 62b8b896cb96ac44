"""Integration fixtures: the synthetic practice loaded into the real HAPI server once per session, the SMTP
sink, a Redis of a test's own with AOF persistence (for restarts), and a relay to HAPI a test can cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import pytest

from fixtures import load_practice
from tests.integration.auth.helpers import SmtpSink
from tests.support.servers import RedisServer, TcpRelay


@pytest.fixture(scope="session")
async def practice(fhir_base_url: str) -> dict[str, int]:
    """Load the synthetic practice (idempotent) and return the expected count per resource type."""
    return await asyncio.to_thread(load_practice, fhir_base_url)


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback (aiosmtpd) whose received messages tests read."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def aof_redis() -> AsyncIterator[RedisServer]:
    """A Redis of this test's own with AOF persistence, to stop and start again; removed afterwards."""
    server = RedisServer(appendonly=True)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def fhir_relay(fhir_base_url: str) -> AsyncIterator[TcpRelay]:
    """A relay to the test HAPI server, started (``relayed(fhir_base_url)`` is the base through it)."""
    target = urlsplit(fhir_base_url)
    relay = TcpRelay(target.hostname or "127.0.0.1", target.port or 80)
    await relay.start()
    yield relay
    await relay.stop()
