"""Access scope: the patients a viewer may act for, each with a level and capabilities (DESIGN.md section 6).

Derived from FHIR: the account's own Patient (SELF), plus, through the account's Person, each linked
RelatedPerson whose patient has an active Consent naming that RelatedPerson as ``provision.actor`` with the
level as ``provision.action`` (system ``urn:portal-gateway:proxy-access``). Two upstream requests at most:

1. ``Person?_id=<person>&_include=Person:link:RelatedPerson`` (the Person and its RelatedPersons);
2. ``Consent?actor=RelatedPerson/a,...&status=active&_include=Consent:patient`` (grants and the patients'
   birth dates for the teen and 18th-birthday rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fhir_client import AnyOf, FhirClient, Resource

from .fhir_dates import age_on, birthday, in_period, parse_date

PROXY_ACCESS_SYSTEM = "urn:portal-gateway:proxy-access"
# v3 RoleCode relationships that make a grant "parental" (ends at the child's 18th birthday).
PARENTAL = frozenset(
    {"PRN", "MTH", "FTH", "NPRN", "NMTH", "NFTH", "STPPRN", "STPMTH", "STPFTH", "GUARD", "GUADLTM"}
)


class Level(StrEnum):
    """How the viewer may act for a patient."""

    SELF = "SELF"
    SCHEDULING_MESSAGING = "SCHEDULING_MESSAGING"
    READ_ONLY = "READ_ONLY"


class Capability(StrEnum):
    """What a resolver asks the guard for."""

    READ = "READ"
    SCHEDULE = "SCHEDULE"
    MESSAGE = "MESSAGE"
    REFILL = "REFILL"
    PAY = "PAY"
    MANAGE_PROXIES = "MANAGE_PROXIES"
    ACCOUNT = "ACCOUNT"


CAPABILITIES: Mapping[Level, frozenset[Capability]] = {
    Level.READ_ONLY: frozenset({Capability.READ}),
    Level.SCHEDULING_MESSAGING: frozenset({Capability.READ, Capability.SCHEDULE, Capability.MESSAGE}),
    Level.SELF: frozenset(Capability),
}


@dataclass(frozen=True, slots=True)
class TeenPolicy:
    """What a proxy of a patient aged ``min_age`` up to 17 may see (practice-configurable).

    Restricted resources are hidden from every proxy of any patient (DESIGN.md section 6), so they are not a
    knob here.

    Attributes:
        min_age: The age from which the teen rule applies (default 12).
        hide_sent_messages: Hide messages the teen sent (default yes).
    """

    min_age: int = 12
    hide_sent_messages: bool = True


@dataclass(frozen=True, slots=True)
class Grant:
    """One patient in scope.

    Attributes:
        patient_id: The patient the viewer may act for.
        level: SELF or the proxy level.
        relationship: v3 RoleCode code of the proxy to the patient (``None`` for SELF).
        relationship_display: Its display text.
        related_person_id: The RelatedPerson the grant goes through (proxies).
        consent_id: The Consent that grants it (proxies).
        hide_sent_messages: The teen rule hides the messages the patient sent.
    """

    patient_id: str
    level: Level
    relationship: str | None = None
    relationship_display: str | None = None
    related_person_id: str | None = None
    consent_id: str | None = None
    hide_sent_messages: bool = False

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this level allows."""
        return CAPABILITIES[self.level]

    @property
    def is_proxy(self) -> bool:
        """Any level but SELF (restricted labels are hidden)."""
        return self.level != Level.SELF


@dataclass(frozen=True, slots=True)
class AccessScope:
    """The viewer's grants, SELF first."""

    account_id: str
    grants: tuple[Grant, ...] = field(default=())

    def grant_for(self, patient_id: str) -> Grant | None:
        """The grant for ``patient_id``, or ``None`` when the patient is outside the scope."""
        return next((grant for grant in self.grants if grant.patient_id == patient_id), None)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the Redis cache."""
        return {
            "account_id": self.account_id,
            "grants": [
                {
                    "patient_id": g.patient_id,
                    "level": g.level.value,
                    "relationship": g.relationship,
                    "relationship_display": g.relationship_display,
                    "related_person_id": g.related_person_id,
                    "consent_id": g.consent_id,
                    "hide_sent_messages": g.hide_sent_messages,
                }
                for g in self.grants
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AccessScope:
        """Inverse of ``to_json``."""
        grants = tuple(Grant(**{**item, "level": Level(item["level"])}) for item in data.get("grants", []))
        return cls(account_id=str(data["account_id"]), grants=grants)


async def derive_scope(
    fhir: FhirClient,
    *,
    account_id: str,
    patient_id: str,
    person_id: str | None,
    today: date,
    teen: TeenPolicy | None = None,
) -> AccessScope:
    """Compute the scope from FHIR (at most two requests; none when the account has no Person yet).

    Args:
        fhir: The FHIR client.
        account_id: The account.
        patient_id: The account's own Patient (SELF).
        person_id: The account's Person, if known.
        today: The date the period, teen and 18th-birthday rules are evaluated on.
        teen: The teen policy (default ``TeenPolicy()``).

    Returns:
        The scope: SELF first, then the proxy grants in Consent order.
    """
    teen = teen or TeenPolicy()
    grants = [Grant(patient_id=patient_id, level=Level.SELF)]
    if person_id is None:
        return AccessScope(account_id, tuple(grants))
    people = await fhir.search("Person", {"_id": person_id}, include=["Person:link:RelatedPerson"], count=1)
    person = next(iter(people.matches), None)
    if person is None or person.get("active") is False:
        return AccessScope(account_id, tuple(grants))
    linked = {f"RelatedPerson/{rid}" for rid in _link_ids(person, "RelatedPerson")}
    related = {
        r.id: r
        for r in people.included
        if r.resource_type == "RelatedPerson" and r.reference in linked and _current(r, today)
    }
    if not related:
        return AccessScope(account_id, tuple(grants))
    consents = await fhir.search(
        "Consent",
        {"actor": AnyOf(*(f"RelatedPerson/{rid}" for rid in sorted(related))), "status": "active"},
        include=["Consent:patient"],
        count=100,
    )
    patients = {r.id: r for r in consents.included if r.resource_type == "Patient"}
    seen = {patient_id}
    for consent in consents.matches:
        grant = _grant(consent, related, patients, today, teen)
        if grant is not None and grant.patient_id not in seen:
            seen.add(grant.patient_id)
            grants.append(grant)
    return AccessScope(account_id, tuple(grants))


def _grant(
    consent: Resource,
    related: Mapping[str, Resource],
    patients: Mapping[str, Resource],
    today: date,
    teen: TeenPolicy,
) -> Grant | None:
    provision = consent.get("provision")
    if consent.get("status") != "active" or not isinstance(provision, Mapping):
        return None
    if provision.get("type", "permit") != "permit" or not in_period(provision.get("period"), today):
        return None
    actors = (_ref_id(a.get("reference"), "RelatedPerson") for a in _objects(provision.get("actor")))
    rp = next((related[a] for a in actors if a is not None and a in related), None)
    level = _level(provision.get("action"))
    if rp is None or level is None:
        return None
    patient_id = _ref_id(rp.get("patient"), "Patient")
    if patient_id is None or patient_id != _ref_id(consent.get("patient"), "Patient"):
        return None
    patient = patients.get(patient_id)
    if patient is None or patient.get("active") is False:
        return None
    code, display = _relationship(rp)
    born = parse_date(patient.get("birthDate"))
    age = age_on(born, today) if born else None
    if age is not None and born is not None and age >= 18 and code in PARENTAL:
        # 18th-birthday rule: a parental grant counts only when renewed on or after the birthday.
        start = parse_date(_period_start(provision.get("period")))
        if start is None or start < birthday(born, 18):
            return None
    hide_sent = age is not None and teen.min_age <= age < 18 and teen.hide_sent_messages
    return Grant(
        patient_id=patient_id,
        level=level,
        relationship=code,
        relationship_display=display,
        related_person_id=rp.id,
        consent_id=consent.id,
        hide_sent_messages=hide_sent,
    )


def _level(actions: Any) -> Level | None:
    for action in _objects(actions):
        for coding in _objects(action.get("coding")):
            if coding.get("system") == PROXY_ACCESS_SYSTEM and coding.get("code") in (
                Level.READ_ONLY,
                Level.SCHEDULING_MESSAGING,
            ):
                return Level(coding["code"])
    return None


def _relationship(rp: Resource) -> tuple[str | None, str | None]:
    for concept in _objects(rp.get("relationship")):
        for coding in _objects(concept.get("coding")):
            code = coding.get("code")
            if isinstance(code, str):
                display = coding.get("display") or concept.get("text")
                return code, display if isinstance(display, str) else None
    return None, None


def _current(rp: Resource, today: date) -> bool:
    return rp.get("active") is not False and in_period(rp.get("period"), today)


def _period_start(period: Any) -> Any:
    return period.get("start") if isinstance(period, Mapping) else None


def _link_ids(person: Resource, resource_type: str) -> list[str]:
    ids = [_ref_id(link.get("target"), resource_type) for link in _objects(person.get("link"))]
    return [i for i in ids if i]


def _ref_id(reference: Any, resource_type: str) -> str | None:
    if isinstance(reference, Mapping):
        reference = reference.get("reference")
    if not isinstance(reference, str):
        return None
    kind, _, rid = reference.rpartition("/")
    same_type = kind == resource_type or kind.endswith("/" + resource_type)
    return rid if same_type and rid else None


def _objects(value: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []
