"""Which resources belong to a patient, and the labels proxies never see.

For each type: the search parameter that constrains it, and the elements whose references place a resource
in the patient's compartment (FHIR R4 Patient compartment, the portal's
subset). Plus the confidentiality labels hidden from proxies, the types that name no patient but belong to
one through a resource that does (``LINKED``), and the types reached only through a holder (``ATTACHED``: a
message's or a statement's file).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fhir_client import Resource, is_fhir_id

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
    # A file: of a message (docs/messaging.md) or a statement's PDF (docs/billing.md). Binary.securityContext
    # is the patient; it is read only as the file of a Communication or DocumentReference the viewer may see
    # (so the teen rule and the labels of its holder apply to it too), never by id alone.
    "Binary": Attached("securityContext", {"Communication": "payload", "DocumentReference": "content"}),
}
"""Types reached only through a holder (``PatientGuard.attachment``) and what places them in a compartment."""


@dataclass(frozen=True, slots=True)
class Link:
    """How a type that names no patient belongs to one: through the resource one of its elements names.

    Attributes:
        element: The element whose references place it (every one must name a ``through`` resource).
        through: A ``COMPARTMENT`` type; the resource named must itself be in the patient's compartment.
    """

    element: str
    through: str


LINKED: Mapping[str, Link] = {
    # R4 PaymentReconciliation has no patient element (docs/billing.md): a patient's payment is reached
    # through its Task (PaymentReconciliation.request, R4's own reference), whose ``for`` is the patient.
    "PaymentReconciliation": Link("request", "Task"),
}
"""Types the guard lets through only beside (``_revinclude``d with, or in one transaction with) the resource
that places them in the compartment; never searched or read on their own."""

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


def belongs(
    resource: Resource, patient_id: str, anchors: Mapping[str, Resource] | None = None
) -> bool:
    """Whether ``resource`` is in the compartment of ``patient_id`` (unknown types never are).

    A ``LINKED`` type belongs only through one of ``anchors`` (``belongs_through``); with none, never.
    """
    if resource.resource_type in LINKED:
        return belongs_through(resource, patient_id, anchors or {})
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
    return resource_id in attached_ids(holder, resource_type)


def attached_ids(holder: Resource, resource_type: str) -> tuple[str, ...]:
    """The ids of the ``resource_type`` resources ``holder`` names, in order.

    They are the attachment urls or references, relative or absolute, under the element ``ATTACHED``
    declares for the holder's type; none for any other holder.
    """
    attached = ATTACHED.get(resource_type)
    element = attached.holders.get(holder.resource_type) if attached is not None else None
    if element is None:
        return ()
    named = (_relative(link).partition("/") for link in _links(holder.get(element)))
    return tuple(rid for kind, _, rid in named if kind == resource_type and is_fhir_id(rid))


def belongs_through(resource: Resource, patient_id: str, anchors: Mapping[str, Resource]) -> bool:
    """Whether a ``LINKED`` resource is in the compartment of ``patient_id``.

    Args:
        resource: A resource of a ``LINKED`` type (any other type: False).
        patient_id: The patient.
        anchors: The resources it may be linked through, by reference (``Task/t1``, or a transaction's
            ``urn:uuid:`` full URL), already checked to be visible.

    Returns:
        True when it names at least one resource and each is an anchor of the link's type that belongs.
    """
    link = LINKED.get(resource.resource_type)
    if link is None:
        return False
    named = [_relative(ref) for ref in _references(resource.get(link.element))]
    found = [anchors.get(ref) for ref in named]
    return bool(named) and all(
        anchor is not None and anchor.resource_type == link.through and belongs(anchor, patient_id)
        for anchor in found
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


def _relative(reference: str) -> str:
    # An absolute reference names the same resource by its last two segments (``.../fhir/Task/t1``).
    if reference.startswith(("http://", "https://")):
        parts = reference.rstrip("/").split("/")
        return "/".join(parts[-2:])
    return reference
