"""The date rules of access scope (periods, ages, birthdays) and the scope's cache form."""

from __future__ import annotations

from datetime import date

import pytest

from access import AccessScope, Capability, Grant, Level, age_on, birthday, in_period, parse_date


@pytest.mark.parametrize(
    ("period", "today", "inside"),
    [
        (None, date(2026, 1, 1), True),
        ({}, date(2026, 1, 1), True),
        ({"start": "2026-01-01"}, date(2026, 1, 1), True),
        ({"start": "2026-01-02"}, date(2026, 1, 1), False),
        ({"end": "2026-01-01"}, date(2026, 1, 1), False),  # the end day is outside
        ({"end": "2026-01-02T00:00:00Z"}, date(2026, 1, 1), True),
        ({"start": "garbage"}, date(2026, 1, 1), False),  # fails closed
        ({"end": "2030"}, date(2030, 6, 1), False),  # a partial end ends as early as it can
        ({"end": "2030"}, date(2029, 12, 31), True),
        ({"start": "2026-03"}, date(2026, 3, 15), False),  # a partial start begins as late as it can
        ({"start": "2026-03"}, date(2026, 4, 1), True),
        ("not a period", date(2026, 1, 1), False),
    ],
)
def test_periods(period: object, today: date, inside: bool) -> None:
    assert in_period(period, today) is inside


def test_ages_and_birthdays() -> None:
    born = date(2008, 11, 22)
    assert age_on(born, date(2026, 11, 21)) == 17
    assert age_on(born, date(2026, 11, 22)) == 18
    assert birthday(born, 18) == date(2026, 11, 22)
    assert birthday(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert parse_date("2008-11") is None and parse_date(7) is None and parse_date("2008-13-01") is None


def test_capabilities_per_level() -> None:
    assert Grant("p", Level.READ_ONLY).capabilities == {Capability.READ}
    assert Grant("p", Level.SCHEDULING_MESSAGING).capabilities == {
        Capability.READ,
        Capability.SCHEDULE,
        Capability.MESSAGE,
    }
    assert Grant("p", Level.SELF).capabilities == set(Capability)
    assert not Grant("p", Level.SELF).is_proxy and Grant("p", Level.READ_ONLY).is_proxy


def test_scope_round_trips_through_json() -> None:
    scope = AccessScope(
        "acc_1",
        (
            Grant("pat-1", Level.SELF),
            Grant("pat-2", Level.SCHEDULING_MESSAGING, "MTH", "mother", "rp-1", "consent-1", True),
        ),
    )
    assert AccessScope.from_json(scope.to_json()) == scope
    assert scope.grant_for("pat-2") == scope.grants[1]
    assert scope.grant_for("pat-3") is None
