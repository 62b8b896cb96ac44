"""Support for the records and results tests: sessions for fixture patients, a record of the test's own
(unique ids per test) written in one transaction, and counting what the gateway sent upstream."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.gateway.access_support import AccessPortal

LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
LAB_OBS = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]
}
PERFORMERS = [{"reference": "Organization/org-valley-lab"}, {"reference": "Practitioner/prac-ingrid-holm"}]


async def session_for(access: AccessPortal, patient_id: str, person_id: str | None = None) -> str:
    """A session of a new account on ``patient_id``, with its scope already computed (so later requests
    send only what the operation itself needs)."""
    known = f"patient:{patient_id}"  # one account per patient; later calls make another session of it
    if known not in access.account_ids:
        key = f"r{uuid.uuid4().hex[:8]}"
        account = await access.portal.account(key, patient_id=patient_id, person_id=person_id)
        access.account_ids[known] = account.id
    token = (await access.portal.auth.sessions.create(access.account_ids[known])).token
    await access.gql("query($id: ID!) { patient(id: $id) { id } }", {"id": patient_id}, token=token)
    return token


async def counted(
    access: AccessPortal, query: str, variables: dict[str, Any], token: str
) -> tuple[Any, list[str]]:
    """The reply's body and the upstream requests it cost (method and URL; a batch with its entries)."""
    access.recorder.clear()
    reply = await access.gql(query, variables, token=token)
    return reply.body, [r.describe() for r in access.recorder.requests]


@dataclass(frozen=True)
class Record:
    patient: str
    base: str

    def report(self, n: int) -> str:
        return f"{self.patient}-dr-{n}"


def _when(n: int) -> str:
    # Report n is n hours after a fixed start: higher n = newer.
    return (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=n)).isoformat()


def report_entries(record: Record, numbers: range, *, observations: int = 2) -> list[dict[str, Any]]:
    """Lab reports ``numbers`` with ``observations`` Observations each (performers: the lab and a doctor)."""
    subject = {"reference": f"Patient/{record.patient}"}
    out: list[dict[str, Any]] = []
    for n in numbers:
        obs_ids = [f"{record.report(n)}-o{i}" for i in range(observations)]
        for i, oid in enumerate(obs_ids):
            out.append(
                {
                    "resourceType": "Observation",
                    "id": oid,
                    "status": "final",
                    "category": [LAB_OBS],
                    "code": {"coding": [{"system": LOINC, "code": "718-7", "display": "Hemoglobin"}]},
                    "subject": subject,
                    "effectiveDateTime": _when(n),
                    "performer": PERFORMERS[:1],
                    "valueQuantity": {
                        "value": 13 + i,
                        "unit": "g/dL",
                        "system": "http://unitsofmeasure.org",
                        "code": "g/dL",
                    },
                }
            )
        out.append(
            {
                "resourceType": "DiagnosticReport",
                "id": record.report(n),
                "status": "final",
                "category": [{"coding": [{"system": V2_0074, "code": "LAB"}]}],
                "code": {"coding": [{"system": LOINC, "code": "58410-2", "display": "CBC panel"}]},
                "subject": subject,
                "effectiveDateTime": _when(n),
                "issued": _when(n),
                "performer": PERFORMERS,
                "result": [{"reference": f"Observation/{oid}"} for oid in obs_ids],
            }
        )
    return out


def put(base: str, resources: list[dict[str, Any]]) -> None:
    """Write ``resources`` in one transaction of PUTs."""
    entries = [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = httpx.post(base, json=bundle, headers={"content-type": "application/fhir+json"}, timeout=120)
    assert response.status_code == 200, response.text[:2000]


def new_record(base: str, reports: int, *, extra: list[dict[str, Any]] | None = None) -> Record:
    """A patient of the test's own with ``reports`` lab reports (and ``extra`` resources)."""
    record = Record(f"rec-{uuid.uuid4().hex[:10]}", base)
    patient = {
        "resourceType": "Patient",
        "id": record.patient,
        "name": [{"family": "Testcase", "given": ["Rec"]}],
    }
    put(base, [patient, *report_entries(record, range(reports)), *(extra or [])])
    return record
