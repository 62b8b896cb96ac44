"""Access scope: the patients a viewer may act for, each with a level and capabilities (docs/access.md).

Derived from FHIR: the account's own Patient (SELF), plus, through the account's Person, each linked
RelatedPerson whose patient has an active Consent naming that RelatedPerson as ``provision.actor`` with the
level as ``provision.action`` (``access.shapes``). Two upstream requests at most:

1. ``Person?_id=<person>&_include=Person:link:RelatedPerson`` (the Person and its RelatedPersons);
2. ``Consent?actor=RelatedPerson/a,...&status=active&_include=Consent:patient`` (grants and the patients'
   birth dates for the teen and 18th-birthday rules).

Every rule fails closed on data it cannot read for sure (``access.dates``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fhir_client import AnyOf, FhirClient, Resource

from . import shapes
from .dates import DateRange, age_on, birthday, date_range, in_period

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

    Restricted resources are hidden from every proxy of any patient (docs/architecture.md section 4), so they
    are not a knob here.

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

    @property
    def actor(self) -> str:
        """Who the viewer is in this patient's record: the proxy's RelatedPerson, or the Patient.

        The requester, sender, payer or audit agent of what the viewer does (``Type/id``).
        """
        if self.is_proxy and self.related_person_id:
            return f"RelatedPerson/{self.related_person_id}"
        return f"Patient/{self.patient_id}"


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
    linked = set(shapes.link_ids(person.data, "RelatedPerson"))
    related = {
        r.id: r
        for r in people.included
        if r.resource_type == "RelatedPerson" and r.id in linked and _current(r, today)
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
    rp = next((related[a] for a in shapes.actor_ids(consent.data) if a in related), None)
    level = shapes.level_of(consent.data)
    if rp is None or level is None:
        return None
    patient_id = shapes.ref_id(rp.get("patient"), "Patient")
    if patient_id is None or patient_id != shapes.ref_id(consent.get("patient"), "Patient"):
        return None
    patient = patients.get(patient_id)
    if patient is None or patient.get("active") is False:
        return None
    code, display = shapes.relationship(rp.data)
    born = date_range(patient.get("birthDate"))
    if code in PARENTAL and not _parental_grant_holds(born, provision.get("period"), today):
        return None
    return Grant(
        patient_id=patient_id,
        level=Level(level),
        relationship=code,
        relationship_display=display,
        related_person_id=rp.id,
        consent_id=consent.id,
        hide_sent_messages=teen.hide_sent_messages and _maybe_teen(born, today, teen.min_age),
    )


def _parental_grant_holds(born: DateRange | None, period: Any, today: date) -> bool:
    # The 18th-birthday rule: once the patient may be 18, a parental grant counts only when it was renewed
    # (provision.period.start) on or after the latest day the 18th birthday can be.
    if born is None:
        return False  # no readable birth date: the patient may be an adult
    if age_on(born.earliest, today) < 18:
        return True
    start = date_range(period.get("start")) if isinstance(period, Mapping) else None
    return start is not None and start.earliest >= birthday(born.latest, 18)


def _maybe_teen(born: DateRange | None, today: date, min_age: int) -> bool:
    # Whether any reading of the birth date makes the patient min_age to 17 (unknown: yes).
    if born is None:
        return True
    oldest, youngest = age_on(born.earliest, today), age_on(born.latest, today)
    return youngest < 18 and oldest >= min_age


def _current(rp: Resource, today: date) -> bool:
    return rp.get("active") is not False and in_period(rp.get("period"), today)
