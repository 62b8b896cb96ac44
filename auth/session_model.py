"""The session records and lookup results of ``auth.sessions`` (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ._redis import HashFields
from .clock import epoch, from_epoch


class SessionLevel(StrEnum):
    """What a session may do."""

    FULL = "FULL"
    """Everything the account's access scope allows."""
    TOTP_SETUP = "TOTP_SETUP"
    """Only enroll TOTP (the practice requires two-factor and the account has none yet)."""


class EndReason(StrEnum):
    """Why a session ended."""

    IDLE = "IDLE"
    ABSOLUTE = "ABSOLUTE"
    SIGNED_OUT = "SIGNED_OUT"
    REVOKED = "REVOKED"
    ROTATED = "ROTATED"


@dataclass(frozen=True, slots=True)
class Session:
    """A live session.

    Attributes:
        id: The token's SHA-256: a handle for listing and ending one's own sessions, never the token.
        account_id: Whose session it is.
        created_at: Sign-in time.
        last_seen: Last foreground request.
        absolute_expires_at: The end of its absolute lifetime.
        idle_timeout: The sliding idle timeout.
        level: ``FULL`` or ``TOTP_SETUP``.
        two_factor: Whether a second factor was presented at sign-in.
        authenticated_at: When the user last proved a credential in this session (sign-in or re-auth).
    """

    id: str
    account_id: str
    created_at: datetime
    last_seen: datetime
    absolute_expires_at: datetime
    idle_timeout: timedelta
    level: SessionLevel
    two_factor: bool
    authenticated_at: datetime

    @property
    def expires_at(self) -> datetime:
        """When the session ends unless the user does something: what a frontend shows in its warning."""
        return min(self.last_seen + self.idle_timeout, self.absolute_expires_at)


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session and its token (set the cookie or hand it out as a bearer token; it is never stored)."""

    token: str
    session: Session


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """``resolve`` found a live session."""

    session: Session


@dataclass(frozen=True, slots=True)
class ExpiredSession:
    """``resolve`` found a session of ours that is over: answer SESSION_EXPIRED."""

    reason: EndReason
    account_id: str


@dataclass(frozen=True, slots=True)
class NoSession:
    """``resolve`` found nothing (absent, malformed, forged or forgotten token): answer UNAUTHENTICATED."""


SessionLookup = ActiveSession | ExpiredSession | NoSession


def to_fields(session: Session) -> HashFields:
    """The Redis hash fields of a live session (times as epoch seconds)."""
    return {
        "account_id": session.account_id,
        "created_at": repr(epoch(session.created_at)),
        "last_seen": repr(epoch(session.last_seen)),
        "absolute": repr(epoch(session.absolute_expires_at)),
        "idle": repr(session.idle_timeout.total_seconds()),
        "level": session.level.value,
        "two_factor": "1" if session.two_factor else "0",
        "auth_at": repr(epoch(session.authenticated_at)),
    }


def from_fields(digest: str, fields: dict[str | None, str | None]) -> Session:
    """The session stored under ``digest`` from its decoded hash fields."""

    def time(name: str) -> datetime:
        return from_epoch(float(fields.get(name) or 0))

    return Session(
        id=digest,
        account_id=fields.get("account_id") or "",
        created_at=time("created_at"),
        last_seen=time("last_seen"),
        absolute_expires_at=time("absolute"),
        idle_timeout=timedelta(seconds=float(fields.get("idle") or 0)),
        level=SessionLevel(fields.get("level") or SessionLevel.FULL),
        two_factor=fields.get("two_factor") == "1",
        authenticated_at=time("auth_at"),
    )
