"""FHIR data types shared by the clinical types: Coding, CodeableConcept, Quantity, Range, Ratio, Period,
SampledData, reference ranges, attachments, and the providers (Practitioner, Organization) references name."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers import datatypes as dt
from resolvers.references import OrganizationValue, PerformerValue, PractitionerValue

from .common import HumanName, Identifier


@strawberry.type(description="A code from a code system (FHIR Coding).")
class Coding:
    system: str | None
    code: str | None
    display: str | None

    @classmethod
    def from_value(cls, value: dt.CodingValue) -> Coding:
        return cls(system=value.system, code=value.code, display=value.display)


@strawberry.type(description="A concept as codings plus text (FHIR CodeableConcept).")
class CodeableConcept:
    coding: list[Coding]
    text: str | None

    @classmethod
    def from_value(cls, value: dt.CodeableConceptValue) -> CodeableConcept:
        return cls(coding=[Coding.from_value(c) for c in value.coding], text=value.text)


def concept(value: dt.CodeableConceptValue | None) -> CodeableConcept | None:
    return CodeableConcept.from_value(value) if value is not None else None


def concepts(values: tuple[dt.CodeableConceptValue, ...]) -> list[CodeableConcept]:
    return [CodeableConcept.from_value(value) for value in values]


@strawberry.type(description="A measured amount (FHIR Quantity); UCUM units for lab values.")
class Quantity:
    value: Decimal | None
    comparator: str | None
    unit: str | None
    system: str | None
    code: str | None

    @classmethod
    def from_value(cls, v: dt.QuantityValue) -> Quantity:
        return cls(value=v.value, comparator=v.comparator, unit=v.unit, system=v.system, code=v.code)


def quantity(value: dt.QuantityValue | None) -> Quantity | None:
    return Quantity.from_value(value) if value is not None else None


@strawberry.type(description="A range of quantities (FHIR Range).")
class Range:
    low: Quantity | None
    high: Quantity | None

    @classmethod
    def from_value(cls, v: dt.RangeValue) -> Range:
        return cls(low=quantity(v.low), high=quantity(v.high))


@strawberry.type(description="A ratio of two quantities (FHIR Ratio).")
class Ratio:
    numerator: Quantity | None
    denominator: Quantity | None

    @classmethod
    def from_value(cls, v: dt.RatioValue) -> Ratio:
        return cls(numerator=quantity(v.numerator), denominator=quantity(v.denominator))


@strawberry.type(description="A time span; either end may be open (FHIR Period; FHIR dateTime strings).")
class Period:
    start: str | None
    end: str | None

    @classmethod
    def from_value(cls, v: dt.PeriodValue) -> Period:
        return cls(start=v.start, end=v.end)


def period(value: dt.PeriodValue | None) -> Period | None:
    return Period.from_value(value) if value is not None else None


@strawberry.type(description="A summary of a series of samples (FHIR SampledData); the samples are not sent.")
class SampledData:
    origin: Quantity | None
    period: Decimal | None
    factor: Decimal | None
    dimensions: int | None
    sample_count: int

    @classmethod
    def from_value(cls, v: dt.SampledDataValue) -> SampledData:
        return cls(
            origin=quantity(v.origin),
            period=v.period,
            factor=v.factor,
            dimensions=v.dimensions,
            sample_count=v.sample_count,
        )


@strawberry.type(description="The range a result is judged against (Observation.referenceRange).")
class ReferenceRange:
    low: Quantity | None
    high: Quantity | None
    type: CodeableConcept | None
    applies_to: list[CodeableConcept]
    age: Range | None
    text: str | None

    @classmethod
    def from_value(cls, v: dt.ReferenceRangeValue) -> ReferenceRange:
        return cls(
            low=quantity(v.low),
            high=quantity(v.high),
            type=concept(v.type),
            applies_to=concepts(v.applies_to),
            age=Range.from_value(v.age) if v.age else None,
            text=v.text,
        )


@strawberry.type(description="A link to a document (FHIR Attachment: url, contentType and title only).")
class Attachment:
    url: str | None
    content_type: str | None
    title: str | None

    @classmethod
    def from_value(cls, v: dt.AttachmentValue) -> Attachment:
        return cls(url=v.url, content_type=v.content_type, title=v.title)


@strawberry.type(description="A clinician (FHIR Practitioner).")
class Practitioner:
    id: strawberry.ID
    name: list[HumanName]
    identifier: list[Identifier]
    qualification: list[CodeableConcept]


@strawberry.type(description="An organization such as a laboratory or the practice (FHIR Organization).")
class Organization:
    id: strawberry.ID
    name: str | None
    identifier: list[Identifier]


Provider = Annotated[
    Practitioner | Organization,
    strawberry.union(
        "Provider", description="Who performed or is responsible: a Practitioner or Organization."
    ),
]


def provider(value: PerformerValue) -> Practitioner | Organization:
    if isinstance(value, OrganizationValue):
        return Organization(
            id=strawberry.ID(value.id),
            name=value.name,
            identifier=[Identifier.from_value(i) for i in value.identifiers],
        )
    assert isinstance(value, PractitionerValue)
    return Practitioner(
        id=strawberry.ID(value.id),
        name=[HumanName.from_value(n) for n in value.names],
        identifier=[Identifier.from_value(i) for i in value.identifiers],
        qualification=concepts(value.qualification),
    )
