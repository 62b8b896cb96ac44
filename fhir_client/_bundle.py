"""Bundles: search result pages, and batch/transaction requests with their per-entry outcomes.

See https://hl7.org/fhir/R4/bundle.html and https://hl7.org/fhir/R4/http.html#transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlencode

from ._body import ErrorContext, outcome_issues
from ._errors import FhirResponseError, OutcomeIssue
from ._model import ResourceInput, validated
from ._resource import Resource
from ._search import SearchParams, encode_search

BundleKind = Literal["batch", "transaction"]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results, split by ``entry.search.mode``.

    Attributes:
        resource_type: The type searched.
        matches: Resources that matched the search (``mode = match``), in server order.
        included: Resources added by ``_include``/``_revinclude`` (``mode = include``).
        outcomes: ``OperationOutcome`` entries about the search itself (``mode = outcome``), e.g. warnings.
        total: ``Bundle.total``, only when the search asked for it (``total=True``); otherwise ``None``.
        next_url: The server's opaque ``next`` link, or ``None`` on the last page.
    """

    resource_type: str
    matches: tuple[Resource, ...]
    included: tuple[Resource, ...]
    outcomes: tuple[Resource, ...]
    total: int | None
    next_url: str | None


def search_page(body: Any, resource_type: str, *, want_total: bool, context: ErrorContext) -> SearchPage:
    """Read a ``searchset`` Bundle into a :class:`SearchPage`.

    Raises:
        FhirResponseError: The body is not a searchset Bundle.
    """
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle" or body.get("type") != "searchset":
        raise FhirResponseError(
            "FHIR search answered with something other than a searchset", **context.fields()
        )
    buckets: dict[str, list[Resource]] = {"match": [], "include": [], "outcome": []}
    for entry in _entries(body):
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            continue
        view = Resource(resource)
        search = entry.get("search")
        mode = search.get("mode") if isinstance(search, dict) else None
        if mode not in buckets:
            # Servers may omit the mode; then the searched type is a match and anything else was included.
            mode = "match" if view.resource_type == resource_type else "include"
        buckets[mode].append(view)
    total = body.get("total") if want_total else None
    return SearchPage(
        resource_type=resource_type,
        matches=tuple(buckets["match"]),
        included=tuple(buckets["include"]),
        outcomes=tuple(buckets["outcome"]),
        total=total if isinstance(total, int) else None,
        next_url=_link(body, "next"),
    )


def weak_etag(version_id: str) -> str:
    """The ``If-Match`` value for a version id (``3`` -> ``W/"3"``); an ETag given as such is kept."""
    if version_id.startswith(('W/"', '"')):
        return version_id
    return f'W/"{version_id}"'


@dataclass(frozen=True, slots=True)
class Entry:
    """One request entry of a batch or transaction Bundle; build it with the class methods."""

    method: str
    url: str
    resource: dict[str, Any] | None = None
    full_url: str | None = None
    if_match: str | None = None
    if_none_exist: str | None = None

    @classmethod
    def create(
        cls,
        resource: ResourceInput,
        *,
        full_url: str | None = None,
        if_none_exist: SearchParams | None = None,
    ) -> Entry:
        """Create ``resource`` (validated now); other entries may refer to it by ``full_url``."""
        data = validated(resource)
        criteria = urlencode(encode_search(if_none_exist, count=None)) if if_none_exist else None
        return cls("POST", data["resourceType"], data, full_url, None, criteria)

    @classmethod
    def update(cls, resource: ResourceInput, *, if_match: str | None = None) -> Entry:
        """Update ``resource`` (validated now; it needs an id), optionally only at version ``if_match``."""
        data = validated(resource)
        if not data.get("id"):
            raise ValueError("an update needs the resource id")
        etag = weak_etag(if_match) if if_match else None
        return cls("PUT", f"{data['resourceType']}/{quote(data['id'], safe='')}", data, None, etag)

    @classmethod
    def delete(cls, resource_type: str, resource_id: str) -> Entry:
        """Delete one resource."""
        return cls("DELETE", f"{resource_type}/{quote(resource_id, safe='')}")

    @classmethod
    def read(cls, resource_type: str, resource_id: str) -> Entry:
        """Read one resource."""
        return cls("GET", f"{resource_type}/{quote(resource_id, safe='')}")

    @classmethod
    def search(cls, resource_type: str, pairs: Sequence[tuple[str, str]]) -> Entry:
        """Search; ``pairs`` as built by ``encode_search`` (the client caps ``_count`` there)."""
        return cls("GET", f"{resource_type}?{urlencode(pairs)}")

    def to_json(self) -> dict[str, Any]:
        """The ``Bundle.entry`` JSON."""
        request: dict[str, Any] = {"method": self.method, "url": self.url}
        if self.if_match:
            request["ifMatch"] = self.if_match
        if self.if_none_exist:
            request["ifNoneExist"] = self.if_none_exist
        entry: dict[str, Any] = {"request": request}
        if self.full_url:
            entry["fullUrl"] = self.full_url
        if self.resource is not None:
            entry["resource"] = self.resource
        return entry


@dataclass(frozen=True, slots=True)
class EntryResult:
    """The outcome of one entry of a batch or transaction.

    Attributes:
        status: The entry's HTTP status (``response.status``, e.g. 201).
        location: ``response.location`` (``Type/id/_history/v``) for creates and updates.
        etag: ``response.etag``.
        resource: The returned resource, if the server sent one (reads, searches: a Bundle).
        issues: ``response.outcome`` issues; for a failed batch entry, why it failed.
    """

    status: int
    location: str | None
    etag: str | None
    resource: Resource | None
    issues: tuple[OutcomeIssue, ...]

    @property
    def ok(self) -> bool:
        """Whether the entry succeeded (2xx)."""
        return 200 <= self.status < 300


def bundle_json(kind: BundleKind, entries: Sequence[Entry]) -> dict[str, Any]:
    """A batch or transaction Bundle of ``entries``."""
    return {"resourceType": "Bundle", "type": kind, "entry": [entry.to_json() for entry in entries]}


def entry_results(body: Any, kind: BundleKind, expected: int, context: ErrorContext) -> list[EntryResult]:
    """Read a ``batch-response``/``transaction-response`` Bundle, one result per request entry, in order.

    Raises:
        FhirResponseError: Not the response Bundle expected, or not one entry per request entry.
    """
    if not isinstance(body, dict) or body.get("type") != f"{kind}-response":
        raise FhirResponseError(
            f"FHIR {kind} answered with something other than a {kind}-response", **context.fields()
        )
    entries = _entries(body)
    if len(entries) != expected:
        raise FhirResponseError(f"FHIR {kind} response has the wrong number of entries", **context.fields())
    return [_entry_result(entry, context) for entry in entries]


def _entry_result(entry: dict[str, Any], context: ErrorContext) -> EntryResult:
    response = entry.get("response")
    if not isinstance(response, dict):
        raise FhirResponseError("FHIR bundle response entry without a response", **context.fields())
    status_text = str(response.get("status", ""))
    code = status_text.split(" ", 1)[0]
    if not code.isdigit():
        raise FhirResponseError("FHIR bundle response entry without a status", **context.fields())
    resource = entry.get("resource")
    location, etag = response.get("location"), response.get("etag")
    return EntryResult(
        status=int(code),
        location=location if isinstance(location, str) else None,
        etag=etag if isinstance(etag, str) else None,
        resource=Resource(resource) if isinstance(resource, dict) else None,
        issues=outcome_issues(response.get("outcome")),
    )


def _entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    entries = body.get("entry") or []
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def _link(body: dict[str, Any], relation: str) -> str | None:
    for link in body.get("link") or ():
        if isinstance(link, dict) and link.get("relation") == relation and isinstance(link.get("url"), str):
            url: str = link["url"]
            return url
    return None


__all__ = [
    "BundleKind",
    "Entry",
    "EntryResult",
    "SearchPage",
    "bundle_json",
    "entry_results",
    "search_page",
    "weak_etag",
]
