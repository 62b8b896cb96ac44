"""Which resources belong to a patient, and the labels proxies never see.

For each type: the search parameter that constrains it, and the elements whose references place a resource
in the patient's compartment (FHIR R4 Patient compartment, the portal's
subset). Plus the types reached only through a resource that holds them (a message's attachment, a Binary),
and the confidentiality labels hidden from proxies.
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
    # The audit trail of the patient's record (the patient is an entity of every event; the access log).
    "AuditEvent": Compartment("patient", ("entity",)),
}
"""Patient-compartment types. A type missing here cannot be searched or read through a patient guard."""


@dataclass(frozen=True, slots=True)
class Attached:
    """A type that belongs to a patient but is never searched or read alone: only through a holder.

    Attributes:
        element: The element naming the patient the resource belongs to (checked on write and on read).
        holders: Holder type -> the element of the holder whose ``url``/``reference`` names the resource.
    """

    element: str
    holders: Mapping[str, str]


ATTACHED: Mapping[str, Attached] = {
    # An attachment of a message (docs/messaging.md): Binary.securityContext is the patient; it is read only
    # as an attachment of a Communication the viewer may see (so the teen rule and the labels of the message
    # apply to its files too), never by id alone.
    "Binary": Attached("securityContext", {"Communication": "payload"}),
}
"""Types reached only through a holder (``PatientGuard.attachment``) and what places them in a compartment."""

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
    attached = ATTACHED.get(resource.resource_type)
    if compartment is not None:
        elements = compartment.elements
    elif attached is not None:
        elements = (attached.element,)
    else:
        return False
    wanted = f"Patient/{patient_id}"
    return any(
        ref == wanted or ref.endswith("/" + wanted)
        for element in elements
        for ref in _references(resource.get(element))
    )


def holds(holder: Resource, resource_type: str, resource_id: str) -> bool:
    """Whether ``holder`` names ``resource_type/resource_id`` in the element ``ATTACHED`` declares for it."""
    attached = ATTACHED.get(resource_type)
    element = attached.holders.get(holder.resource_type) if attached is not None else None
    if element is None:
        return False
    wanted = f"{resource_type}/{resource_id}"
    return any(link == wanted or link.endswith("/" + wanted) for link in _links(holder.get(element)))


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


def _links(value: Any) -> Iterator[str]:
    """Every ``reference`` and Attachment ``url`` string inside ``value``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("reference", "url") and isinstance(item, str):
                yield item
            else:
                yield from _links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _links(item)


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
