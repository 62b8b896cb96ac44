"""Fixed-window rate limits counted in Redis (ASVS 5.0 6.3.1; docs/auth.md).

A rule allows ``limit`` hits per ``window`` for one subject (a client IP, a username, an email). The window is
numbered from the injected clock (``floor(now / window)``), so moving a ``ManualClock`` into the next window
starts a fresh count. Each hit is one atomic ``INCR`` with the key's TTL set on the first hit (a short Lua
script), so concurrent requests are counted exactly and keys disappear after their window. Subjects are hashed
before they become part of a key: no IP address or email is stored in Redis in the clear.

Rules on client addresses count an IPv6 client by its /64: one host usually holds a whole /64 (RFC 6177,
SLAAC), so counting each address alone would give one machine 2^64 buckets. An IPv4-mapped IPv6 address
counts as the IPv4 address it maps.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from ._redis import Keys, Redis
from .clock import Clock, epoch

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass(frozen=True, slots=True)
class RateRule:
    """``limit`` hits per ``window`` per subject, counted under ``name``.

    ``by_address``: the subject is a client address, counted by its ``address_bucket``.
    """

    name: str
    limit: int
    window: timedelta
    by_address: bool = False


def address_bucket(ip: str | None) -> str | None:
    """The bucket a client address is counted in: an IPv4 address itself, an IPv6 address's /64.

    Anything that is not an address (a Unix socket path, a garbled forwarded value) counts as it is.
    """
    if not ip:
        return ip
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The answer to one hit.

    Attributes:
        allowed: The hit is within the limit.
        retry_after: Seconds until the window resets (0 when allowed).
        count: Hits so far in this window, this one included.
    """

    allowed: bool
    retry_after: int
    count: int


class RateLimiter:
    """Counts hits per rule and subject.

    Args:
        redis: The shared Redis client.
        prefix: Key prefix.
        clock: The time source.
    """

    def __init__(self, redis: Redis, prefix: str, clock: Clock) -> None:
        self._key = Keys(prefix)
        self._clock = clock
        self._hit = redis.register_script(_HIT)

    async def hit(self, rule: RateRule, subject: str | None) -> RateDecision:
        """Count one hit of ``subject`` against ``rule``.

        Args:
            rule: The rule.
            subject: Who is counted (IP, username...); ``None`` or empty counts under one shared "unknown"
                subject, so a missing IP is limited too rather than exempt.

        Returns:
            Whether the hit is allowed, and when to retry if not.
        """
        if rule.by_address:
            subject = address_bucket(subject)
        window = rule.window.total_seconds()
        now = epoch(self._clock.now())
        index = math.floor(now / window)
        digest = hashlib.sha256((subject or "unknown").encode("utf-8", "replace")).hexdigest()[:32]
        key = self._key("rate", rule.name, digest, str(index))
        count = int(await self._hit(keys=[key], args=[math.ceil(window) + 1]))
        retry_after = max(1, math.ceil((index + 1) * window - now))
        allowed = count <= rule.limit
        return RateDecision(allowed=allowed, retry_after=0 if allowed else retry_after, count=count)

    async def hit_all(self, *checks: tuple[RateRule, str | None]) -> RateDecision:
        """Count a hit against several rules; the first refusal (or the last decision) is returned.

        Every rule is counted even after one refuses, so an attacker cannot dodge a later counter.
        """
        decisions = [await self.hit(rule, subject) for rule, subject in checks]
        return next((d for d in decisions if not d.allowed), decisions[-1])
