"""Patient demographics."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_client import FhirGone, FhirNotFound

from . import values
from .context import RequestContext
from .ids import fhir_id
from .viewer import require_viewer

_GENDERS = frozenset({"male", "female", "other", "unknown"})


@dataclass(frozen=True, slots=True)
class PatientValue:
    id: str
    names: tuple[values.HumanNameValue, ...]
    birth_date: str | None
    gender: str | None
    identifiers: tuple[values.IdentifierValue, ...]


async def get_patient(ctx: RequestContext, patient_id: str) -> PatientValue | None:
    """Read one Patient for the signed-in viewer; ``None`` when missing, deleted or not the viewer's own.

    Until proxy scope (issue #5), a viewer may read only their own Patient. Any other id answers ``None``
    without an upstream call, exactly like a missing one, so the answer tells nothing about existence.
    """
    wanted = fhir_id(patient_id)
    viewer = await require_viewer(ctx)
    if wanted != viewer.account.patient_id:
        return None
    try:
        resource = await ctx.fhir.read("Patient", wanted)
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
