"""Integration fixtures: the synthetic practice loaded into the real HAPI server once per session, the SMTP
sink, and a Redis of a test's own with AOF persistence (for restarts)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from fixtures import load_practice
from tests.integration.auth.helpers import SmtpSink
from tests.support.servers import RedisServer


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
