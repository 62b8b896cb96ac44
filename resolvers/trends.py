"""Trend data for charts: the series of one coded Observation over time (``patient.observationTrend``).

A chart wants every point of one code in a window, oldest first, in few requests. The search is declared once
(``TREND``, a ``ListSpec`` under the release rule, like the results lists) and read in at most
``1 + ceil((n - PAGE) / (PAGE * PAGES_PER_BATCH))`` upstream requests for ``n`` points:

1. the first page (``_count`` = ``PAGE``, the most a server page holds here) with ``_total=accurate``, so the
   size of the series is known at once;
2. the rest as ``_offset`` pages of the same search, ``PAGES_PER_BATCH`` of them per ``batch`` Bundle (HAPI
   and most servers serve ``_offset``); 1,000 points cost 2 requests.

A server that ignores ``_offset`` answers the first page again; the points are then read by following the
first page's ``next`` links instead (one request per page, still correct). Points are kept by id, so a
result filed between the two requests never shows twice. A series longer than ``MAX_POINTS`` is refused
(BAD_USER_INPUT: narrow the window) rather than cut short: a chart must not look complete when it is not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from access import Capability
from fhir_client import Resource, SearchParams

from . import datatypes as dt
from . import paging, release
from .context import RequestContext
from .errors import BadUserInput
from .guard import GuardedPage, PatientGuard
from .observations import ObservationValue, observation_value
from .references import References
from .results import Filters

PAGE = 100
PAGES_PER_BATCH = 10
MAX_POINTS = 5000

TREND = paging.ListSpec(
    "observationTrend",
    "Observation",
    release.search_params(),
    # Oldest first: the order a chart draws in.
    ("date",),
    keep=release.released,
)


@dataclass(frozen=True, slots=True)
class TrendValue:
    """One coded observation's series: what it is, its usual unit, and the points oldest first.

    Attributes:
        code: The token asked for (``system|code`` or ``code``).
        concept: The code as the newest point names it (display text for the chart's title).
        unit: The unit of the newest point with a quantity (units may change; each point has its own).
        points: The released Observations of the window, oldest first.
    """

    code: str
    concept: dt.CodeableConceptValue | None
    unit: str | None
    points: tuple[ObservationValue, ...]


def _check(code: str, date_from: str | None, date_to: str | None) -> None:
    # The same token rule as the lists' code filter (bad input costs no upstream request).
    paging.precheck({"code": code}, None)
    if date_from is not None and date_to is not None and date_to < date_from:
        raise BadUserInput("to: must not be before from")


async def observation_trend(
    ctx: RequestContext, patient_id: str, code: str, date_from: str | None, date_to: str | None
) -> TrendValue:
    """The released Observations of ``code`` for the patient between ``date_from`` and ``date_to``.

    Raises:
        BadUserInput: A malformed code, ``to`` before ``from``, or more than ``MAX_POINTS`` points.
    """
    _check(code, date_from, date_to)
    guard = await ctx.guard(patient_id, Capability.READ)
    query = TREND.query(Filters(code=code, date_from=date_from, date_to=date_to).params())
    params = query.params
    first = await guard.search(TREND.resource_type, params, count=PAGE, total=True, sort=TREND.sort)
    if first.total is None:
        # A server that does not count: its own links, one page at a time (correct, only slower).
        resources = await _by_links(guard, first)
    elif first.total > MAX_POINTS:
        raise BadUserInput(f"from/to: more than {MAX_POINTS} points in this window; narrow it")
    else:
        resources = await _rest(guard, first, params, first.total)
    refs = References(guard, ctx.directory_reader(), {})
    points = tuple(
        value
        for resource in resources
        if query.keep(resource) and (value := observation_value(resource, refs)) is not None
    )
    return TrendValue(code, _concept(points), _unit(points), points)


async def _rest(guard: PatientGuard, first: GuardedPage, params: SearchParams, total: int) -> list[Resource]:
    """The whole series: the first page plus the ``_offset`` pages in batches (or by ``next`` links)."""
    seen: dict[str, Resource] = {r.id: r for r in first.matches}
    if not first.has_next or total <= PAGE:
        return list(seen.values())
    offsets = list(range(PAGE, total, PAGE))
    for start in range(0, len(offsets), PAGES_PER_BATCH):
        searches = [{**params, "_offset": offset} for offset in offsets[start : start + PAGES_PER_BATCH]]
        # Asked for together, the searches leave as one batch Bundle (the client's GetBatcher).
        pages = await asyncio.gather(
            *(guard.search(TREND.resource_type, p, count=PAGE, sort=TREND.sort) for p in searches)
        )
        if any(r.id in seen for r in pages[0].matches) and offsets[start] == PAGE:
            # The server ignored _offset (it answered the first page again): follow its own links instead.
            return await _by_links(guard, first)
        for page in pages:
            seen.update((r.id, r) for r in page.matches)
    # Oldest first: each page is sorted by date and the pages follow one another (dicts keep that order).
    return list(seen.values())


async def _by_links(guard: PatientGuard, first: GuardedPage) -> list[Resource]:
    found: dict[str, Resource] = {r.id: r for r in first.matches}
    page: GuardedPage | None = first
    while page is not None and page.has_next:
        if len(found) >= MAX_POINTS:
            raise BadUserInput(f"from/to: more than {MAX_POINTS} points in this window; narrow it")
        page = await guard.next_page(page)
        if page is not None:
            found.update((r.id, r) for r in page.matches)
    return list(found.values())


def _concept(points: tuple[ObservationValue, ...]) -> dt.CodeableConceptValue | None:
    return next((p.code for p in reversed(points) if p.code is not None), None)


def _unit(points: tuple[ObservationValue, ...]) -> str | None:
    for point in reversed(points):
        values = [point.value, *(c.value for c in point.components)]
        for value in values:
            if isinstance(value, dt.QuantityValue) and (value.unit or value.code):
                return value.unit or value.code
    return None
