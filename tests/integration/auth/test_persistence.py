"""Accounts survive a Redis restart when Redis runs with AOF persistence (docs/auth.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.asyncio import Redis

from auth import ActiveSession, AuthSettings, ManualClock, SignedIn, SmtpMailer, build_auth
from tests.integration.auth.helpers import PASSWORD, FakeDirectory, SmtpSink, active_account
from tests.support.servers import RedisServer

pytestmark = pytest.mark.integration


async def test_accounts_and_sessions_survive_a_restart(
    aof_redis: RedisServer, clock: ManualClock, smtp: SmtpSink, directory: FakeDirectory
) -> None:
    settings = AuthSettings(argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1)
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="portal@clinic.test", security="none")

    client = Redis.from_url(aof_redis.url)
    auth = build_auth(client, settings, mailer=mailer, ip_hash_key=b"k" * 32, clock=clock)
    account = await active_account(auth, directory, clock, key="aof1")
    signed = await auth.signin.sign_in("user.aof1", PASSWORD, ip="127.0.0.1")
    assert isinstance(signed, SignedIn)
    await client.aclose()

    await aof_redis.stop()
    assert await asyncio.to_thread(lambda: any(Path(aof_redis.folder).rglob("*.aof")))
    await aof_redis.start()

    client = Redis.from_url(aof_redis.url)
    try:
        auth = build_auth(client, settings, mailer=mailer, ip_hash_key=b"k" * 32, clock=clock)
        assert await auth.accounts.get(account.id) == account
        assert await auth.accounts.by_username("user.aof1") == account
        assert isinstance(await auth.sessions.resolve(signed.token), ActiveSession)
        assert isinstance(await auth.signin.sign_in("user.aof1", PASSWORD, ip="127.0.0.1"), SignedIn)
    finally:
        await client.aclose()
