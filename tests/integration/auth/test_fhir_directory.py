"""FhirPatientDirectory against the real HAPI FHIR server: identity, Person link, Consent (idempotent)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest

from auth import ConsentAcceptance, FhirPatientDirectory
from fhir_client import FhirClient

pytestmark = pytest.mark.integration


@pytest.fixture
async def fhir(fhir_base_url: str) -> AsyncIterator[FhirClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield FhirClient(http, fhir_base_url)


@pytest.fixture
async def patient_id(fhir: FhirClient) -> str:
    run = uuid.uuid4().hex
    written = await fhir.create(
        {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:portal-gateway:test:auth", "value": run}],
            "name": [{"given": ["Testa"], "family": f"Directory{run[:6]}"}],
            "birthDate": "1979-12-24",
            "telecom": [
                {"system": "phone", "value": "+1 (937) 555-0142", "use": "mobile"},
                {"system": "email", "value": f"Testa.{run[:6]}@Example.test"},
            ],
        }
    )
    return written.resource.id


async def test_identity_comes_from_the_patient(fhir: FhirClient, patient_id: str) -> None:
    directory = FhirPatientDirectory(fhir)
    identity = await directory.patient_identity(patient_id)
    assert identity is not None
    assert identity.birth_date == date(1979, 12, 24) and identity.phones == ("9375550142",)
    assert identity.emails[0].startswith("testa.") and identity.names[0] == "Testa"
    assert await directory.patient_identity("does-not-exist-" + uuid.uuid4().hex[:8]) is None
    assert await directory.patient_identity("../../metadata") is None


async def test_person_link_and_consent_are_created_once(fhir: FhirClient, patient_id: str) -> None:
    directory = FhirPatientDirectory(fhir)
    account_id = "acc_" + uuid.uuid4().hex
    person_id = await directory.ensure_person(patient_id, account_id)
    assert await directory.ensure_person(patient_id, account_id) == person_id
    person = await fhir.read("Person", person_id)
    assert person.data["link"][0]["target"]["reference"] == f"Patient/{patient_id}"

    acceptance = ConsentAcceptance(
        patient_id, account_id, datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "urn:portal-gateway:consent-form:v1"
    )
    consent_id = await directory.record_consent(acceptance)
    assert await directory.record_consent(acceptance) == consent_id  # a retry creates nothing new
    consent = await fhir.read("Consent", consent_id)
    assert consent.data["patient"]["reference"] == f"Patient/{patient_id}"
    assert consent.data["status"] == "active"
    assert consent.data["policy"] == [{"uri": "urn:portal-gateway:consent-form:v1"}]
