"""Health records: conditions (problems), allergies, immunizations, and the care team."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from access import Capability
from fhir_client import AnyOf, Resource, SearchParams

from . import datatypes as dt
from . import paging
from .context import RequestContext
from .references import PerformerValue, References
from .values import objects, string

T = TypeVar("T")
ERROR = "entered-in-error"


@dataclass(frozen=True, slots=True)
class ConditionValue:
    id: str
    clinical_status: dt.CodeableConceptValue | None
    verification_status: dt.CodeableConceptValue | None
    category: tuple[dt.CodeableConceptValue, ...]
    severity: dt.CodeableConceptValue | None
    code: dt.CodeableConceptValue | None
    onset_date_time: str | None
    abatement_date_time: str | None
    recorded_date: str | None


@dataclass(frozen=True, slots=True)
class ReactionValue:
    manifestation: tuple[dt.CodeableConceptValue, ...]
    severity: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class AllergyValue:
    id: str
    clinical_status: dt.CodeableConceptValue | None
    verification_status: dt.CodeableConceptValue | None
    type: str | None
    category: tuple[str, ...]
    criticality: str | None
    code: dt.CodeableConceptValue | None
    reaction: tuple[ReactionValue, ...]
    onset_date_time: str | None
    recorded_date: str | None


@dataclass(frozen=True, slots=True)
class ImmunizationValue:
    id: str
    status: str
    vaccine_code: dt.CodeableConceptValue | None
    occurrence_date_time: str | None
    primary_source: bool | None
    lot_number: str | None
    dose_number: int | None


@dataclass(frozen=True, slots=True)
class CareTeamMemberValue:
    role: tuple[dt.CodeableConceptValue, ...]
    member: PerformerValue


@dataclass(frozen=True, slots=True)
class CareTeamValue:
    id: str
    name: str | None
    status: str | None
    participant: tuple[CareTeamMemberValue, ...]


def _verified(resource: Resource) -> bool:
    status = dt.concept(resource.get("verificationStatus"))
    return status is None or all(c.code != ERROR for c in status.coding)


def condition_value(r: Resource) -> ConditionValue | None:
    if not _verified(r):
        return None
    return ConditionValue(
        id=r.id,
        clinical_status=dt.concept(r.get("clinicalStatus")),
        verification_status=dt.concept(r.get("verificationStatus")),
        category=dt.concepts(r.get("category")),
        severity=dt.concept(r.get("severity")),
        code=dt.concept(r.get("code")),
        onset_date_time=string(r.get("onsetDateTime")),
        abatement_date_time=string(r.get("abatementDateTime")),
        recorded_date=string(r.get("recordedDate")),
    )


def allergy_value(r: Resource) -> AllergyValue | None:
    if not _verified(r):
        return None
    reactions = tuple(
        ReactionValue(
            dt.concepts(x.get("manifestation")), string(x.get("severity")), string(x.get("description"))
        )
        for x in objects(r.get("reaction"))
    )
    category = r.get("category")
    return AllergyValue(
        id=r.id,
        clinical_status=dt.concept(r.get("clinicalStatus")),
        verification_status=dt.concept(r.get("verificationStatus")),
        type=string(r.get("type")),
        category=tuple(c for c in category if isinstance(c, str)) if isinstance(category, list) else (),
        criticality=string(r.get("criticality")),
        code=dt.concept(r.get("code")),
        reaction=reactions,
        onset_date_time=string(r.get("onsetDateTime")),
        recorded_date=string(r.get("recordedDate")),
    )


def immunization_value(r: Resource) -> ImmunizationValue | None:
    status = r.get("status")
    if status not in ("completed", "not-done"):
        return None
    doses = [dt.integer(p.get("doseNumberPositiveInt")) for p in objects(r.get("protocolApplied"))]
    primary = r.get("primarySource")
    return ImmunizationValue(
        id=r.id,
        status=status,
        vaccine_code=dt.concept(r.get("vaccineCode")),
        occurrence_date_time=string(r.get("occurrenceDateTime")),
        primary_source=primary if isinstance(primary, bool) else None,
        lot_number=string(r.get("lotNumber")),
        dose_number=doses[0] if doses else None,
    )


@dataclass(frozen=True, slots=True)
class RecordList(Generic[T]):
    """A list of the health record: its spec, and the value shown of each resource."""

    spec: paging.ListSpec
    convert: Callable[[Resource], T | None]


def _record_list(
    name: str, resource_type: str, fixed: SearchParams, sort: str, convert: Callable[[Resource], T | None]
) -> RecordList[T]:
    spec = paging.ListSpec(
        name, resource_type, fixed, (sort,), keep=lambda resource: convert(resource) is not None
    )
    return RecordList(spec, convert)


CONDITIONS = _record_list(
    "conditions", "Condition", {"verification-status:not": ERROR}, "-recorded-date", condition_value
)
ALLERGIES = _record_list(
    "allergies", "AllergyIntolerance", {"verification-status:not": ERROR}, "-date", allergy_value
)
IMMUNIZATIONS = _record_list(
    "immunizations", "Immunization", {"status:not": ERROR}, "-date", immunization_value
)


async def list_records(
    ctx: RequestContext,
    patient_id: str,
    kind: RecordList[T],
    *,
    first: int | None,
    after: str | None,
    total: bool,
) -> paging.Connection[T]:
    """One page of ``CONDITIONS``, ``ALLERGIES`` or ``IMMUNIZATIONS``, newest first."""
    guard = await ctx.guard(patient_id, Capability.READ)
    page = await paging.fetch(
        guard, await ctx.cursors(), kind.spec.query(), first=first, after=after, want_total=total
    )
    return page.convert(kind.convert)


async def care_teams(ctx: RequestContext, patient_id: str) -> list[CareTeamValue]:
    """The patient's active care teams with their members (members included in the same request)."""
    guard = await ctx.guard(patient_id, Capability.READ)
    page = await guard.search(
        "CareTeam",
        {"status": AnyOf("active", "proposed")},
        count=paging.MAX_FIRST,
        include=["CareTeam:participant"],
    )
    refs = References(guard, ctx.directory_reader(), paging.index(page.included))
    # Every participant of every team at once, so members that were not included load in one batch per type.
    participants = [(team, item) for team in page.matches for item in objects(team.get("participant"))]
    found = await asyncio.gather(
        *(refs.performers(dt.references(item.get("member"))) for _, item in participants)
    )
    members: dict[str, list[CareTeamMemberValue]] = {team.id: [] for team in page.matches}
    for (team, item), performers in zip(participants, found, strict=True):
        members[team.id] += [CareTeamMemberValue(dt.concepts(item.get("role")), p) for p in performers]
    return [
        CareTeamValue(team.id, string(team.get("name")), string(team.get("status")), tuple(members[team.id]))
        for team in page.matches
    ]
