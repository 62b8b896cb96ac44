"""Attempts reserved before anything is verified, and the lock after consecutive failures.

Four consecutive failures lock the account for 30 minutes (docs/auth.md). The count is per *subject*
(the username that was typed, for sign-in), not per client address (OWASP Authentication Cheat Sheet), and
it holds under concurrency: a burst of parallel guesses cannot get more than ``threshold`` verifications.

Every check works in three steps, each one Lua script on one key (``lockout:<kind>:<sha256(subject)>``, a
JSON record), so no read-then-write race is left:

1. ``reserve`` before verifying anything. Refused while locked (nothing is verified then, and nothing counts
   or extends the lock). The reservation is counted at once ("INCR first"): when the failures already
   recorded plus the reservations still in flight reach ``threshold``, this attempt is one too many, and it
   locks the subject instead of being verified. Sequential attempts never get there (the threshold-th
   failure locks first); a parallel burst does, and locks.
2. ``fail`` when the secret was wrong: one more failure; the ``threshold``-th locks.
3. ``commit`` when it was right, after the session or challenge was made and before it is handed out: refused
   when a lock came in the meantime (the caller then throws away what it made). With ``clear`` (the whole
   sign-in succeeded, second factor included) the failures recorded *before this attempt was reserved* are
   forgotten; failures of attempts running alongside it stay counted, so a right guess inside a burst does
   not wipe out the burst. Without ``clear`` (password right, second factor still to come) only the
   reservation is given back.

A reservation whose request died between ``reserve`` and its verdict counts as a failure once it is
``stale`` (fail closed). Failures more than ``failure_window`` after the previous one start a fresh count; a
lock that ran out does too. A completed password reset or a staff unlock deletes the record.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._redis import Keys, Redis, gc_seconds, load_json, text
from .clock import Clock, epoch, from_epoch

# State: f = failures, g = clear generation, p = {reservation id: started}, lu = locked until,
# lf = last failure. KEYS[1]: the record. ARGV: op, now, threshold, lock seconds, window seconds,
# stale seconds, ttl, id, f0, g0, clear. Returns {verdict, state JSON, newly locked (0/1)}.
_SCRIPT = """
local now = tonumber(ARGV[2])
local threshold, lock = tonumber(ARGV[3]), tonumber(ARGV[4])
local window, stale = tonumber(ARGV[5]), tonumber(ARGV[6])
local op, id = ARGV[1], ARGV[8]
local raw = redis.call('GET', KEYS[1])
local s = {f = 0, g = 0, p = {}, lf = 0}
if raw then s = cjson.decode(raw) end
if type(s.p) ~= 'table' then s.p = {} end
local function locked() return s.lu ~= nil and s.lu ~= cjson.null and tonumber(s.lu) > now end
local function lock_now() s.lu = now + lock; return 1 end
local function save()
  local pending = next(s.p) ~= nil
  if s.f == 0 and not pending and not locked() then redis.call('DEL', KEYS[1])
  else redis.call('SET', KEYS[1], cjson.encode(s), 'EX', ARGV[7]) end
end
if not locked() then
  if s.lu ~= nil and s.lu ~= cjson.null then
    s.lu = nil; s.f = 0; s.p = {}; s.g = s.g + 1          -- a lock that ran out: a fresh count
  elseif s.f > 0 and now - tonumber(s.lf) > window then
    s.f = 0; s.g = s.g + 1                                -- failures far apart do not add up
  end
  for rid, started in pairs(s.p) do                       -- a request that died counts as a failure
    if now - tonumber(started) > stale then s.p[rid] = nil; s.f = s.f + 1; s.lf = now end
  end
end
local newly = 0
if op == 'reserve' then
  if locked() then return {'locked', cjson.encode(s), 0} end
  local inflight = 0
  for _ in pairs(s.p) do inflight = inflight + 1 end
  if s.f + inflight >= threshold then
    newly = lock_now(); save(); return {'locked', cjson.encode(s), newly}
  end
  s.p[id] = now; save()
  return {'ok', cjson.encode(s), 0}
end
s.p[id] = nil
if op == 'fail' then
  if locked() then save(); return {'locked', cjson.encode(s), 0} end
  s.f = s.f + 1; s.lf = now
  if s.f >= threshold then newly = lock_now() end
  save()
  return {locked() and 'locked' or 'ok', cjson.encode(s), newly}
end
-- commit
if locked() then save(); return {'locked', cjson.encode(s), 0} end
if ARGV[11] == '1' then
  if s.g == tonumber(ARGV[10]) then s.f = math.max(0, s.f - tonumber(ARGV[9])) end
  s.g = s.g + 1
end
save()
return {'ok', cjson.encode(s), 0}
"""


@dataclass(frozen=True, slots=True)
class LockState:
    """A subject's lockout state.

    Attributes:
        failures: Consecutive failures counted so far.
        locked_until: When the current lock ends, or ``None`` when not locked.
        newly_locked: This call set the lock (tell the owner).
    """

    failures: int
    locked_until: datetime | None
    newly_locked: bool = False

    @property
    def locked(self) -> bool:
        """Whether a lock is in force."""
        return self.locked_until is not None


@dataclass(frozen=True, slots=True)
class Reservation:
    """One attempt, reserved and counted before its secret is verified; settle it with ``fail`` or ``commit``.

    Attributes:
        subject: What is counted (a canonical username, ``reset:<account id>``, ...).
        id: This attempt's own id in the record.
        failures_before: Failures recorded when it was reserved (what a ``clear`` may forget).
        generation: The record's clear generation then (a clear in between forgets nothing more).
    """

    subject: str
    id: str
    failures_before: int
    generation: int


class Lockout:
    """Reserves attempts, counts failures and locks, for one kind of subject.

    Args:
        redis: The shared Redis client.
        prefix: Key prefix.
        clock: The time source.
        threshold: Consecutive failures that lock (``AuthSettings.lockout_threshold``).
        duration: How long a lock lasts (``AuthSettings.lockout_duration``).
        failure_window: Failures further apart than this do not add up.
        kind: Names the counter in its keys (``signin``, ``codes``).
        stale: A reservation not settled within this time counts as a failure.
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
        kind: str = "signin",
        stale: timedelta = timedelta(minutes=2),
    ) -> None:
        self._redis = redis
        self._key = Keys(prefix)
        self._clock = clock
        self.threshold = threshold
        self.duration = duration
        self.kind = kind
        self._window = failure_window
        self._stale = stale
        self._script = redis.register_script(_SCRIPT)

    async def reserve(self, subject: str) -> Reservation | LockState:
        """Reserve one attempt before verifying its secret.

        Returns:
            The reservation, or the (locked) state when the subject is locked or this attempt locked it.
        """
        rid = secrets.token_hex(8)
        verdict, state, data = await self._run("reserve", subject, rid)
        if verdict == "locked":
            return state
        return Reservation(subject, rid, int(data.get("f", 0)), int(data.get("g", 0)))

    async def fail(self, reservation: Reservation) -> LockState:
        """The reserved attempt's secret was wrong: count it; the ``threshold``-th failure locks.

        Returns:
            The state after this failure (``newly_locked`` when this failure set the lock).
        """
        _, state, _ = await self._run("fail", reservation.subject, reservation.id)
        return state

    async def commit(self, reservation: Reservation, *, clear: bool) -> LockState:
        """The reserved attempt's secret was right: give the reservation back unless a lock came meanwhile.

        Args:
            reservation: From ``reserve``.
            clear: The whole sign-in succeeded: forget the failures recorded before this attempt.

        Returns:
            The state; ``locked`` means the caller must not hand out what it made.
        """
        extra: list[str | int] = [reservation.failures_before, reservation.generation, "1" if clear else "0"]
        _, state, _ = await self._run("commit", reservation.subject, reservation.id, *extra)
        return state

    async def state(self, subject: str) -> LockState:
        """The subject's current state (a lock whose time has passed reads as not locked)."""
        return self._state(load_json(await self._redis.get(self._record(subject))))

    async def clear(self, subject: str) -> bool:
        """Forget failures and lift any lock (a completed reset, a staff unlock, a new password).

        Returns:
            Whether there was a lock in force.
        """
        key = self._record(subject)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return self._state(load_json(raw)).locked

    async def _run(
        self, op: str, subject: str, rid: str, *extra: str | int
    ) -> tuple[str, LockState, dict[str, Any]]:
        now = epoch(self._clock.now())
        ttl = gc_seconds(max(self.duration, self._window))
        limits = [self.threshold, self.duration.total_seconds(), self._window.total_seconds()]
        args = [op, repr(now), *limits, self._stale.total_seconds(), ttl, rid, *extra]
        verdict, raw, newly = await self._script(keys=[self._record(subject)], args=args)
        data = load_json(raw) or {}
        return text(verdict) or "", self._state(data, newly=bool(newly)), data

    def _record(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self._key("lockout", self.kind, digest)

    def _state(self, data: dict[str, object] | None, *, newly: bool = False) -> LockState:
        if data is None:
            return LockState(failures=0, locked_until=None)
        until, failures = data.get("lu"), data.get("f", 0)
        count = int(failures) if isinstance(failures, int | float) else 0
        if isinstance(until, int | float) and until > epoch(self._clock.now()):
            return LockState(failures=count, locked_until=from_epoch(until), newly_locked=newly)
        return LockState(failures=count, locked_until=None)
