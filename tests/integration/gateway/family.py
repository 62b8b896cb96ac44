"""A proxy-access family of the test's own, written to the real HAPI server with unique ids per run.

Fixture patients stay untouched (tests write invitations and revocations here only):

- ``pat`` (40): the patient; ``ro`` a READ_ONLY proxy (spouse), ``sm`` a SCHEDULING_MESSAGING proxy (friend),
  ``rv`` a revoked proxy (Consent inactive), ``un`` an unrelated adult;
- ``teen`` (15), ``grown`` (turned 18 last month) and ``renewed`` (19): children of ``pat`` with parental
  grants; ``grown``'s grant started before the 18th birthday (stops counting), ``renewed``'s after it;
- ``pat`` has a plain and a restricted (``meta.security`` R) Condition, a booked Appointment in 10 days
  and an active prescription (by a practitioner of the fixture practice); ``teen`` sent one message
  and got one;
- ``pat`` has a message thread the practice started (``thread``: Dr. Lee of the fixture practice wrote).
- ``pat`` has a billing Account (``pat`` the guarantor) and one issued statement of 30.00 with its PDF.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from access import shapes
from access.compartment import CONFIDENTIALITY as CONF
from fixtures.billing import statement_file, statement_invoice

ACCOUNT_KEYS = ("pat", "ro", "sm", "rv", "un")


@dataclass(frozen=True)
class Family:
    run: str
    today: date

    def patient(self, key: str) -> str:
        return f"{self.run}-{key}"

    def person(self, key: str) -> str:
        return f"{self.run}-person-{key}"

    def rp(self, proxy: str, patient: str) -> str:
        return f"{self.run}-rp-{proxy}-{patient}"

    def consent(self, proxy: str, patient: str) -> str:
        return f"{self.run}-consent-{proxy}-{patient}"

    @property
    def restricted_condition(self) -> str:
        return f"{self.run}-cond-restricted"

    @property
    def plain_condition(self) -> str:
        return f"{self.run}-cond-plain"

    @property
    def appointment(self) -> str:
        return f"{self.run}-appt"

    @property
    def thread(self) -> str:
        return f"{self.run}-msg-pat"

    @property
    def medication_request(self) -> str:
        return f"{self.run}-medrx"

    @property
    def account(self) -> str:
        return f"{self.run}-acct"

    @property
    def invoice(self) -> str:
        return f"{self.run}-inv"


# (proxy, patient, relationship, level, status, consent start: days relative to today or "after-18")
GRANTS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("ro", "pat", "SPS", "READ_ONLY", "active", -100),
    ("sm", "pat", "FRND", "SCHEDULING_MESSAGING", "active", -100),
    ("rv", "pat", "SPS", "SCHEDULING_MESSAGING", "inactive", -400),
    ("pat", "teen", "MTH", "SCHEDULING_MESSAGING", "active", -2000),
    ("pat", "grown", "MTH", "SCHEDULING_MESSAGING", "active", -2000),
    ("pat", "renewed", "MTH", "READ_ONLY", "active", -10),
)


def _born(today: date, key: str) -> date:
    if key == "teen":
        return today.replace(year=today.year - 15) - timedelta(days=20)
    if key == "grown":
        return today.replace(year=today.year - 18) - timedelta(days=30)
    if key == "renewed":
        return today.replace(year=today.year - 19) - timedelta(days=30)
    return today.replace(year=today.year - 40) - timedelta(days=5)


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def build(family: Family) -> list[dict[str, Any]]:
    """The family's resources."""
    f, today = family, family.today
    keys = (*ACCOUNT_KEYS, "teen", "grown", "renewed")
    out: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": f.patient(k),
            "active": True,
            "name": [{"family": f"Test{f.run[-4:]}", "given": [k]}],
            "birthDate": _born(today, k).isoformat(),
        }
        for k in keys
    ]
    for proxy, patient, rel, level, status, start in GRANTS:
        begin = today + timedelta(days=start)
        rp = f.rp(proxy, patient)
        out.append(
            shapes.related_person(
                resource_id=rp, patient_id=f.patient(patient), relationship=rel, start=begin
            )
        )
        out.append(
            shapes.proxy_consent(
                resource_id=f.consent(proxy, patient),
                patient_id=f.patient(patient),
                actor=f"RelatedPerson/{rp}",
                level=level,
                start=begin,
                status=status,
            )
        )
    for key in ACCOUNT_KEYS:
        out.append(
            shapes.person(
                resource_id=f.person(key),
                patient_id=f.patient(key),
                related_person_ids=[f.rp(p, q) for p, q, *_ in GRANTS if p == key],
            )
        )
    pat = _ref("Patient", f.patient("pat"))
    code = {"coding": [{"system": "http://snomed.info/sct", "code": "37796009"}]}
    out.append({"resourceType": "Condition", "id": f.plain_condition, "subject": pat, "code": code})
    out.append(
        {
            "resourceType": "Condition",
            "id": f.restricted_condition,
            "meta": {"security": [{"system": CONF, "code": "R"}]},
            "subject": pat,
            "code": code,
        }
    )
    start = datetime.combine(today + timedelta(days=10), time(15, 0), tzinfo=UTC)
    out.append(
        {
            "resourceType": "Appointment",
            "id": f.appointment,
            "status": "booked",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "participant": [
                {"actor": pat, "status": "accepted"},
                {"actor": {"reference": "Practitioner/prac-helen-lee"}, "status": "accepted"},
            ],
        }
    )
    out.append(
        {
            "resourceType": "MedicationRequest",
            "id": f.medication_request,
            "status": "active",
            "intent": "order",
            "subject": pat,
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076"}],
                "text": "lisinopril 10 MG Oral Tablet",
            },
            "requester": _ref("Practitioner", "prac-helen-lee"),
            "dosageInstruction": [{"text": "Take 1 tablet by mouth once daily."}],
        }
    )
    teen = _ref("Patient", f.patient("teen"))
    for name, sender in (("sent", teen), ("received", _ref("RelatedPerson", f.rp("pat", "teen")))):
        out.append(
            {
                "resourceType": "Communication",
                "id": f"{f.run}-msg-teen-{name}",
                "status": "completed",
                "subject": teen,
                "sender": sender,
                "payload": [{"contentString": f"message {name}"}],
            }
        )
    doctor = {"reference": "Practitioner/prac-helen-lee", "display": "Dr. Helen Lee, MD"}
    for rid, extra in ((f.thread, {"topic": {"text": "Your flu shot"}}), (f"{f.thread}-1", {})):
        body = {
            "partOf": [_ref("Communication", f.thread)],
            "payload": [{"contentString": "Due in October."}],
        }
        out.append(
            {
                "resourceType": "Communication",
                "id": rid,
                "status": "in-progress",
                "subject": pat,
                "sent": f"{(today - timedelta(days=1)).isoformat()}T09:00:00+00:00",
                "sender": doctor,
                "recipient": [pat],
                **extra,
                **(body if rid != f.thread else {}),
            }
        )
    return [*out, *_billing(f)]


def _billing(f: Family) -> list[dict[str, Any]]:
    pat = _ref("Patient", f.patient("pat"))
    account = {
        "resourceType": "Account",
        "id": f.account,
        "status": "active",
        "subject": [pat],
        "guarantor": [{"party": pat, "onHold": False}],
    }
    invoice = statement_invoice(
        invoice_id=f.invoice,
        number=f"T-{f.run}",
        patient=pat,
        recipient=pat,
        account_id=f.account,
        served=f.today - timedelta(days=20),
        issued=datetime.combine(f.today - timedelta(days=13), time(6, 0), tzinfo=UTC).isoformat(),
        lines=(("99213", "145.00", "115.00"),),
    )
    files = statement_file(
        invoice=invoice,
        patient_id=f.patient("pat"),
        created=invoice["date"],
        binary_id=f"{f.run}-bin",
        document_id=f"{f.run}-doc",
    )
    return [account, invoice, *files]


def create_family(fhir_base_url: str, today: date) -> Family:
    """Write a new family (one transaction of PUTs) and return its ids."""
    family = Family(run=f"t{uuid.uuid4().hex[:10]}", today=today)
    entries = [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in build(family)
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = httpx.post(
        fhir_base_url, json=bundle, headers={"content-type": "application/fhir+json"}, timeout=60
    )
    assert response.status_code == 200, response.text[:2000]
    return family
