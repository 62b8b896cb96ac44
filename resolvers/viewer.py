"""Who is asking: the session the middleware found, and the one check every viewer-requiring field makes.

``require_viewer`` is the only way a resolver learns the signed-in account, so a field that needs a viewer
cannot forget the check: no viewer, no account id to act for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auth import (
    Account,
    ActiveSession,
    EndReason,
    ExpiredSession,
    NoSession,
    Session,
    SessionLevel,
    SessionLookup,
)

from .errors import ErrorCode, PublicError

if TYPE_CHECKING:
    from .context import RequestContext


@dataclass(frozen=True, slots=True)
class SessionState:
    """The middleware's lookup of the request's session token.

    Attributes:
        lookup: Live, expired or no session.
        token: The token as presented (never logged; ``repr`` leaves it out).
        bearer: It came in ``Authorization: Bearer`` (mobile apps) rather than the cookie.
    """

    lookup: SessionLookup = field(default_factory=NoSession)
    token: str | None = field(default=None, repr=False)
    bearer: bool = False


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in account and its session."""

    account: Account
    session: Session
    token: str = field(repr=False)


_TIMEOUTS = frozenset({EndReason.IDLE, EndReason.ABSOLUTE})


class Unauthenticated(PublicError):
    def __init__(self) -> None:
        super().__init__("Sign in to continue.", ErrorCode.UNAUTHENTICATED)


class SessionExpired(PublicError):
    def __init__(self) -> None:
        super().__init__("Your session has expired. Sign in again.", ErrorCode.SESSION_EXPIRED)


async def require_viewer(ctx: RequestContext, *, allow_totp_setup: bool = False) -> Viewer:
    """The signed-in viewer, or the error the client must see.

    Args:
        ctx: The request context.
        allow_totp_setup: Accept a ``TOTP_SETUP`` session (only the two-factor enrollment fields and
            ``viewer.session`` do).

    Returns:
        The account and session.

    Raises:
        PublicError: SESSION_EXPIRED for a session that ended, UNAUTHENTICATED for none, FORBIDDEN for a
            ``TOTP_SETUP`` session where a full one is needed.
    """
    lookup = ctx.session.lookup
    # Only a timeout is "expired" to the client (the frontend says "signed out after inactivity"); a token
    # that was signed out, rotated or revoked is replayed, and gets the same answer as a forged one.
    if isinstance(lookup, ExpiredSession) and lookup.reason in _TIMEOUTS:
        raise SessionExpired()
    if not isinstance(lookup, ActiveSession) or ctx.session.token is None:
        raise Unauthenticated()
    session = lookup.session
    if session.level != SessionLevel.FULL and not allow_totp_setup:
        raise PublicError("Set up two-step verification first.", ErrorCode.FORBIDDEN)
    account = await ctx.auth.accounts.get(session.account_id)
    if account is None:
        raise Unauthenticated()
    return Viewer(account=account, session=session, token=ctx.session.token)
