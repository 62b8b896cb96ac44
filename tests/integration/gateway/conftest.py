"""Fixtures for the gateway's flow tests: the gateway under uvicorn over the real Redis, HAPI and SMTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from access import build_access
from auth import ManualClock, SmtpMailer, build_auth
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.portal import ADMIN_KEY_SHA256, Portal
from tests.support.servers import running_gateway
from tests.support.settings import IP_HASH_KEY, gateway_settings

StartPortal = Callable[..., AbstractAsyncContextManager[Portal]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def start_portal(
    fhir_base_url: str, redis_url: str, clock: ManualClock, smtp: SmtpSink, practice: dict[str, int]
) -> StartPortal:
    """Start a gateway (``environment``, another FHIR base and settings overrides as keywords); its Redis keys
    go afterwards."""

    @asynccontextmanager
    async def start(
        environment: str = "test", fhir_base: str | None = None, redis: str | None = None, **overrides: Any
    ) -> AsyncIterator[Portal]:
        redis_at = redis or redis_url
        settings = gateway_settings(
            environment, fhir_base or fhir_base_url, redis_at, admin_key_sha256=ADMIN_KEY_SHA256, **overrides
        )
        mailer = SmtpMailer("127.0.0.1", smtp.port, sender=settings.mail_from, security="none")
        side_redis = Redis.from_url(
            redis_at,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=[RedisConnectionError],
        )
        side = build_auth(
            side_redis, settings.auth_settings(), mailer=mailer, ip_hash_key=IP_HASH_KEY.encode(), clock=clock
        )
        try:
            async with (
                running_gateway(settings, clock=clock, mailer=mailer) as base,
                httpx.AsyncClient(base_url=base, timeout=20) as client,
            ):
                yield Portal(
                    client,
                    settings,
                    side,
                    build_access(side_redis, settings.auth_key_prefix, clock),
                    side_redis,
                    clock,
                )
        finally:
            keys = [k async for k in side_redis.scan_iter(match=settings.auth_key_prefix + "*", count=500)]
            if keys:
                await side_redis.delete(*keys)
            await side_redis.aclose()

    return start


@pytest.fixture
async def portal(start_portal: StartPortal) -> AsyncIterator[Portal]:
    """A gateway in the ``test`` environment (``__Host-`` cookie with ``Secure``)."""
    async with start_portal() as started:
        yield started


from tests.integration.gateway.access_support import access, context_for, family, start_access  # noqa: E402

__all__ = ["access", "clock", "context_for", "family", "portal", "start_access", "start_portal"]
