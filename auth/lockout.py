"""Account lockout after consecutive failed sign-ins (DESIGN.md section 5: "four invalid attempts").

Counted per *account*, not per IP (OWASP Authentication Cheat Sheet), in one Redis key per account::

    lockout:<account id>   JSON {"failures": n, "last_failure": t, "locked_until": t | null}

The ``threshold``-th consecutive failure locks the account until ``now + duration`` (defaults 4 and 30
minutes; NIST 800-63B 5.2.2 allows at most 100). While locked every attempt is refused, the right password
included, and refused attempts neither count nor extend the lock (so a lock cannot be stretched into a denial
of service). A success, a completed password reset or a staff unlock clears the record; failures more than
``failure_window`` after the previous one start a fresh count. Updates are one Lua script with the clock's
time passed in, so concurrent failures are counted exactly and tests move a ``ManualClock`` instead of
waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ._redis import Keys, Redis, gc_seconds, load_json
from .clock import Clock, epoch, from_epoch

# ARGV: now, threshold, lock seconds, failure window seconds, gc ttl
_FAIL = """
local raw = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
local s = {failures = 0, last_failure = 0}
if raw then s = cjson.decode(raw) end
if s['locked_until'] and s['locked_until'] ~= cjson.null and tonumber(s['locked_until']) > now then
  return raw
end
if now - tonumber(s['last_failure']) > tonumber(ARGV[4]) or
   (s['locked_until'] and s['locked_until'] ~= cjson.null) then
  s['failures'] = 0
end
s['locked_until'] = nil
s['failures'] = tonumber(s['failures']) + 1
s['last_failure'] = now
if s['failures'] >= tonumber(ARGV[2]) then
  s['locked_until'] = now + tonumber(ARGV[3])
end
local out = cjson.encode(s)
redis.call('SET', KEYS[1], out, 'EX', ARGV[5])
return out
"""


@dataclass(frozen=True, slots=True)
class LockState:
    """An account's lockout state.

    Attributes:
        failures: Consecutive failures counted so far (reset when a lock starts over).
        locked_until: When the current lock ends, or ``None`` when not locked.
    """

    failures: int
    locked_until: datetime | None

    @property
    def locked(self) -> bool:
        """Whether a lock is in force."""
        return self.locked_until is not None


class Lockout:
    """Counts failures and locks accounts.

    Args:
        redis: The shared Redis client.
        prefix: Key prefix.
        clock: The time source.
        threshold: Consecutive failures that lock (``AuthSettings.lockout_threshold``).
        duration: How long a lock lasts (``AuthSettings.lockout_duration``).
        failure_window: Failures further apart than this do not add up.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        clock: Clock,
        *,
        threshold: int,
        duration: timedelta,
        failure_window: timedelta,
    ) -> None:
        self._redis = redis
        self._key = Keys(prefix)
        self._clock = clock
        self.threshold = threshold
        self.duration = duration
        self._window = failure_window
        self._fail = redis.register_script(_FAIL)

    async def state(self, account_id: str) -> LockState:
        """The account's current state (a lock whose time has passed reads as not locked)."""
        data = load_json(await self._redis.get(self._key("lockout", account_id)))
        return self._state(data)

    async def record_failure(self, account_id: str) -> LockState:
        """Count one failed attempt; lock the account when it reaches the threshold.

        Returns:
            The state after this failure (``locked`` when this failure locked it or it already was).
        """
        now = epoch(self._clock.now())
        ttl = gc_seconds(max(self.duration, self._window))
        args = [now, self.threshold, self.duration.total_seconds(), self._window.total_seconds(), ttl]
        raw = await self._fail(keys=[self._key("lockout", account_id)], args=args)
        return self._state(load_json(raw))

    async def clear(self, account_id: str) -> bool:
        """Forget failures and lift any lock (after a success, a reset or a staff unlock).

        Returns:
            Whether there was a lock in force.
        """
        key = self._key("lockout", account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return self._state(load_json(raw)).locked

    def _state(self, data: dict[str, object] | None) -> LockState:
        if data is None:
            return LockState(failures=0, locked_until=None)
        until = data.get("locked_until")
        failures = data.get("failures", 0)
        count = int(failures) if isinstance(failures, int | float) else 0
        if isinstance(until, int | float) and until > epoch(self._clock.now()):
            return LockState(failures=count, locked_until=from_epoch(until))
        return LockState(failures=count, locked_until=None)
