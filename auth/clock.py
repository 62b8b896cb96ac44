"""An injectable clock, so that every timeout in ``auth`` can be tested by moving time instead of sleeping.

Every expiry in the package (session idle and absolute lifetimes, lockouts, tickets, rate-limit windows, TOTP
time steps) is computed from ``Clock.now()`` and stored as a timestamp *in the value*; Redis TTLs are set only
as garbage collection, comfortably after the logical expiry. A test that moves a ``ManualClock`` 16 minutes
forward therefore sees a session expire at once, while the Redis key is still there to tell "expired" from
"never existed".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until a test moves it.

    Args:
        start: The initial time (naive values are taken as UTC); default: the real time at construction.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _utc(start) if start is not None else datetime.now(UTC)

    def now(self) -> datetime:
        """The current (manual) time."""
        return self._now

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move the clock forward by ``delta`` or by keyword units (``minutes=16``); return the new time.

        Raises:
            ValueError: The step is negative (time never runs backwards here).
        """
        step = (delta or timedelta()) + timedelta(**units)
        if step < timedelta():
            raise ValueError("a ManualClock only moves forward")
        self._now += step
        return self._now

    def set(self, when: datetime) -> None:
        """Set the clock to ``when`` (naive values are taken as UTC)."""
        self._now = _utc(when)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def epoch(when: datetime) -> float:
    """Seconds since the Unix epoch, as stored in Redis values."""
    return when.timestamp()


def from_epoch(seconds: float) -> datetime:
    """The UTC datetime of an epoch timestamp read back from Redis."""
    return datetime.fromtimestamp(seconds, UTC)
