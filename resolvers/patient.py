"""Patient demographics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from access import Capability
from fhir_client import Resource

from . import values
from .context import RequestContext
from .datatypes import references
from .guard import NotInScope
from .references import PERFORMER_TYPES, PerformerValue, performer_value

_GENDERS = frozenset({"male", "female", "other", "unknown"})


@dataclass(frozen=True, slots=True)
class PatientValue:
    id: str
    names: tuple[values.HumanNameValue, ...]
    birth_date: str | None
    gender: str | None
    identifiers: tuple[values.IdentifierValue, ...]
    telecom: tuple[ContactPointValue, ...] = ()
    addresses: tuple[AddressValue, ...] = ()
    general_practitioner_refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactPointValue:
    system: str | None
    value: str | None
    use: str | None


@dataclass(frozen=True, slots=True)
class AddressValue:
    use: str | None
    text: str | None
    line: tuple[str, ...]
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None


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
        telecom=tuple(
            ContactPointValue(
                values.string(t.get("system")), values.string(t.get("value")), values.string(t.get("use"))
            )
            for t in values.objects(resource.get("telecom"))
        ),
        addresses=tuple(address_value(a) for a in values.objects(resource.get("address"))),
        general_practitioner_refs=references(resource.get("generalPractitioner")),
    )


def address_value(address: Mapping[str, Any]) -> AddressValue:
    """A FHIR Address (of a Patient, a Location...)."""
    return AddressValue(
        use=values.string(address.get("use")),
        text=values.string(address.get("text")),
        line=values.strings(address.get("line")),
        city=values.string(address.get("city")),
        state=values.string(address.get("state")),
        postal_code=values.string(address.get("postalCode")),
        country=values.string(address.get("country")),
    )


async def general_practitioners(ctx: RequestContext, refs: tuple[str, ...]) -> list[PerformerValue]:
    """The patient's general practitioners (directory reads, batched into one request per type)."""
    reader = ctx.directory_reader()
    wanted = [ref.rpartition("/") for ref in refs]
    found = await asyncio.gather(
        *(reader.read(kind, rid) for kind, _, rid in wanted if kind in PERFORMER_TYPES)
    )
    return [value for resource in found if resource and (value := performer_value(resource)) is not None]
