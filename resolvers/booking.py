"""Booking, requesting and cancelling appointments (docs/appointments.md).

- ``book``: one FHIR transaction creates the Appointment (``booked``, with the slot, the patient, the
  clinician and the clinic as participants) and turns the Slot ``free -> busy`` with ``If-Match`` (the shared
  change declared in ``access/shared_changes.py``): of two patients taking one slot exactly one wins, the
  other gets ``SlotUnavailable``, and a failure leaves neither half.
- ``request``: an Appointment ``proposed`` with the preferred windows (``requestedPeriod``) for the office to
  confirm in the EHR.
- ``cancel``: the Appointment ``cancelled`` with ``cancelationReason`` and its Slot ``busy -> free``, in one
  transaction.

Each runs once per idempotency key; the one who books is recorded as a participant of type ``booker`` (the
proxy's RelatedPerson, or the patient).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from access import Capability
from fhir_client import AnyOf, Entry, Resource, ge

from . import datatypes as dt
from . import paging
from .appointments import (
    _HOPS,
    APPOINTMENT_TYPE,
    BOOKER,
    CANCELLATION,
    PARTICIPATION,
    AppointmentValue,
    appointment_value,
    instant,
)
from .context import RequestContext
from .errors import BadUserInput, WriteConflict
from .guard import NotInScope, PatientGuard
from .idempotency import WriteMarker, idempotent
from .ids import created_id, fhir_id
from .permits import acting_for
from .problems import IdempotencyKeyReused, NotPermitted
from .slots import check_window
from .text import optional_text
from .values import human_names, string

MAX_REASON = 500
MAX_WINDOWS = 5
CANCELLABLE = frozenset({"proposed", "pending", "booked", "waitlist"})
HOLDING = AnyOf("pending", "booked", "arrived", "checked-in")


@dataclass(frozen=True, slots=True)
class AppointmentBooked:
    appointment: AppointmentValue


@dataclass(frozen=True, slots=True)
class AppointmentRequested:
    appointment: AppointmentValue


@dataclass(frozen=True, slots=True)
class AppointmentCancelled:
    appointment: AppointmentValue


@dataclass(frozen=True, slots=True)
class SlotUnavailable:
    message: str = "That time is no longer available. Please choose another."


@dataclass(frozen=True, slots=True)
class OutsideBookingWindow:
    latest: datetime
    message: str = "That time cannot be booked online: it is in the past or too far ahead."


@dataclass(frozen=True, slots=True)
class TooManyUpcoming:
    limit: int
    message: str = "You have as many upcoming appointments as can be booked online. Please call the office."


@dataclass(frozen=True, slots=True)
class NotCancellable:
    message: str


BookResult = AppointmentBooked | SlotUnavailable | NotPermitted | OutsideBookingWindow | TooManyUpcoming
RequestResult = AppointmentRequested | NotPermitted
CancelResult = AppointmentCancelled | NotCancellable | NotPermitted


@dataclass(frozen=True, slots=True)
class Window:
    """A preferred time window of a request."""

    start: datetime
    end: datetime


def reason_text(reason: str | None, *, required: bool = False) -> str | None:
    """The reason as the patient typed it (trimmed), at most 500 characters.

    Raises:
        BadUserInput: Too long, missing when required, or with a control character (``resolvers/text.py``).
    """
    text = optional_text("reason", reason, MAX_REASON)
    if required and text is None:
        raise BadUserInput("reason: say briefly what the visit is for")
    return text


async def book(
    ctx: RequestContext, patient_id: str, slot_id: str, reason: str | None, idempotency_key: str
) -> BookResult | IdempotencyKeyReused:
    """``bookAppointment``: book a free Slot for the patient."""
    slot_id, text = fhir_id(slot_id), reason_text(reason)
    arguments = {"patient": fhir_id(patient_id), "slot": slot_id, "reason": text}

    async def work(marker: WriteMarker) -> BookResult:
        guard = await acting_for(ctx, patient_id, Capability.SCHEDULE)
        if isinstance(guard, NotPermitted):
            return guard
        now = ctx.auth.clock.now()
        if marker.retried and (earlier := await _made_earlier(ctx, guard, marker, now)) is not None:
            return AppointmentBooked(earlier)
        reader = ctx.directory_reader()
        found, holding = await asyncio.gather(
            reader.search(
                "Slot",
                {"_id": slot_id},
                include=["Slot:schedule"],
                include_iterate=["Schedule:actor"],
                count=1,
            ),
            guard.search("Appointment", {"status": HOLDING, "date": ge(now)}, count=0, total=True),
        )
        slot = next(iter(found.matches), None)
        if slot is None or slot.get("status") != "free":
            return SlotUnavailable()
        start, latest = instant(slot.get("start")), now + timedelta(days=ctx.practice.booking_window_days)
        if start is None or start <= now or start > latest:
            return OutsideBookingWindow(latest=latest)
        if (holding.total or 0) >= ctx.practice.max_upcoming_appointments:
            return TooManyUpcoming(limit=ctx.practice.max_upcoming_appointments)
        index = paging.index(found.included)
        appointment = _booking(guard, slot, index, text, now, marker)
        try:
            results = await guard.transaction(
                [Entry.create(appointment, if_none_exist=marker.criteria)],
                shared=[guard.shared_update("bookAppointment", slot)],
            )
        except WriteConflict:  # another booking took the slot after we read it
            return SlotUnavailable()
        created = {**appointment, "id": created_id(results[0].location)}
        return AppointmentBooked(_value(created, index, now, ctx))

    results = (AppointmentBooked, SlotUnavailable, NotPermitted, OutsideBookingWindow, TooManyUpcoming)
    return await idempotent(ctx, "bookAppointment", idempotency_key, arguments, results, work)


async def request(
    ctx: RequestContext,
    patient_id: str,
    *,
    practitioner_id: str | None,
    visit_type: str,
    windows: list[Window],
    reason: str,
    idempotency_key: str,
) -> RequestResult | IdempotencyKeyReused:
    """``requestAppointment``: ask the office for a visit in one of the preferred windows."""
    now = ctx.auth.clock.now()
    if not 1 <= len(windows) <= MAX_WINDOWS:
        raise BadUserInput(f"preferredWindows: give 1 to {MAX_WINDOWS} windows")
    for window in windows:
        check_window(window.start, window.end, now, names=("preferredWindows.start", "preferredWindows.end"))
    if max(w.end for w in windows) > now + timedelta(days=ctx.practice.booking_window_days):
        raise BadUserInput(f"preferredWindows: at most {ctx.practice.booking_window_days} days ahead")
    practitioner = fhir_id(practitioner_id) if practitioner_id else None
    text = reason_text(reason, required=True)
    arguments = {
        "patient": fhir_id(patient_id),
        "practitioner": practitioner,
        "type": visit_type,
        "windows": [[w.start.isoformat(), w.end.isoformat()] for w in windows],
        "reason": text,
    }

    async def work(marker: WriteMarker) -> RequestResult:
        guard = await acting_for(ctx, patient_id, Capability.SCHEDULE)
        if isinstance(guard, NotPermitted):
            return guard
        index: dict[str, Resource] = {}
        if practitioner is not None:
            found = await ctx.directory_reader().read("Practitioner", practitioner)
            if found is None:
                raise BadUserInput("practitionerId: no such clinician at this practice")
            index[found.reference] = found
        proposed = {
            "resourceType": "Appointment",
            "identifier": [marker.identifier],
            "status": "proposed",
            "appointmentType": {"coding": [{"system": APPOINTMENT_TYPE, "code": visit_type}]},
            "reasonCode": [{"text": text}],
            "requestedPeriod": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in windows],
            "created": now.isoformat(),
            "participant": [*_patient_side(guard), *_clinician_side(practitioner, index, "needs-action")],
        }
        written = await guard.create(proposed, if_none_exist=marker.criteria)
        return AppointmentRequested(_value(written.resource.data, index, now, ctx))

    results = (AppointmentRequested, NotPermitted)
    return await idempotent(ctx, "requestAppointment", idempotency_key, arguments, results, work)


async def cancel(
    ctx: RequestContext, patient_id: str, appointment_id: str, reason: str | None, idempotency_key: str
) -> CancelResult | IdempotencyKeyReused:
    """``cancelAppointment``: cancel a visit ahead (or a request) and free its Slot, in one transaction."""
    wanted, text = fhir_id(appointment_id), reason_text(reason)
    arguments = {"patient": fhir_id(patient_id), "appointment": wanted, "reason": text}

    async def work(marker: WriteMarker) -> CancelResult:
        guard = await acting_for(ctx, patient_id, Capability.SCHEDULE)
        if isinstance(guard, NotPermitted):
            return guard
        appointment = await guard.read("Appointment", wanted)
        if appointment is None:
            raise NotInScope()
        now, status = ctx.auth.clock.now(), appointment.get("status")
        if marker.retried and status == "cancelled":  # the earlier attempt went through; its answer was lost
            return AppointmentCancelled(_value(appointment.data, {}, now, ctx))
        start = instant(appointment.get("start"))
        if status not in CANCELLABLE:
            return NotCancellable(f"This appointment is {status} and cannot be cancelled online.")
        if start is not None and start <= now:
            return NotCancellable("This appointment has already begun. Please call the office.")
        coding = {"system": CANCELLATION, "code": "pat", "display": "Patient"}
        cancelled = {**appointment.data, "status": "cancelled", "cancelationReason": {"coding": [coding]}}
        if text:
            cancelled["cancelationReason"]["text"] = text
        shared = []
        for ref in (string(s.get("reference")) for s in appointment.get("slot") or [] if isinstance(s, dict)):
            slot = await ctx.directory_reader().read("Slot", ref.rpartition("/")[2]) if ref else None
            if slot is not None and slot.get("status") == "busy":
                shared.append(guard.shared_update("cancelAppointment", slot))
        await guard.transaction([Entry.update(cancelled, if_match=appointment.version_id)], shared=shared)
        return AppointmentCancelled(_value(cancelled, {}, now, ctx))

    results = (AppointmentCancelled, NotCancellable, NotPermitted)
    return await idempotent(ctx, "cancelAppointment", idempotency_key, arguments, results, work)


def _booking(
    guard: PatientGuard,
    slot: Resource,
    index: dict[str, Resource],
    reason: str | None,
    now: datetime,
    marker: WriteMarker,
) -> dict[str, Any]:
    schedule = index.get(next(iter(dt.references([slot.get("schedule")])), ""))
    actors = dt.references(schedule.get("actor")) if schedule is not None else []
    practitioner = next((a.rpartition("/")[2] for a in actors if a.startswith("Practitioner/")), None)
    location = next((a for a in actors if a.startswith("Location/")), None)
    start, end = instant(slot.get("start")), instant(slot.get("end"))
    appointment: dict[str, Any] = {
        "resourceType": "Appointment",
        "identifier": [marker.identifier],
        "status": "booked",
        "slot": [{"reference": slot.reference}],
        "start": slot.get("start"),
        "end": slot.get("end"),
        "created": now.isoformat(),
        "participant": [
            *_patient_side(guard),
            *_clinician_side(practitioner, index, "accepted"),
            *(
                [{"actor": _ref_with_name(location, index), "required": "required", "status": "accepted"}]
                if location
                else []
            ),
        ],
    }
    if start is not None and end is not None:
        appointment["minutesDuration"] = int((end - start).total_seconds() // 60)
    for element in ("serviceCategory", "serviceType", "specialty", "appointmentType"):
        if slot.get(element):
            appointment[element] = slot.get(element)
    if reason:
        appointment["reasonCode"] = [{"text": reason}]
    return appointment


def _patient_side(guard: PatientGuard) -> list[dict[str, Any]]:
    """The patient as a participant, and whoever books as the ``booker`` (the patient, or the proxy)."""
    booker = {"coding": [{"system": PARTICIPATION, "code": BOOKER, "display": "Booked by"}]}
    patient: dict[str, Any] = {
        "actor": {"reference": f"Patient/{guard.patient_id}"},
        "required": "required",
        "status": "accepted",
    }
    if not guard.grant.is_proxy:
        return [{**patient, "type": [booker]}]
    proxy = {
        "type": [booker],
        "actor": {"reference": f"RelatedPerson/{guard.grant.related_person_id}"},
        "required": "information-only",
        "status": "accepted",
    }
    return [patient, proxy]


def _clinician_side(
    practitioner_id: str | None, index: dict[str, Resource], status: str
) -> list[dict[str, Any]]:
    if practitioner_id is None:
        return []
    actor = _ref_with_name(f"Practitioner/{practitioner_id}", index)
    return [{"actor": actor, "required": "required", "status": status}]


def _ref_with_name(reference: str, index: dict[str, Resource]) -> dict[str, str]:
    # The display helps people reading the EHR: the clinician's or the clinic's name, never the patient's.
    found = index.get(reference)
    name = found.get("name") if found is not None else None
    if isinstance(name, list):
        first = next(iter(human_names(name)), None)
        name = " ".join([*first.given, first.family or ""]).strip() if first is not None else None
    return (
        {"reference": reference, "display": name}
        if isinstance(name, str) and name
        else {"reference": reference}
    )


async def _made_earlier(
    ctx: RequestContext, guard: PatientGuard, marker: WriteMarker, now: datetime
) -> AppointmentValue | None:
    # A retry after an attempt whose answer was lost: the booking may be there already.
    page = await guard.search("Appointment", marker.criteria, count=1, **_HOPS)
    found = next(iter(page.matches), None)
    if found is None:
        return None
    return appointment_value(found, paging.index(page.included), now, ctx.practice)


def _value(
    appointment: Mapping[str, Any], index: dict[str, Resource], now: datetime, ctx: RequestContext
) -> AppointmentValue:
    value = appointment_value(Resource(appointment), index, now, ctx.practice)
    if value is None:  # pragma: no cover - the gateway wrote it itself
        raise ValueError("an appointment the gateway wrote is not showable")
    return value
