"""Types shared by many FHIR-shaped schema types."""

from __future__ import annotations

from typing import NewType

import strawberry

from resolvers.patient import AddressValue
from resolvers.values import HumanNameValue, IdentifierValue, fhir_date


def _parse_fhir_date(value: object) -> str:
    parsed = fhir_date(value)
    if parsed is None:
        raise ValueError("expected a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed


FhirDate = NewType("FhirDate", str)

# Registered in the schema's scalar_map (schema/build.py).
FHIR_DATE_SCALAR = strawberry.scalar(
    name="FhirDate",
    description="A FHIR date, possibly partial: YYYY, YYYY-MM or YYYY-MM-DD.",
    serialize=str,
    parse_value=_parse_fhir_date,
)


@strawberry.type(description="A person's name (FHIR HumanName).")
class HumanName:
    use: str | None
    text: str | None
    family: str | None
    given: list[str]
    prefix: list[str]
    suffix: list[str]

    @classmethod
    def from_value(cls, value: HumanNameValue) -> HumanName:
        return cls(
            use=value.use,
            text=value.text,
            family=value.family,
            given=list(value.given),
            prefix=list(value.prefix),
            suffix=list(value.suffix),
        )


@strawberry.type(description="An identifier such as a medical record number (FHIR Identifier).")
class Identifier:
    use: str | None
    system: str | None
    value: str | None
    type_text: str | None

    @classmethod
    def from_value(cls, value: IdentifierValue) -> Identifier:
        return cls(use=value.use, system=value.system, value=value.value, type_text=value.type_text)


@strawberry.type(description="A postal address (FHIR Address).")
class Address:
    use: str | None
    text: str | None
    line: list[str]
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None

    @classmethod
    def from_value(cls, v: AddressValue) -> Address:
        return cls(
            use=v.use,
            text=v.text,
            line=list(v.line),
            city=v.city,
            state=v.state,
            postal_code=v.postal_code,
            country=v.country,
        )
