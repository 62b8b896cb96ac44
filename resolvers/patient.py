"""Patient demographics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
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


class PatientRecord:
    """A patient of the viewer's scope, whose Patient resource is read while the rest of the request runs.

    ``value()`` is the demographics, or NOT_FOUND (as for an id outside the scope) when the Patient is
    missing, deleted or hidden from the viewer. Every field of the schema's Patient waits for it, so nothing
    of such a record is shown, while the fields' own FHIR requests went upstream with the Patient read.
    """

    def __init__(
        self, patient_id: str, value: Awaitable[tuple[PatientValue | None, tuple[Resource, ...]]]
    ) -> None:
        self.patient_id = patient_id
        self._value = asyncio.ensure_future(value)

    @classmethod
    def known(cls, value: PatientValue) -> PatientRecord:
        """A record whose Patient was already read."""
        done: asyncio.Future[tuple[PatientValue | None, tuple[Resource, ...]]]
        done = asyncio.get_running_loop().create_future()
        done.set_result((value, ()))
        return cls(value.id, done)

    async def included(self) -> dict[str, Resource]:
        """What the Patient read included (its general practitioners, when asked for), by reference."""
        _, included = await asyncio.shield(self._value)
        return {resource.reference: resource for resource in included}

    async def value(self) -> PatientValue:
        """The demographics (raises NotInScope when the record is not to be shown)."""
        found, _ = await asyncio.shield(self._value)
        if found is None:
            raise NotInScope()
        return found


async def open_patient(
    ctx: RequestContext, patient_id: str, *, practitioners: bool = False
) -> PatientRecord | None:
    """One patient of the viewer's scope, its Patient read started; ``None`` outside the scope.

    A patient outside the scope answers ``None`` without an upstream call, exactly like a missing one, so the
    answer tells nothing about existence. With ``practitioners`` the read is a search that includes the
    general practitioners, which then cost no second request.
    """
    try:
        guard = await ctx.guard(patient_id, Capability.READ)
    except NotInScope:
        return None

    async def read() -> tuple[PatientValue | None, tuple[Resource, ...]]:
        if practitioners:
            resource, included = await guard.patient_including(["Patient:general-practitioner"])
        else:
            resource, included = await guard.patient(), ()
        return (patient_value(resource) if resource is not None else None), included

    return PatientRecord(guard.patient_id, read())


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


async def general_practitioners(
    ctx: RequestContext, refs: tuple[str, ...], included: Mapping[str, Resource] | None = None
) -> list[PerformerValue]:
    """The patient's general practitioners: from what the Patient read included, else directory reads
    (batched into one request per type)."""
    reader = ctx.directory_reader()
    known = included or {}

    async def one(kind: str, rid: str) -> Resource | None:
        return known.get(f"{kind}/{rid}") or await reader.read(kind, rid)

    wanted = [ref.rpartition("/") for ref in refs]
    found = await asyncio.gather(*(one(kind, rid) for kind, _, rid in wanted if kind in PERFORMER_TYPES))
    return [value for resource in found if resource and (value := performer_value(resource)) is not None]
