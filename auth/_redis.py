"""Small helpers shared by the Redis-backed stores: key naming, decoding, JSON values, GC TTLs."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

__all__ = ["HashFields", "Keys", "Redis", "gc_seconds", "load_json", "strings", "text"]

HashFields = dict[FieldT, EncodableT]
"""What ``hset(mapping=...)`` takes."""


class Keys:
    """Builds the package's Redis keys under one prefix (default ``portal:auth:``).

    Tests give each test its own prefix, so they can share one Redis without touching each other's data.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self, *parts: str) -> str:
        """The key ``<prefix><part>:<part>...``."""
        return self.prefix + ":".join(parts)


def text(value: bytes | str | None) -> str | None:
    """A Redis reply as ``str`` whether or not the client decodes responses."""
    if value is None or isinstance(value, str):
        return value
    return value.decode("utf-8")


def strings(reply: Any) -> list[str]:
    """A list reply (``SMEMBERS``, ``ZRANGE`` without scores) as ``str`` items."""
    return [item for item in (text(value) for value in reply) if item]


def load_json(value: bytes | str | None) -> dict[str, Any] | None:
    """A JSON object stored by this package, or ``None`` when the key was missing."""
    raw = text(value)
    if raw is None:
        return None
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("stored value is not a JSON object")
    return data


def gc_seconds(remaining: timedelta, grace: timedelta = timedelta(minutes=5)) -> int:
    """A Redis TTL for a value whose logical expiry is ``remaining`` away: never before it, at least 1 s.

    The TTL only collects garbage; the logical expiry stored in the value decides (see ``auth.clock``).
    """
    return max(1, math.ceil((remaining + grace).total_seconds()))
