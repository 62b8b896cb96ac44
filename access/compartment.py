"""Which resources belong to a patient, and the labels proxies never see.

For each type: the search parameter that constrains it, and the elements whose references place a resource
in the patient's compartment (FHIR R4 Patient compartment, the portal's
subset). Plus the confidentiality labels hidden from proxies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_client import Resource

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
# The same code system under its legacy FHIR URI and its OID: labels written by older systems count too.
CONFIDENTIALITY_SYSTEMS = (
    CONFIDENTIALITY,
    "http://hl7.org/fhir/v3/Confidentiality",
    "urn:oid:2.16.840.1.113883.5.25",
)
RESTRICTED_CODES = frozenset({"R", "V"})
RESTRICTED_LABELS = tuple(
    f"{system}|{code}" for system in CONFIDENTIALITY_SYSTEMS for code in sorted(RESTRICTED_CODES)
)
"""The restricted labels as search tokens (``_security:not``), every spelling of the system."""


@dataclass(frozen=True, slots=True)
class Compartment:
    """How a type is constrained to one patient.

    Attributes:
        param: The search parameter the guard adds (``Patient/<id>`` as its value).
        elements: Top-level elements whose references must name the patient.
    """

    param: str
    elements: tuple[str, ...]


COMPARTMENT: Mapping[str, Compartment] = {
    "Patient": Compartment("_id", ()),
    "AllergyIntolerance": Compartment("patient", ("patient",)),
    "Appointment": Compartment("patient", ("participant",)),
    "CareTeam": Compartment("patient", ("subject",)),
    "Communication": Compartment("patient", ("subject",)),
    "Condition": Compartment("patient", ("subject",)),
    "Consent": Compartment("patient", ("patient",)),
    "DiagnosticReport": Compartment("patient", ("subject",)),
    "DocumentReference": Compartment("patient", ("subject",)),
    "Encounter": Compartment("patient", ("subject",)),
    "Immunization": Compartment("patient", ("patient",)),
    "Invoice": Compartment("patient", ("subject",)),
    "MedicationRequest": Compartment("patient", ("subject",)),
    "Observation": Compartment("patient", ("subject",)),
    "Procedure": Compartment("patient", ("subject",)),
    "QuestionnaireResponse": Compartment("patient", ("subject",)),
    "RelatedPerson": Compartment("patient", ("patient",)),
    "Task": Compartment("patient", ("for",)),
    "Account": Compartment("patient", ("subject",)),
}
"""Patient-compartment types. A type missing here cannot be searched or read through a patient guard."""

DIRECTORY_TYPES = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "Schedule",
        "Slot",
        "Medication",
        "HealthcareService",
        "Questionnaire",
    }
)
"""Shared, non-patient resources: readable without a patient, and allowed through as ``_include``s."""


def belongs(resource: Resource, patient_id: str) -> bool:
    """Whether ``resource`` is in the compartment of ``patient_id`` (unknown types never are)."""
    if resource.resource_type == "Patient":
        return resource.id == patient_id
    compartment = COMPARTMENT.get(resource.resource_type)
    if compartment is None:
        return False
    wanted = f"Patient/{patient_id}"
    return any(
        ref == wanted or ref.endswith("/" + wanted)
        for element in compartment.elements
        for ref in _references(resource.get(element))
    )


def restricted(resource: Resource) -> bool:
    """Whether ``meta.security`` has the v3 Confidentiality label R (restricted) or V (very restricted)."""
    meta = resource.get("meta")
    if not isinstance(meta, Mapping):
        return False
    labels = meta.get("security")
    if not isinstance(labels, list):
        return False
    return any(
        isinstance(label, Mapping)
        and label.get("system") in CONFIDENTIALITY_SYSTEMS
        and label.get("code") in RESTRICTED_CODES
        for label in labels
    )


def sent_by_patient(resource: Resource, patient_id: str) -> bool:
    """A Communication whose sender is the patient (hidden from proxies of a teen)."""
    if resource.resource_type != "Communication":
        return False
    return any(ref.endswith(f"Patient/{patient_id}") for ref in _references(resource.get("sender")))


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        ref = value.get("reference")
        if isinstance(ref, str):
            yield ref
        for key, item in value.items():
            if key != "reference":
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)
