"""Lockout counters and rate limits in a real Redis, timed by a clock the tests move."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from auth import ManualClock
from auth.lockout import Lockout
from auth.ratelimit import RateLimiter, RateRule

pytestmark = pytest.mark.integration


@pytest.fixture
def lockout(redis: Redis, prefix: str, clock: ManualClock) -> Lockout:
    return Lockout(
        redis, prefix, clock, threshold=4, duration=timedelta(minutes=30), failure_window=timedelta(hours=24)
    )


async def test_fourth_consecutive_failure_locks_for_the_duration(
    lockout: Lockout, clock: ManualClock
) -> None:
    for expected in (1, 2, 3):
        state = await lockout.record_failure("acc_1")
        assert (state.failures, state.locked) == (expected, False)
    state = await lockout.record_failure("acc_1")
    assert state.locked and state.locked_until == clock.now() + timedelta(minutes=30)
    clock.advance(minutes=10)
    again = await lockout.record_failure("acc_1")  # refused attempts neither count nor extend the lock
    assert again.locked_until == state.locked_until
    clock.advance(minutes=20)
    assert not (await lockout.state("acc_1")).locked
    assert (await lockout.record_failure("acc_1")).failures == 1  # a fresh count after the lock


async def test_success_clears_and_failures_far_apart_do_not_add_up(
    lockout: Lockout, clock: ManualClock
) -> None:
    for _ in range(3):
        await lockout.record_failure("acc_1")
    assert not await lockout.clear("acc_1")
    assert (await lockout.state("acc_1")).failures == 0
    for _ in range(3):
        await lockout.record_failure("acc_1")
        clock.advance(hours=25)
    assert (await lockout.state("acc_1")).failures == 1


async def test_concurrent_failures_are_counted_exactly(lockout: Lockout) -> None:
    states = await asyncio.gather(*(lockout.record_failure("acc_1") for _ in range(3)))
    assert sorted(s.failures for s in states) == [1, 2, 3]
    assert (await lockout.record_failure("acc_1")).locked
    assert await lockout.clear("acc_1")  # a staff unlock lifts a lock in force
    assert not (await lockout.state("acc_1")).locked


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
