"""Observation: lab values, vital signs and the like, with every R4 ``value[x]`` kind."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from resolvers import datatypes as dt
from resolvers.observations import ComponentValue, ObservationValue, PrimitiveValue, ValueX

from .datatypes import (
    CodeableConcept,
    Period,
    Provider,
    Quantity,
    Range,
    Ratio,
    ReferenceRange,
    SampledData,
    concept,
    concepts,
    period,
    provider,
)


@strawberry.enum(
    description=(
        "Status of a released result (FHIR observation-status / diagnostic-report-status; the release rule "
        "never shows registered, cancelled or entered-in-error)."
    )
)
class ResultStatus(Enum):
    FINAL = "final"
    AMENDED = "amended"
    CORRECTED = "corrected"
    PRELIMINARY = "preliminary"


@strawberry.enum(description="Observation category (FHIR observation-category).")
class ObservationCategory(Enum):
    LABORATORY = "laboratory"
    VITAL_SIGNS = "vital-signs"
    IMAGING = "imaging"
    SOCIAL_HISTORY = "social-history"
    SURVEY = "survey"
    EXAM = "exam"
    THERAPY = "therapy"
    ACTIVITY = "activity"
    PROCEDURE = "procedure"


@strawberry.type(description="valueString.")
class StringValue:
    value: str


@strawberry.type(description="valueBoolean.")
class BooleanValue:
    value: bool


@strawberry.type(description="valueInteger.")
class IntegerValue:
    value: int


@strawberry.type(description="valueTime (hh:mm:ss).")
class TimeValue:
    value: str


@strawberry.type(description="valueDateTime (a FHIR dateTime).")
class DateTimeValue:
    value: str


ObservationValueX = Annotated[
    Quantity
    | CodeableConcept
    | StringValue
    | BooleanValue
    | IntegerValue
    | Range
    | Ratio
    | SampledData
    | TimeValue
    | DateTimeValue
    | Period,
    strawberry.union("ObservationValue", description="The value[x] of an Observation or component."),
]

_PRIMITIVES = {
    "string": StringValue,
    "boolean": BooleanValue,
    "integer": IntegerValue,
    "time": TimeValue,
    "dateTime": DateTimeValue,
}


def value_x(value: ValueX | None) -> ObservationValueX | None:
    """The schema type of one ``value[x]``."""
    if isinstance(value, PrimitiveValue):
        made: ObservationValueX = _PRIMITIVES[value.kind](value=value.value)
        return made
    if isinstance(value, dt.QuantityValue):
        return Quantity.from_value(value)
    if isinstance(value, dt.CodeableConceptValue):
        return CodeableConcept.from_value(value)
    if isinstance(value, dt.RangeValue):
        return Range.from_value(value)
    if isinstance(value, dt.RatioValue):
        return Ratio.from_value(value)
    if isinstance(value, dt.SampledDataValue):
        return SampledData.from_value(value)
    if isinstance(value, dt.PeriodValue):
        return Period.from_value(value)
    return None


@strawberry.type(description="One component of a multi-part Observation (e.g. systolic and diastolic).")
class ObservationComponent:
    code: CodeableConcept | None
    value: ObservationValueX | None
    data_absent_reason: CodeableConcept | None
    interpretation: list[CodeableConcept]
    reference_range: list[ReferenceRange]

    @classmethod
    def from_value(cls, v: ComponentValue) -> ObservationComponent:
        return cls(
            code=concept(v.code),
            value=value_x(v.value),
            data_absent_reason=concept(v.data_absent_reason),
            interpretation=concepts(v.interpretation),
            reference_range=[ReferenceRange.from_value(r) for r in v.reference_range],
        )


@strawberry.type(description="A measurement or finding (FHIR Observation), shown under the release rule.")
class Observation:
    id: strawberry.ID
    status: ResultStatus
    preliminary: bool = strawberry.field(description="True while the result is preliminary: label it so.")
    category: list[CodeableConcept]
    code: CodeableConcept | None
    value: ObservationValueX | None
    data_absent_reason: CodeableConcept | None
    interpretation: list[CodeableConcept]
    reference_range: list[ReferenceRange]
    component: list[ObservationComponent]
    effective_date_time: str | None
    effective_period: Period | None
    issued: str | None
    _value: strawberry.Private[ObservationValue]

    @strawberry.field(description="Who performed it (resolved in one batch per page).")
    async def performer(self) -> list[Provider]:
        return [provider(p) for p in await self._value.performers()]

    @classmethod
    def from_value(cls, v: ObservationValue) -> Observation:
        return cls(
            id=strawberry.ID(v.id),
            status=ResultStatus(v.status),
            preliminary=v.preliminary,
            category=concepts(v.category),
            code=concept(v.code),
            value=value_x(v.value),
            data_absent_reason=concept(v.data_absent_reason),
            interpretation=concepts(v.interpretation),
            reference_range=[ReferenceRange.from_value(r) for r in v.reference_range],
            component=[ObservationComponent.from_value(c) for c in v.components],
            effective_date_time=v.effective_date_time,
            effective_period=period(v.effective_period),
            issued=v.issued,
            _value=v,
        )
