"""Batch and transaction Bundles against the real HAPI server: per-entry outcomes, all-or-nothing."""

from __future__ import annotations

import uuid

import pytest

from fhir_client import Entry, FhirClient, FhirStatusError

pytestmark = pytest.mark.integration
SYSTEM = "urn:portal-gateway:test"


def tagged_patient(run_id: str, value: str) -> dict[str, object]:
    return {"resourceType": "Patient", "identifier": [{"system": f"{SYSTEM}:{run_id}", "value": value}]}


def observation_about(run_id: str, subject: str) -> dict[str, object]:
    return {
        "resourceType": "Observation",
        "identifier": [{"system": f"{SYSTEM}:{run_id}", "value": "tx-obs"}],
        "status": "final",
        "code": {"text": "weight"},
        "subject": {"reference": subject},
    }


async def test_transaction_resolves_urn_uuid_references(
    client: FhirClient, run_id: str, assert_valid
) -> None:
    patient_url = f"urn:uuid:{uuid.uuid4()}"
    results = await client.transaction(
        [
            Entry.create(tagged_patient(run_id, "tx"), full_url=patient_url),
            Entry.create(observation_about(run_id, patient_url)),
        ]
    )
    assert [result.status for result in results] == [201, 201]
    patient_id = results[0].location.split("/")[1] if results[0].location else ""
    observation = results[1].resource
    assert observation is not None
    assert observation.data["subject"]["reference"] == f"Patient/{patient_id}"
    await assert_valid(observation)
    await client.transaction(
        [Entry.delete("Observation", observation.id), Entry.delete("Patient", patient_id)]
    )


async def test_transaction_fails_as_a_whole(client: FhirClient, run_id: str) -> None:
    missing = f"Patient/missing-{uuid.uuid4().hex[:16]}"
    with pytest.raises(FhirStatusError) as caught:
        await client.transaction(
            [
                Entry.create(tagged_patient(run_id, "tx-fail")),
                Entry.create(observation_about(run_id, missing)),  # HAPI refuses a dangling reference
            ]
        )
    assert 400 <= caught.value.status_code < 500 and caught.value.issues
    written = await client.search("Patient", {"identifier": f"{SYSTEM}:{run_id}|"}, total=True)
    assert written.total == 0 and written.matches == ()


async def test_batch_has_an_outcome_per_entry(client: FhirClient, run_id: str, seed) -> None:
    results = await client.batch(
        [
            Entry.create(tagged_patient(run_id, "batch")),
            Entry.read("Patient", f"missing-{uuid.uuid4().hex[:16]}"),
            Entry.create(observation_about(run_id, f"Patient/missing-{uuid.uuid4().hex[:16]}")),
            Entry.read("Patient", seed.patient_id),
        ]
    )
    created, missing, refused, found = results
    assert created.ok and created.status == 201 and created.location
    assert not missing.ok and missing.status == 404 and missing.issues
    assert not refused.ok and 400 <= refused.status < 500 and refused.issues
    assert found.ok and found.resource is not None and found.resource.id == seed.patient_id
    assert client.calls.calls == 1
    written = await client.search("Patient", {"identifier": f"{SYSTEM}:{run_id}|"}, total=True)
    assert written.total == 1  # the good entry was written although others failed
    await client.delete("Patient", written.matches[0].id)
