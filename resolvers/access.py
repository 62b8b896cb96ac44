"""The viewer's patients: self and every patient they are a proxy for, with level and capabilities."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from access import Capability, Grant

from .context import RequestContext
from .patient import PatientValue, patient_value


@dataclass(frozen=True, slots=True)
class PatientAccessValue:
    """One patient in the viewer's scope.

    Attributes:
        patient: The patient's demographics (``None`` if the record is gone from the EHR).
        level: ``SELF``, ``SCHEDULING_MESSAGING`` or ``READ_ONLY``.
        relationship: v3 RoleCode code of the viewer to the patient (``None`` for SELF).
        relationship_display: Its display text.
        capabilities: What the level allows under the practice's rules, sorted.
    """

    patient: PatientValue | None
    level: str
    relationship: str | None
    relationship_display: str | None
    capabilities: tuple[Capability, ...]


async def viewer_patients(ctx: RequestContext) -> list[PatientAccessValue]:
    """Every patient in the viewer's scope, SELF first (their Patients fetched in one batched request)."""
    _, scope = await ctx.scope()
    guards = [await ctx.guard(grant.patient_id, Capability.READ) for grant in scope.grants]
    resources = await asyncio.gather(*(guard.patient() for guard in guards))
    return [
        _value(grant, patient_value(resource) if resource is not None else None, ctx)
        for grant, resource in zip(scope.grants, resources, strict=True)
    ]


def _value(grant: Grant, patient: PatientValue | None, ctx: RequestContext) -> PatientAccessValue:
    return PatientAccessValue(
        patient=patient,
        level=grant.level.value,
        relationship=grant.relationship,
        relationship_display=grant.relationship_display,
        capabilities=tuple(sorted(ctx.practice.capabilities(grant))),
    )
