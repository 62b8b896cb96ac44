"""DiagnosticReport: a lab, imaging or pathology result with its Observations."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.results import ReportValue

from .datatypes import Attachment, CodeableConcept, Period, Provider, concept, concepts, period, provider
from .observation import Observation, ResultStatus


@strawberry.enum(description="The kind of result (DiagnosticReport.category, HL7 v2 table 0074).")
class ResultCategory(Enum):
    LAB = strawberry.enum_value("LAB", description="Laboratory (v2-0074 LAB).")
    IMAGING = strawberry.enum_value(
        "IMAGING", description="Imaging: X-ray, ultrasound, CT, MRI (v2-0074 RAD)."
    )
    RAD = strawberry.enum_value("RAD", deprecation_reason="Use IMAGING.")
    PATHOLOGY = strawberry.enum_value("PATHOLOGY", description="Pathology (v2-0074 SP, surgical pathology).")


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
