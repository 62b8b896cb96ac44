"""Fixtures for the auth integration tests: real Redis (a key prefix per test), real SMTP, a moving clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from auth import Auth, AuthSettings, ManualClock, SmtpMailer, build_auth
from tests.integration.auth.helpers import FakeDirectory, SmtpSink


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"test:auth:{uuid.uuid4().hex[:12]}:"
    yield value
    keys = [key async for key in redis.scan_iter(match=value + "*", count=500)]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC))


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def settings(prefix: str) -> AuthSettings:
    return auth_settings(prefix)


def auth_settings(prefix: str, **overrides: Any) -> AuthSettings:
    values: dict[str, Any] = {
        "key_prefix": prefix,
        "practice_code": "CADJCD",
        "practice_name": "CommuniCare Test Clinic",
        "reset_url_template": "https://portal.test/reset-password#token={token}",
        "mail_from": "portal@clinic.test",
        # Cheap argon2 keeps the suite fast; production parameters are covered by tests/unit/auth.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "uniform_response_seconds": 0.0,
    }
    values.update(overrides)
    return AuthSettings(**values)


@pytest.fixture
def make_auth(redis: Redis, prefix: str, clock: ManualClock, smtp: SmtpSink) -> Callable[..., Auth]:
    """Build ``Auth`` over the real Redis and SMTP sink; keyword arguments override settings."""

    def build(**overrides: Any) -> Auth:
        mailer = SmtpMailer("127.0.0.1", smtp.port, sender="portal@clinic.test", security="none")
        return build_auth(
            redis, auth_settings(prefix, **overrides), mailer=mailer, ip_hash_key=b"k" * 32, clock=clock
        )

    return build


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth()
