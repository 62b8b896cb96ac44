"""Proxy invitation codes: single-use in the sense that the first account to claim one owns it.

The code is a random token mailed to the invitee; Redis keeps its SHA-256 only (a ``proxy-invite`` ticket).
``claim`` binds the invitation to the first account that presents it, atomically (``SET NX``), so two
accounts racing with the same code cannot both become the proxy; the owner's retries get the ticket again
(acceptance is idempotent), anyone else gets nothing.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from auth import Clock, IssuedTicket, Keys, Redis, Ticket, Tickets, text, token_digest

LIFETIME = timedelta(days=7)


class ProxyInvitations:
    """Issues and claims invitation codes.

    Args:
        redis: The shared Redis client.
        prefix: The auth key prefix.
        clock: The time source.
        lifetime: How long a code is valid (default 7 days).
    """

    def __init__(self, redis: Redis, prefix: str, clock: Clock, lifetime: timedelta = LIFETIME) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._clock = clock
        self._tickets = Tickets(redis, prefix, clock, "proxy-invite", lifetime)

    async def issue(self, payload: dict[str, Any]) -> IssuedTicket:
        """Store a new invitation carrying ``payload``; return its code and expiry."""
        return await self._tickets.issue(payload)

    async def peek(self, token: object) -> Ticket | None:
        """The live invitation for ``token`` without claiming it (for checks before ``claim``)."""
        return await self._tickets.peek(token)

    async def claim(self, token: object, account_id: str) -> Ticket | None:
        """The live invitation for ``token`` if ``account_id`` owns it now or already did; else ``None``.

        Args:
            token: The code as presented.
            account_id: The signed-in account presenting it.

        Returns:
            The ticket, or ``None`` for an unknown, expired or malformed code, or one another account claimed.
        """
        ticket = await self._tickets.peek(token)
        digest = token_digest(token)
        if ticket is None or digest is None:
            return None
        key = self._keys("proxy-invite-claim", digest)
        ttl = max(1, math.ceil((ticket.expires_at - self._clock.now()).total_seconds()))
        if await self._redis.set(key, account_id, nx=True, ex=ttl):
            return ticket
        return ticket if text(await self._redis.get(key)) == account_id else None
