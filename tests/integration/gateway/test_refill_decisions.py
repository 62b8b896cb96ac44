"""The prescriber's side of renewal requests, played by the staff CLI against the real HAPI server: approval
and denial are reflected in refillRequests and medications, a message thread reaches the patient's messages,
and the notifier (every notice of the gateway) mails them once, without PHI (issue #12)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from auth import SmtpMailer, SystemClock
from fhir_client import FhirClient
from fixtures.__main__ import main
from fixtures.staff.ehr import Ehr, StaffError
from fixtures.staff.refills import approve, deny, open_requests
from gateway.notices import Notifier
from resolvers.notices import NOTICES
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.medications_support import MEDICATIONS, REFILLS, fhir_search, request
from tests.integration.gateway.records_support import counted

PRACTICE = "Maple Grove Family Medicine"
THREADS = """
query T($id: ID!) { patient(id: $id) { unreadMessageCount messageThreads(folder: INBOX) { nodes {
  id topic status unreadCount category { coding { code } }
  lastMessage { text read sender { kind reference } }
} } } }
"""


@pytest.fixture
def ehr(fhir_base_url: str) -> Iterator[Ehr]:
    """The staff side's client of the EHR."""
    client = Ehr(fhir_base_url)
    yield client
    client.close()


@asynccontextmanager
async def _notifier(access: AccessPortal, fhir_base_url: str, smtp: SmtpSink) -> AsyncIterator[Notifier]:
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="portal@example.test", security="none")
    async with httpx.AsyncClient(timeout=20) as http:
        notifier = Notifier(
            FhirClient(http, fhir_base_url),
            access.portal.redis,
            access.portal.settings.auth_key_prefix,
            access.portal.auth.accounts,
            mailer,
            SystemClock(),
            NOTICES,  # the messaging notice mails for the decision's message; nothing mails twice
            practice_name=PRACTICE,
            portal_url="https://portal.example.test/",
        )
        assert await notifier.run_once() == 0  # the first run starts from now
        yield notifier


def _thread(fhir_base_url: str, patient: str, task_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The decision's thread: its header (about the Task) and its messages."""
    threads = fhir_search(
        fhir_base_url,
        "Communication",
        subject=f"Patient/{patient}",
        category="urn:portal-gateway:message-topic|prescription",
    )
    [header] = [
        c for c in threads if "partOf" not in c and c.get("about") == [{"reference": f"Task/{task_id}"}]
    ]
    messages = [c for c in threads if c.get("partOf") == [{"reference": f"Communication/{header['id']}"}]]
    return header, messages


def _check_thread(header: dict[str, Any], messages: list[dict[str, Any]], patient: str, words: str) -> None:
    assert "payload" not in header and header["status"] == "in-progress"
    assert header["topic"] == {"text": "Prescription renewal"}
    assert header["sender"] == {"reference": "Practitioner/prac-helen-lee"}
    assert header["recipient"] == [{"reference": f"Patient/{patient}"}]
    [message] = messages
    assert message["status"] == "in-progress" and "received" not in message  # unread
    assert message["subject"] == {"reference": f"Patient/{patient}"}
    assert words in message["payload"][0]["contentString"]


async def _check_inbox(access: AccessPortal, token: str, patient: str, thread_id: str, words: str) -> None:
    """The decision is in the patient's messages: an unread thread from the prescriber (issue 13)."""
    data = (await access.gql(THREADS, {"id": patient}, token)).data("patient")
    [thread] = [t for t in data["messageThreads"]["nodes"] if t["id"] == thread_id]
    assert (thread["topic"], thread["status"], thread["unreadCount"]) == ("Prescription renewal", "OPEN", 1)
    assert thread["category"] == [{"coding": [{"code": "prescription"}]}]
    last = thread["lastMessage"]
    assert words in last["text"] and last["read"] is False
    assert last["sender"]["reference"] == "Practitioner/prac-helen-lee"
    assert data["unreadMessageCount"] >= 1


def _check_mail(smtp: SmtpSink, email: str, secrets: tuple[str, ...]) -> None:
    [mail] = smtp.to(email)
    text = mail.get_content()
    assert f"You have a new message from {PRACTICE}" in text and "https://portal.example.test/" in text
    for secret in secrets:
        assert secret not in text and secret not in str(mail["subject"])


async def test_approval_writes_a_new_order_a_message_and_one_mail(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink, ehr: Ehr, capsys: pytest.CaptureFixture[str]
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("pat")
    async with _notifier(access, fhir_base_url, smtp) as notifier:
        asked = await request(access, token, patient, f.medication_request)
        assert asked["id"] in open_requests(ehr)
        # As the prescriber would, from the command line.
        assert (
            main(["staff", "--base-url", fhir_base_url, "approve-refill", asked["id"], "--refills", "5"]) == 0
        )
        assert capsys.readouterr().out.startswith(f"Task/{asked['id']} approved: MedicationRequest/")
        assert await notifier.run_once() == 1
        assert await notifier.run_once() == 0  # once per decision

    body, sent = await counted(access, REFILLS, {"id": patient}, token)
    [listed] = body["data"]["patient"]["refillRequests"]["nodes"]
    assert (listed["state"], listed["status"]) == ("APPROVED", "COMPLETED")
    renewed = listed["newOrder"]
    assert renewed["priorPrescriptionId"] == f.medication_request == listed["medicationRequest"]["id"]
    assert (
        renewed["status"],
        renewed["renewable"],
        renewed["dispenseRequest"]["numberOfRepeatsAllowed"],
    ) == (
        "ACTIVE",
        True,
        5,
    )
    assert renewed["medication"]["code"]["text"] == "lisinopril 10 MG Oral Tablet"
    assert renewed["prescriber"] == {"__typename": "Practitioner", "id": "prac-helen-lee"}
    assert listed["medicationRequest"]["status"] == "COMPLETED"  # replaced by the renewal
    # The Patient with the requests and their orders (one batch), then the page's new orders in one search.
    assert len(sent) <= 3, sent
    assert (
        len(sent) == 2
        and "_revinclude:iterate=Task:focus" in sent[0]
        and "GET /fhir/Patient/" in sent[0]
        and "/MedicationRequest?_id=" in sent[1]
    ), sent
    active = (await access.gql(MEDICATIONS, {"id": patient}, token)).data("patient")["medications"]["nodes"]
    assert [m["id"] for m in active] == [renewed["id"]]

    header, messages = _thread(fhir_base_url, patient, asked["id"])
    _check_thread(header, messages, patient, "was approved")
    await _check_inbox(access, token, patient, header["id"], "was approved")
    _check_mail(smtp, f"{f.run}-pat@example.test", ("lisinopril", patient, asked["id"]))
    with pytest.raises(StaffError, match="already decided"):
        approve(ehr, asked["id"])


async def test_denial_is_reflected_with_its_reason_a_message_and_one_mail(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink, ehr: Ehr
) -> None:
    f = access.family
    patient, token = f.patient("pat"), await access.token("sm")  # asked by the proxy this time
    reason = "We need to see you first. Please book a visit to check your blood pressure."
    async with _notifier(access, fhir_base_url, smtp) as notifier:
        asked = await request(access, token, patient, f.medication_request)
        with pytest.raises(StaffError, match="reason"):
            deny(ehr, asked["id"], " ")
        assert deny(ehr, asked["id"], reason) == f"Task/{asked['id']} denied"
        assert await notifier.run_once() == 1

    [listed] = (await access.gql(REFILLS, {"id": patient}, token)).data("patient")["refillRequests"]["nodes"]
    assert (listed["state"], listed["status"], listed["reason"]) == ("DENIED", "REJECTED", reason)
    assert listed["newOrder"] is None
    # The order stays as it was, and may be asked for again.
    assert (listed["medicationRequest"]["status"], listed["medicationRequest"]["renewable"]) == (
        "ACTIVE",
        True,
    )
    header, messages = _thread(fhir_base_url, patient, asked["id"])
    _check_thread(header, messages, patient, reason)
    await _check_inbox(access, token, patient, header["id"], reason)
    _check_mail(smtp, f"{f.run}-pat@example.test", ("blood pressure", "lisinopril", patient))
