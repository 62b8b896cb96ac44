"""Booking under pressure: who may book, the practice's limits, retries, races over two gateway processes,
HAPI failing the transaction, bad input, and the upstream cost of the reads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, StartAccess, new_key
from tests.integration.gateway.portal import Portal
from tests.integration.gateway.scheduling_support import (
    BOOK,
    CANCEL,
    CHECK_IN,
    GOOD_ANSWERS,
    REQUEST,
    SLOTS,
    UPCOMING,
    new_clinic,
    warm,
)
from tests.support.servers import gateway_process

DAY = timedelta(days=1)


def _typename(body: dict[str, Any], field: str) -> str:
    assert "errors" not in body, body
    return str(body["data"][field]["__typename"])


async def test_a_proxy_who_books_is_recorded_as_the_booker(access: AccessPortal, fhir_base_url: str) -> None:
    clinic = new_clinic(fhir_base_url)
    token, patient = await warm(access, "sm"), access.family.patient("pat")
    slot = clinic.slot(DAY * 6)
    reply = await access.gql(BOOK, {"patient": patient, "slot": slot, "key": new_key()}, token=token)
    assert _typename(reply.body, "bookAppointment") == "AppointmentBooked", reply.body
    appointment = reply.body["data"]["bookAppointment"]["appointment"]
    assert appointment["bookedBy"] == "PROXY"
    stored = clinic.read("Appointment", appointment["id"])
    bookers = [p["actor"]["reference"] for p in stored["participant"] if p.get("type")]
    assert bookers == [f"RelatedPerson/{access.family.rp('sm', 'pat')}"]


async def test_a_read_only_proxy_sees_appointments_but_every_mutation_is_refused_with_nothing_sent(
    access: AccessPortal, fhir_base_url: str
) -> None:
    clinic = new_clinic(fhir_base_url)
    patient = access.family.patient("pat")
    own = await warm(access, "pat")
    booked = await access.gql(
        BOOK, {"patient": patient, "slot": clinic.slot(DAY * 2), "key": new_key()}, token=own
    )
    appointment = booked.body["data"]["bookAppointment"]["appointment"]["id"]
    token = await warm(access, "ro")
    seen = await access.gql(UPCOMING, {"patient": patient, "when": "UPCOMING"}, token=token)
    assert appointment in {a["id"] for a in seen.data("patient")["appointments"]["nodes"]}
    now = datetime.now(UTC)
    window = [{"start": (now + DAY).isoformat(), "end": (now + DAY * 2).isoformat()}]
    attempts = {
        "bookAppointment": (BOOK, {"slot": clinic.slot(DAY * 3)}),
        "requestAppointment": (REQUEST, {"windows": window, "reason": "Check-up", "type": "CHECKUP"}),
        "cancelAppointment": (CANCEL, {"appointment": appointment}),
        "checkIn": (CHECK_IN, {"appointment": appointment, "answers": GOOD_ANSWERS, "ok": True}),
    }
    for field, (document, extra) in attempts.items():
        access.recorder.clear()
        reply = await access.gql(document, {"patient": patient, "key": new_key(), **extra}, token=token)
        assert _typename(reply.body, field) == "NotPermitted", (field, reply.body)
        assert access.recorder.requests == [], (field, access.recorder.requests)
    assert clinic.read("Appointment", appointment)["status"] == "booked"


async def test_the_practices_booking_window_and_limit(start_access: StartAccess, fhir_base_url: str) -> None:
    clinic = new_clinic(fhir_base_url)
    async with start_access(max_upcoming_appointments=2, booking_window_days=30) as access:
        patient, token = access.family.patient("un"), await warm(access, "un")

        async def book(slot: str) -> dict[str, Any]:
            reply = await access.gql(BOOK, {"patient": patient, "slot": slot, "key": new_key()}, token=token)
            assert "errors" not in reply.body, reply.body
            result: dict[str, Any] = reply.body["data"]["bookAppointment"]
            return result

        assert (await book(clinic.slot(DAY * 45)))["__typename"] == "OutsideBookingWindow"
        assert (await book(clinic.slot(-DAY)))["__typename"] == "OutsideBookingWindow"
        assert (await book(clinic.slot(DAY * 4)))["__typename"] == "AppointmentBooked"
        assert (await book(clinic.slot(DAY * 5)))["__typename"] == "AppointmentBooked"
        third = await book(clinic.slot(DAY * 6))
        assert third == {**third, "__typename": "TooManyUpcoming", "limit": 2}


async def test_the_same_key_books_once_in_sequence_and_at_the_same_moment(
    access: AccessPortal, fhir_base_url: str
) -> None:
    clinic = new_clinic(fhir_base_url)
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    first_slot, second_slot = clinic.slot(DAY * 7), clinic.slot(DAY * 8)
    variables = {"patient": patient, "slot": first_slot, "key": new_key()}
    one = await access.gql(BOOK, variables, token=token)
    two = await access.gql(BOOK, variables, token=token)
    assert one.body == two.body and _typename(one.body, "bookAppointment") == "AppointmentBooked"
    same_moment = {"patient": patient, "slot": second_slot, "key": new_key()}
    replies = await asyncio.gather(*(access.gql(BOOK, same_moment, token=token) for _ in range(4)))
    assert {_typename(r.body, "bookAppointment") for r in replies} == {"AppointmentBooked"}
    assert len({r.body["data"]["bookAppointment"]["appointment"]["id"] for r in replies}) == 1
    assert len(clinic.appointments_of_slot(first_slot)) == 1
    assert len(clinic.appointments_of_slot(second_slot)) == 1


async def test_twenty_bookings_of_one_slot_over_two_gateway_processes_have_one_winner(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink
) -> None:
    clinic = new_clinic(fhir_base_url)
    slot = clinic.slot(DAY * 9)
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    settings = access.portal.settings.model_copy(
        update={"mail_smtp_port": smtp.port, "mail_smtp_security": "none"}
    )
    async with (
        gateway_process(settings) as second,
        httpx.AsyncClient(base_url=second.url, timeout=60) as client,
    ):
        other = Portal(
            client,
            settings,
            access.portal.auth,
            access.portal.access,
            access.portal.redis,
            access.portal.clock,
        )
        gateways = (access.portal, other) * 10
        replies = await asyncio.gather(
            *(
                g.gql(BOOK, {"patient": patient, "slot": slot, "key": new_key()}, token=token)
                for g in gateways
            )
        )
    outcomes = sorted(_typename(r.body, "bookAppointment") for r in replies)
    assert outcomes == ["AppointmentBooked"] + ["SlotUnavailable"] * 19
    assert len(clinic.appointments_of_slot(slot)) == 1
    assert clinic.read("Slot", slot)["status"] == "busy"


async def test_hapi_failing_the_transaction_leaves_no_half_and_the_retry_books(
    access: AccessPortal, fhir_base_url: str
) -> None:
    clinic = new_clinic(fhir_base_url)
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    # Refused before HAPI: nothing written; the same key then books.
    slot = clinic.slot(DAY * 10)
    variables = {"patient": patient, "slot": slot, "key": new_key()}
    access.recorder.refuse_next("POST")
    assert (await access.gql(BOOK, variables, token=token)).codes == ["UPSTREAM_ERROR"]
    assert clinic.appointments_of_slot(slot) == [] and clinic.read("Slot", slot)["status"] == "free"
    assert (
        _typename((await access.gql(BOOK, variables, token=token)).body, "bookAppointment")
        == "AppointmentBooked"
    )
    # HAPI wrote both, the answer was lost: the retry with the same key finds the booking instead of failing.
    slot = clinic.slot(DAY * 11)
    variables = {"patient": patient, "slot": slot, "key": new_key()}
    access.recorder.lose_next_answer("POST")
    assert (await access.gql(BOOK, variables, token=token)).codes == ["UPSTREAM_ERROR"]
    (written,) = clinic.appointments_of_slot(slot)
    assert clinic.read("Slot", slot)["status"] == "busy"
    retried = await access.gql(BOOK, variables, token=token)
    assert _typename(retried.body, "bookAppointment") == "AppointmentBooked"
    assert retried.body["data"]["bookAppointment"]["appointment"]["id"] == written["id"]
    assert len(clinic.appointments_of_slot(slot)) == 1


async def test_bad_input_gets_a_clear_answer_and_writes_nothing(
    access: AccessPortal, fhir_base_url: str
) -> None:
    clinic = new_clinic(fhir_base_url)
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    now = datetime.now(UTC)

    async def attempt(document: str, variables: dict[str, Any]) -> dict[str, Any]:
        access.recorder.clear()
        reply = await access.gql(document, variables, token=token)
        assert not [r for r in access.recorder.requests if not r.reads_only], access.recorder.requests
        return reply.body

    unknown = await attempt(BOOK, {"patient": patient, "slot": "no-such-slot", "key": new_key()})
    assert _typename(unknown, "bookAppointment") == "SlotUnavailable"
    for body in (
        await attempt(BOOK, {"patient": patient, "slot": "../Slot/x", "key": new_key()}),
        await attempt(
            BOOK, {"patient": patient, "slot": clinic.slot(DAY * 3), "key": new_key(), "reason": "x" * 10_000}
        ),
        await attempt(SLOTS, {"from": (now - DAY * 3).isoformat(), "to": (now + DAY).isoformat()}),
        await attempt(SLOTS, {"from": now.isoformat(), "to": (now + DAY * 200).isoformat()}),
        await attempt(SLOTS, {"from": "2026-12-01T09:00:00", "to": "2026-12-02T09:00:00"}),
        await attempt(
            REQUEST,
            {
                "patient": patient,
                "key": new_key(),
                "windows": [{"start": (now - DAY * 2).isoformat(), "end": (now - DAY).isoformat()}],
                "reason": "Check-up",
                "type": "CHECKUP",
            },
        ),
        await attempt(
            REQUEST,
            {
                "patient": patient,
                "key": new_key(),
                "windows": [{"start": (now + DAY).isoformat(), "end": (now + DAY * 2).isoformat()}],
                "reason": "x" * 10_000,
                "type": "CHECKUP",
            },
        ),
    ):
        assert [e["extensions"]["code"] for e in body.get("errors", [])] == ["BAD_USER_INPUT"], body
    booked = await access.gql(
        BOOK, {"patient": patient, "slot": clinic.slot(DAY * 2), "key": new_key()}, token=token
    )
    appointment = booked.body["data"]["bookAppointment"]["appointment"]["id"]
    strange = [{"questionId": "favourite-colour", "text": "blue"}, *GOOD_ANSWERS]
    body = await attempt(
        CHECK_IN,
        {"patient": patient, "appointment": appointment, "key": new_key(), "answers": strange, "ok": True},
    )
    assert _typename(body, "checkIn") == "InvalidAnswers"
    # Another patient's appointment answers like a missing one.
    other = await access.gql(
        CANCEL,
        {"patient": access.family.patient("un"), "appointment": appointment, "key": new_key()},
        token=token,
    )
    assert other.codes == ["NOT_FOUND"]
    missing = await access.gql(
        "query($id: ID!) { appointment(id: $id) { id } }", {"id": appointment}, token=await warm(access, "un")
    )
    assert missing.body == {"data": {"appointment": None}}


async def test_a_page_of_appointments_costs_one_search(access: AccessPortal, fhir_base_url: str) -> None:
    clinic = new_clinic(fhir_base_url)
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    for n in range(3):
        await access.gql(
            BOOK, {"patient": patient, "slot": clinic.slot(DAY * (4 + n)), "key": new_key()}, token=token
        )
    access.recorder.clear()
    reply = await access.gql(UPCOMING, {"patient": patient, "when": "UPCOMING"}, token=token)
    nodes = reply.data("patient")["appointments"]["nodes"]
    assert len(nodes) >= 3 and all(n["clinician"]["roles"] for n in nodes if n["clinician"])
    # One round trip: the search and the Patient read, batched.
    requests = [entry.split("?")[0] for entry in access.recorder.flat()]
    assert len(access.recorder.requests) == 1, access.recorder.requests
    assert sorted(requests) == sorted(["GET /fhir/Appointment", f"GET /fhir/Patient/{patient}"]), requests
