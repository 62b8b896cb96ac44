"""Patient demographics."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_client import FhirGone, FhirNotFound

from . import values
from .context import RequestContext
from .ids import fhir_id

_GENDERS = frozenset({"male", "female", "other", "unknown"})


@dataclass(frozen=True, slots=True)
class PatientValue:
    id: str
    names: tuple[values.HumanNameValue, ...]
    birth_date: str | None
    gender: str | None
    identifiers: tuple[values.IdentifierValue, ...]


async def get_patient(ctx: RequestContext, patient_id: str) -> PatientValue | None:
    """Read one Patient; ``None`` when it does not exist or was deleted."""
    try:
        resource = await ctx.fhir.read("Patient", fhir_id(patient_id))
    except (FhirNotFound, FhirGone):
        return None
    gender = values.string(resource.get("gender"))
    return PatientValue(
        id=resource.id,
        names=values.human_names(resource.get("name")),
        birth_date=values.fhir_date(resource.get("birthDate")),
        gender=gender if gender in _GENDERS else None,
        identifiers=values.identifiers(resource.get("identifier")),
    )
