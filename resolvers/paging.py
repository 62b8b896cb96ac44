"""Relay connections backed by FHIR paging (docs/records.md, "Paging"), one ``ListSpec`` per connection.

A ``ListSpec`` declares a connection's FHIR search once: the resource type, the fixed search parameters,
the sort, the includes and what the resolver keeps. ``spec.query(filters)`` is one list of it (the client's
filters added); its ``key`` digests all of that, so a cursor of one list is refused by every other, even of
the same connection with other filters.

A connection page is one FHIR search page (``_count = first``), never the whole list. Its cursors are signed
by ``ctx.cursors()`` (bound to the session and the patient) and carry only a position: the server's paging
link (``u``, HAPI's snapshot of the search, so results added meanwhile cause no duplicates or gaps), how many
visible entries of that page were already shown (``s``), the list they belong to (``l``) and the total when
it was counted (``t``). The client never supplies a link.

Arguments are checked before anything is sent upstream: the schema's ``ConnectionArguments`` extension runs
``precheck`` on every connection field of the operation, wherever it is reached (``first`` out of 1..100, a
malformed ``code``, a cursor not signed for this session: BAD_USER_INPUT); a cursor of another list or
patient is refused before that list's search.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

from fhir_client import FhirGone, Resource, SearchParams, encode_search

from .cursors import CursorCodec
from .errors import BadUserInput
from .guard import DirectoryReader, GuardedPage, PatientGuard

T = TypeVar("T")
_TOKEN = re.compile(r"[^\s|,]{1,200}(\|[^\s|,]{0,100})?|\|[^\s|,]{1,100}")
DEFAULT_FIRST = 20
MAX_FIRST = 100


def _always(resource: Resource) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class ListSpec:
    """The FHIR search behind one connection; the guard adds the patient, ``fetch`` the proxy label rule.

    Attributes:
        name: The connection (``"results"``), part of every cursor's list key.
        resource_type: The type searched.
        fixed: Search parameters every list of the connection carries (release rule, status filters).
        sort: ``_sort`` keys, newest first as a rule.
        include: ``_include`` values for the one hop always needed.
        revinclude: ``_revinclude`` values (resources pointing at the matches, e.g. a check-in Task).
        include_iterate: ``_include:iterate`` values (a second hop, e.g. a Slot's Schedule's actors).
        revinclude_iterate: ``_revinclude:iterate`` values (e.g. the PractitionerRoles of included people).
        include_when: ``(node field, _include value)``: included only when the client selected that field of
            the list's nodes (``ListQuery.wants``), as a report's Observations for ``result``. Not part of the
            list's identity: what is included does not change what is listed.
        keep: What of a page the resolver shows (applied again after the search; hidden entries are skipped).
    """

    name: str
    resource_type: str
    fixed: SearchParams
    sort: tuple[str, ...]
    include: tuple[str, ...] = ()
    revinclude: tuple[str, ...] = ()
    include_iterate: tuple[str, ...] = ()
    revinclude_iterate: tuple[str, ...] = ()
    include_when: tuple[tuple[str, str], ...] = ()
    keep: Callable[[Resource], bool] = field(default=_always, compare=False)

    def query(
        self,
        filters: SearchParams | None = None,
        *,
        moving: SearchParams | None = None,
        keep: Callable[[Resource], bool] | None = None,
        wants: frozenset[str] | None = None,
    ) -> ListQuery:
        """One list of this connection: the fixed parameters plus the client's ``filters``.

        Args:
            filters: The client's filters (part of the list's identity).
            moving: Bounds that move with the clock (``date=lt<now>``). They narrow the first page's search
                but are not part of the list's identity, so a cursor stays valid as time passes (later pages
                come from the server's stored search anyway).
            keep: A further test of what is shown, for rules that depend on the moment (an upcoming visit
                that has ended meanwhile).
            wants: The fields of the nodes the client selected (``None``: all), for ``include_when``.

        Raises:
            ValueError: A filter names a fixed parameter (a programming error).
        """
        given, bounds = dict(filters or {}), dict(moving or {})
        if clash := ((set(given) | set(bounds)) & set(self.fixed)) | (set(given) & set(bounds)):
            raise ValueError(f"filters may not replace fixed parameters: {sorted(clash)}")
        base = self.keep
        shown = base if keep is None else (lambda resource: base(resource) and keep(resource))
        return ListQuery(self, {**self.fixed, **given}, bounds, shown, wants)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One list: a ``ListSpec`` with the client's filters (and the moment's bounds)."""

    spec: ListSpec
    params: SearchParams
    moving: SearchParams = field(default_factory=dict)
    keep: Callable[[Resource], bool] = field(default=_always, compare=False)
    wants: frozenset[str] | None = field(default=None, compare=False)

    @property
    def include(self) -> tuple[str, ...]:
        """The ``_include`` values of this list's search: the spec's, and those its selection needs."""
        wanted = self.spec.include_when
        extra = tuple(value for name, value in wanted if self.wants is None or name in self.wants)
        return self.spec.include + extra

    @property
    def key(self) -> str:
        """A digest of the connection, type, every search parameter, sort and includes."""
        pairs = sorted(encode_search(self.params, count=None))
        spec = self.spec
        shape = [spec.name, spec.resource_type, pairs, spec.sort, spec.include, spec.revinclude]
        shape += [spec.include_iterate, spec.revinclude_iterate]
        text = json.dumps(shape, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: ``url`` None means the search itself; skip the first ``skip`` visible entries."""

    url: str | None = None
    skip: int = 0
    total: int | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """One entry of a page; its cursor is signed only if asked for (clients mostly page by ``endCursor``)."""

    cursor: Callable[[], str]
    resource: Resource


@dataclass(frozen=True, slots=True)
class Page:
    """One connection page: edges, whether more follow, the total if asked, and what was ``_include``d.

    ``end`` is where the next page starts: the last edge's cursor, or, when the guard hid every entry of a
    page that has more after it, a cursor past them (so the client can go on).
    """

    edges: tuple[Edge, ...]
    has_next: bool
    total: int | None
    included: tuple[Resource, ...] = field(default=())
    end: str | None = None

    def convert(self, make: Callable[[Resource], T | None]) -> Connection[T]:
        """The page as a connection of plain values (``make`` answers ``None`` for what is not shown).

        The end cursor stays after the last entry of the page even when ``make`` leaves that one out.
        """
        edges = tuple(
            (edge.cursor, value) for edge in self.edges if (value := make(edge.resource)) is not None
        )
        return Connection(edges, self.has_next, self.total, self.end)


@dataclass(frozen=True, slots=True)
class Connection(Generic[T]):
    """A connection page of plain values: ``(cursor, value)`` edges (each cursor made when called) and
    where the next page starts."""

    edges: tuple[tuple[Callable[[], str], T], ...]
    has_next: bool
    total: int | None
    end: str | None = None


def check_first(first: int | None) -> int:
    """``first`` as a page size (default 20), or BAD_USER_INPUT."""
    if first is None:
        return DEFAULT_FIRST
    if not 1 <= first <= MAX_FIRST:
        raise BadUserInput(f"first: must be between 1 and {MAX_FIRST}")
    return first


def precheck(arguments: Mapping[str, Any], codec: CursorCodec | None) -> None:
    """Check one connection field's ``first``, ``after`` and ``code`` before anything is sent upstream.

    Args:
        arguments: The field's arguments, variables resolved.
        codec: The viewer's cursor codec; ``None`` without a viewer (the field itself will refuse then).

    Raises:
        BadUserInput: ``first`` out of range, a malformed ``code``, or a cursor not signed for this session.
            The list and patient a cursor belongs to are checked when the page is fetched.
    """
    first, after, code = arguments.get("first"), arguments.get("after"), arguments.get("code")
    check_first(first if isinstance(first, int) else None)
    if isinstance(code, str) and not _TOKEN.fullmatch(code):
        raise BadUserInput("code: expected a FHIR token: system|code, code or system|")
    if isinstance(after, str) and codec is not None:
        codec.decode(after)


def decode_after(codec: CursorCodec, patient_id: str, query: ListQuery, after: str | None) -> Position:
    """The position an ``after`` cursor names, checked to be of this list, session and patient."""
    if after is None:
        return Position()
    payload = codec.decode_for(patient_id, after)
    url, skip, total = payload.get("u"), payload.get("s"), payload.get("t")
    if (
        payload.get("l") != query.key
        or not (url is None or isinstance(url, str))
        or not isinstance(skip, int)
        or skip < 0
        or not (total is None or isinstance(total, int))
    ):
        raise BadUserInput("after: not a cursor of this list")
    return Position(url, skip, total)


Source = PatientGuard | DirectoryReader
"""What a list is read through: a patient's guard, or the directory (lists of shared resources)."""


async def fetch(
    guard: Source,
    codec: CursorCodec,
    query: ListQuery,
    *,
    first: int | None,
    after: str | None,
    want_total: bool,
) -> Page:
    """One connection page of ``query`` for the guard's patient (or the directory, whose cursors belong to the
    session alone).

    For proxies the guard also leaves out restricted resources upstream, for every search.
    Upstream: one search (or one paging link) per page; a second request only when ``totalCount`` is
    selected on a continuation page whose cursor does not carry the total.
    """
    size = check_first(first)
    owner = _owner(guard)
    at = decode_after(codec, owner, query, after)
    spec = query.spec
    if at.url is None:
        page = await guard.search(
            spec.resource_type,
            {**query.params, **query.moving},
            count=size + at.skip if at.skip else size,
            total=want_total,
            sort=spec.sort,
            include=query.include,
            revinclude=spec.revinclude,
            include_iterate=spec.include_iterate,
            revinclude_iterate=spec.revinclude_iterate,
        )
    else:
        try:
            page = await guard.page_at(spec.resource_type, at.url, total=want_total and at.total is None)
        except FhirGone:  # the server dropped its stored search
            raise BadUserInput("after: this cursor has expired; start again from the first page") from None
    visible = [resource for resource in page.matches if query.keep(resource)]
    taken = visible[at.skip : at.skip + size]
    more_here = len(visible) > at.skip + size
    total = page.total if page.total is not None else at.total
    if want_total and total is None:
        total = await _count(guard, query)

    key = query.key  # a digest: worked out once per page, not per edge

    def cursor(shown: int) -> str:
        end_of_page = shown == len(visible) and page.has_next
        payload: dict[str, Any] = {"l": key, "t": total}
        if end_of_page:
            payload |= {"u": page.source.next_url, "s": 0}
        else:
            payload |= {"u": at.url, "s": shown}
        return codec.encode(owner, payload)

    has_next = more_here or page.has_next
    edges = tuple(Edge(partial(cursor, at.skip + i + 1), resource) for i, resource in enumerate(taken[:-1]))
    if taken:
        # The last edge's cursor is the end cursor: signed once, whether one or both are selected.
        last = cursor(at.skip + len(taken))
        return Page((*edges, Edge(lambda: last, taken[-1])), has_next, total, page.included, last)
    return Page(edges, has_next, total, page.included, cursor(len(visible)) if has_next else None)


async def _count(guard: Source, query: ListQuery) -> int | None:
    params = {**query.params, **query.moving}
    counted: GuardedPage = await guard.search(query.spec.resource_type, params, count=1, total=True)
    return counted.total


def _owner(source: Source) -> str:
    # Directory lists belong to no patient: their cursors are bound to the session alone.
    return source.patient_id if isinstance(source, PatientGuard) else ""


def index(resources: Sequence[Resource]) -> dict[str, Resource]:
    """Resources by their relative reference (``Type/id``), for resolving references to ``_include``s."""
    return {resource.reference: resource for resource in resources}
