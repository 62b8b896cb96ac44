"""The practice's rules for what patients may do in the portal, one object for every feature.

Built by the gateway from its settings (``PORTAL_*``) and reached as ``ctx.practice``. Each feature reads its
rules here rather than from settings of its own, so the practice's policy is in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from access import CAPABILITIES, Capability, Level

# Who may ask for prescription renewals unless the practice says otherwise: the patient and proxies who may
# also book and message for them; a read-only proxy only reads.
DEFAULT_REFILL_LEVELS = frozenset({Level.SELF, Level.SCHEDULING_MESSAGING})


@dataclass(frozen=True, slots=True)
class PracticeRules:
    """The practice's policy.

    Attributes:
        name: The practice's name, as mail and calendar files show it.
        time_zone: Where the practice is: "today", business days and visit times are its local ones.
        holidays: Days the practice is closed (not business days).
        booking_window_days: How far ahead a patient may book directly.
        max_upcoming_appointments: Booked upcoming appointments a patient may hold at once.
        check_in_opens_days: Online check-in opens this many days before the visit (until its start).
        check_in_questionnaire: The id of the Questionnaire patients answer at online check-in.
        refill_levels: The access levels that may request prescription renewals (``Capability.REFILL``);
            never READ_ONLY.
        refill_due_business_days: A renewal request is due this many business days after it is made.
    """

    name: str = "Maple Grove Family Medicine"
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    holidays: frozenset[date] = frozenset()
    booking_window_days: int = 90
    max_upcoming_appointments: int = 5
    check_in_opens_days: int = 3
    check_in_questionnaire: str = "questionnaire-previsit"
    refill_levels: frozenset[Level] = DEFAULT_REFILL_LEVELS
    refill_due_business_days: int = 2

    def __post_init__(self) -> None:
        if Level.READ_ONLY in self.refill_levels:
            raise ValueError("refill_levels: a READ_ONLY proxy only reads")

    def capabilities(self, level: Level) -> frozenset[Capability]:
        """What ``level`` may do at this practice: the level's capabilities (``access.CAPABILITIES``), with
        ``REFILL`` as the practice decides (``refill_levels``).

        The guard (``RequestContext.guard``) asks this for every capability check, so no feature decides it.
        """
        others = CAPABILITIES[level] - {Capability.REFILL}
        return others | {Capability.REFILL} if level in self.refill_levels else others

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the practice's time zone."""
        return moment.astimezone(self.time_zone)

    def business_days_after(self, moment: datetime, days: int) -> date:
        """The local date ``days`` business days after ``moment`` (weekends and holidays skipped)."""
        day = self.local(moment).date()
        left = days
        while left > 0:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in self.holidays:
                left -= 1
        return day
