"""Free Slots of the practice's Schedules: what a signed-in viewer may book (directory data, no patient)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fhir_client import ParamValue, Resource, ge, lt

from . import datatypes as dt
from . import paging
from .appointments import APPOINTMENT_TYPE, LocationValue, instant, location_value
from .context import RequestContext
from .errors import BadUserInput
from .ids import fhir_id
from .references import PractitionerValue, performer_value
from .viewer import require_viewer

MAX_WINDOW = timedelta(days=90)
# A client's "now" is a moment old when it arrives: a window starting this little in the past is accepted.
LATENESS = timedelta(minutes=5)

SLOTS = paging.ListSpec(
    "slots",
    "Slot",
    {"status": "free"},
    ("start",),
    include=("Slot:schedule",),
    include_iterate=("Schedule:actor",),
)


@dataclass(frozen=True, slots=True)
class SlotValue:
    id: str
    start: datetime
    end: datetime | None
    visit_type: dt.CodeableConceptValue | None
    clinician: PractitionerValue | None
    location: LocationValue | None


def check_window(
    start: datetime, end: datetime, now: datetime, *, names: tuple[str, str] = ("from", "to")
) -> None:
    """A search or request window: with a time zone, not in the past, ``start < end``, at most 90 days.

    Raises:
        BadUserInput: Naming the argument at fault.
    """
    first, last = names
    if start.tzinfo is None or end.tzinfo is None:
        raise BadUserInput(f"{first}/{last}: give a time zone offset (2026-12-01T09:00:00-05:00)")
    if start < now - LATENESS:
        raise BadUserInput(f"{first}: must not be in the past")
    if end <= start:
        raise BadUserInput(f"{last}: must be after {first}")
    if end - start > MAX_WINDOW:
        raise BadUserInput(f"{last}: the window may span at most {MAX_WINDOW.days} days")


async def available_slots(
    ctx: RequestContext,
    *,
    practitioner_id: str | None,
    visit_type: str | None,
    location_id: str | None,
    start: datetime,
    end: datetime,
    first: int | None,
    after: str | None,
    total: bool,
) -> paging.Connection[SlotValue]:
    """One page of free Slots in ``[start, end)``, soonest first, for a signed-in viewer.

    Raises:
        PublicError: UNAUTHENTICATED without a viewer; BAD_USER_INPUT for a malformed id or window.
    """
    await require_viewer(ctx)
    now = ctx.auth.clock.now()
    check_window(start, end, now)
    actors = [f"Practitioner/{fhir_id(practitioner_id)}"] if practitioner_id else []
    actors += [f"Location/{fhir_id(location_id)}"] if location_id else []
    filters: dict[str, ParamValue | list[ParamValue]] = {"start": [ge(start), lt(end)]}
    if actors:
        filters["schedule.actor"] = list(actors)  # repeated: a Schedule of that clinician at that location
    if visit_type:
        filters["appointment-type"] = f"{APPOINTMENT_TYPE}|{visit_type}"
    query = SLOTS.query(filters, keep=lambda slot: (instant(slot.get("start")) or now) >= now)
    page = await paging.fetch(
        ctx.directory_reader(), await ctx.cursors(), query, first=first, after=after, want_total=total
    )
    index = paging.index(page.included)
    return page.convert(lambda slot: slot_value(slot, index))


def slot_value(slot: Resource, index: dict[str, Resource]) -> SlotValue | None:
    """A free Slot with the clinician and location of its Schedule (from the page's includes)."""
    start = instant(slot.get("start"))
    if start is None:
        return None
    schedule = index.get(next(iter(dt.references([slot.get("schedule")])), ""))
    actors = [index.get(ref) for ref in dt.references(schedule.get("actor"))] if schedule is not None else []
    clinician = next(
        (performer_value(a) for a in actors if a is not None and a.resource_type == "Practitioner"), None
    )
    location = next(
        (location_value(a) for a in actors if a is not None and a.resource_type == "Location"), None
    )
    return SlotValue(
        id=slot.id,
        start=start,
        end=instant(slot.get("end")),
        visit_type=dt.concept(slot.get("appointmentType")),
        clinician=clinician if isinstance(clinician, PractitionerValue) else None,
        location=location,
    )
