"""SessionStore against a real Redis, with a clock the tests move (no sleeping through timeouts)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from auth import ActiveSession, EndReason, ExpiredSession, ManualClock, NoSession, SessionLevel
from auth.events import SecurityEvents
from auth.sessions import SessionStore
from auth.tokens import new_token

pytestmark = pytest.mark.integration


@pytest.fixture
def store(redis: Redis, prefix: str, clock: ManualClock) -> SessionStore:
    return SessionStore(
        redis,
        prefix,
        clock,
        idle_timeout=timedelta(minutes=15),
        absolute_lifetime=timedelta(hours=12),
        tombstone=timedelta(hours=24),
        max_per_account=3,
        events=SecurityEvents(b"k" * 32),
    )


async def test_new_session_resolves_and_reports_its_expiry(store: SessionStore, clock: ManualClock) -> None:
    issued = await store.create("acc_1")
    assert len(issued.token) == 43
    found = await store.resolve(issued.token)
    assert isinstance(found, ActiveSession)
    session = found.session
    assert session.account_id == "acc_1" and session.level == SessionLevel.FULL
    assert session.expires_at == clock.now() + timedelta(minutes=15)
    assert session.absolute_expires_at == clock.now() + timedelta(hours=12)


async def test_raw_token_is_never_stored(store: SessionStore, redis: Redis, prefix: str) -> None:
    issued = await store.create("acc_1")
    async for key in redis.scan_iter(match=prefix + "*"):
        assert issued.token.encode() not in key
        if await redis.type(key) == b"hash":
            values = (await redis.hgetall(key)).values()
            assert issued.token not in " ".join(str(value) for value in values)


async def test_idle_timeout_slides_with_activity_and_expires_when_idle(
    store: SessionStore, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    issued = await store.create("acc_1")
    for _ in range(6):  # an hour of activity every 10 minutes keeps it alive
        clock.advance(minutes=10)
        assert isinstance(await store.resolve(issued.token), ActiveSession)
    clock.advance(minutes=14, seconds=59)
    assert isinstance(await store.resolve(issued.token, background=True), ActiveSession)
    clock.advance(seconds=1)
    with caplog.at_level(logging.INFO, logger="auth.security"):
        found = await store.resolve(issued.token)
    assert found == ExpiredSession(EndReason.IDLE, "acc_1")
    assert [r.__dict__["reason"] for r in caplog.records if r.__dict__.get("event") == "session.expired"] == [
        "IDLE"
    ]
    # Expired stays expired (and is told apart from a token we never issued).
    assert await store.resolve(issued.token) == ExpiredSession(EndReason.IDLE, "acc_1")
    assert await store.resolve(new_token()) == NoSession()


async def test_background_requests_do_not_extend_the_idle_window(
    store: SessionStore, clock: ManualClock
) -> None:
    issued = await store.create("acc_1")
    for _ in range(14):  # polling every minute
        clock.advance(minutes=1)
        found = await store.resolve(issued.token, background=True)
        assert isinstance(found, ActiveSession)
        assert found.session.expires_at == found.session.created_at + timedelta(minutes=15)
    clock.advance(minutes=1)
    assert await store.resolve(issued.token, background=True) == ExpiredSession(EndReason.IDLE, "acc_1")


async def test_extend_restarts_the_idle_window(store: SessionStore, clock: ManualClock) -> None:
    issued = await store.create("acc_1")
    clock.advance(minutes=14)
    extended = await store.extend(issued.token)
    assert isinstance(extended, ActiveSession)
    assert extended.session.expires_at == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=14)
    assert isinstance(await store.resolve(issued.token, background=True), ActiveSession)


async def test_absolute_lifetime_ends_even_an_active_session(store: SessionStore, clock: ManualClock) -> None:
    issued = await store.create("acc_1")
    found = await store.resolve(issued.token)
    for _ in range(12 * 6 - 1):
        clock.advance(minutes=10)
        found = await store.resolve(issued.token)
        assert isinstance(found, ActiveSession)
    assert isinstance(found, ActiveSession)
    assert found.session.expires_at == found.session.absolute_expires_at  # the warning shows the hard end
    clock.advance(minutes=10)
    assert await store.resolve(issued.token) == ExpiredSession(EndReason.ABSOLUTE, "acc_1")


async def test_tombstone_is_forgotten_after_its_time(store: SessionStore, clock: ManualClock) -> None:
    issued = await store.create("acc_1")
    assert await store.revoke(issued.token)
    clock.advance(hours=23)
    assert await store.resolve(issued.token) == ExpiredSession(EndReason.SIGNED_OUT, "acc_1")
    clock.advance(hours=2)
    assert await store.resolve(issued.token) == NoSession()


async def test_revoke_ends_one_session_server_side(store: SessionStore) -> None:
    first, second = await store.create("acc_1"), await store.create("acc_1")
    assert await store.revoke(first.token)
    assert not await store.revoke(first.token)
    assert await store.resolve(first.token) == ExpiredSession(EndReason.SIGNED_OUT, "acc_1")
    assert isinstance(await store.resolve(second.token), ActiveSession)


async def test_revoke_all_keeps_only_the_excepted_session(store: SessionStore) -> None:
    sessions = [await store.create("acc_1") for _ in range(3)]
    other = await store.create("acc_2")
    assert await store.revoke_all("acc_1", except_token=sessions[0].token) == 2
    assert isinstance(await store.resolve(sessions[0].token), ActiveSession)
    for issued in sessions[1:]:
        assert await store.resolve(issued.token) == ExpiredSession(EndReason.REVOKED, "acc_1")
    assert isinstance(await store.resolve(other.token), ActiveSession)
    assert await store.revoke_all("acc_1") == 1
    assert await store.active("acc_1") == []


async def test_rotate_issues_a_new_token_and_ends_the_old(store: SessionStore, clock: ManualClock) -> None:
    issued = await store.create("acc_1", level=SessionLevel.TOTP_SETUP)
    clock.advance(minutes=5)
    rotated = await store.rotate(issued.token, level=SessionLevel.FULL, two_factor=True, reauthenticated=True)
    assert rotated is not None and rotated.token != issued.token
    assert await store.resolve(issued.token) == ExpiredSession(EndReason.ROTATED, "acc_1")
    found = await store.resolve(rotated.token)
    assert isinstance(found, ActiveSession)
    new = found.session
    assert (new.level, new.two_factor, new.authenticated_at) == (SessionLevel.FULL, True, clock.now())
    assert new.absolute_expires_at == issued.session.absolute_expires_at  # rotation does not extend life
    assert await store.rotate(issued.token) is None


async def test_late_touch_cannot_resurrect_a_revoked_session(
    store: SessionStore, redis: Redis, prefix: str
) -> None:
    issued = await store.create("acc_1")
    await store.revoke(issued.token)
    touched = await store._touch(keys=[f"{prefix}session:{issued.session.id}"], args=["1"])
    assert touched == 0
    assert await store.resolve(issued.token) == ExpiredSession(EndReason.SIGNED_OUT, "acc_1")


@pytest.mark.parametrize("token", [None, "", 42, "x" * 43 + "!", "a" * 42, "a" * 44, "é" * 43, "\udcff" * 43])
async def test_malformed_or_forged_tokens_are_no_session(store: SessionStore, token: object) -> None:
    assert await store.resolve(token) == NoSession()
    assert not await store.revoke(token)
    assert await store.rotate(token) is None


async def test_oldest_sessions_beyond_the_limit_are_ended(store: SessionStore, clock: ManualClock) -> None:
    issued = []
    for _ in range(4):
        issued.append(await store.create("acc_1"))
        clock.advance(seconds=1)
    assert await store.resolve(issued[0].token) == ExpiredSession(EndReason.REVOKED, "acc_1")
    assert [s.id for s in await store.active("acc_1")] == [i.session.id for i in issued[1:]]
    assert await store.revoke_by_id("acc_1", issued[1].session.id)
    assert not await store.revoke_by_id("acc_2", issued[2].session.id)  # not yours
    assert len(await store.active("acc_1")) == 2
