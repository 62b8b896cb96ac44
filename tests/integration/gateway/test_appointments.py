"""Appointments against the real gateway, HAPI and Redis.

Find a slot, book, request, cancel, check in, and what the front desk does in the EHR, each visible
afterwards both in HAPI and through the queries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fixtures.staff import appointments as front_desk
from fixtures.staff.ehr import Ehr
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.scheduling_support import (
    BOOK,
    CANCEL,
    CHECK_IN,
    GOOD_ANSWERS,
    ONE,
    REQUEST,
    SLOTS,
    UPCOMING,
    Clinic,
    new_clinic,
    warm,
)

DAY = timedelta(days=1)


@pytest.fixture
def clinic(fhir_base_url: str) -> Clinic:
    return new_clinic(fhir_base_url)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _call(
    access: AccessPortal, document: str, variables: dict[str, Any], token: str, field: str
) -> Any:
    reply = await access.gql(document, variables, token=token)
    assert "errors" not in reply.body, reply.body
    return reply.body["data"][field]


async def _book(access: AccessPortal, token: str, patient: str, slot: str, key: str | None = None) -> Any:
    variables = {"patient": patient, "slot": slot, "key": key or new_key(), "reason": "Knee pain"}
    return await _call(access, BOOK, variables, token, "bookAppointment")


async def test_find_a_slot_book_it_and_see_it_everywhere(access: AccessPortal, clinic: Clinic) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    ids = [clinic.slot(DAY * n, visit_type="FOLLOWUP" if n % 2 else "ROUTINE") for n in (5, 6, 7)]
    now = datetime.now(UTC)
    window = {"from": _iso(now), "to": _iso(now + DAY * 10), "practitioner": clinic.practitioner}
    slots = await _call(access, SLOTS, window, token, "availableSlots")
    assert [s["id"] for s in slots["nodes"]] == ids  # soonest first
    assert {s["clinician"]["id"] for s in slots["nodes"]} == {clinic.practitioner}
    assert {s["clinic"]["id"] for s in slots["nodes"]} == {"loc-mgfm-main"}
    only = await _call(access, SLOTS, window | {"type": "FOLLOWUP"}, token, "availableSlots")
    assert [s["id"] for s in only["nodes"]] == [ids[0], ids[2]]
    # Paging: one at a time, through the cursor.
    page = await _call(access, SLOTS, window | {"first": 1}, token, "availableSlots")
    second = await _call(
        access, SLOTS, window | {"first": 1, "after": page["pageInfo"]["endCursor"]}, token, "availableSlots"
    )
    assert [page["nodes"][0]["id"], second["nodes"][0]["id"]] == ids[:2]

    booked = await _book(access, token, patient, ids[0])
    assert booked["__typename"] == "AppointmentBooked", booked
    appointment = booked["appointment"]
    assert appointment["status"] == "BOOKED" and appointment["slotId"] == ids[0]
    assert appointment["bookedBy"] == "PATIENT" and appointment["reason"] == [{"text": "Knee pain"}]
    # In HAPI: the Appointment with the slot, the patient and the clinician; the Slot busy.
    stored = clinic.read("Appointment", appointment["id"])
    actors = {p["actor"]["reference"] for p in stored["participant"]}
    assert {f"Patient/{patient}", f"Practitioner/{clinic.practitioner}", "Location/loc-mgfm-main"} <= actors
    assert clinic.read("Slot", ids[0])["status"] == "busy"
    # Through the queries: the list (with role, specialty and clinic), the single read, and no longer free.
    upcoming = await _call(access, UPCOMING, {"patient": patient, "when": "UPCOMING"}, token, "patient")
    (shown,) = [a for a in upcoming["appointments"]["nodes"] if a["id"] == appointment["id"]]
    assert shown["clinician"]["roles"] == [{"coding": [{"code": "doctor"}]}]
    assert shown["clinician"]["specialties"] == [{"coding": [{"display": "Family Medicine"}]}]
    assert shown["clinic"]["name"] and shown["checkIn"]["state"] == "NOT_OPEN"
    one = await _call(access, ONE, {"id": appointment["id"]}, token, "appointment")
    assert one["id"] == appointment["id"]
    assert "BEGIN:VEVENT" in one["calendarFile"] and "Knee pain" not in one["calendarFile"]
    slots = await _call(access, SLOTS, window, token, "availableSlots")
    assert [s["id"] for s in slots["nodes"]] == ids[1:]


async def test_cancel_frees_the_slot_for_booking_again(access: AccessPortal, clinic: Clinic) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    slot = clinic.slot(DAY * 8)
    appointment = (await _book(access, token, patient, slot))["appointment"]
    key = new_key()
    variables = {"patient": patient, "appointment": appointment["id"], "key": key, "reason": "Feeling better"}
    cancelled = await _call(access, CANCEL, variables, token, "cancelAppointment")
    assert cancelled["__typename"] == "AppointmentCancelled", cancelled
    assert cancelled["appointment"]["cancellationReason"] == {
        "coding": [{"code": "pat"}],
        "text": "Feeling better",
    }
    assert clinic.read("Appointment", appointment["id"])["status"] == "cancelled"
    assert clinic.read("Slot", slot)["status"] == "free"
    # The same key answers the first result again; a new one finds it cancelled already.
    assert await _call(access, CANCEL, variables, token, "cancelAppointment") == cancelled
    again = await _call(access, CANCEL, variables | {"key": new_key()}, token, "cancelAppointment")
    assert again["__typename"] == "NotCancellable"
    # Shown as cancelled among the upcoming ones; the slot can be booked again.
    upcoming = await _call(access, UPCOMING, {"patient": patient, "when": "UPCOMING"}, token, "patient")
    assert {"CANCELLED"} == {
        a["status"] for a in upcoming["appointments"]["nodes"] if a["id"] == appointment["id"]
    }
    rebooked = await _book(access, token, patient, slot)
    assert rebooked["__typename"] == "AppointmentBooked"
    assert len(clinic.appointments_of_slot(slot)) == 2  # the cancelled one and the new one


async def test_request_and_the_office_confirms_it(
    access: AccessPortal, clinic: Clinic, fhir_base_url: str
) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    now = datetime.now(UTC)
    windows = [
        {"start": _iso(now + DAY * 3), "end": _iso(now + DAY * 4)},
        {"start": _iso(now + DAY * 9), "end": _iso(now + DAY * 10)},
    ]
    variables = {
        "patient": patient,
        "key": new_key(),
        "windows": windows,
        "reason": "Annual check-up",
        "type": "CHECKUP",
        "practitioner": clinic.practitioner,
    }
    requested = await _call(access, REQUEST, variables, token, "requestAppointment")
    assert requested["__typename"] == "AppointmentRequested", requested
    appointment = requested["appointment"]
    assert appointment["status"] == "PROPOSED" and len(appointment["requestedPeriods"]) == 2
    stored = clinic.read("Appointment", appointment["id"])
    assert stored["status"] == "proposed" and len(stored["requestedPeriod"]) == 2
    needs = [
        p for p in stored["participant"] if p["actor"]["reference"] == f"Practitioner/{clinic.practitioner}"
    ]
    assert [p["status"] for p in needs] == ["needs-action"]
    upcoming = await _call(access, UPCOMING, {"patient": patient, "when": "UPCOMING"}, token, "patient")
    assert appointment["id"] in {a["id"] for a in upcoming["appointments"]["nodes"]}
    # The front desk books it into a slot in the EHR; the next request shows it, with no cache between.
    slot = clinic.slot(DAY * 9 + timedelta(hours=2))
    ehr = Ehr(fhir_base_url)
    try:
        front_desk.confirm_request(ehr, appointment["id"], slot)
    finally:
        ehr.close()
    one = await _call(access, ONE, {"id": appointment["id"]}, token, "appointment")
    assert one["status"] == "BOOKED" and one["slotId"] == slot and one["requestedPeriods"] == []
    assert clinic.read("Slot", slot)["status"] == "busy"


async def test_check_in_records_answers_and_the_front_desk_marks_arrival(
    access: AccessPortal, clinic: Clinic, fhir_base_url: str
) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    soon = (await _book(access, token, patient, clinic.slot(DAY * 2)))["appointment"]
    later = (await _book(access, token, patient, clinic.slot(DAY * 12)))["appointment"]
    assert soon["checkIn"]["state"] == "OPEN" and later["checkIn"]["state"] == "NOT_OPEN"

    def check(
        appointment: dict[str, Any], answers: list[dict[str, Any]], key: str | None = None
    ) -> dict[str, Any]:
        return {
            "patient": patient,
            "appointment": appointment["id"],
            "key": key or new_key(),
            "answers": answers,
            "ok": False,
        }

    closed = await _call(access, CHECK_IN, check(later, GOOD_ANSWERS), token, "checkIn")
    assert closed["__typename"] == "CheckInNotOpen" and closed["opensAt"]
    bad = [
        *GOOD_ANSWERS[1:],
        {"questionId": "shoe-size", "text": "9"},
        {"questionId": "allergies-changed", "text": "no"},
    ]
    invalid = await _call(access, CHECK_IN, check(soon, bad), token, "checkIn")
    assert invalid["__typename"] == "InvalidAnswers"
    assert {p["questionId"] for p in invalid["problems"]} >= {"shoe-size", "reason"}
    assert clinic.search("Task", {"focus": f"Appointment/{soon['id']}"}) == []  # nothing written

    done = await _call(access, CHECK_IN, check(soon, GOOD_ANSWERS), token, "checkIn")
    assert done["__typename"] == "CheckedIn", done
    assert done["appointment"]["checkIn"]["state"] == "DONE"
    (task,) = clinic.search("Task", {"focus": f"Appointment/{soon['id']}"})
    assert task["status"] == "completed" and task["note"]  # demographics not confirmed: a note for the desk
    response = clinic.read(
        "QuestionnaireResponse", task["output"][0]["valueReference"]["reference"].split("/")[1]
    )
    assert {i["linkId"] for i in response["item"]} == {a["questionId"] for a in GOOD_ANSWERS}
    assert clinic.read("Appointment", soon["id"])["status"] == "booked"  # check-in is not arrival
    again = await _call(access, CHECK_IN, check(soon, GOOD_ANSWERS), token, "checkIn")
    assert again["__typename"] == "AlreadyCheckedIn"

    ehr = Ehr(fhir_base_url)
    try:
        front_desk.arrive(ehr, soon["id"])
    finally:
        ehr.close()
    one = await _call(access, ONE, {"id": soon["id"]}, token, "appointment")
    assert one["status"] == "ARRIVED" and one["checkIn"]["state"] == "DONE"
