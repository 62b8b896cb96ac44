"""``build_access``: the access services the gateway makes once in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from auth import Clock, Redis

from .cache import ScopeCache
from .invitations import ProxyInvitations
from .scope import TeenPolicy
from .uploads import Uploads


@dataclass(frozen=True, slots=True)
class Access:
    """What the requests share of access control.

    Attributes:
        scopes: The per-session access-scope cache (at most 60 s; invalidated by grant changes).
        invitations: Proxy invitation codes (hashed in Redis, 7 days, bound to the first claimant).
        teen: The practice's teen rule for proxies.
        uploads: Upload tickets: which uploaded files an account may attach to whose messages.
    """

    scopes: ScopeCache
    invitations: ProxyInvitations
    teen: TeenPolicy
    uploads: Uploads


def build_access(redis: Redis, prefix: str, clock: Clock, teen: TeenPolicy | None = None) -> Access:
    """Assemble the access services over the shared Redis client.

    Args:
        redis: The shared ``redis.asyncio.Redis`` (from the app lifespan).
        prefix: The gateway's Redis key prefix.
        clock: The time source (tests pass a ``ManualClock``).
        teen: The teen policy (default ``TeenPolicy()``).

    Returns:
        The services.
    """
    return Access(
        scopes=ScopeCache(redis, prefix),
        invitations=ProxyInvitations(redis, prefix, clock),
        teen=teen or TeenPolicy(),
        uploads=Uploads(redis, prefix),
    )
