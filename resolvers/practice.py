"""The practice's rules for what patients may do in the portal, one object for every feature.

Built by the gateway from its settings (``PORTAL_*``) and reached as ``ctx.practice``. Each feature reads its
rules here rather than from settings of its own, so the practice's policy is in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from access import Capability, Grant, Level


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
        guarantor_proxies_pay: Proxies who act for the patient (SCHEDULING_MESSAGING) may also pay the
            patient's bills, when the billing Account names them as its guarantor (docs/billing.md).
        billing_currency: The currency of the practice's statements; balances and payments are in it.
    """

    name: str = "Maple Grove Family Medicine"
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    holidays: frozenset[date] = frozenset()
    booking_window_days: int = 90
    max_upcoming_appointments: int = 5
    check_in_opens_days: int = 3
    check_in_questionnaire: str = "questionnaire-previsit"
    guarantor_proxies_pay: bool = False
    billing_currency: str = "USD"

    def capabilities(self, grant: Grant) -> frozenset[Capability]:
        """What ``grant`` allows here: its level's capabilities, widened by the practice's rules.

        Every capability check (the guard, ``find``, the capability list of ``viewer.patients``) asks this,
        so a rule applies everywhere at once and no feature decides it on its own.
        """
        allowed = grant.capabilities
        if self.guarantor_proxies_pay and grant.level == Level.SCHEDULING_MESSAGING:
            allowed |= {Capability.PAY}  # the guarantor check is billing's (resolvers/billing.py)
        return allowed

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
