"""The practice's rules for what patients may do in the portal, one object for every feature.

Built by the gateway from its settings (``PORTAL_*``) and reached as ``ctx.practice``. Each feature reads its
rules here rather than from settings of its own, so the practice's policy is in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from access import Capability, Grant, Level

URGENT_CARE_NOTICE = (
    "Messages are not for urgent situations. If you need immediate attention, call the office; "
    "in an emergency, dial 9-1-1."
)
# Who may ask for prescription renewals unless the practice says otherwise: the patient and proxies who may
# also book and message for them; a read-only proxy only reads.
DEFAULT_REFILL_LEVELS = frozenset({Level.SELF, Level.SCHEDULING_MESSAGING})


@dataclass(frozen=True, slots=True)
class MessagePool:
    """A shared inbox of the practice that patients may write to (front desk, billing, nurse line).

    Attributes:
        code: What clients pass as ``recipient: {pool: ...}`` (``front-desk``).
        name: What the portal shows.
        reference: Who it is in the EHR (``HealthcareService/...``): the message's recipient and the owner
            of its routing Task.
    """

    code: str
    name: str
    reference: str


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
        message_pools: The shared inboxes patients may write to besides their care team.
        message_max_characters: The longest message text.
        message_max_attachments: The most files one message may carry.
        message_reply_business_days: The practice answers messages within this many business days.
        urgent_care_notice: What every sent message is answered with: messages are not for emergencies.
        attachment_max_bytes: The largest file a message may carry.
        refill_levels: The access levels that may request prescription renewals (``Capability.REFILL``);
            never READ_ONLY.
        refill_due_business_days: A renewal request is due this many business days after it is made.
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
    message_pools: tuple[MessagePool, ...] = ()
    message_max_characters: int = 10_000
    message_max_attachments: int = 5
    message_reply_business_days: int = 2
    urgent_care_notice: str = URGENT_CARE_NOTICE
    attachment_max_bytes: int = 5 * 1024 * 1024
    refill_levels: frozenset[Level] = DEFAULT_REFILL_LEVELS
    refill_due_business_days: int = 2

    guarantor_proxies_pay: bool = False
    billing_currency: str = "USD"

    def __post_init__(self) -> None:
        if Level.READ_ONLY in self.refill_levels:
            raise ValueError("refill_levels: a READ_ONLY proxy only reads")

    def capabilities(self, grant: Grant) -> frozenset[Capability]:
        """What ``grant`` allows here: its level's capabilities, as the practice's rules decide them.

        ``REFILL`` only for the levels in ``refill_levels``; with ``guarantor_proxies_pay`` a
        SCHEDULING_MESSAGING proxy also has ``PAY`` (the guarantor check is billing's, resolvers/billing.py).
        Every capability check (the guard, ``find``, the capability list of ``viewer.patients``) asks this,
        so a rule applies everywhere at once and no feature decides it on its own.
        """
        allowed = grant.capabilities - {Capability.REFILL}
        if grant.level in self.refill_levels:
            allowed |= {Capability.REFILL}
        if self.guarantor_proxies_pay and grant.level == Level.SCHEDULING_MESSAGING:
            allowed |= {Capability.PAY}
        return allowed

    def pool(self, code: str) -> MessagePool | None:
        """The message pool with this code, if the practice has one."""
        return next((pool for pool in self.message_pools if pool.code == code), None)

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
