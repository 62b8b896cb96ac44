"""References of one page resolved without N+1: first among the page's ``_include``s, then through the
per-request loaders (one ``Type?_id=a,b,c`` per type and event-loop turn)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from access import DIRECTORY_TYPES
from fhir_client import Resource

from . import values
from .datatypes import CodeableConceptValue, concepts
from .guard import DirectoryReader, PatientGuard

T = TypeVar("T")
PERFORMER_TYPES = ("Practitioner", "Organization")


@dataclass(frozen=True, slots=True)
class PractitionerValue:
    id: str
    names: tuple[values.HumanNameValue, ...]
    identifiers: tuple[values.IdentifierValue, ...]
    qualification: tuple[CodeableConceptValue, ...]


@dataclass(frozen=True, slots=True)
class OrganizationValue:
    id: str
    name: str | None
    identifiers: tuple[values.IdentifierValue, ...]


PerformerValue = PractitionerValue | OrganizationValue


def performer_value(resource: Resource) -> PerformerValue | None:
    """A Practitioner or Organization as a performer; ``None`` for other types."""
    if resource.resource_type == "Practitioner":
        qualification = tuple(
            code
            for item in values.objects(resource.get("qualification"))
            for code in concepts([item.get("code")])
        )
        return PractitionerValue(
            resource.id,
            values.human_names(resource.get("name")),
            values.identifiers(resource.get("identifier")),
            qualification,
        )
    if resource.resource_type == "Organization":
        return OrganizationValue(
            resource.id, values.string(resource.get("name")), values.identifiers(resource.get("identifier"))
        )
    return None


class References:
    """Resolves the references of the resources of one page for one guard.

    Args:
        guard: The patient guard (compartment types are loaded and checked through it).
        directory: The directory reader (Practitioner, Organization, ...).
        included: The page's visible ``_include``d resources.
    """

    def __init__(
        self, guard: PatientGuard, directory: DirectoryReader, included: Mapping[str, Resource]
    ) -> None:
        self.guard = guard
        self._directory = directory
        self._included = dict(included)

    def included(self, reference: str) -> Resource | None:
        """The resource ``reference`` names if the page included it (no request)."""
        kind, _, rid = reference.rpartition("/")
        return self._included.get(f"{kind.rpartition('/')[2]}/{rid}")

    async def resolve(self, reference: str) -> Resource | None:
        """The resource ``reference`` (``Type/id``) names, if the viewer may see it."""
        found = self.included(reference)
        if found is not None:
            return found
        kind, _, rid = reference.rpartition("/")
        kind = kind.rpartition("/")[2]
        if kind in DIRECTORY_TYPES:  # Practitioner, Organization, Medication, ...
            return await self._directory.read(kind, rid)
        try:
            return await self.guard.load(kind, rid)
        except ValueError:
            return None  # not a patient-compartment type: never followed

    async def many(self, refs: tuple[str, ...], convert: Callable[[Resource], T | None]) -> list[T]:
        """Resolve ``refs`` at once (so loaders batch them) and convert, keeping order, dropping misses."""
        found = [self.included(ref) for ref in refs]
        if None in found:  # only then a request (and a task per reference): most pages include everything
            found = list(await asyncio.gather(*(self.resolve(ref) for ref in refs)))
        return [
            value for resource in found if resource is not None and (value := convert(resource)) is not None
        ]

    async def performers(self, refs: tuple[str, ...]) -> list[PerformerValue]:
        wanted = tuple(ref for ref in refs if ref.rpartition("/")[0].rpartition("/")[2] in PERFORMER_TYPES)
        return await self.many(wanted, performer_value)


class Performed:
    """What released results share: the preliminary label and their performers (mixed into their values)."""

    __slots__ = ()
    status: str
    performer_refs: tuple[str, ...]
    refs: References

    @property
    def preliminary(self) -> bool:
        return self.status == "preliminary"

    async def performers(self) -> list[PerformerValue]:
        return await self.refs.performers(self.performer_refs)
