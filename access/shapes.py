"""The FHIR shapes of proxy access: Person, RelatedPerson and the Consent that grants a level.

One place builds them and one place reads them, so the gateway (invitations, revocation, scope), the
synthetic practice and the tests all write and read the same structure:

- a **Person** per portal user, whose ``link``s name the user's own Patient and one RelatedPerson per
  patient the user acts for;
- a **RelatedPerson** per proxy and patient: ``patient`` is the patient acted for, ``relationship`` a
  v3 RoleCode (``MTH``, ``SPS``...), ``period`` the relationship's time;
- a **Consent** per grant: ``patient``, ``provision.actor`` (role AGNT) naming the RelatedPerson, and the
  level as ``provision.action`` coded in ``urn:portal-gateway:proxy-access`` (``READ_ONLY`` or
  ``SCHEDULING_MESSAGING``); ``status`` ``active`` grants, ``proposed`` waits for the invitee, ``inactive``
  was revoked.

Readers are defensive: anything of the wrong JSON shape reads as absent, and they fail closed (a coding of
another system does not count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

PROXY_ACCESS_SYSTEM = "urn:portal-gateway:proxy-access"
ROLE_CODE_SYSTEMS = frozenset(
    {"http://terminology.hl7.org/CodeSystem/v3-RoleCode", "urn:oid:2.16.840.1.113883.5.111"}
)
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
LEVEL_DISPLAY = {"READ_ONLY": "Read only", "SCHEDULING_MESSAGING": "Scheduling and messaging"}
PROXY_LEVELS = frozenset(LEVEL_DISPLAY)

Json = dict[str, Any]


def reference(resource_type: str, resource_id: str, display: str | None = None) -> Json:
    """A FHIR Reference to ``resource_type/resource_id``."""
    ref: Json = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def related_person(
    *,
    patient_id: str,
    relationship: str,
    start: date,
    end: date | None = None,
    resource_id: str | None = None,
    relationship_display: str | None = None,
    patient_display: str | None = None,
    active: bool = True,
    **details: Any,
) -> Json:
    """A RelatedPerson: the proxy as seen from the patient's record.

    Args:
        patient_id: The patient the proxy acts for.
        relationship: v3 RoleCode code of the proxy to the patient.
        start: When the relationship began.
        end: When it ended, if it did.
        resource_id: The id (omit for a create).
        relationship_display: The code's display text.
        patient_display: The patient's name in the reference, for people reading the EHR.
        active: False once revoked.
        **details: More RelatedPerson elements (``name``, ``telecom``, ``birthDate``...).
    """
    coding: Json = {"system": ROLE_CODE, "code": relationship}
    if relationship_display:
        coding["display"] = relationship_display
    period: Json = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    resource: Json = {"resourceType": "RelatedPerson"}
    if resource_id:
        resource["id"] = resource_id
    return resource | {
        "active": active,
        "patient": reference("Patient", patient_id, patient_display),
        "relationship": [{"coding": [coding]}],
        "period": period,
        **details,
    }


def proxy_consent(
    *,
    patient_id: str,
    actor: str,
    level: str,
    start: date,
    end: date | None = None,
    status: str = "active",
    resource_id: str | None = None,
    actor_display: str | None = None,
    patient_display: str | None = None,
    **details: Any,
) -> Json:
    """A Consent granting ``actor`` (a RelatedPerson reference) ``level`` on ``patient_id``'s record.

    Args:
        patient_id: The patient whose record is shared.
        actor: The RelatedPerson's reference: ``RelatedPerson/<id>``, or a transaction's ``urn:uuid:``.
        level: ``READ_ONLY`` or ``SCHEDULING_MESSAGING``.
        start: When the grant begins.
        end: When it ends (a pediatric grant ends at the 18th birthday).
        status: ``active``, ``proposed`` (an invitation) or ``inactive`` (revoked).
        resource_id: The id (omit for a create).
        actor_display: The proxy's name, for people reading the EHR.
        patient_display: The patient's name, likewise.
        **details: More Consent elements (``dateTime``, ``organization``, ``sourceReference``, ``policy``...).

    Raises:
        ValueError: ``level`` is not a proxy level.
    """
    if level not in PROXY_LEVELS:
        raise ValueError(f"not a proxy level: {level}")
    actor_ref: Json = {"reference": actor} | ({"display": actor_display} if actor_display else {})
    period: Json = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    resource: Json = {"resourceType": "Consent"}
    if resource_id:
        resource["id"] = resource_id
    extra = {"policyRule": {"text": "Portal proxy access"}} if "policy" not in details else {}
    return resource | {
        "status": status,
        "scope": {
            "coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy", "display": "Privacy Consent"}]
        },
        "category": [{"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": reference("Patient", patient_id, patient_display),
        "performer": [actor_ref],
        **extra,
        **details,
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [
                {
                    "role": {"coding": [{"system": ROLE_CLASS, "code": "AGNT", "display": "agent"}]},
                    "reference": actor_ref,
                }
            ],
            "action": [
                {"coding": [{"system": PROXY_ACCESS_SYSTEM, "code": level, "display": LEVEL_DISPLAY[level]}]}
            ],
        },
    }


def person(
    *,
    resource_id: str,
    patient_id: str,
    related_person_ids: Iterable[str] = (),
    patient_display: str | None = None,
    **details: Any,
) -> Json:
    """A Person: one portal user, linking their own Patient and the RelatedPersons they act through."""
    links = [{"target": reference("Patient", patient_id, patient_display), "assurance": "level3"}]
    links += [
        {"target": reference("RelatedPerson", rid), "assurance": "level3"} for rid in related_person_ids
    ]
    return {"resourceType": "Person", "id": resource_id, "active": True, "link": links, **details}


def with_link(person_json: Mapping[str, Any], related_person_id: str) -> Json | None:
    """``person_json`` with a link to the RelatedPerson added; ``None`` when it links it already."""
    links = list(objects(person_json.get("link")))
    if related_person_id in link_ids(person_json, "RelatedPerson"):
        return None
    target = {"target": reference("RelatedPerson", related_person_id), "assurance": "level2"}
    return {**person_json, "link": [*links, target]}


def ended_consent(consent: Mapping[str, Any], today: date) -> Json:
    """The Consent revoked: ``inactive``, with ``provision.period.end`` today."""
    provision = dict(consent.get("provision") or {})
    provision["period"] = {**(provision.get("period") or {}), "end": today.isoformat()}
    return {**consent, "status": "inactive", "provision": provision}


def ended_related_person(related: Mapping[str, Any], today: date) -> Json:
    """The RelatedPerson ended: ``active: false`` and ``period.end`` today."""
    period = {**(related.get("period") or {}), "end": today.isoformat()}
    return {**related, "active": False, "period": period}


# --- readers ---------------------------------------------------------------------------------------


def level_of(consent: Mapping[str, Any]) -> str | None:
    """The proxy level a Consent's ``provision.action`` grants (``None``: none of ours)."""
    provision = consent.get("provision")
    if not isinstance(provision, Mapping):
        return None
    for action in objects(provision.get("action")):
        for coding in objects(action.get("coding")):
            if coding.get("system") == PROXY_ACCESS_SYSTEM and coding.get("code") in PROXY_LEVELS:
                return str(coding["code"])
    return None


def actor_ids(consent: Mapping[str, Any]) -> list[str]:
    """The RelatedPerson ids a Consent's ``provision.actor`` names."""
    provision = consent.get("provision")
    if not isinstance(provision, Mapping):
        return []
    ids = (ref_id(actor.get("reference"), "RelatedPerson") for actor in objects(provision.get("actor")))
    return [i for i in ids if i]


def relationship(related: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The v3 RoleCode code and display of a RelatedPerson (codings of other systems do not count)."""
    for concept in objects(related.get("relationship")):
        for coding in objects(concept.get("coding")):
            code = coding.get("code")
            if coding.get("system") in ROLE_CODE_SYSTEMS and isinstance(code, str) and code:
                display = coding.get("display") or concept.get("text")
                return code, display if isinstance(display, str) else None
    return None, None


def link_ids(person_json: Mapping[str, Any], resource_type: str) -> list[str]:
    """The ids of ``resource_type`` a Person links to."""
    ids = [ref_id(link.get("target"), resource_type) for link in objects(person_json.get("link"))]
    return [i for i in ids if i]


def ref_id(value: Any, resource_type: str) -> str | None:
    """The id in a Reference (or reference string) to ``resource_type``; ``None`` for any other target."""
    if isinstance(value, Mapping):
        value = value.get("reference")
    if not isinstance(value, str):
        return None
    kind, _, rid = value.rpartition("/")
    same_type = kind == resource_type or kind.endswith("/" + resource_type)
    return rid if same_type and rid else None


def objects(value: Any) -> list[Mapping[str, Any]]:
    """The JSON objects of a list element (anything else: none)."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []
