"""The practice's rules: business days in its own time zone, skipping weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from access import CAPABILITIES, Capability, Grant, Level
from resolvers.practice import PracticeRules

RULES = PracticeRules(time_zone=ZoneInfo("America/Chicago"), holidays=frozenset({date(2026, 12, 25)}))


def test_two_business_days_skip_the_weekend() -> None:
    thursday = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
    assert RULES.business_days_after(thursday, 2) == date(2026, 12, 7)  # Monday


def test_holidays_are_not_business_days() -> None:
    wednesday = datetime(2026, 12, 23, 18, 0, tzinfo=UTC)
    assert RULES.business_days_after(wednesday, 2) == date(2026, 12, 28)  # skips Fri 25th and the weekend


def test_the_day_is_the_practices_not_utcs() -> None:
    # 02:00 UTC on Saturday is still Friday evening in Chicago.
    late_friday = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    assert RULES.local(late_friday).date() == date(2026, 12, 4)
    assert RULES.business_days_after(late_friday, 1) == date(2026, 12, 7)


def test_refills_by_default_for_the_patient_and_scheduling_proxies_never_read_only() -> None:
    rules = PracticeRules()
    assert Capability.REFILL in rules.capabilities(Grant("p1", Level.SELF))
    assert Capability.REFILL in rules.capabilities(Grant("p1", Level.SCHEDULING_MESSAGING))
    assert rules.capabilities(Grant("p1", Level.READ_ONLY)) == {Capability.READ}
    # Nothing but REFILL is the practice's to change.
    for level in Level:
        assert rules.capabilities(Grant("p1", level)) - {Capability.REFILL} == CAPABILITIES[level] - {
            Capability.REFILL
        }


def test_a_practice_may_keep_refills_to_the_patient_or_switch_them_off() -> None:
    self_only = PracticeRules(refill_levels=frozenset({Level.SELF}))
    assert Capability.REFILL in self_only.capabilities(Grant("p1", Level.SELF))
    assert Capability.REFILL not in self_only.capabilities(Grant("p1", Level.SCHEDULING_MESSAGING))
    assert Capability.REFILL not in PracticeRules(refill_levels=frozenset()).capabilities(
        Grant("p1", Level.SELF)
    )
    with pytest.raises(ValueError, match="READ_ONLY"):
        PracticeRules(refill_levels=frozenset({Level.READ_ONLY}))
