"""Trend data for charts: ``Patient.observationTrend``, the series of one coded Observation."""

from __future__ import annotations

import strawberry

from resolvers import datatypes as dt
from resolvers.observations import ComponentValue, ObservationValue
from resolvers.trends import TrendValue

from .datatypes import CodeableConcept, Quantity, ReferenceRange, concept, concepts, quantity


def _quantity(value: object) -> Quantity | None:
    return quantity(value) if isinstance(value, dt.QuantityValue) else None


@strawberry.type(
    description=(
        "One part of a multi-part measurement at one time, such as the systolic or the diastolic value of a "
        "blood pressure (FHIR Observation.component)."
    )
)
class TrendComponent:
    code: CodeableConcept | None = strawberry.field(
        description="What this part measures (Observation.component.code, LOINC), e.g. systolic pressure."
    )
    value: Quantity | None = strawberry.field(
        description="The measured amount (Observation.component.valueQuantity); null when not a quantity."
    )
    interpretation: list[CodeableConcept] = strawberry.field(
        description="High, low, normal... as the lab flagged it (Observation.component.interpretation)."
    )
    reference_range: list[ReferenceRange] = strawberry.field(
        description="The range this part is judged against (Observation.component.referenceRange)."
    )

    @classmethod
    def from_value(cls, v: ComponentValue) -> TrendComponent:
        return cls(
            code=concept(v.code),
            value=_quantity(v.value),
            interpretation=concepts(v.interpretation),
            reference_range=[ReferenceRange.from_value(r) for r in v.reference_range],
        )


@strawberry.type(description="One point of a trend: one released Observation (value, time, range, flags).")
class TrendPoint:
    observation_id: strawberry.ID = strawberry.field(
        description="The Observation's FHIR id (Observation.id); find the whole result under observations."
    )
    time: str | None = strawberry.field(
        description=(
            "When it was measured or the sample taken (Observation.effectiveDateTime, or the start of "
            "effectivePeriod): a FHIR dateTime."
        )
    )
    value: Quantity | None = strawberry.field(
        description="The measured amount (Observation.valueQuantity); null for a panel (see components)."
    )
    preliminary: bool = strawberry.field(
        description="True while the result is preliminary (Observation.status): draw it as such."
    )
    interpretation: list[CodeableConcept] = strawberry.field(
        description="High, low, normal... as the lab flagged it (Observation.interpretation)."
    )
    reference_range: list[ReferenceRange] = strawberry.field(
        description="The range the value is judged against (Observation.referenceRange): shade it on a chart."
    )
    components: list[TrendComponent] = strawberry.field(
        description="The parts of a panel, such as systolic and diastolic (Observation.component)."
    )

    @classmethod
    def from_value(cls, v: ObservationValue) -> TrendPoint:
        start = v.effective_period.start if v.effective_period is not None else None
        return cls(
            observation_id=strawberry.ID(v.id),
            time=v.effective_date_time or start,
            value=_quantity(v.value),
            preliminary=v.preliminary,
            interpretation=concepts(v.interpretation),
            reference_range=[ReferenceRange.from_value(r) for r in v.reference_range],
            components=[TrendComponent.from_value(c) for c in v.components],
        )


@strawberry.type(
    description=(
        "The series of one coded measurement of the patient over time, oldest first (released FHIR "
        "Observations of one code): what a chart of HbA1c, weight or blood pressure draws."
    )
)
class ObservationTrend:
    code: str = strawberry.field(description="The code asked for, as a FHIR token (system|code or code).")
    name: CodeableConcept | None = strawberry.field(
        description="The code as the newest point names it (Observation.code): the chart's title."
    )
    unit: str | None = strawberry.field(
        description="The unit of the newest value (Quantity.unit); each point carries its own too."
    )
    point_count: int = strawberry.field(description="How many points there are (all of them are in points).")
    points: list[TrendPoint] = strawberry.field(description="The points, oldest first; never cut short.")

    @classmethod
    def from_value(cls, v: TrendValue) -> ObservationTrend:
        return cls(
            code=v.code,
            name=concept(v.concept),
            unit=v.unit,
            point_count=len(v.points),
            points=[TrendPoint.from_value(p) for p in v.points],
        )
