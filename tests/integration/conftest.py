"""Integration fixtures: the synthetic practice loaded into the real HAPI server once per session."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from fixtures import load_practice
from tests.integration.auth.helpers import SmtpSink


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
