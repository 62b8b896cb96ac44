"""The notifier against real HAPI, Redis and SMTP: one mail per new change, none for history, none twice
(even from two notifiers at once), and no PHI in it."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from fhir_client import Resource
from gateway.notices import Notifier
from resolvers.notices import Notice
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal
from tests.integration.gateway.notices_support import notifier_for

SECRET = "Your biopsy result is ready"


def _notice(tag: str) -> Notice:
    def patient_of(resource: Resource) -> str | None:
        subject = resource.get("subject")
        ref = subject.get("reference") if isinstance(subject, dict) else None
        return ref.removeprefix("Patient/") if isinstance(ref, str) and ref.startswith("Patient/") else None

    return Notice(
        name=f"test-{tag}",
        resource_type="Communication",
        params={"category": f"urn:test:notice|{tag}"},
        patient_of=patient_of,
        subject="New message from {practice}",
        body="You have a new message from {practice}.",
    )


def _communication(fhir_base_url: str, patient_id: str, tag: str) -> None:
    resource = {
        "resourceType": "Communication",
        "status": "completed",
        "category": [{"coding": [{"system": "urn:test:notice", "code": tag}]}],
        "subject": {"reference": f"Patient/{patient_id}"},
        "payload": [{"contentString": SECRET}],
    }
    reply = httpx.post(f"{fhir_base_url}/Communication", json=resource, timeout=20)
    assert reply.status_code == 201, reply.text


async def test_new_changes_are_mailed_once_without_phi(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink
) -> None:
    tag = uuid.uuid4().hex[:12]
    patient = access.family.patient("pat")
    email = f"{access.family.run}-pat@example.test"
    async with httpx.AsyncClient(timeout=20) as http:

        def notifier() -> Notifier:
            return notifier_for(access, http, fhir_base_url, smtp, [_notice(tag)])

        _communication(fhir_base_url, patient, tag)  # before the first run: history, no mail
        first, second = notifier(), notifier()
        assert await first.run_once() == 0
        _communication(fhir_base_url, patient, tag)
        _communication(fhir_base_url, access.family.patient("teen"), tag)  # a patient without an account
        sent = await asyncio.gather(first.run_once(), second.run_once())
        assert sum(sent) == 1
        assert await first.run_once() == 0 and await second.run_once() == 0
    mails = smtp.to(email)
    assert len(mails) == 1
    text = mails[0].get_content()
    assert "new message from Maple Grove Family Medicine" in text and "https://portal.example.test/" in text
    assert SECRET not in text and patient not in text and SECRET not in str(mails[0]["subject"])
