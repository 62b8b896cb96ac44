"""The Patient type."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.patient import PatientValue

from .common import FhirDate, HumanName, Identifier


@strawberry.enum(description="FHIR administrative gender.")
class AdministrativeGender(Enum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@strawberry.type(description="A patient of the practice, as recorded in the EHR (FHIR Patient).")
class Patient:
    id: strawberry.ID
    name: list[HumanName]
    birth_date: FhirDate | None
    gender: AdministrativeGender | None
    identifier: list[Identifier]

    @classmethod
    def from_value(cls, value: PatientValue) -> Patient:
        return cls(
            id=strawberry.ID(value.id),
            name=[HumanName.from_value(name) for name in value.names],
            birth_date=FhirDate(value.birth_date) if value.birth_date else None,
            gender=AdministrativeGender(value.gender) if value.gender else None,
            identifier=[Identifier.from_value(identifier) for identifier in value.identifiers],
        )
