"""FHIR dates as the access rules read them: birth dates, ages, birthdays and Periods."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any


def parse_date(value: Any) -> date | None:
    """A FHIR date or dateTime's date (``None`` unless at least ``YYYY-MM-DD``)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def age_on(born: date, today: date) -> int:
    """Age in whole years on ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def birthday(born: date, years: int) -> date:
    """The ``years``-th birthday (1 March for one born on 29 February, in a non-leap year)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return date(born.year + years, 3, 1)


def in_period(period: Any, today: date) -> bool:
    """Whether ``today`` is within a FHIR Period (start inclusive, end exclusive; open ends allowed)."""
    if not isinstance(period, Mapping):
        return True
    start, end = parse_date(period.get("start")), parse_date(period.get("end"))
    return (start is None or start <= today) and (end is None or today < end)
