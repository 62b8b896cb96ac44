"""Short-lived single-use tickets: sign-in challenges, enrollment steps and password-reset links.

A ticket is a random token (``auth.tokens``) handed to the user; Redis keeps only its SHA-256, as a hash::

    ticket:<kind>:<sha256>   {payload: JSON, expires_at: t, attempts: n}

``expires_at`` (from the injected clock) decides validity; the Redis TTL only collects garbage later.
``consume`` is an atomic read-and-delete, so of two concurrent uses exactly one succeeds (ASVS 5.0 6.5.1), and
a used, expired, forged or malformed token are all simply "no ticket".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._redis import HashFields, Keys, Redis, gc_seconds, text
from .clock import Clock, epoch, from_epoch
from .tokens import new_token, token_digest

_CONSUME = """
local v = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return v
"""

_ATTEMPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
"""

_REPLACE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
return 1
"""


@dataclass(frozen=True, slots=True)
class Ticket:
    """A live ticket.

    Attributes:
        payload: What was stored with it (JSON-compatible values).
        expires_at: When it stops being valid.
        attempts: Failed attempts counted against it so far.
    """

    payload: dict[str, Any]
    expires_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """A new ticket's token (give it to the user) and expiry."""

    token: str
    expires_at: datetime


class Tickets:
    """Issues, reads and consumes tickets of one kind.

    Args:
        redis: The shared Redis client.
        prefix: Key prefix.
        clock: The time source.
        kind: The ticket kind (``reset``, ``challenge``, ``enrollment``); a token of one kind is no ticket of
            another.
        lifetime: How long a new ticket is valid.
    """

    def __init__(self, redis: Redis, prefix: str, clock: Clock, kind: str, lifetime: timedelta) -> None:
        self._redis = redis
        self._key = Keys(prefix)
        self._clock = clock
        self.kind = kind
        self.lifetime = lifetime
        self._consume = redis.register_script(_CONSUME)
        self._attempt = redis.register_script(_ATTEMPT)
        self._replace = redis.register_script(_REPLACE)

    async def issue(self, payload: dict[str, Any]) -> IssuedTicket:
        """Store a new ticket carrying ``payload``; return its token and expiry."""
        token = new_token()
        expires_at = self._clock.now() + self.lifetime
        key = self._ticket_key(token)
        assert key is not None  # a token we just made is always well-formed
        mapping: HashFields = {"payload": json.dumps(payload), "expires_at": epoch(expires_at), "attempts": 0}
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, gc_seconds(self.lifetime))
            await pipe.execute()
        return IssuedTicket(token=token, expires_at=expires_at)

    async def peek(self, token: object) -> Ticket | None:
        """The live ticket for ``token`` without using it up, or ``None``."""
        key = self._ticket_key(token)
        if key is None:
            return None
        return self._live(await self._redis.hgetall(key))

    async def consume(self, token: object) -> Ticket | None:
        """Use the ticket up: return it and delete it atomically, or ``None`` if there is no live one."""
        key = self._ticket_key(token)
        if key is None:
            return None
        flat = await self._consume(keys=[key])
        return self._live(dict(zip(flat[::2], flat[1::2], strict=True)))

    async def count_attempt(self, token: object) -> int:
        """Count one failed attempt against the ticket; return the new count (-1 if there is no ticket)."""
        key = self._ticket_key(token)
        if key is None:
            return -1
        return int(await self._attempt(keys=[key]))

    async def replace_payload(self, token: object, payload: dict[str, Any]) -> bool:
        """Replace the payload of a live ticket, keeping its expiry; ``False`` if it is gone."""
        key = self._ticket_key(token)
        if key is None:
            return False
        return bool(await self._replace(keys=[key], args=[json.dumps(payload)]))

    async def discard(self, token: object) -> None:
        """Delete the ticket if it exists."""
        key = self._ticket_key(token)
        if key is not None:
            await self._redis.delete(key)

    def _ticket_key(self, token: object) -> str | None:
        digest = token_digest(token)
        return None if digest is None else self._key("ticket", self.kind, digest)

    def _live(self, fields: dict[Any, Any]) -> Ticket | None:
        values = {text(k): text(v) for k, v in fields.items()}
        payload, expires = values.get("payload"), values.get("expires_at")
        if payload is None or expires is None:
            return None
        expires_at = from_epoch(float(expires))
        if expires_at <= self._clock.now():
            return None
        return Ticket(json.loads(payload), expires_at, int(values.get("attempts") or 0))
