"""Patient demographics."""

from __future__ import annotations

from dataclasses import dataclass

from auth import Capability
from fhir_client import Resource

from . import values
from .context import RequestContext
from .guard import NotInScope

_GENDERS = frozenset({"male", "female", "other", "unknown"})


@dataclass(frozen=True, slots=True)
class PatientValue:
    id: str
    names: tuple[values.HumanNameValue, ...]
    birth_date: str | None
    gender: str | None
    identifiers: tuple[values.IdentifierValue, ...]


async def get_patient(ctx: RequestContext, patient_id: str) -> PatientValue | None:
    """Read one Patient in the viewer's scope; ``None`` when missing, deleted or outside the scope.

    A patient outside the scope answers ``None`` without an upstream call, exactly like a missing one, so the
    answer tells nothing about existence.
    """
    try:
        guard = await ctx.guard(patient_id, Capability.READ)
    except NotInScope:
        return None
    resource = await guard.patient()
    return patient_value(resource) if resource is not None else None


def patient_value(resource: Resource) -> PatientValue:
    """The demographics of a Patient resource."""
    gender = values.string(resource.get("gender"))
    return PatientValue(
        id=resource.id,
        names=values.human_names(resource.get("name")),
        birth_date=values.fhir_date(resource.get("birthDate")),
        gender=gender if gender in _GENDERS else None,
        identifiers=values.identifiers(resource.get("identifier")),
    )
