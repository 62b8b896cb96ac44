"""FHIR dates as the access rules read them: birth dates, ages, birthdays and Periods.

FHIR dates may be partial (``2008``, ``2008-11``). The access rules fail closed on them: each partial value
is read as the bound of its range that grants less (a period starts as late and ends as early as the value
allows; a patient is as old as the birth date allows for the 18th-birthday rule, and counts as a teen when
any reading of the birth date would make them one). A value that is not a date at all grants nothing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$")


@dataclass(frozen=True, slots=True)
class DateRange:
    """The first and last day a (possibly partial) FHIR date can mean."""

    earliest: date
    latest: date


def date_range(value: Any) -> DateRange | None:
    """The days a FHIR date or dateTime can mean (``None`` when it is not one).

    ``2008`` -> 2008-01-01..2008-12-31, ``2008-02`` -> 2008-02-01..2008-02-29, ``2008-02-03`` -> that day.
    A dateTime counts by its date part.
    """
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    try:
        if month is None:
            return DateRange(date(year, 1, 1), date(year, 12, 31))
        if day is None:
            return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        exact = date(year, month, day)
    except ValueError:
        return None
    return DateRange(exact, exact)


def parse_date(value: Any) -> date | None:
    """A full FHIR date or dateTime's date (``None`` unless at least ``YYYY-MM-DD``)."""
    found = date_range(value)
    return found.earliest if found is not None and found.earliest == found.latest else None


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
    """Whether ``today`` is surely within a FHIR Period (start inclusive, end exclusive; open ends allowed).

    A partial start counts from the last day it can mean, a partial end from the first; a start or end that
    is present but not a date puts ``today`` outside.
    """
    if period is None:
        return True
    if not isinstance(period, Mapping):
        return False
    start, end = period.get("start"), period.get("end")
    began = date_range(start) if start is not None else None
    ended = date_range(end) if end is not None else None
    if (start is not None and began is None) or (end is not None and ended is None):
        return False
    return (began is None or began.latest <= today) and (ended is None or today < ended.earliest)
