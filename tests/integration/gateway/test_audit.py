"""The audit trail against real HAPI and Redis.

Every feature's reads and writes leave AuditEvents, the access log shows a proxy's view, and queued notes
survive a dead EHR, a dead writer and a killed gateway process.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from fhir_client import FhirClient
from gateway.audit import AuditWriter
from resolvers.audit import AuditQueue
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.billing_support import PAY, SUCCESS, usd
from tests.integration.gateway.medications_support import REQUEST
from tests.integration.gateway.portal import second_process
from tests.integration.gateway.scheduling_support import BOOK, new_clinic, warm
from tests.support.servers import TcpRelay, gateway_process

RESULTS = (
    "query($id: ID!) { patient(id: $id) { id results { nodes { id result { id } } } "
    "conditions { nodes { id } } } }"
)
INVITE = (
    'mutation($key: String!) { inviteProxy(email: "aud@example.test", accessLevel: READ_ONLY, '
    "idempotencyKey: $key) { __typename ... on ProxyInvited { proxyId } } }"
)
SEND = (
    'mutation($id: ID!, $key: String!) { sendMessage(patientId: $id, recipient: { pool: "front-desk" }, '
    'topic: "Parking", text: "Where do I park?", idempotencyKey: $key) '
    "{ __typename ... on MessageSent { threadId } } }"
)
STATEMENTS = "query($id: ID!) { patient(id: $id) { billing { statements { nodes { id } } } } }"
LOG = """
query($id: ID!) { patient(id: $id) { accessLog(first: 50) {
  nodes { recorded action resourceTypes succeeded actor { kind name relationship } }
} } }
"""


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def _writer(access: AccessPortal, http: httpx.AsyncClient, base_url: str, **options: Any) -> AuditWriter:
    queue = AuditQueue(access.portal.redis, access.portal.settings.auth_key_prefix)
    return AuditWriter(FhirClient(http, base_url), queue, **options)


async def _events(http: httpx.AsyncClient, base_url: str, patient_id: str) -> list[dict[str, Any]]:
    reply = await http.get(
        f"{base_url}/AuditEvent", params={"patient": f"Patient/{patient_id}", "_count": 200}
    )
    return [entry["resource"] for entry in reply.json().get("entry", [])]


def _summary(event: dict[str, Any]) -> tuple[str, str, set[str]]:
    who = next(a["who"].get("reference", "") for a in event["agent"] if a.get("requestor"))
    whats = {e["what"]["reference"] for e in event["entity"] if "what" in e}
    return who, event["action"], whats


async def test_each_features_reads_and_writes_leave_audit_events(
    access: AccessPortal, http: httpx.AsyncClient, fhir_base_url: str
) -> None:
    f, token = access.family, await warm(access, "pat")
    patient = f.patient("pat")
    reply = await access.gql(RESULTS, {"id": patient}, token=token)
    assert "errors" not in reply.body, reply.body
    clinic = new_clinic(fhir_base_url)
    booked = await access.gql(
        BOOK, {"patient": patient, "slot": clinic.slot(timedelta(days=5)), "key": new_key()}, token=token
    )
    appointment = booked.body["data"]["bookAppointment"]["appointment"]["id"]
    invited = await access.gql(INVITE, {"key": new_key()}, token=token)
    proxy = invited.body["data"]["inviteProxy"]["proxyId"]
    sent = await access.gql(SEND, {"id": patient, "key": new_key()}, token=token)
    assert sent.body["data"]["sendMessage"]["__typename"] == "MessageSent", sent.body
    thread = sent.body["data"]["sendMessage"]["threadId"]
    renewal = await access.gql(
        REQUEST,
        {"patient": patient, "order": f.medication_request, "note": None, "key": new_key()},
        token=token,
    )
    refill = renewal.body["data"]["requestRefill"]["id"]
    bills = await access.gql(STATEMENTS, {"id": patient}, token=token)
    assert "errors" not in bills.body, bills.body
    paid = await access.gql(
        PAY, {"patient": patient, "amount": usd("1.00"), "token": SUCCESS, "key": new_key()}, token=token
    )
    payment = paid.body["data"]["makePayment"]["payment"]["id"]
    written = await _writer(access, http, fhir_base_url).run_once()
    assert written >= 5  # the viewer's patients, the Patient, two lists, the slot's booking, the invitation
    events = [_summary(e) for e in await _events(http, fhir_base_url, patient)]
    me = f"Patient/{patient}"
    assert (me, "R", {me}) in events  # the Patient read
    assert any(
        who == me and action == "E" and f.plain_condition in " ".join(whats) for who, action, whats in events
    )
    assert any(
        who == me and action == "E" and f"Appointment/{appointment}" in whats for who, action, whats in events
    )
    assert any(
        who == me and action == "E" and f"RelatedPerson/{proxy}" in whats for who, action, whats in events
    )
    assert any(f"Communication/{thread}" in whats for who, action, whats in events if who == me)
    assert any(f"Task/{refill}" in whats for who, action, whats in events if who == me and action == "C")
    assert any(
        f"Invoice/{f.invoice}" in whats for who, action, whats in events if who == me and action == "E"
    )
    assert any(f"PaymentReconciliation/{payment}" in whats for who, action, whats in events if who == me)
    # The query is recorded with the search, and the event's own reads are not audited again.
    raw = await _events(http, fhir_base_url, patient)
    queries = [base64.b64decode(e["query"]).decode() for ev in raw for e in ev["entity"] if "query" in e]
    assert any(q.startswith("Condition?") for q in queries)
    assert not any(q.startswith("AuditEvent") for q in queries)


async def test_the_access_log_shows_a_proxys_view_of_the_results(
    access: AccessPortal, http: httpx.AsyncClient, fhir_base_url: str
) -> None:
    f = access.family
    patient = f.patient("pat")
    spouse = await warm(access, "ro")
    seen = await access.gql(RESULTS, {"id": patient}, token=spouse)
    assert "errors" not in seen.body, seen.body
    await _writer(access, http, fhir_base_url).run_once()
    own = await warm(access, "pat")
    log = (await access.gql(LOG, {"id": patient}, token=own)).data("patient")["accessLog"]["nodes"]
    by_proxy = [entry for entry in log if entry["actor"]["kind"] == "PROXY"]
    assert by_proxy and all(e["actor"]["relationship"] == "SPS" for e in by_proxy)
    assert any("Condition" in e["resourceTypes"] and e["action"] == "VIEWED" for e in by_proxy)
    # The log is the patient's own: a proxy may not read it.
    refused = await access.gql(LOG, {"id": patient}, token=spouse)
    assert refused.codes == ["FORBIDDEN"]


async def test_notes_wait_while_the_ehr_is_down_and_a_dead_writers_claim_is_taken_over(
    access: AccessPortal, http: httpx.AsyncClient, fhir_base_url: str, fhir_relay: TcpRelay
) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    relay, cut = fhir_relay, fhir_relay.relayed(fhir_base_url)  # the writer's way to the EHR
    await relay.stop()  # the EHR is away for the writer
    before = len(await _events(http, fhir_base_url, patient))
    reply = await access.gql(RESULTS, {"id": patient}, token=token)  # patients are served meanwhile
    assert "errors" not in reply.body, reply.body
    dead = _writer(access, http, cut, consumer="dead-writer")
    assert await dead.run_once() == 0  # claimed the notes, could not write them, never acknowledged
    backlog = await dead.backlog()
    assert backlog["pending"] >= 1
    await relay.start()
    # A writer of another process takes the dead one's notes over (after claim_after; 0 here).
    survivor = _writer(access, http, cut, consumer="survivor", claim_after=0)
    assert await survivor.run_once() >= 1
    assert len(await _events(http, fhir_base_url, patient)) > before
    assert (await survivor.backlog())["pending"] == 0


async def test_a_killed_gateway_process_loses_no_queued_note(
    access: AccessPortal, http: httpx.AsyncClient, fhir_base_url: str, smtp: SmtpSink
) -> None:
    patient, token = access.family.patient("pat"), await warm(access, "pat")
    before = len(await _events(http, fhir_base_url, patient))
    async with second_process(access.portal, smtp.port, audit_interval_seconds=0) as (doomed, process):
        reply = await doomed.gql(RESULTS, {"id": patient}, token=token)
        assert "errors" not in reply.body, reply.body
        os.kill(process.pid, signal.SIGKILL)  # no shutdown, no drain: only what is in Redis remains
    # Another process's writer finds every note the killed one queued.
    live = doomed.settings.model_copy(update={"audit_interval_seconds": 0.2})
    async with gateway_process(live):
        for _ in range(100):
            if len(await _events(http, fhir_base_url, patient)) > before:
                break
            await asyncio.sleep(0.1)
    events = await _events(http, fhir_base_url, patient)
    assert len(events) >= before + 3  # the viewer's scope Patient read, the Patient, the two lists
