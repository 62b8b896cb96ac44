"""read, vread, create, conditional create, update with If-Match, PATCH, delete against real HAPI."""

from __future__ import annotations

import uuid

import pytest
from fhir.resources.R4B.patient import Patient

from fhir_client import FhirClient, FhirConflict, FhirGone, FhirInvalidResource, FhirNotFound

pytestmark = pytest.mark.integration
SYSTEM = "urn:portal-gateway:test"


def new_patient(run_id: str, **extra: object) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": f"{SYSTEM}:{run_id}", "value": "crud"}],
        "name": [{"family": "Crud", "given": ["Test"]}],
        "gender": "unknown",
        **extra,
    }


async def test_create_read_vread_update_patch_delete(client: FhirClient, run_id: str, assert_valid) -> None:
    created = await client.create(Patient.model_validate(new_patient(run_id)))
    assert created.created and created.status == 201
    patient = created.resource
    assert patient.id and patient.version_id == "1"
    assert created.location and f"Patient/{patient.id}" in created.location
    await assert_valid(patient)

    read = await client.read("Patient", patient.id)
    assert read.data["name"][0]["family"] == "Crud"

    updated = await client.update({**patient.data, "gender": "female"}, if_match=patient.version_id)
    assert not updated.created and updated.resource.version_id == "2"
    await assert_valid(updated.resource)

    first = await client.vread("Patient", patient.id, "1")
    assert first.get("gender") == "unknown" and first.version_id == "1"

    patched = await client.patch(
        "Patient", patient.id, [{"op": "replace", "path": "/gender", "value": "male"}], if_match="2"
    )
    assert patched.resource.get("gender") == "male" and patched.resource.version_id == "3"
    await assert_valid(patched.resource)

    await client.delete("Patient", patient.id)
    with pytest.raises(FhirGone) as caught:
        await client.read("Patient", patient.id)
    assert caught.value.status_code == 410
    await client.delete("Patient", patient.id)  # deleting again succeeds: safe to retry


async def test_stale_if_match_is_a_conflict(client: FhirClient, run_id: str) -> None:
    patient = (await client.create(new_patient(run_id))).resource
    await client.update({**patient.data, "gender": "female"}, if_match="1")
    with pytest.raises(FhirConflict) as caught:
        await client.update({**patient.data, "gender": "male"}, if_match="1")
    assert caught.value.status_code == 409
    assert caught.value.issues and caught.value.issues[0].is_error
    with pytest.raises(FhirConflict):
        await client.patch(
            "Patient", patient.id, [{"op": "replace", "path": "/gender", "value": "male"}], if_match="1"
        )
    current = await client.read("Patient", patient.id)
    assert current.get("gender") == "female" and current.version_id == "2"
    await client.delete("Patient", patient.id)


async def test_conditional_create_twice_creates_once(client: FhirClient, run_id: str) -> None:
    criteria = {"identifier": f"{SYSTEM}:{run_id}|conditional"}
    body = {**new_patient(run_id), "identifier": [{"system": f"{SYSTEM}:{run_id}", "value": "conditional"}]}
    first = await client.create(body, if_none_exist=criteria)
    second = await client.create(body, if_none_exist=criteria)
    assert first.created and not second.created
    assert second.resource.id == first.resource.id
    page = await client.search("Patient", criteria, total=True)
    assert page.total == 1 and [r.id for r in page.matches] == [first.resource.id]
    await client.delete("Patient", first.resource.id)


async def test_missing_resource_is_not_found(client: FhirClient) -> None:
    with pytest.raises(FhirNotFound):
        await client.read("Patient", f"missing-{uuid.uuid4().hex[:20]}")
    with pytest.raises(FhirNotFound):
        await client.vread("Patient", f"missing-{uuid.uuid4().hex[:20]}", "1")


async def test_invalid_resource_never_reaches_the_server(client: FhirClient, run_id: str) -> None:
    with pytest.raises(FhirInvalidResource):
        await client.create({**new_patient(run_id), "gender": {"not": "a code"}})
    assert client.calls.calls == 0


async def test_validate_reports_what_hapi_rejects(client: FhirClient) -> None:
    issues = await client.validate({"resourceType": "Observation", "code": {"text": "no status"}})
    assert any(issue.is_error for issue in issues)  # Observation.status is required
    assert not any(
        issue.is_error for issue in await client.validate({"resourceType": "Patient", "gender": "female"})
    )
