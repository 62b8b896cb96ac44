"""Requesting a prescription renewal, and withdrawing the request while the prescriber has not decided
(docs/medications.md).

A request is a Task (FHIR core "Refill Request" example): ``code`` renewal, ``focus`` the active order,
``for`` the patient, ``requester`` the viewer's Patient or RelatedPerson, ``owner`` the prescriber, ``status``
requested, ``intent`` order, the due date (``PracticeRules.refill_due_business_days``) as
``restriction.period.end`` and the note for the pharmacy as ``note``. The prescriber decides in the EHR.

One open request per order, across processes and keys: each request carries the identifier
``urn:portal-gateway:renewal-request|<order id>.<n>``, ``n`` one past the highest of the order's requests,
and is created on the condition that none has it (``If-None-Exist``). Two requests that read the same
requests at the same moment ask for the same ``n``, and the EHR creates one Task: the other gets it back as
``AlreadyRequested``. A retry of one key still finds its own Task by the idempotency marker first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from access import Capability
from fhir_client import Resource

from . import datatypes as dt
from .context import RequestContext
from .errors import WriteConflict
from .guard import NotInScope, PatientGuard
from .idempotency import WriteMarker, idempotent
from .ids import fhir_id
from .medications import OPEN, RENEWAL_SYSTEM, NotRenewableReason, is_renewal, order_problem, ref_id
from .permits import acting_for
from .problems import IdempotencyKeyReused, NotPermitted
from .refill_requests import RefillRequestState, due_date, state_of
from .text import optional_text
from .values import objects, string

MAX_NOTE = 1000
RENEWAL_CODE: dict[str, Any] = {
    "coding": [
        {"system": RENEWAL_SYSTEM, "code": "renewal", "display": "Prescription renewal"},
        {"system": "http://snomed.info/sct", "code": "103742009", "display": "Renewal of prescription"},
    ],
    "text": "Prescription renewal",
}
OWNER_TYPES = ("Practitioner", "PractitionerRole", "Organization")
REQUEST_SYSTEM = "urn:portal-gateway:renewal-request"
_NOT_RENEWABLE = {
    NotRenewableReason.NOT_ACTIVE: "This prescription is not active, so it cannot be renewed online. "
    "Please contact the office or book a visit.",
    NotRenewableReason.NOT_AN_ORDER: "This is not a prescription that can be renewed online.",
}


@dataclass(frozen=True, slots=True)
class RefillRequested:
    id: str
    medication_request_id: str
    state: RefillRequestState
    requested_at: str | None
    due_date: str | None


@dataclass(frozen=True, slots=True)
class AlreadyRequested:
    """A renewal of this order is already waiting for the prescriber: nothing was sent."""

    refill_request_id: str
    message: str = "A renewal of this prescription was already requested and is waiting for your provider."


@dataclass(frozen=True, slots=True)
class NotRenewable:
    """The order cannot be renewed online (not active, or not a prescription): nothing was sent."""

    reason: NotRenewableReason
    message: str


@dataclass(frozen=True, slots=True)
class RefillRequestCancelled:
    id: str


@dataclass(frozen=True, slots=True)
class RefillRequestClosed:
    """The prescriber already decided (or the request was withdrawn): it can no longer be cancelled."""

    state: RefillRequestState
    message: str = "Your provider has already answered this request, so it can no longer be cancelled."


RequestResult = RefillRequested | AlreadyRequested | NotRenewable | NotPermitted
CancelResult = RefillRequestCancelled | RefillRequestClosed | NotPermitted


async def request_refill(
    ctx: RequestContext,
    patient_id: str,
    medication_request_id: str,
    pharmacy_note: str | None,
    idempotency_key: str,
) -> RequestResult | IdempotencyKeyReused:
    """Ask the prescriber to renew an active order of the patient; idempotent per key.

    Raises:
        PublicError: BAD_USER_INPUT for a malformed id, note or key (nothing written); NOT_FOUND for an order
            that is missing or not the patient's, or a patient outside the scope (the same answer).
    """
    patient = fhir_id(patient_id, "patientId")
    order_id = fhir_id(medication_request_id, "medicationRequestId")
    note = optional_text("pharmacyNote", pharmacy_note, MAX_NOTE)
    arguments = {"patientId": patient, "medicationRequestId": order_id, "pharmacyNote": note}
    return await idempotent(
        ctx,
        "requestRefill",
        idempotency_key,
        arguments,
        (RefillRequested, AlreadyRequested, NotRenewable, NotPermitted),
        lambda marker: _request(ctx, patient, order_id, note, marker),
    )


async def _request(
    ctx: RequestContext, patient_id: str, order_id: str, note: str | None, marker: WriteMarker
) -> RequestResult:
    guard = await acting_for(ctx, patient_id, Capability.REFILL)
    if isinstance(guard, NotPermitted):
        return guard
    # HAPI may refuse a create racing one with the same number (409) rather than return it: read what won.
    for _ in range(2):
        result = await _request_once(ctx, guard, patient_id, order_id, note, marker)
        if result is not None:
            return result
    raise WriteConflict()


async def _request_once(
    ctx: RequestContext,
    guard: PatientGuard,
    patient_id: str,
    order_id: str,
    note: str | None,
    marker: WriteMarker,
) -> RequestResult | None:
    """One read of the order and its requests, and the create they call for; ``None`` after a 409."""
    # The order and every Task focusing on it, in one search.
    page = await guard.search("MedicationRequest", {"_id": order_id}, count=1, revinclude=["Task:focus"])
    order = next((r for r in page.matches if r.id == order_id), None)
    if order is None:
        raise NotInScope()
    requests = [task for task in page.included if is_renewal(task)]
    mine = next((task for task in requests if marker.marks(task)), None)
    if mine is not None:  # an earlier attempt with this key wrote it; its answer was lost
        return _requested(mine, order_id)
    problem = order_problem(order)
    if problem is not None:
        return NotRenewable(problem, _NOT_RENEWABLE[problem])
    waiting = sorted((task for task in requests if task.get("status") in OPEN), key=lambda task: task.id)
    if waiting:
        return AlreadyRequested(waiting[0].id)
    number = f"{order_id}.{_next_number(requests, order_id)}"
    task = _task(ctx, guard, order, note, marker)
    task["identifier"].append({"system": REQUEST_SYSTEM, "value": number})
    unique = {"identifier": f"{REQUEST_SYSTEM}|{number}", "patient": f"Patient/{patient_id}"}
    try:
        written = await guard.create(task, if_none_exist=unique)
    except WriteConflict:
        return None
    if written.status != 201 and not marker.marks(written.resource):
        return AlreadyRequested(written.resource.id)  # another request for the order won this number
    return _requested(written.resource, order_id)


def _next_number(requests: list[Resource], order_id: str) -> int:
    """One past the highest number of the order's requests (0 for the first); others' numbers count too."""
    prefix = f"{order_id}."
    numbers = [
        int(value.removeprefix(prefix))
        for task in requests
        for i in objects(task.get("identifier"))
        if string(i.get("system")) == REQUEST_SYSTEM
        and (value := string(i.get("value")) or "").startswith(prefix)
        and value.removeprefix(prefix).isdigit()
    ]
    return max(numbers, default=-1) + 1


def _task(
    ctx: RequestContext, guard: PatientGuard, order: Resource, note: str | None, marker: WriteMarker
) -> dict[str, Any]:
    now = ctx.practice.local(ctx.auth.clock.now()).isoformat(timespec="seconds")
    due = ctx.practice.business_days_after(ctx.auth.clock.now(), ctx.practice.refill_due_business_days)
    grant = guard.grant
    requester = grant.actor
    task: dict[str, Any] = {
        "resourceType": "Task",
        "identifier": [marker.identifier],
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": RENEWAL_CODE,
        "description": "Prescription renewal requested in the patient portal",
        "focus": {"reference": f"MedicationRequest/{order.id}"},
        "for": {"reference": f"Patient/{guard.patient_id}"},
        "authoredOn": now,
        "lastModified": now,
        "requester": {"reference": requester},
        "restriction": {"period": {"end": due.isoformat()}},
    }
    owner = [ref for ref in dt.references(order.get("requester")) if any(ref_id(ref, t) for t in OWNER_TYPES)]
    if owner:
        task["owner"] = {"reference": owner[0]}
    if note is not None:
        task["note"] = [{"authorReference": {"reference": requester}, "time": now, "text": note}]
    meta = order.get("meta")
    labels = list(objects(meta.get("security"))) if isinstance(meta, Mapping) else []
    if labels:
        # A request about a restricted order is as sensitive as the order (hidden from proxies everywhere).
        task["meta"] = {"security": labels}
    return task


def _requested(task: Resource, order_id: str) -> RefillRequested:
    return RefillRequested(
        id=task.id,
        medication_request_id=order_id,
        state=state_of(task) or RefillRequestState.REQUESTED,
        requested_at=string(task.get("authoredOn")),
        due_date=due_date(task),
    )


async def cancel_refill_request(
    ctx: RequestContext, patient_id: str, task_id: str, idempotency_key: str
) -> CancelResult | IdempotencyKeyReused:
    """Withdraw a renewal request the prescriber has not acted on (``requested``); idempotent per key.

    Cancelling a request that is already cancelled answers the same success and writes nothing.

    Raises:
        PublicError: BAD_USER_INPUT for a malformed id or key; NOT_FOUND for a request that is missing, not
            a renewal request or not the patient's; CONFLICT when it changed twice while cancelling.
    """
    patient = fhir_id(patient_id, "patientId")
    request_id = fhir_id(task_id, "taskId")
    return await idempotent(
        ctx,
        "cancelRefillRequest",
        idempotency_key,
        {"patientId": patient, "taskId": request_id},
        (RefillRequestCancelled, RefillRequestClosed, NotPermitted),
        lambda marker: _cancel(ctx, patient, request_id),
    )


async def _cancel(ctx: RequestContext, patient_id: str, task_id: str) -> CancelResult:
    guard = await acting_for(ctx, patient_id, Capability.REFILL)
    if isinstance(guard, NotPermitted):
        return guard
    try:
        return await _cancel_once(ctx, guard, task_id)
    except WriteConflict:  # the clinic changed it meanwhile: decide again on what it is now
        return await _cancel_once(ctx, guard, task_id)


async def _cancel_once(ctx: RequestContext, guard: PatientGuard, task_id: str) -> CancelResult:
    task = await guard.read("Task", task_id)
    if task is None or not is_renewal(task):
        raise NotInScope()
    if task.get("status") == "cancelled":
        return RefillRequestCancelled(task.id)
    if task.get("status") != "requested":
        return RefillRequestClosed(state_of(task) or RefillRequestState.REQUESTED)
    now = ctx.practice.local(ctx.auth.clock.now()).isoformat(timespec="seconds")
    cancelled = {
        **task.data,
        "status": "cancelled",
        "statusReason": {"text": "Withdrawn in the patient portal"},
        "lastModified": now,
    }
    await guard.update(cancelled, if_match=task.version_id)
    return RefillRequestCancelled(task.id)
