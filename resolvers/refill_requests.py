"""Renewal requests as the patient sees them: the renewal Tasks of the patient with their state, the order
each is for, and the new order an approval made (docs/medications.md).

One search per page: the Tasks, ``_include`` their orders, ``_include:iterate`` those orders' Medications and
prescribers, ``_revinclude:iterate`` every Task focusing on them (so the orders' ``renewable`` is exact). The
new orders of approved requests are read when selected, all of the page's in one search.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from access import Capability
from fhir_client import AnyOf, Resource

from . import datatypes as dt
from . import paging
from .context import RequestContext
from .guard import PatientGuard
from .medications import (
    MEDICATIONS,
    OPEN,
    RENEWAL,
    MedicationRequestValue,
    Orders,
    focus_id,
    is_renewal,
    orders_of,
    ref_id,
)
from .paging import Connection
from .values import objects, string


class RefillRequestState(StrEnum):
    """Where a renewal request stands, from ``Task.status``."""

    REQUESTED = "REQUESTED"
    """Waiting for the prescriber (requested, received, accepted, ready, in-progress, on-hold)."""
    APPROVED = "APPROVED"
    """Approved: a new order was written (completed)."""
    DENIED = "DENIED"
    """Not approved, with the reason (rejected or failed)."""
    CANCELLED = "CANCELLED"
    """Withdrawn by the patient (or a proxy) before a decision (cancelled)."""


def state_of(task: Resource) -> RefillRequestState | None:
    """The request's state; ``None`` for a Task entered in error (never shown)."""
    status = task.get("status")
    if status in OPEN:
        return RefillRequestState.REQUESTED
    return {
        "completed": RefillRequestState.APPROVED,
        "rejected": RefillRequestState.DENIED,
        "failed": RefillRequestState.DENIED,
        "cancelled": RefillRequestState.CANCELLED,
    }.get(status if isinstance(status, str) else "")


def _listed(task: Resource) -> bool:
    return is_renewal(task) and state_of(task) is not None


REFILL_REQUESTS = paging.ListSpec(
    "refillRequests",
    "Task",
    {"code": RENEWAL, "status:not": "entered-in-error"},
    ("-authored-on",),
    include=("Task:focus",),
    include_iterate=("MedicationRequest:medication", "MedicationRequest:requester"),
    revinclude_iterate=("Task:focus",),
    keep=_listed,
)


class RefillPage:
    """The orders of one page of requests: the renewed ones (included) and the new ones (read on demand).

    Args:
        ctx: The request context.
        guard: The patient's guard.
        tasks: The page's requests.
        included: The page's includes.
    """

    def __init__(
        self,
        ctx: RequestContext,
        guard: PatientGuard,
        tasks: tuple[Resource, ...],
        included: tuple[Resource, ...],
    ) -> None:
        self._ctx = ctx
        self._guard = guard
        self.orders = orders_of(ctx, guard, (*tasks, *included))
        self._values = _values(self.orders, included)
        self._wanted = sorted({rid for task in tasks for rid in new_order_ids(task)} - set(self._values))
        self._loading: asyncio.Task[dict[str, MedicationRequestValue]] | None = None

    def order(self, order_id: str | None) -> MedicationRequestValue | None:
        """An order of the page's includes (``None`` when the viewer may not see it)."""
        return self._values.get(order_id) if order_id else None

    async def new_order(self, order_id: str) -> MedicationRequestValue | None:
        """An approval's new order: from the includes, else from one search for all of the page's."""
        if order_id in self._values or order_id not in self._wanted:
            return self._values.get(order_id)
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load())
        return (await self._loading).get(order_id)

    async def _load(self) -> dict[str, MedicationRequestValue]:
        guard = self._guard
        page = await guard.search(
            "MedicationRequest",
            {"_id": AnyOf(*self._wanted)},
            count=len(self._wanted),
            include=MEDICATIONS.include,
            revinclude=MEDICATIONS.revinclude,
        )
        return _values(orders_of(self._ctx, guard, page.included), page.matches)


def _values(orders: Orders, resources: tuple[Resource, ...]) -> dict[str, MedicationRequestValue]:
    found = (orders.value(r) for r in resources if r.resource_type == "MedicationRequest")
    return {value.id: value for value in found if value is not None}


def new_order_ids(task: Resource) -> tuple[str, ...]:
    """The MedicationRequests an approval names in ``Task.output``."""
    refs = (
        ref for output in objects(task.get("output")) for ref in dt.references(output.get("valueReference"))
    )
    return tuple(rid for ref in refs if (rid := ref_id(ref, "MedicationRequest")))


@dataclass(frozen=True, slots=True)
class RefillRequestValue:
    id: str
    state: RefillRequestState
    status: str
    requested_at: str | None
    last_modified: str | None
    due_date: str | None
    pharmacy_note: str | None
    reason: str | None
    order_id: str | None
    new_order_ids: tuple[str, ...]
    page: RefillPage = field(repr=False, compare=False)

    async def medication_request(self) -> MedicationRequestValue | None:
        """The order the request is for."""
        return self.page.order(self.order_id)

    async def new_order(self) -> MedicationRequestValue | None:
        """The order the approval wrote (``priorPrescription`` -> the renewed one)."""
        for order_id in self.new_order_ids:
            if (found := await self.page.new_order(order_id)) is not None:
                return found
        return None


def due_date(task: Resource) -> str | None:
    """When the practice means to have answered (``Task.restriction.period.end``)."""
    restriction = task.get("restriction")
    period = dt.period(restriction.get("period")) if isinstance(restriction, Mapping) else None
    return period.end if period else None


def _note(task: Resource) -> str | None:
    # Only what the requester wrote (the portal's note for the pharmacy), never the clinic's own notes.
    for note in objects(task.get("note")):
        author = dt.references(note.get("authorReference"))
        if author and (ref_id(author[0], "Patient") or ref_id(author[0], "RelatedPerson")):
            return string(note.get("text"))
    return None


def _said(concept: dt.CodeableConceptValue | None) -> str | None:
    # What a person reads of a concept: its text, else a coding's display.
    if concept is None:
        return None
    return concept.text or next((c.display for c in concept.coding if c.display), None)


def refill_request_value(task: Resource, page: RefillPage) -> RefillRequestValue | None:
    """The request as shown; ``None`` when not listed or when the viewer may not see its order."""
    state, status = state_of(task), task.get("status")
    order_id = focus_id(task)
    if state is None or not isinstance(status, str) or page.order(order_id) is None:
        return None
    return RefillRequestValue(
        id=task.id,
        state=state,
        status=status,
        requested_at=string(task.get("authoredOn")),
        last_modified=string(task.get("lastModified")),
        due_date=due_date(task),
        pharmacy_note=_note(task),
        reason=_said(dt.concept(task.get("statusReason"))),
        order_id=order_id,
        new_order_ids=new_order_ids(task),
        page=page,
    )


async def refill_requests_page(
    ctx: RequestContext, patient_id: str, *, first: int | None, after: str | None, total: bool
) -> Connection[RefillRequestValue]:
    """One page of the patient's renewal requests, newest first."""
    guard = await ctx.guard(patient_id, Capability.READ)
    query = REFILL_REQUESTS.query()
    page = await paging.fetch(guard, await ctx.cursors(), query, first=first, after=after, want_total=total)
    refills = RefillPage(ctx, guard, tuple(edge.resource for edge in page.edges), page.included)
    return page.convert(lambda task: refill_request_value(task, refills))
