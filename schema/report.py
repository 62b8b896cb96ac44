"""DiagnosticReport: a lab, imaging or pathology result with its Observations."""

from __future__ import annotations

import strawberry

from resolvers.results import ReportValue, ResultCategory

from .datatypes import Attachment, CodeableConcept, Period, Provider, concept, concepts, period, provider
from .observation import Observation, ResultStatus

strawberry.enum(
    ResultCategory, name="ResultCategory", description="LAB, RAD (imaging) or PATHOLOGY (v2-0074 SP)."
)


@strawberry.type(description="A result: lab panel, imaging or pathology report (FHIR DiagnosticReport).")
class DiagnosticReport:
    id: strawberry.ID
    status: ResultStatus
    preliminary: bool = strawberry.field(description="True while the report is preliminary: label it so.")
    category: list[CodeableConcept]
    code: CodeableConcept | None
    effective_date_time: str | None
    effective_period: Period | None
    issued: str | None
    conclusion: str | None
    conclusion_code: list[CodeableConcept]
    presented_form: list[Attachment]
    _value: strawberry.Private[ReportValue]

    @strawberry.field(description="Who performed it (included with the page; no request per report).")
    async def performer(self) -> list[Provider]:
        return [provider(p) for p in await self._value.performers()]

    @strawberry.field(description="The report's Observations the viewer may see, in the report's order.")
    async def result(self) -> list[Observation]:
        return [Observation.from_value(o) for o in await self._value.results()]

    @classmethod
    def from_value(cls, v: ReportValue) -> DiagnosticReport:
        return cls(
            id=strawberry.ID(v.id),
            status=ResultStatus(v.status),
            preliminary=v.preliminary,
            category=concepts(v.category),
            code=concept(v.code),
            effective_date_time=v.effective_date_time,
            effective_period=period(v.effective_period),
            issued=v.issued,
            conclusion=v.conclusion,
            conclusion_code=concepts(v.conclusion_code),
            presented_form=[Attachment.from_value(a) for a in v.presented_form],
            _value=v,
        )
