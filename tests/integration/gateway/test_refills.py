"""Renewal (refill) requests against the real gateway, HAPI, Redis and SMTP (issue #12): request, duplicate,
inactive order, proxies, another patient's order, bad input, the idempotent retry and cancellation.

The prescriber's side (approval, denial, the message and the mail) is in test_refill_decisions.py.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from fixtures import catalog
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.medications_support import (
    CANCEL,
    MEDICATIONS,
    REFILLS,
    REQUEST,
    order,
    refill,
    renewal_tasks,
    request,
    writes,
)
from tests.integration.gateway.records_support import put

NOTE = "Please send it to the pharmacy on Elm Street."


def _orders(base: str, access: AccessPortal) -> dict[str, str]:
    """A stopped and a completed order of the family's patient (the active one is the family's own)."""
    patient = access.family.patient("pat")
    ids = {status: f"{access.family.run}-rx-{status}" for status in ("stopped", "completed")}
    put(base, [order(patient, rid, status=status) for status, rid in ids.items()])
    return ids


async def _warm(access: AccessPortal, token: str) -> None:
    # Compute the session's scope first, so the requests counted are the operation's own.
    await access.gql(
        "query($id: ID!) { patient(id: $id) { id } }", {"id": access.family.patient("pat")}, token
    )


async def test_a_request_is_sent_to_the_prescriber_and_then_visible(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    await _warm(access, token)
    access.recorder.clear()
    sent = await request(access, token, patient, f.medication_request, NOTE)
    assert sent["__typename"] == "RefillRequested", sent
    assert (sent["medicationRequestId"], sent["state"]) == (f.medication_request, "REQUESTED")
    assert date.fromisoformat(sent["dueDate"]) > date.fromisoformat(sent["requestedAt"][:10])
    # One search for the order and its requests, one conditional create.
    upstream = [f"{r.method} {r.url}" for r in access.recorder.requests]
    assert len(upstream) == 2, upstream
    assert "_revinclude=Task:focus" in upstream[0] and upstream[1] == "POST /fhir/Task"

    [task] = renewal_tasks(fhir_base_url, patient)
    assert task["id"] == sent["id"]
    assert (task["status"], task["intent"]) == ("requested", "order")
    assert task["focus"] == {"reference": f"MedicationRequest/{f.medication_request}"}
    assert task["for"] == {"reference": f"Patient/{patient}"}
    assert task["requester"] == {"reference": f"Patient/{patient}"}
    assert task["owner"] == {"reference": "Practitioner/prac-helen-lee"}
    assert task["restriction"]["period"]["end"] == sent["dueDate"]
    assert task["note"][0]["text"] == NOTE
    assert {"system": "http://snomed.info/sct", "code": "103742009"}.items() <= task["code"]["coding"][
        1
    ].items()
    assert any(i["system"] == "urn:portal-gateway:idempotency" for i in task["identifier"])

    listed = (await access.gql(REFILLS, {"id": patient}, token)).data("patient")["refillRequests"]["nodes"]
    assert [(r["id"], r["state"], r["status"], r["pharmacyNote"]) for r in listed] == [
        (sent["id"], "REQUESTED", "REQUESTED", NOTE)
    ]
    assert listed[0]["medicationRequest"]["id"] == f.medication_request
    assert listed[0]["medicationRequest"]["notRenewableReason"] == "ALREADY_REQUESTED"
    assert listed[0]["newOrder"] is None
    meds = (await access.gql(MEDICATIONS, {"id": patient}, token)).data("patient")["medications"]["nodes"]
    mine = next(m for m in meds if m["id"] == f.medication_request)
    assert (mine["renewable"], mine["openRefillRequestId"]) == (False, sent["id"])


async def test_a_second_request_for_the_same_order_is_refused(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    first = await request(access, token, patient, f.medication_request)
    proxy = await access.token("sm")
    await _warm(access, proxy)
    access.recorder.clear()
    again = await request(access, proxy, patient, f.medication_request)  # the proxy too
    assert again == {
        "__typename": "AlreadyRequested",
        "refillRequestId": first["id"],
        "code": "ALREADY_REQUESTED",
        "message": "A renewal of this prescription was already requested and is waiting for your provider.",
    }
    assert len(access.recorder.requests) == 1 and writes(access) == []  # the one search
    assert len(renewal_tasks(fhir_base_url, patient)) == 1


async def test_requests_with_different_keys_at_the_same_moment_make_one_task(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    await _warm(access, token)
    # A double click, two tabs: each sends its own key; all read "nothing requested yet" together.
    results = await asyncio.gather(*(request(access, token, patient, f.medication_request) for _ in range(8)))
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["AlreadyRequested"] * 7 + ["RefillRequested"], kinds
    [task] = renewal_tasks(fhir_base_url, patient)
    (won,) = (r for r in results if r["__typename"] == "RefillRequested")
    assert won["id"] == task["id"]
    assert {r["refillRequestId"] for r in results if r["__typename"] == "AlreadyRequested"} == {task["id"]}
    # Once it is withdrawn, the next request gets the next number and a Task of its own.
    cancelled = await access.gql(CANCEL, {"patient": patient, "task": task["id"], "key": new_key()}, token)
    assert cancelled.data("cancelRefillRequest")["__typename"] == "RefillRequestCancelled"
    again = await request(access, token, patient, f.medication_request)
    assert again["__typename"] == "RefillRequested" and again["id"] != task["id"]
    numbers = sorted(
        i["value"]
        for t in renewal_tasks(fhir_base_url, patient)
        for i in t["identifier"]
        if i["system"] == "urn:portal-gateway:renewal-request"
    )
    assert numbers == [f"{f.medication_request}.0", f"{f.medication_request}.1"]


async def test_an_inactive_or_stopped_order_is_refused(access: AccessPortal, fhir_base_url: str) -> None:
    patient, token = access.family.patient("pat"), await access.token("pat")
    await _warm(access, token)
    for status, rid in _orders(fhir_base_url, access).items():
        access.recorder.clear()
        refused = await request(access, token, patient, rid)
        assert (refused["__typename"], refused["reason"], refused["code"]) == (
            "NotRenewable",
            "NOT_ACTIVE",
            "NOT_RENEWABLE",
        ), status
        assert len(access.recorder.requests) == 1 and writes(access) == []
    assert renewal_tasks(fhir_base_url, patient) == []


async def test_a_retry_with_the_same_key_creates_one_task(access: AccessPortal, fhir_base_url: str) -> None:
    f = access.family
    patient, token, key = f.patient("pat"), await access.token("pat"), new_key()
    variables = refill(patient, f.medication_request) | {"key": key}
    for _ in range(3):  # HAPI creates the Task on the first try; no answer of any try reaches the gateway
        access.recorder.lose_next_answer("POST")
    lost = await access.gql(REQUEST, variables, token)
    assert lost.codes == ["UPSTREAM_ERROR"], lost.body
    assert len(renewal_tasks(fhir_base_url, patient)) == 1  # the client's own retries were conditional
    access.recorder.clear()
    retried = (await access.gql(REQUEST, variables, token)).data("requestRefill")
    [task] = renewal_tasks(fhir_base_url, patient)
    assert (retried["__typename"], retried["id"]) == ("RefillRequested", task["id"])
    assert len(access.recorder.requests) == 1  # the search found it by its marker: nothing created again
    access.recorder.clear()
    replayed = (await access.gql(REQUEST, variables, token)).data("requestRefill")
    assert replayed == retried and access.recorder.requests == []  # the stored result; nothing sent
    other = (await access.gql(REQUEST, variables | {"note": NOTE}, token)).data("requestRefill")
    assert other["__typename"] == "IdempotencyKeyReused"
    assert len(renewal_tasks(fhir_base_url, patient)) == 1


async def test_an_answer_lost_once_is_healed_by_the_conditional_create(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient, token = access.family.patient("pat"), await access.token("pat")
    access.recorder.lose_next_answer("POST")
    sent = await request(access, token, patient, access.family.medication_request)
    assert sent["__typename"] == "RefillRequested"
    assert [t["id"] for t in renewal_tasks(fhir_base_url, patient)] == [sent["id"]]


async def test_a_read_only_proxy_is_refused_with_nothing_sent_upstream(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("ro")
    await _warm(access, token)
    access.recorder.clear()
    refused = await request(access, token, patient, f.medication_request)
    assert (refused["__typename"], refused["code"]) == ("NotPermitted", "NOT_PERMITTED")
    assert "prescription renewals" in refused["message"]
    assert access.recorder.requests == []
    # A SCHEDULING_MESSAGING proxy may ask (the practice's default); the request names their RelatedPerson.
    allowed = await request(access, await access.token("sm"), patient, f.medication_request)
    assert allowed["__typename"] == "RefillRequested"
    [task] = renewal_tasks(fhir_base_url, patient)
    assert task["requester"] == {"reference": f"RelatedPerson/{f.rp('sm', 'pat')}"}


async def test_a_practice_may_keep_renewals_to_the_patient(start_access: Any, fhir_base_url: str) -> None:
    async with start_access(refill_levels=("SELF",)) as access:
        f = access.family
        token = await access.token("sm")
        await _warm(access, token)
        access.recorder.clear()
        refused = await request(access, token, f.patient("pat"), f.medication_request)
        assert refused["__typename"] == "NotPermitted" and access.recorder.requests == []
        assert renewal_tasks(fhir_base_url, f.patient("pat")) == []


async def test_another_patients_order_answers_like_a_missing_id(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    await _warm(access, token)
    answers = []
    for other in (catalog.RENEWABLE_MEDICATION, f"{f.run}-no-such-order"):
        access.recorder.clear()
        reply = await access.gql(REQUEST, refill(patient, other), token)
        answers.append((reply.codes, reply.body["errors"][0]["message"]))
        assert len(access.recorder.requests) == 1 and writes(access) == []
    assert answers[0] == answers[1] == (["NOT_FOUND"], "Not found.")
    # Another patient's id as the patient: outside the scope, refused before anything is sent.
    access.recorder.clear()
    reply = await access.gql(REQUEST, refill("pat-marcus-johnson", catalog.RENEWABLE_MEDICATION), token)
    assert reply.codes == ["NOT_FOUND"] and access.recorder.requests == []
    assert renewal_tasks(fhir_base_url, patient) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"order": "../MedicationRequest/x"}, "medicationRequestId must be"),
        ({"order": "a b"}, "medicationRequestId must be"),
        ({"order": "x" * 65}, "medicationRequestId must be"),
        ({"patient": "pat?_format=xml"}, "patientId must be"),
        ({"note": "x" * 5000}, "pharmacyNote: at most 1000 characters"),
        ({"note": "bad\u0000note"}, "pharmacyNote: contains a control character"),
        ({"key": "short"}, "idempotencyKey:"),
    ],
)
async def test_bad_input_gets_a_clear_error_and_writes_nothing(
    access: AccessPortal, fhir_base_url: str, change: dict[str, str], message: str
) -> None:
    f = access.family
    token = await access.token("pat")
    variables = refill(f.patient("pat"), f.medication_request)
    before = await access.portal.keys(counters=False)
    access.recorder.clear()
    reply = await access.gql(REQUEST, variables | change, token)
    assert reply.codes == ["BAD_USER_INPUT"], reply.body
    assert reply.body["errors"][0]["message"].startswith(message)
    assert access.recorder.requests == []
    assert await access.portal.keys(counters=False) == before  # not even an idempotency claim
    assert renewal_tasks(fhir_base_url, f.patient("pat")) == []


async def test_cancel_while_requested_but_not_after_a_decision(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    first = await request(access, token, patient, f.medication_request)

    tokens = {who: await access.token(who) for who in ("pat", "ro", "sm")}
    for each in tokens.values():
        await _warm(access, each)

    async def cancel(task_id: str, who: str = "pat") -> dict[str, Any]:
        variables = {"patient": patient, "task": task_id, "key": new_key()}
        access.recorder.clear()
        result: dict[str, Any] = (await access.gql(CANCEL, variables, tokens[who])).data(
            "cancelRefillRequest"
        )
        return result

    assert (await cancel(first["id"], "ro"))["__typename"] == "NotPermitted"
    assert access.recorder.requests == []
    assert await cancel(first["id"]) == {"__typename": "RefillRequestCancelled", "id": first["id"]}
    assert [r.method for r in access.recorder.requests] == ["GET", "PUT"]
    assert await cancel(first["id"], "sm") == {"__typename": "RefillRequestCancelled", "id": first["id"]}
    assert [r.method for r in access.recorder.requests] == ["GET"]  # already cancelled: nothing written
    listed = (await access.gql(REFILLS, {"id": patient}, token)).data("patient")["refillRequests"]["nodes"]
    assert (listed[0]["state"], listed[0]["reason"]) == ("CANCELLED", "Withdrawn in the patient portal")
    # Withdrawn, the order may be asked for again; once the prescriber decided, it cannot be cancelled.
    second = await request(access, token, patient, f.medication_request)
    assert second["__typename"] == "RefillRequested" and second["id"] != first["id"]
    [task] = [t for t in renewal_tasks(fhir_base_url, patient) if t["id"] == second["id"]]
    put(fhir_base_url, [{**task, "status": "rejected", "statusReason": {"text": "Please book a visit."}}])
    closed = {"__typename": "RefillRequestClosed", "state": "DENIED", "code": "REFILL_REQUEST_CLOSED"}
    assert await cancel(second["id"]) == closed
    reply = await access.gql(CANCEL, {"patient": patient, "task": f"{f.run}-nope", "key": new_key()}, token)
    assert reply.codes == ["NOT_FOUND"]


async def test_a_request_about_a_restricted_order_is_as_restricted_as_the_order(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient = f.patient("pat")
    restricted = order(patient, f"{f.run}-rx-restricted") | {
        "meta": {
            "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]
        }
    }
    put(fhir_base_url, [restricted])
    sent = await request(access, await access.token("pat"), patient, restricted["id"])
    [task] = [t for t in renewal_tasks(fhir_base_url, patient) if t["id"] == sent["id"]]
    assert [(label["system"], label["code"]) for label in task["meta"]["security"]] == [
        ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R")
    ]
    for proxy in ("ro", "sm"):  # neither the order nor the request about it reaches a proxy
        reply = await access.gql(REFILLS, {"id": patient}, await access.token(proxy))
        assert reply.data("patient")["refillRequests"]["nodes"] == [], proxy
    # The proxy who may ask finds no such order, exactly as for a missing one.
    refused = await access.gql(REQUEST, refill(patient, restricted["id"]), await access.token("sm"))
    assert refused.codes == ["NOT_FOUND"]
