"""The guard: the only way resolvers reach FHIR (docs/access.md).

``await ctx.guard(patient_id, Capability.READ)`` answers a ``PatientGuard`` bound to one patient in the
viewer's scope and one capability, or raises ``NotInScope`` (NOT_FOUND, before any upstream request) when the
patient is outside the scope, exactly as for a missing id. Through it:

- every search carries the patient constraint (the compartment parameter of its type, set by the guard);
- every resource that comes back, ``_include``d ones too, is checked to be in the patient's compartment
  (shared directory types excepted for includes; a type that names no patient, ``access.LINKED``, only
  through a resource of the same answer that does); others are dropped and logged as ``guard.dropped``
  security events;
- a read by id of a resource outside the compartment answers ``None``, like a missing id;
- a type reached only through a holder (``access.ATTACHED``: a message's or a statement's Binary) is read
  only as an attachment of a holder the viewer may see (``attachment``), never by id alone;
- proxies never see resources labelled restricted (``meta.security`` R/V), nor, under the teen rule, the
  messages the teen sent;
- writes need a capability beyond READ, and what is written must be in the compartment; the one way to
  change a shared resource is a change declared in ``access.SHARED_CHANGES``, sent with ``If-Match`` in the
  same transaction as the patient's own write (``shared_update`` and ``transaction``);
- an upstream version conflict (409/412) of any write becomes ``WriteConflict``.

``ctx.directory_reader()`` reads the shared directory (Practitioner, Organization, Location, Schedule, Slot,
Medication, ...) without a patient.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Unpack

from access import (
    ATTACHED,
    COMPARTMENT,
    DIRECTORY_TYPES,
    LINKED,
    RESTRICTED_LABELS,
    SHARED_CHANGES,
    Capability,
    Compartment,
    Grant,
    Level,
    SharedChange,
    belongs,
    declared,
    holds,
    restricted,
    sent_by_patient,
)
from auth import SecurityEvents
from fhir_client import (
    AnyOf,
    Entry,
    EntryResult,
    FhirClient,
    FhirConflict,
    FhirGone,
    FhirNotFound,
    FhirPreconditionFailed,
    Resource,
    SearchOptions,
    SearchPage,
    SearchParams,
    WriteResult,
)

from .audit import AUDIT_TYPE, OUTCOME_FAILED, OUTCOME_OK, AuditTrail, query_text
from .errors import ErrorCode, Forbidden, PublicError, WriteConflict


class NotInScope(PublicError):
    """The patient is not in the viewer's scope: answered exactly like a missing record."""

    def __init__(self) -> None:
        super().__init__("Not found.", ErrorCode.NOT_FOUND)


@dataclass(frozen=True, slots=True)
class GuardedPage:
    """A search page after the guard's checks.

    Attributes:
        matches: The matching resources the viewer may see.
        included: The ``_include``d resources the viewer may see.
        total: ``Bundle.total`` when asked for (counts the server's matches, before hiding).
        has_next: Whether the server has another page (follow it with ``PatientGuard.next_page``).
    """

    matches: tuple[Resource, ...]
    included: tuple[Resource, ...]
    total: int | None
    source: SearchPage = field(repr=False, compare=False)

    @property
    def has_next(self) -> bool:
        """Whether the server has another page."""
        return self.source.next_url is not None


@dataclass(frozen=True, slots=True)
class SharedUpdate:
    """A declared change of one shared resource, made from the version the guard read.

    Build it with ``PatientGuard.shared_update``; ``transaction`` checks it again before sending.
    """

    change: SharedChange
    read: Resource
    resource: dict[str, Any]


class PatientGuard:
    """FHIR access bound to one permitted patient and one capability.

    Built only by ``RequestContext.guard`` (a viewer's request) and ``work_guard`` (the gateway's own work).

    Attributes:
        patient_id: The patient.
        grant: The viewer's grant for that patient (level, relationship, teen rule).
        capability: What the resolver asked for.
    """

    def __init__(
        self,
        fhir: FhirClient,
        grant: Grant,
        capability: Capability,
        events: SecurityEvents,
        account_id: str,
        audit: AuditTrail | None = None,
    ) -> None:
        self._fhir = fhir
        self._events = events
        self._account_id = account_id
        self._audit = audit
        self.grant = grant
        self.patient_id = grant.patient_id
        self.capability = capability

    async def patient(self) -> Resource | None:
        """The patient's own Patient resource (``None`` when missing or deleted).

        Batched: the Patients of all guards asked in one event-loop turn go as one ``Patient?_id=a,b``.
        """
        with self._audited("read", "Patient") as seen:
            resource = await self._fhir.loader("Patient").load(self.patient_id)
            shown = resource if resource is not None and self._visible(resource, include=False) else None
            seen.extend([shown.reference] if shown is not None else [])
        return shown

    async def patient_including(self, include: Sequence[str]) -> tuple[Resource | None, tuple[Resource, ...]]:
        """The patient's Patient with what ``include`` brings (``Patient?_id=&_include=...``, one request),
        e.g. the general practitioners; ``(None, ())`` when missing, deleted or hidden from the viewer."""
        page = await self.search("Patient", include=list(include))
        match = next((r for r in page.matches if r.id == self.patient_id), None)
        return (match, page.included) if match is not None else (None, ())

    async def read(self, resource_type: str, resource_id: str) -> Resource | None:
        """Read by id; ``None`` when missing, deleted, outside the compartment or hidden from the viewer.

        Raises:
            ValueError: ``resource_type`` is not a patient-compartment type (a programming error).
        """
        _compartment(resource_type)
        if resource_type == "Patient" and resource_id != self.patient_id:
            return None  # never sent: another patient's record
        with self._audited("read", resource_type) as seen:
            try:
                resource = await self._fhir.read(resource_type, resource_id)
            except (FhirNotFound, FhirGone):
                return None
            shown = resource if self._visible(resource, include=False) else None
            seen.extend([shown.reference] if shown is not None else [])
        return shown

    async def load(self, resource_type: str, resource_id: str) -> Resource | None:
        """Like ``read``, but batched: loads of one type in one event-loop turn go as one ``Type?_id=a,b,c``.

        Each resource is still checked against the compartment and the viewer's labels.
        """
        _compartment(resource_type)
        if resource_type == "Patient" and resource_id != self.patient_id:
            return None
        with self._audited("read", resource_type) as seen:
            resource = await self._fhir.loader(resource_type).load(resource_id)
            shown = resource if resource is not None and self._visible(resource, include=False) else None
            seen.extend([shown.reference] if shown is not None else [])
        return shown

    async def attachment(self, holder: Resource, resource_type: str, resource_id: str) -> Resource | None:
        """A resource of a type reached only through a holder (``access.ATTACHED``), read as ``holder``'s.

        ``None`` unless ``holder`` is a resource of this patient the viewer may see, of a type declared to
        hold ``resource_type``, that names ``resource_type/resource_id`` in its declared element, and the
        resource itself names the patient and is not hidden from the viewer (missing and deleted alike).

        Raises:
            ValueError: ``resource_type`` is not declared in ``access.ATTACHED`` (a programming error).
        """
        if resource_type not in ATTACHED:
            raise ValueError(f"{resource_type} is not reached through a holder")
        if not self._visible(holder, include=False) or not holds(holder, resource_type, resource_id):
            return None
        try:
            resource = await self._fhir.read(resource_type, resource_id)
        except (FhirNotFound, FhirGone):
            return None
        return resource if self._visible(resource, include=False) else None

    async def search(
        self, resource_type: str, params: SearchParams | None = None, **options: Unpack[SearchOptions]
    ) -> GuardedPage:
        """Search ``resource_type`` within the patient's compartment.

        Args:
            resource_type: A patient-compartment type.
            params: Search parameters; the compartment parameter and ``_security:not`` are set by the guard
                (a caller's value for them, or for ``patient``/``subject``, is refused).
            **options: As for ``FhirClient.search``.

        Returns:
            The page, with everything the viewer may not see removed.

        Raises:
            ValueError: An unknown type, or a caller-supplied patient constraint.
        """
        compartment = _compartment(resource_type)
        given = dict(params or {})
        # The patient constraint and the label rule are the guard's: a caller cannot widen either.
        owned = {compartment.param, "patient", "subject", "_security:not"}
        if resource_type == "Patient":
            owned.add("_id")
        for name in owned:
            if name in given:
                raise ValueError(f"the guard sets {name!r} itself")
        value = self.patient_id if compartment.param == "_id" else f"Patient/{self.patient_id}"
        given[compartment.param] = value
        if self.grant.is_proxy:
            # Restricted resources are never a proxy's (``_filter`` drops them too); leaving them out
            # upstream keeps pages full, for every search of every feature.
            given["_security:not"] = list(RESTRICTED_LABELS)
        query = query_text(resource_type, self._fhir.encode_search(given, **options))
        with self._audited("search-type", resource_type, query) as seen:
            page = self._filter(await self._fhir.search(resource_type, given, **options))
            seen.extend(_shown(page))
        return page

    async def next_page(self, page: GuardedPage) -> GuardedPage | None:
        """The page after one this guard returned (same checks); ``None`` after the last."""
        with self._audited("search-type", page.source.resource_type, page.source.resource_type) as seen:
            following = await self._fhir.next_page(page.source)
            checked = self._filter(following) if following is not None else None
            seen.extend(_shown(checked) if checked is not None else [])
        return checked

    async def page_at(self, resource_type: str, url: str, *, total: bool = False) -> GuardedPage:
        """The page at a paging link this gateway got from the server earlier (carried in a signed cursor).

        The client checks that the link stays on the FHIR base; the results are checked like a search's.
        """
        _compartment(resource_type)
        start = SearchPage(resource_type, (), (), (), 0 if total else None, url)
        with self._audited("search-type", resource_type, resource_type) as seen:
            page = await self._fhir.next_page(start)
            if page is None:  # pragma: no cover - start has a next link
                raise ValueError("no page")
            checked = self._filter(page)
            seen.extend(_shown(checked))
        return checked

    async def create(
        self, resource: dict[str, Any], *, if_none_exist: SearchParams | None = None
    ) -> WriteResult:
        """Create a resource in the patient's compartment (needs a capability beyond READ)."""
        self._check_write(resource)
        with self._audited("create", resource["resourceType"]) as seen:
            async with _conflicts():
                written = await self._fhir.create(resource, if_none_exist=if_none_exist)
            seen.append(written.resource.reference)
        return written

    async def update(self, resource: dict[str, Any], *, if_match: str | None = None) -> WriteResult:
        """Update a resource in the patient's compartment (needs a capability beyond READ).

        Raises:
            WriteConflict: ``if_match`` is stale.
        """
        self._check_write(resource)
        with self._audited("update", resource["resourceType"]) as seen:
            async with _conflicts():
                written = await self._fhir.update(resource, if_match=if_match)
            seen.append(written.resource.reference)
        return written

    def shared_update(self, operation: str, resource: Resource) -> SharedUpdate:
        """The change ``operation`` declared for ``resource``'s type (``access.SHARED_CHANGES``), made from
        the version read.

        Raises:
            ValueError: No change is declared for them, or ``resource`` is not in the change's start state.
        """
        change = declared(operation, resource.resource_type)
        return SharedUpdate(change, resource, change.apply(resource.data))

    async def transaction(
        self, entries: Sequence[Entry], *, shared: Sequence[SharedUpdate] = ()
    ) -> list[EntryResult]:
        """One transaction of creates and updates in the patient's compartment, plus declared shared changes.

        Args:
            entries: Creates and updates whose every resource is in the patient's compartment.
            shared: Declared changes of shared resources (``shared_update``), sent after ``entries`` with
                ``If-Match`` on the version read: if it changed meanwhile, nothing at all is written.

        Returns:
            One result per entry, ``entries`` first.

        Raises:
            WriteConflict: A version changed meanwhile (409/412); nothing was written.
            Forbidden: The guard is read-only.
            ValueError: An entry outside the compartment, an undeclared or altered shared change, or shared
                changes without a write of the patient's own.
        """
        anchors = {
            entry.full_url: Resource(entry.resource)
            for entry in entries
            if entry.full_url and entry.resource is not None
        }
        for entry in entries:
            if entry.resource is None:
                raise ValueError("the guard's transactions carry resources only")
            self._check_write(entry.resource, anchors)
        if shared and not entries:
            raise ValueError("a shared change travels only with a write of the patient's own")
        updates = [self._checked_shared(update) for update in shared]
        with self._audited("transaction", "Bundle") as seen:
            async with _conflicts():
                results = await self._fhir.transaction([*entries, *updates])
            seen.extend(_written(results[: len(entries)]))
        return results

    def _checked_shared(self, update: SharedUpdate) -> Entry:
        change, read = update.change, update.read
        if change not in SHARED_CHANGES_SET or change.capability != self.capability:
            raise ValueError(f"{change.operation} is not a declared change for this access")
        version = read.version_id
        if (
            read.resource_type != change.resource_type
            or read.get(change.element) != change.before
            or not version
        ):
            raise ValueError(f"{change.operation}: the {read.resource_type} is not {change.before}")
        if update.resource != {**read.data, change.element: change.after}:
            raise ValueError(f"{change.operation}: only {change.element} may change")
        return Entry.update(update.resource, if_match=version)

    def _check_write(self, resource: dict[str, Any], anchors: dict[str, Resource] | None = None) -> None:
        if self.capability == Capability.READ:
            raise Forbidden("This access is read-only.")
        # A linked type (a payment) is written only with the resource that places it, in one transaction.
        view = Resource(resource)
        if not belongs(view, self.patient_id, anchors):
            self._drop(view, "write-outside-compartment")
            raise ValueError("the guard writes only within the patient's compartment")

    def _filter(self, page: SearchPage) -> GuardedPage:
        matches = tuple(r for r in page.matches if self._visible(r, include=False))
        direct = tuple(
            r for r in page.included if r.resource_type not in LINKED and self._visible(r, include=True)
        )
        # Linked resources (payments) count only through a resource of this very answer the viewer sees.
        anchors = {r.reference: r for r in (*matches, *direct)}
        linked = tuple(
            r
            for r in page.included
            if r.resource_type in LINKED and self._visible(r, include=True, anchors=anchors)
        )
        return GuardedPage(matches=matches, included=(*direct, *linked), total=page.total, source=page)

    def _visible(
        self, resource: Resource, *, include: bool, anchors: dict[str, Resource] | None = None
    ) -> bool:
        if include and resource.resource_type in DIRECTORY_TYPES:
            return True
        if not belongs(resource, self.patient_id, anchors):
            self._drop(resource, "outside-compartment")
            return False
        if self.grant.is_proxy and restricted(resource):
            return False
        return not (self.grant.hide_sent_messages and sent_by_patient(resource, self.patient_id))

    @contextmanager
    def _audited(self, interaction: str, resource_type: str, query: str | None = None) -> Iterator[list[str]]:
        """Note the access in the request's audit trail, with the references it showed (or its failure)."""
        seen: list[str] = []
        if self._audit is None or resource_type == AUDIT_TYPE:  # the audit is never audited itself
            yield seen
            return
        audit, acting_as = self._audit, self.grant.actor

        def note(outcome: str) -> None:
            audit.note(
                account_id=self._account_id,
                acting_as=acting_as,
                patient_id=self.patient_id,
                interaction=interaction,
                outcome=outcome,
                refs=seen,
                query=query,
            )

        try:
            yield seen
        except Exception:
            note(OUTCOME_FAILED)
            raise
        if seen or interaction != "read":  # a read that found nothing disclosed nothing
            note(OUTCOME_OK)

    def _drop(self, resource: Resource, reason: str) -> None:
        self._events.emit(
            "guard.dropped", account_id=self._account_id, resource_type=resource.resource_type, reason=reason
        )


def work_guard(
    fhir: FhirClient, patient_id: str, capability: Capability, events: SecurityEvents, worker: str
) -> PatientGuard:
    """A guard for the gateway's own background work on one patient's record, with no viewer.

    For finishing what a guarded request began (the payment reconciler records a charge that a request,
    which passed the guard with ``Capability.PAY``, made). Every compartment check applies as for a request;
    it sees what the patient sees.

    Args:
        fhir: The root FHIR client.
        patient_id: The patient the work is for.
        capability: What the work does.
        events: Where ``guard.dropped`` goes.
        worker: Names the work in security events (in place of an account id).
    """
    return PatientGuard(fhir, Grant(patient_id=patient_id, level=Level.SELF), capability, events, worker)


@dataclass(frozen=True, slots=True)
class Found:
    """A resource found by id in the guard of its patient, and what the search included."""

    guard: PatientGuard
    resource: Resource
    included: tuple[Resource, ...]


async def find_in_compartments(
    fhir: FhirClient,
    guards: Sequence[PatientGuard],
    resource_type: str,
    resource_id: str,
    **options: Unpack[SearchOptions],
) -> Found | None:
    """One resource by id among the compartments of ``guards``' patients, with the guard it belongs to.

    One search: ``Type?_id=<id>&<compartment param>=Patient/a,Patient/b`` (with ``options``' includes); the
    match and what was included are checked like any page of that guard. Built for ``RequestContext.find``.
    """
    if not guards:
        return None
    compartment = _compartment(resource_type)
    if resource_type == "Patient":
        raise ValueError("find a Patient with ctx.guard")
    patients = AnyOf(*(f"Patient/{guard.patient_id}" for guard in guards))
    page = await fhir.search(resource_type, {"_id": resource_id, compartment.param: patients}, **options)
    for resource in page.matches:
        for guard in guards:
            if belongs(resource, guard.patient_id):
                checked = guard._filter(page)
                return Found(guard, resource, checked.included) if resource in checked.matches else None
    return None


def _shown(page: GuardedPage) -> list[str]:
    # What a page disclosed of the patient's record (shared directory resources are not PHI).
    return [r.reference for r in (*page.matches, *page.included) if r.resource_type not in DIRECTORY_TYPES]


def _written(results: Sequence[EntryResult]) -> list[str]:
    refs = []
    for result in results:
        parts = (result.location or "").split("/")
        if "_history" in parts and parts.index("_history") >= 2:
            at = parts.index("_history")
            refs.append(f"{parts[at - 2]}/{parts[at - 1]}")
    return refs


SHARED_CHANGES_SET = frozenset(SHARED_CHANGES)


@asynccontextmanager
async def _conflicts() -> AsyncIterator[None]:
    try:
        yield
    except (FhirConflict, FhirPreconditionFailed):
        raise WriteConflict() from None


class DirectoryReader:
    """Reads of shared directory resources (no patient). Built by ``RequestContext.directory_reader``."""

    def __init__(self, fhir: FhirClient) -> None:
        self._fhir = fhir

    async def read(self, resource_type: str, resource_id: str) -> Resource | None:
        """Read one directory resource by id (batched per request); ``None`` when missing."""
        _directory(resource_type)
        return await self._fhir.loader(resource_type).load(resource_id)

    async def search(
        self, resource_type: str, params: SearchParams | None = None, **options: Unpack[SearchOptions]
    ) -> GuardedPage:
        """Search a directory type; only directory resources come back (includes of other types dropped)."""
        _directory(resource_type)
        return self._filter(resource_type, await self._fhir.search(resource_type, params, **options))

    async def page_at(self, resource_type: str, url: str, *, total: bool = False) -> GuardedPage:
        """The page at a paging link this gateway got from the server earlier (carried in a signed cursor)."""
        _directory(resource_type)
        start = SearchPage(resource_type, (), (), (), 0 if total else None, url)
        page = await self._fhir.next_page(start)
        if page is None:  # pragma: no cover - start has a next link
            raise ValueError("no page")
        return self._filter(resource_type, page)

    @staticmethod
    def _filter(resource_type: str, page: SearchPage) -> GuardedPage:
        return GuardedPage(
            matches=tuple(r for r in page.matches if r.resource_type == resource_type),
            included=tuple(r for r in page.included if r.resource_type in DIRECTORY_TYPES),
            total=page.total,
            source=page,
        )


def _compartment(resource_type: str) -> Compartment:
    compartment = COMPARTMENT.get(resource_type)
    if compartment is None:
        raise ValueError(f"{resource_type} is not a patient-compartment type")
    return compartment


def _directory(resource_type: str) -> None:
    if resource_type not in DIRECTORY_TYPES:
        raise ValueError(f"{resource_type} is not a directory type")
