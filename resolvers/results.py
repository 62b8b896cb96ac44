"""Test results: DiagnosticReports (lab, imaging, pathology) with their Observations, and the
``results`` and ``observations`` lists of a patient (release rule: resolvers/release.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


# The schema's ResultCategory names, as HL7 v2 table 0074 codes (pathology: SP, surgical pathology).
RESULT_CATEGORIES = {"LAB": "LAB", "IMAGING": "RAD", "RAD": "RAD", "PATHOLOGY": "SP"}


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
    """The filters of a results or observations list (already validated by the schema).

    ``category`` is a ``system|code`` token (``RESULTS`` and ``OBSERVATIONS`` qualify the schema's names).
    """

    category: str | None = None
    code: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def params(self) -> release.Params:
        params: release.Params = {}
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


RESULTS_LIST = paging.ListSpec(
    "results",
    "DiagnosticReport",
    release.search_params(),
    ("-date",),
    # HAPI's cost grows with every resource it includes (about 0.3 ms each): only what is selected.
    include_when=(("result", "DiagnosticReport:result"), ("performer", "DiagnosticReport:performer")),
    keep=release.released,
)
OBSERVATIONS_LIST = paging.ListSpec(
    "observations",
    "Observation",
    release.search_params(),
    ("-date",),
    include_when=(("performer", "Observation:performer"),),
    keep=release.released,
)


@dataclass(frozen=True, slots=True)
class ReleasedList(Generic[T]):
    """A list under the release rule: its spec, the code system of its categories, and the value shown."""

    spec: paging.ListSpec
    category_system: str
    convert: Callable[[Resource, References], T | None]
    categories: Mapping[str, str] | None = None

    def query(self, filters: Filters, wants: frozenset[str] | None = None) -> paging.ListQuery:
        category = filters.category
        if category is not None:
            code = self.categories.get(category, category) if self.categories else category
            category = f"{self.category_system}|{code}"
        params = Filters(category, filters.code, filters.date_from, filters.date_to).params()
        return self.spec.query(params, wants=wants)


RESULTS = ReleasedList(RESULTS_LIST, V2_0074, report_value, RESULT_CATEGORIES)
OBSERVATIONS = ReleasedList(OBSERVATIONS_LIST, OBSERVATION_CATEGORY, observation_value)


async def released_page(
    ctx: RequestContext,
    patient_id: str,
    kind: ReleasedList[T],
    filters: Filters,
    *,
    first: int | None,
    after: str | None,
    total: bool,
    wants: frozenset[str] | None = None,
) -> Connection[T]:
    """One page of the patient's released reports or observations, newest first (``wants``: the node fields
    selected, so that only what they show is included)."""
    guard = await ctx.guard(patient_id, Capability.READ)
    page = await paging.fetch(
        guard, await ctx.cursors(), kind.query(filters, wants), first=first, after=after, want_total=total
    )
    refs = References(guard, ctx.directory_reader(), paging.index(page.included))
    return page.convert(lambda resource: kind.convert(resource, refs))
