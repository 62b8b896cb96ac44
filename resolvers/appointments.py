"""Appointments as the patient sees them: upcoming and past visits, one by id, and its calendar file.

FHIR (docs/appointments.md): Appointment with the patient, the clinician (Practitioner) and the clinic
(Location) as participants. One search per page brings everything a page shows: ``_include=Appointment:actor``
(clinician, location), ``_revinclude=Task:focus`` (the online check-in) and
``_revinclude:iterate=PractitionerRole:practitioner`` (the clinician's role and specialty).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from access import Capability
from fhir_client import AnyOf, Resource, lt

from . import datatypes as dt
from . import paging
from .context import RequestContext
from .patient import AddressValue, address_value
from .practice import PracticeRules
from .references import PractitionerValue, performer_value
from .values import objects, string

APPOINTMENT_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0276"
CANCELLATION = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
TASK_CODES = "urn:portal-gateway:task"
CHECK_IN_CODE = "pre-visit-check-in"
PARTICIPATION = "urn:portal-gateway:participation"
BOOKER = "booker"
# Every status a visit can have that is still ahead of the patient, and the cancelled ones (shown as such).
AHEAD = ("proposed", "pending", "booked", "arrived", "checked-in", "waitlist", "cancelled")
HAPPENED = ("booked", "arrived", "checked-in", "fulfilled", "cancelled", "noshow")


class CheckInState(enum.StrEnum):
    """Where the visit's online check-in stands."""

    NOT_OPEN = "NOT_OPEN"
    OPEN = "OPEN"
    DONE = "DONE"
    ARRIVED = "ARRIVED"
    CLOSED = "CLOSED"


@dataclass(frozen=True, slots=True)
class CheckInValue:
    state: CheckInState
    opens_at: datetime | None
    completed_at: str | None


@dataclass(frozen=True, slots=True)
class LocationValue:
    id: str
    name: str | None
    address: AddressValue | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class ClinicianValue:
    practitioner: PractitionerValue
    roles: tuple[dt.CodeableConceptValue, ...]
    specialties: tuple[dt.CodeableConceptValue, ...]


@dataclass(frozen=True, slots=True)
class AppointmentValue:
    id: str
    status: str
    start: datetime | None
    end: datetime | None
    minutes_duration: int | None
    visit_type: dt.CodeableConceptValue | None
    service_category: tuple[dt.CodeableConceptValue, ...]
    reason: tuple[dt.CodeableConceptValue, ...]
    patient_instruction: str | None
    requested_periods: tuple[dt.PeriodValue, ...]
    cancellation_reason: dt.CodeableConceptValue | None
    clinician: ClinicianValue | None
    location: LocationValue | None
    slot_id: str | None
    booked_by: str | None
    check_in: CheckInValue
    practice_name: str


def upcoming(now: datetime) -> paging.ListQuery:
    """Visits ahead (requests, bookings, and the ones cancelled), soonest first; a visit that has ended
    meanwhile is left out even before the clinic marks it."""
    return UPCOMING.query(keep=lambda resource: _ends_after(resource, now))


def past(now: datetime) -> paging.ListQuery:
    """Visits that have begun, most recent first (``date=lt<now>`` moves with the clock, not a filter)."""
    return PAST.query(moving={"date": lt(now)})


_HOPS: dict[str, Any] = {
    "include": ("Appointment:actor",),
    "revinclude": ("Task:focus",),
    "revinclude_iterate": ("PractitionerRole:practitioner",),
}
UPCOMING = paging.ListSpec(
    "appointments:upcoming", "Appointment", {"status": AnyOf(*AHEAD)}, ("date",), **_HOPS
)
PAST = paging.ListSpec("appointments:past", "Appointment", {"status": AnyOf(*HAPPENED)}, ("-date",), **_HOPS)


async def appointment_page(
    ctx: RequestContext,
    patient_id: str,
    *,
    upcoming_only: bool,
    first: int | None,
    after: str | None,
    total: bool,
) -> paging.Connection[AppointmentValue]:
    """One page of the patient's upcoming or past appointments."""
    guard = await ctx.guard(patient_id, Capability.READ)
    now = ctx.auth.clock.now()
    query = upcoming(now) if upcoming_only else past(now)
    page = await paging.fetch(guard, await ctx.cursors(), query, first=first, after=after, want_total=total)
    index = paging.index(page.included)
    return page.convert(lambda resource: appointment_value(resource, index, now, ctx.practice))


async def get_appointment(ctx: RequestContext, appointment_id: str) -> AppointmentValue | None:
    """One appointment of any patient in the viewer's scope; ``None`` when missing or outside it."""
    found = await ctx.find("Appointment", appointment_id, **_HOPS)
    if found is None:
        return None
    return appointment_value(found.resource, paging.index(found.included), ctx.auth.clock.now(), ctx.practice)


def appointment_value(
    resource: Resource, index: Mapping[str, Resource], now: datetime, practice: PracticeRules
) -> AppointmentValue | None:
    """The appointment as shown (``None`` for one entered in error), with what its page included."""
    status = string(resource.get("status"))
    if status is None or status == "entered-in-error":
        return None
    start, end = instant(resource.get("start")), instant(resource.get("end"))
    participants = list(objects(resource.get("participant")))
    actors = [string(_reference(p.get("actor"))) for p in participants]
    clinician = next((index.get(a) for a in actors if a and a.startswith("Practitioner/")), None)
    location = next((index.get(a) for a in actors if a and a.startswith("Location/")), None)
    tasks = [r for r in index.values() if r.resource_type == "Task" and _focus(r) == resource.reference]
    slots = dt.references(resource.get("slot"))
    return AppointmentValue(
        id=resource.id,
        status=status,
        start=start,
        end=end,
        minutes_duration=dt.integer(resource.get("minutesDuration")),
        visit_type=dt.concept(resource.get("appointmentType")),
        service_category=dt.concepts(resource.get("serviceCategory")),
        reason=dt.concepts(resource.get("reasonCode")),
        patient_instruction=string(resource.get("patientInstruction")),
        requested_periods=tuple(
            p for p in (dt.period(item) for item in objects(resource.get("requestedPeriod"))) if p is not None
        ),
        cancellation_reason=dt.concept(resource.get("cancelationReason")),
        clinician=_clinician(clinician, index) if clinician is not None else None,
        location=location_value(location) if location is not None else None,
        slot_id=slots[0].rpartition("/")[2] if slots and slots[0].startswith("Slot/") else None,
        booked_by=_booked_by(participants),
        check_in=_check_in(status, start, tasks, now, practice),
        practice_name=practice.name,
    )


def instant(value: Any) -> datetime | None:
    """A FHIR instant or dateTime with its offset (``None`` for a date without time or anything else)."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_in_window(start: datetime, practice: PracticeRules) -> tuple[datetime, datetime]:
    """When online check-in opens and closes for a visit starting at ``start``."""
    return start - timedelta(days=practice.check_in_opens_days), start


def check_in_task(task: Resource) -> bool:
    """Whether a Task is a completed online check-in."""
    code = dt.concept(task.get("code"))
    is_check_in = code is not None and any(
        c.system == TASK_CODES and c.code == CHECK_IN_CODE for c in code.coding
    )
    return is_check_in and task.get("status") == "completed"


def _check_in(
    status: str, start: datetime | None, tasks: list[Resource], now: datetime, practice: PracticeRules
) -> CheckInValue:
    done = next((t for t in tasks if check_in_task(t)), None)
    opens = check_in_window(start, practice)[0] if start is not None else None
    if done is not None:
        return CheckInValue(CheckInState.DONE, opens, string(done.get("authoredOn")))
    if status in ("arrived", "checked-in"):
        return CheckInValue(CheckInState.ARRIVED, opens, None)
    if status != "booked" or start is None or opens is None or now >= start:
        return CheckInValue(CheckInState.CLOSED, opens, None)
    return CheckInValue(CheckInState.OPEN if now >= opens else CheckInState.NOT_OPEN, opens, None)


def _clinician(resource: Resource, index: Mapping[str, Resource]) -> ClinicianValue | None:
    practitioner = performer_value(resource)
    if not isinstance(practitioner, PractitionerValue):
        return None
    roles = [
        r
        for r in index.values()
        if r.resource_type == "PractitionerRole" and _reference(r.get("practitioner")) == resource.reference
    ]
    return ClinicianValue(
        practitioner,
        roles=tuple(code for role in roles for code in dt.concepts(role.get("code"))),
        specialties=tuple(code for role in roles for code in dt.concepts(role.get("specialty"))),
    )


def location_value(resource: Resource) -> LocationValue:
    """A Location: the clinic's name, address and phone."""
    phones = [t for t in objects(resource.get("telecom")) if t.get("system") == "phone"]
    address = resource.get("address")
    return LocationValue(
        id=resource.id,
        name=string(resource.get("name")),
        address=address_value(address) if isinstance(address, Mapping) else None,
        phone=string(phones[0].get("value")) if phones else None,
    )


def _booked_by(participants: list[Mapping[str, Any]]) -> str | None:
    # PATIENT or PROXY: who booked it through the portal (the participant of type "booker").
    for participant in participants:
        for concept in objects(participant.get("type")):
            codings = objects(concept.get("coding"))
            if any(c.get("system") == PARTICIPATION and c.get("code") == BOOKER for c in codings):
                actor = _reference(participant.get("actor")) or ""
                return "PROXY" if actor.startswith("RelatedPerson/") else "PATIENT"
    return None


def _ends_after(resource: Resource, now: datetime) -> bool:
    ends = instant(resource.get("end")) or instant(resource.get("start"))
    return ends is None or ends > now


def _focus(task: Resource) -> str | None:
    return _reference(task.get("focus"))


def _reference(value: Any) -> str | None:
    reference = value.get("reference") if isinstance(value, Mapping) else None
    return reference if isinstance(reference, str) else None
