"""Fixtures for fhir_client against the real HAPI server: a client, a run id, a seeded test patient.

Everything written carries identifiers under ``urn:portal-gateway:test:<run id>`` so runs never collide with
each other or with the fixture practice, and is deleted again at the end of the module where practical.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from fhir_client import ClientOptions, Entry, FhirClient, FhirError, Resource, make_http_client

SYSTEM = "urn:portal-gateway:test"
OBSERVATIONS = 45


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = make_http_client()
    yield client
    await client.aclose()


@pytest.fixture
def client(http: httpx.AsyncClient, fhir_base_url: str) -> FhirClient:
    """A fresh client per test, so ``client.calls`` counts only that test's upstream calls."""
    return FhirClient(http, fhir_base_url, request_id=f"test-{uuid.uuid4().hex[:8]}", options=ClientOptions())


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex


def identifier(run: str, value: str) -> dict[str, str]:
    return {"system": f"{SYSTEM}:{run}", "value": value}


def observation(run: str, n: int, patient: str, performer: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "identifier": [identifier(run, f"obs-{n}")],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "2339-0", "display": "Glucose [Mass/volume] in Blood"}
            ],
            "text": "Glucose",
        },
        "subject": {"reference": patient},
        "performer": [{"reference": performer}],
        "effectiveDateTime": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T08:00:00+00:00",
        "valueQuantity": {
            "value": 80 + n,
            "unit": "mg/dL",
            "system": "http://unitsofmeasure.org",
            "code": "mg/dL",
        },
    }


class Seed:
    """A patient, a practitioner and 45 Observations, written in one transaction."""

    def __init__(self, run: str, results: list[Any]) -> None:
        self.run = run
        self.patient_id = _id_of(results[0].location)
        self.practitioner_id = _id_of(results[1].location)
        self.observation_ids = [_id_of(result.location) for result in results[2:]]

    @property
    def patient(self) -> str:
        return f"Patient/{self.patient_id}"


def _id_of(location: str | None) -> str:
    assert location, "transaction entries carry a Location"
    parts = location.split("/")
    return parts[parts.index("_history") - 1] if "_history" in parts else parts[-1]


@pytest.fixture(scope="module")
async def seed(http: httpx.AsyncClient, fhir_base_url: str) -> AsyncIterator[Seed]:
    run = uuid.uuid4().hex
    client = FhirClient(http, fhir_base_url)
    patient_url, practitioner_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    entries = [
        Entry.create(
            {
                "resourceType": "Patient",
                "identifier": [identifier(run, "patient")],
                "name": [{"family": "Test"}],
            },
            full_url=patient_url,
        ),
        Entry.create(
            {"resourceType": "Practitioner", "identifier": [identifier(run, "practitioner")]},
            full_url=practitioner_url,
        ),
        *(Entry.create(observation(run, n, patient_url, practitioner_url)) for n in range(OBSERVATIONS)),
    ]
    results = await client.transaction(entries)
    seeded = Seed(run, results)
    yield seeded
    deletes = [Entry.delete("Observation", oid) for oid in seeded.observation_ids]
    deletes += [
        Entry.delete("Patient", seeded.patient_id),
        Entry.delete("Practitioner", seeded.practitioner_id),
    ]
    with contextlib.suppress(FhirError):  # cleanup is best effort; unique ids keep leftovers harmless
        await client.transaction(deletes)


@pytest.fixture
def assert_valid(client: FhirClient) -> Callable[[Resource], Awaitable[None]]:
    """Run HAPI's own ``$validate`` on a resource a test wrote; fail on any error-severity issue."""

    async def check(resource: Resource) -> None:
        issues = await client.validate(resource.data)
        errors = [issue for issue in issues if issue.is_error]
        assert not errors, f"HAPI $validate found errors: {[(i.code, i.diagnostics) for i in errors]}"

    return check
