"""Lockout counters and rate limits in a real Redis, timed by a clock the tests move."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from auth import ManualClock
from auth.lockout import Lockout, LockState, Reservation
from auth.ratelimit import RateLimiter, RateRule

pytestmark = pytest.mark.integration


@pytest.fixture
def lockout(redis: Redis, prefix: str, clock: ManualClock) -> Lockout:
    return Lockout(
        redis, prefix, clock, threshold=4, duration=timedelta(minutes=30), failure_window=timedelta(hours=24)
    )


async def reserved(lockout: Lockout, subject: str = "ana") -> Reservation:
    reservation = await lockout.reserve(subject)
    assert isinstance(reservation, Reservation), reservation
    return reservation


async def failure(lockout: Lockout, subject: str = "ana") -> LockState:
    return await lockout.fail(await reserved(lockout, subject))


async def test_fourth_consecutive_failure_locks_for_the_duration(
    lockout: Lockout, clock: ManualClock
) -> None:
    for expected in (1, 2, 3):
        state = await failure(lockout)
        assert (state.failures, state.locked) == (expected, False)
    state = await failure(lockout)
    assert state.locked and state.newly_locked and state.locked_until == clock.now() + timedelta(minutes=30)
    clock.advance(minutes=10)
    refused = await lockout.reserve("ana")  # refused attempts neither count nor extend the lock
    assert isinstance(refused, LockState) and refused.locked_until == state.locked_until
    assert not refused.newly_locked
    clock.advance(minutes=20)
    assert not (await lockout.state("ana")).locked
    assert (await failure(lockout)).failures == 1  # a fresh count after the lock


async def test_success_clears_and_failures_far_apart_do_not_add_up(
    lockout: Lockout, clock: ManualClock
) -> None:
    for _ in range(3):
        await failure(lockout)
    assert not (await lockout.commit(await reserved(lockout), clear=True)).locked
    assert (await lockout.state("ana")).failures == 0
    for _ in range(3):
        await failure(lockout)
        clock.advance(hours=25)
    assert (await lockout.state("ana")).failures == 1


async def test_a_right_password_before_the_second_factor_keeps_the_count(lockout: Lockout) -> None:
    for _ in range(3):
        await failure(lockout)
    assert (await lockout.commit(await reserved(lockout), clear=False)).failures == 3
    assert (await failure(lockout)).locked


async def test_a_burst_gets_at_most_threshold_verifications_and_locks(lockout: Lockout) -> None:
    answers = await asyncio.gather(*(lockout.reserve("ana") for _ in range(50)))
    admitted = [a for a in answers if isinstance(a, Reservation)]
    refused = [a for a in answers if isinstance(a, LockState)]
    assert len(admitted) == 4 and len(refused) == 46
    assert all(r.locked for r in refused) and sum(r.newly_locked for r in refused) == 1
    # A right password among the admitted ones is refused: the burst locked the subject first.
    assert (await lockout.commit(admitted[0], clear=True)).locked
    assert all([(await lockout.fail(r)).locked for r in admitted[1:]])


async def test_a_success_forgets_only_failures_from_before_its_attempt(lockout: Lockout) -> None:
    await failure(lockout)
    right = await reserved(lockout)
    others = [await reserved(lockout) for _ in range(2)]
    for other in others:  # they fail while the right one is still being verified
        await lockout.fail(other)
    state = await lockout.commit(right, clear=True)
    assert (state.failures, state.locked) == (2, False), "the failures alongside it still count"


async def test_an_attempt_that_never_settles_counts_as_a_failure(
    lockout: Lockout, clock: ManualClock
) -> None:
    await reserved(lockout)  # the request died between reserving and its verdict
    clock.advance(minutes=3)
    assert (await reserved(lockout)).failures_before == 1


async def test_subjects_are_apart_and_keys_do_not_hold_them(
    lockout: Lockout, redis: Redis, prefix: str
) -> None:
    for _ in range(4):
        await failure(lockout, "ana")
    assert (await lockout.state("ana")).locked and not (await lockout.state("bob")).locked
    assert all(b"ana" not in key for key in [k async for k in redis.scan_iter(match=prefix + "*")])
    assert await lockout.clear("ana")  # a staff unlock lifts a lock in force
    assert not (await lockout.state("ana")).locked


async def test_rate_limit_counts_per_subject_and_resets_with_the_window(
    redis: Redis, prefix: str, clock: ManualClock
) -> None:
    limiter = RateLimiter(redis, prefix, clock)
    rule = RateRule("signin-ip", 3, timedelta(minutes=1))
    clock.set(clock.now().replace(second=0))
    decisions = [await limiter.hit(rule, "203.0.113.7") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == 60
    assert (await limiter.hit(rule, "203.0.113.8")).allowed  # another client is unaffected
    clock.advance(seconds=45)
    assert (await limiter.hit(rule, "203.0.113.7")).retry_after == 15
    clock.advance(seconds=15)
    assert (await limiter.hit(rule, "203.0.113.7")).allowed
    assert (await limiter.hit(rule, None)).allowed  # no IP is limited under one shared subject


async def test_rate_limit_is_exact_under_concurrency(redis: Redis, prefix: str, clock: ManualClock) -> None:
    limiter = RateLimiter(redis, prefix, clock)
    rule = RateRule("reset-ip", 10, timedelta(hours=1))
    decisions = await asyncio.gather(*(limiter.hit(rule, "198.51.100.1") for _ in range(25)))
    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.count for d in decisions) == list(range(1, 26))


async def test_rate_limit_keys_do_not_hold_the_address(redis: Redis, prefix: str, clock: ManualClock) -> None:
    await RateLimiter(redis, prefix, clock).hit(RateRule("signin-ip", 3, timedelta(minutes=1)), "192.0.2.55")
    keys = [key async for key in redis.scan_iter(match=prefix + "*")]
    assert keys and all(b"192.0.2.55" not in key for key in keys)
    assert all(0 < ttl <= 61 for ttl in [await redis.ttl(key) for key in keys])
