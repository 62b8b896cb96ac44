"""The per-session cache of access scopes in Redis (at most 60 s old; revocations apply at once).

Each entry remembers the scope epoch it was computed under. A revocation through the gateway bumps the epoch,
so every cached scope is stale on the very next request of every session (a superset of the affected ones:
the cost is one recomputation per session, and no lookup of who was affected can be forgotten).
"""

from __future__ import annotations

import json

from auth import Keys, Redis, text

from .scope import AccessScope

MAX_AGE_SECONDS = 60


class ScopeCache:
    """``get``/``put`` a session's scope; ``invalidate_all`` after a revocation.

    Args:
        redis: The shared Redis client.
        prefix: The auth key prefix.
        ttl_seconds: Lifetime of an entry (capped at 60 s).
    """

    def __init__(self, redis: Redis, prefix: str, ttl_seconds: int = MAX_AGE_SECONDS) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._ttl = max(1, min(ttl_seconds, MAX_AGE_SECONDS))

    async def get(self, session_id: str) -> tuple[AccessScope | None, int]:
        """The cached scope of a session (``None`` if absent or stale) and the current epoch.

        Args:
            session_id: The session's id (token hash).

        Returns:
            The scope or ``None``, and the epoch to pass to ``put`` after recomputing.
        """
        raw, epoch_raw = await self._redis.mget(self._keys("scope", session_id), self._keys("scope-epoch"))
        epoch = int(text(epoch_raw) or 0)
        if raw is None:
            return None, epoch
        entry = json.loads(text(raw) or "{}")
        if entry.get("epoch") != epoch:
            return None, epoch
        return AccessScope.from_json(entry["scope"]), epoch

    async def put(self, session_id: str, scope: AccessScope, epoch: int) -> None:
        """Cache ``scope`` for ``session_id`` as computed under ``epoch``."""
        value = json.dumps({"epoch": epoch, "scope": scope.to_json()}, separators=(",", ":"))
        await self._redis.set(self._keys("scope", session_id), value, ex=self._ttl)

    async def invalidate_all(self) -> None:
        """Make every cached scope stale (after a grant was revoked or changed through the gateway)."""
        await self._redis.incr(self._keys("scope-epoch"))
