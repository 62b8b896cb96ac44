"""What ``auth`` needs from the EHR, behind a small protocol: ``PatientDirectory``.

Enrollment checks identity against the Patient's ``birthDate`` and ``telecom``; the password policy needs the
Patient's names and birth date; username recovery compares birth dates; enrollment records the consent-form
acceptance as a FHIR ``Consent`` and links the account to a FHIR ``Person``. ``FhirPatientDirectory`` does all
of that over ``fhir_client`` (read, search, conditional create); tests may pass their own implementation.
Nothing read here is stored by ``auth``: it is compared and dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from fhir_client import FhirClient, FhirGone, FhirNotFound

CONSENT_IDENTIFIER_SYSTEM = "urn:portal-gateway:portal-consent"
PERSON_IDENTIFIER_SYSTEM = "urn:portal-gateway:account"


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """The few demographics ``auth`` compares against (never stored, never logged; ``repr`` hides them).

    Attributes:
        patient_id: The Patient's id.
        birth_date: ``Patient.birthDate`` when it is a full date.
        phones: Last ten digits of each phone number in ``telecom``.
        emails: Lower-cased email addresses in ``telecom``.
        names: Given and family names (for the password policy's context words).
    """

    patient_id: str
    birth_date: date | None = field(default=None, repr=False)
    phones: tuple[str, ...] = field(default=(), repr=False)
    emails: tuple[str, ...] = field(default=(), repr=False)
    names: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class ConsentAcceptance:
    """A patient's acceptance of the practice consent form, to be recorded in the EHR.

    Attributes:
        patient_id: Who accepted.
        account_id: Through which portal account (makes the record idempotent).
        accepted_at: When.
        policy_uri: The consent form (and version) accepted.
    """

    patient_id: str
    account_id: str
    accepted_at: datetime
    policy_uri: str


class PatientDirectory(Protocol):
    """The EHR as ``auth`` sees it."""

    async def patient_identity(self, patient_id: str) -> PatientIdentity | None:
        """The Patient's identity data, or ``None`` if there is no such Patient."""
        ...

    async def record_consent(self, acceptance: ConsentAcceptance) -> str:
        """Record the acceptance (idempotently per account and form); return the ``Consent`` id."""
        ...

    async def ensure_person(self, patient_id: str, account_id: str) -> str:
        """The id of a ``Person`` linking this Patient, created if there is none."""
        ...


class FhirPatientDirectory:
    """``PatientDirectory`` over a FHIR R4 server.

    Args:
        client: A ``FhirClient`` (per request, so upstream calls carry the request id).
    """

    def __init__(self, client: FhirClient) -> None:
        self._client = client

    async def patient_identity(self, patient_id: str) -> PatientIdentity | None:
        """Read ``Patient/<id>`` and keep what identity checks need."""
        try:
            patient = await self._client.read("Patient", patient_id)
        except (FhirNotFound, FhirGone):
            return None
        except ValueError:  # a malformed id: nothing can match it
            return None
        return identity_from_patient(patient_id, patient.data)

    async def record_consent(self, acceptance: ConsentAcceptance) -> str:
        """Create the ``Consent`` (conditional on its identifier: safe to retry)."""
        consent = consent_resource(acceptance)
        identifier = consent["identifier"][0]
        written = await self._client.create(
            consent, if_none_exist={"identifier": f"{identifier['system']}|{identifier['value']}"}
        )
        return written.resource.id

    async def ensure_person(self, patient_id: str, account_id: str) -> str:
        """Find a ``Person`` linking the Patient (``Person?patient=``), or create one."""
        page = await self._client.search("Person", {"patient": f"Patient/{patient_id}"}, count=1)
        if page.matches:
            return page.matches[0].id
        person = {
            "resourceType": "Person",
            "identifier": [{"system": PERSON_IDENTIFIER_SYSTEM, "value": account_id}],
            "active": True,
            "link": [{"target": {"reference": f"Patient/{patient_id}"}}],
        }
        written = await self._client.create(
            person, if_none_exist={"identifier": f"{PERSON_IDENTIFIER_SYSTEM}|{account_id}"}
        )
        return written.resource.id


def identity_from_patient(patient_id: str, data: Mapping[str, Any]) -> PatientIdentity:
    """Pick birth date, phones, emails and names out of Patient JSON (read defensively)."""
    born: date | None = None
    raw_birth = data.get("birthDate")
    if isinstance(raw_birth, str) and len(raw_birth) == 10:
        try:
            born = date.fromisoformat(raw_birth)
        except ValueError:
            born = None
    phones: list[str] = []
    emails: list[str] = []
    for contact in _objects(data.get("telecom")):
        value = contact.get("value")
        if not isinstance(value, str):
            continue
        if contact.get("system") in ("phone", "sms"):
            digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
            if len(digits) >= 10:
                phones.append(digits[-10:])
        elif contact.get("system") == "email":
            emails.append(value.strip().lower())
    names: list[str] = []
    for name in _objects(data.get("name")):
        given = name.get("given")
        names.extend(part for part in (given if isinstance(given, list) else []) if isinstance(part, str))
        if isinstance(name.get("family"), str):
            names.append(name["family"])
    return PatientIdentity(patient_id, born, tuple(phones), tuple(emails), tuple(names))


def consent_resource(acceptance: ConsentAcceptance) -> dict[str, Any]:
    """The R4 ``Consent`` for a consent-form acceptance (policy by URI, permit, signed by the patient)."""
    patient = {"reference": f"Patient/{acceptance.patient_id}"}
    return {
        "resourceType": "Consent",
        "identifier": [
            {
                "system": CONSENT_IDENTIFIER_SYSTEM,
                # No "|" or "," in the value: they are separators in FHIR token searches (If-None-Exist).
                "value": f"{acceptance.account_id}.{_short_hash(acceptance.policy_uri)}",
            }
        ],
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}
        ],
        "patient": patient,
        "dateTime": acceptance.accepted_at.isoformat(timespec="seconds"),
        "performer": [patient],
        "policy": [{"uri": acceptance.policy_uri}],
        "provision": {"type": "permit"},
    }


def _short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _objects(value: object) -> Sequence[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]
