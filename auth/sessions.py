"""Server-side sessions (docs/auth.md; ASVS 5.0 7.2-7.4; NIST 800-63B section 7).

Tokens are 256-bit random strings (``auth.tokens``); Redis keeps only their SHA-256::

    session:<sha256>        HASH account_id, created_at, last_seen, absolute, idle, level, two_factor, auth_at
                            (an ended session keeps only: ended=<reason>, ended_at, account_id)
    sessions:<account id>   ZSET of the account's session digests, scored by creation time

Timeouts are decided in code from the injected clock, never by Redis expiry: a session is over when
``now >= last_seen + idle`` (sliding, default 15 minutes) or ``now >= absolute`` (default 12 hours after
sign-in). Requests marked as background (``X-Background-Request: 1``: polling) are served without moving
``last_seen``. When a session ends (timeout, sign-out, revocation, rotation), its record shrinks to a
tombstone that counts for ``tombstone`` longer (default 24 h, by the clock). That is how expired and missing
are told apart:

- ``ActiveSession``: a live session (the middleware builds the viewer from it);
- ``ExpiredSession``: the token was ours but the session is over (idle, absolute, signed out, revoked,
  rotated): answer SESSION_EXPIRED so the frontend can say "you were signed out";
- ``NoSession``: no token, a malformed or forged token, or one whose tombstone is gone: UNAUTHENTICATED.

The record's Redis TTL (absolute lifetime + tombstone time) only collects garbage. Updates of a live record
are Lua scripts that do nothing once it has ended, so a late "touch" can never resurrect a revoked session.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ._redis import Keys, Redis, gc_seconds, strings, text
from .clock import Clock, epoch, from_epoch
from .events import SecurityEvents
from .session_model import (
    ActiveSession,
    EndReason,
    ExpiredSession,
    IssuedSession,
    NoSession,
    Session,
    SessionLevel,
    SessionLookup,
    from_fields,
    to_fields,
)
from .tokens import new_token, token_digest

__all__ = [
    "ActiveSession",
    "EndReason",
    "ExpiredSession",
    "IssuedSession",
    "NoSession",
    "Session",
    "SessionLevel",
    "SessionLookup",
    "SessionStore",
]

_TOUCH = """
if redis.call('HEXISTS', KEYS[1], 'account_id') == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
return 1
"""

# KEYS: session, account index; ARGV: reason, tombstone ttl, digest, now
_END = """
local account = redis.call('HGET', KEYS[1], 'account_id')
if not account or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'ended', ARGV[1], 'account_id', account, 'ended_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
"""


class SessionStore:
    """Creates, resolves, rotates and ends sessions.

    Args:
        redis: The shared Redis client.
        prefix: Key prefix.
        clock: The time source.
        idle_timeout: Sliding idle timeout.
        absolute_lifetime: Absolute lifetime.
        tombstone: How long an ended session is remembered as such.
        max_per_account: Concurrent sessions per account; the oldest beyond it are ended.
        events: Where security events go.
    """

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        clock: Clock,
        *,
        idle_timeout: timedelta,
        absolute_lifetime: timedelta,
        tombstone: timedelta,
        max_per_account: int,
        events: SecurityEvents,
    ) -> None:
        self._redis = redis
        self._key = Keys(prefix)
        self._clock = clock
        self.idle_timeout = idle_timeout
        self.absolute_lifetime = absolute_lifetime
        self._tombstone = tombstone
        self._max = max_per_account
        self._events = events
        self._touch = redis.register_script(_TOUCH)
        self._end = redis.register_script(_END)

    async def create(
        self, account_id: str, *, level: SessionLevel = SessionLevel.FULL, two_factor: bool = False
    ) -> IssuedSession:
        """Start a session for ``account_id`` with a new token (ASVS 5.0 7.2.4: new token at sign-in).

        Returns:
            The token and the session.
        """
        now = self._clock.now()
        session = Session(
            id="",
            account_id=account_id,
            created_at=now,
            last_seen=now,
            absolute_expires_at=now + self.absolute_lifetime,
            idle_timeout=self.idle_timeout,
            level=level,
            two_factor=two_factor,
            authenticated_at=now,
        )
        issued = await self._store(session)
        await self._evict_beyond_limit(account_id)
        self._events.emit("session.created", account_id=account_id, level=level.value, two_factor=two_factor)
        return issued

    async def resolve(self, token: object, *, background: bool = False) -> SessionLookup:
        """Look a token up and, for a foreground request, slide its idle window.

        Args:
            token: The cookie value or bearer token, as received (anything; malformed means ``NoSession``).
            background: The request is marked ``X-Background-Request: 1``; do not extend the idle window.

        Returns:
            ``ActiveSession``, ``ExpiredSession`` or ``NoSession`` (see the module docstring).
        """
        digest = token_digest(token)
        if digest is None:
            return NoSession()
        fields = {
            text(k): text(v) for k, v in (await self._redis.hgetall(self._key("session", digest))).items()
        }
        account_id, ended = fields.get("account_id"), fields.get("ended")
        if account_id is None:
            return NoSession()
        now = self._clock.now()
        if ended is not None:
            # The tombstone's age is judged by the clock too; its Redis TTL only collects it later.
            if now - from_epoch(float(fields.get("ended_at") or 0)) > self._tombstone:
                return NoSession()
            return ExpiredSession(EndReason(ended), account_id)
        session = from_fields(digest, fields)
        if now >= session.absolute_expires_at or now >= session.last_seen + session.idle_timeout:
            reason = EndReason.ABSOLUTE if now >= session.absolute_expires_at else EndReason.IDLE
            if await self._end_session(digest, account_id, reason):
                self._events.emit("session.expired", account_id=account_id, reason=reason.value)
            return ExpiredSession(reason, account_id)
        if not background:
            if not await self._touch(keys=[self._key("session", digest)], args=[repr(epoch(now))]):
                return ExpiredSession(EndReason.REVOKED, account_id)  # ended between our read and write
            session = replace(session, last_seen=now)
        return ActiveSession(session)

    async def extend(self, token: object) -> SessionLookup:
        """The ``extendSession`` mutation: a foreground touch that restarts the idle window.

        Never past the absolute lifetime.
        """
        return await self.resolve(token, background=False)

    async def rotate(
        self,
        token: object,
        *,
        level: SessionLevel | None = None,
        two_factor: bool | None = None,
        reauthenticated: bool = False,
    ) -> IssuedSession | None:
        """Replace a live session's token after a privilege change (ASVS 5.0 7.2.4; OWASP Session CS).

        The new session keeps the sign-in time and absolute expiry; the old token ends as ``ROTATED``.

        Args:
            token: The current token.
            level: A new level, if it changes.
            two_factor: A new two-factor state, if it changes.
            reauthenticated: The user just proved a credential again (updates ``authenticated_at``).

        Returns:
            The new token and session, or ``None`` if ``token`` was not a live session.
        """
        found = await self.resolve(token)
        if not isinstance(found, ActiveSession):
            return None
        old = found.session
        now = self._clock.now()
        new = replace(
            old,
            level=old.level if level is None else level,
            two_factor=old.two_factor if two_factor is None else two_factor,
            authenticated_at=now if reauthenticated else old.authenticated_at,
        )
        issued = await self._store(new)
        await self._end_session(old.id, old.account_id, EndReason.ROTATED)
        self._events.emit("session.rotated", account_id=old.account_id, level=new.level.value)
        return issued

    async def revoke(self, token: object, reason: EndReason = EndReason.SIGNED_OUT) -> bool:
        """End one session server-side (sign-out). Returns whether a live session was ended."""
        digest = token_digest(token)
        if digest is None:
            return False
        account_id = text(await self._redis.hget(self._key("session", digest), "account_id"))
        if account_id is None or not await self._end_session(digest, account_id, reason):
            return False
        self._events.emit("session.ended", account_id=account_id, reason=reason.value)
        return True

    async def revoke_all(
        self, account_id: str, *, except_token: object = None, reason: EndReason = EndReason.REVOKED
    ) -> int:
        """End every session of an account, optionally but one.

        For "sign out everywhere", after a password change (ASVS 5.0 7.4.3) and when an account is disabled
        (7.4.2).

        Returns:
            How many sessions were ended.
        """
        keep = token_digest(except_token)
        ended = 0
        for digest in await self._digests(account_id):
            if digest != keep and await self._end_session(digest, account_id, reason):
                ended += 1
        self._events.emit("session.ended_all", account_id=account_id, reason=reason.value, count=ended)
        return ended

    async def revoke_by_id(self, account_id: str, session_id: str) -> bool:
        """End one of the account's own sessions by ``Session.id`` (a "your devices" list, ASVS 5.0 7.5.2)."""
        if session_id not in await self._digests(account_id):
            return False
        return await self._end_session(session_id, account_id, EndReason.REVOKED)

    async def active(self, account_id: str) -> list[Session]:
        """The account's live sessions, oldest first (without touching them)."""
        now = self._clock.now()
        live: list[Session] = []
        for digest in await self._digests(account_id):
            raw = await self._redis.hgetall(self._key("session", digest))
            fields = {text(k): text(v) for k, v in raw.items()}
            if fields.get("account_id") == account_id and "ended" not in fields:
                session = from_fields(digest, fields)
                if now < session.expires_at:
                    live.append(session)
        return live

    async def _store(self, session: Session) -> IssuedSession:
        token = new_token()
        digest = token_digest(token)
        assert digest is not None  # a token we just made is always well-formed
        stored = replace(session, id=digest)
        ttl = gc_seconds(stored.absolute_expires_at - self._clock.now(), self._tombstone)
        index = self._key("sessions", session.account_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key("session", digest), mapping=to_fields(stored))
            pipe.expire(self._key("session", digest), ttl)
            pipe.zadd(index, {digest: epoch(stored.created_at)})
            pipe.expire(index, gc_seconds(self.absolute_lifetime, self._tombstone))
            await pipe.execute()
        return IssuedSession(token=token, session=stored)

    async def _evict_beyond_limit(self, account_id: str) -> None:
        index = self._key("sessions", account_id)
        excess = await self._redis.zcard(index) - self._max
        if excess > 0:
            for digest in strings(await self._redis.zrange(index, 0, excess - 1)):
                await self._end_session(digest, account_id, EndReason.REVOKED)

    async def _end_session(self, digest: str, account_id: str, reason: EndReason) -> bool:
        keys = [self._key("session", digest), self._key("sessions", account_id)]
        ttl = gc_seconds(self._tombstone)
        args = [reason.value, ttl, digest, repr(epoch(self._clock.now()))]
        return bool(await self._end(keys=keys, args=args))

    async def count_active(self, *, limit: int = 100_000) -> int:
        """How many sessions are live now, of every account (for ``/metrics``; no per-request cost).

        One ``SCAN`` over the session records and a pipelined read of their times, judged by the clock as
        ``resolve`` judges them; tombstones do not count. At most ``limit`` records are looked at.
        """
        now = epoch(self._clock.now())
        live = looked = 0
        keys: list[str] = []
        async for key in self._redis.scan_iter(match=self._key("session", "*"), count=1000):
            keys.append(text(key) or "")
            looked += 1
            if len(keys) >= 500 or looked >= limit:
                live += await self._live(keys, now)
                keys = []
            if looked >= limit:
                break
        return live + (await self._live(keys, now) if keys else 0)

    async def _live(self, keys: list[str], now: float) -> int:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, "ended", "last_seen", "idle", "absolute")
            rows = await pipe.execute()
        live = 0
        for ended, *times in rows:
            last_seen, idle, absolute = (float(text(value) or "nan") for value in times)
            # A tombstone has no times (nan compares false): only live records count.
            live += ended is None and now < last_seen + idle and now < absolute
        return live

    async def _digests(self, account_id: str) -> list[str]:
        return strings(await self._redis.zrange(self._key("sessions", account_id), 0, -1))
