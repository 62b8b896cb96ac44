"""Test results: DiagnosticReports (lab, imaging, pathology) with their Observations, and the
``results`` and ``observations`` lists of a patient (release rule: resolvers/release.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from access import Capability
from fhir_client import Prefixed, Resource, ge, le

from . import datatypes as dt
from . import paging, release
from .context import RequestContext
from .observations import ObservationValue, observation_value
from .paging import Connection
from .references import Performed, References
from .values import string

T = TypeVar("T")
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


class ResultCategory(StrEnum):
    """Report categories (HL7 v2 table 0074); pathology is ``SP`` (surgical pathology)."""

    LAB = "LAB"
    RAD = "RAD"
    PATHOLOGY = "SP"


@dataclass(frozen=True, slots=True)
class ReportValue(Performed):
    id: str
    status: str
    category: tuple[dt.CodeableConceptValue, ...]
    code: dt.CodeableConceptValue | None
    effective_date_time: str | None
    effective_period: dt.PeriodValue | None
    issued: str | None
    conclusion: str | None
    conclusion_code: tuple[dt.CodeableConceptValue, ...]
    presented_form: tuple[dt.AttachmentValue, ...]
    performer_refs: tuple[str, ...]
    result_refs: tuple[str, ...]
    refs: References

    async def results(self) -> list[ObservationValue]:
        """The report's Observations the viewer may see (from the page's includes, else one batched read)."""
        return await self.refs.many(self.result_refs, lambda r: observation_value(r, self.refs))


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters of a results or observations list (already validated by the schema)."""

    category: str | None = None
    code: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def key(self, list_name: str) -> str:
        return "|".join(
            [list_name, *(part or "" for part in (self.category, self.code, self.date_from, self.date_to))]
        )

    def params(self, *, proxy: bool) -> release.Params:
        params = release.search_params(proxy=proxy)
        if self.category is not None:
            params["category"] = self.category
        if self.code is not None:
            params["code"] = self.code
        dates: list[Prefixed] = []
        if self.date_from is not None:
            dates.append(ge(self.date_from))
        if self.date_to is not None:
            dates.append(le(self.date_to))
        if dates:
            params["date"] = dates
        return params


def report_value(resource: Resource, refs: References) -> ReportValue | None:
    """The DiagnosticReport as shown, or ``None`` when the release rule keeps it back."""
    status = resource.get("status")
    if not release.released(resource) or not isinstance(status, str):
        return None
    effective = resource.get("effectiveDateTime")
    return ReportValue(
        id=resource.id,
        status=status,
        category=dt.concepts(resource.get("category")),
        code=dt.concept(resource.get("code")),
        effective_date_time=effective if isinstance(effective, str) else None,
        effective_period=dt.period(resource.get("effectivePeriod")),
        issued=string(resource.get("issued")),
        conclusion=string(resource.get("conclusion")),
        conclusion_code=dt.concepts(resource.get("conclusionCode")),
        presented_form=dt.attachments(resource.get("presentedForm")),
        performer_refs=dt.references(resource.get("performer")),
        result_refs=dt.references(resource.get("result")),
        refs=refs,
    )


def report_query(filters: Filters, *, proxy: bool) -> paging.ListQuery:
    category = f"{V2_0074}|{filters.category}" if filters.category else None
    params = Filters(category, filters.code, filters.date_from, filters.date_to).params(proxy=proxy)
    include = ("DiagnosticReport:result", "DiagnosticReport:performer")
    return paging.ListQuery("DiagnosticReport", params, ("-date",), include, filters.key("results"))


def observation_query(filters: Filters, *, proxy: bool) -> paging.ListQuery:
    category = f"{OBSERVATION_CATEGORY}|{filters.category}" if filters.category else None
    params = Filters(category, filters.code, filters.date_from, filters.date_to).params(proxy=proxy)
    include = ("Observation:performer",)
    return paging.ListQuery("Observation", params, ("-date",), include, filters.key("observations"))


@dataclass(frozen=True, slots=True)
class ReleasedList(Generic[T]):
    """A list under the release rule: its FHIR search and the value of each resource shown."""

    make_query: Callable[..., paging.ListQuery]
    convert: Callable[[Resource, References], T | None]


RESULTS = ReleasedList(report_query, report_value)
OBSERVATIONS = ReleasedList(observation_query, observation_value)


async def released_page(
    ctx: RequestContext,
    patient_id: str,
    kind: ReleasedList[T],
    filters: Filters,
    *,
    first: int | None,
    after: str | None,
    total: bool,
) -> Connection[T]:
    """One page of the patient's released reports or observations, newest first."""
    guard = await ctx.guard(patient_id, Capability.READ)
    query = kind.make_query(filters, proxy=guard.grant.is_proxy)
    page = await paging.fetch(
        guard, await ctx.cursors(), query, first=first, after=after, want_total=total, keep=release.released
    )
    refs = References(guard, ctx.directory_reader(), paging.index(page.included))
    return page.convert(lambda resource: kind.convert(resource, refs))
