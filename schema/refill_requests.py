"""Renewal (refill) requests as the patient sees them: the RefillRequest type and its state."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers import refill_requests as rr

from .medications import MedicationRequest

RefillRequestState = strawberry.enum(
    rr.RefillRequestState,
    name="RefillRequestState",
    description=(
        "Where a renewal request stands, from Task.status: REQUESTED (requested, received, accepted, ready, "
        "in-progress, on-hold), APPROVED (completed), DENIED (rejected, failed), CANCELLED (cancelled)."
    ),
)


@strawberry.enum(description="FHIR Task.status of a renewal request, as the EHR has it.")
class TaskStatus(Enum):
    DRAFT = "draft"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    READY = "ready"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    FAILED = "failed"
    COMPLETED = "completed"


@strawberry.type(
    description=(
        "A request to renew a prescription, decided by the prescriber in the EHR (FHIR Task, code renewal, "
        "focus the MedicationRequest)."
    )
)
class RefillRequest:
    id: strawberry.ID = strawberry.field(description="Task.id.")
    state: RefillRequestState = strawberry.field(  # type: ignore[valid-type]
        description="REQUESTED, APPROVED (a new order was written), DENIED (see reason) or CANCELLED."
    )
    status: TaskStatus = strawberry.field(description="Task.status.")
    requested_at: str | None = strawberry.field(description="Task.authoredOn (FHIR dateTime).")
    last_modified: str | None = strawberry.field(description="Task.lastModified: the latest change.")
    due_date: str | None = strawberry.field(
        description="Task.restriction.period.end: when the practice means to have answered."
    )
    pharmacy_note: str | None = strawberry.field(description="The requester's Task.note, for the pharmacy.")
    reason: str | None = strawberry.field(
        description="Task.statusReason: why it was denied (or that it was withdrawn)."
    )
    _value: strawberry.Private[rr.RefillRequestValue]

    @strawberry.field(description="The prescription to renew (Task.focus; included with the page).")
    async def medication_request(self) -> MedicationRequest | None:
        found = await self._value.medication_request()
        return MedicationRequest.from_value(found) if found else None

    @strawberry.field(
        description=(
            "The new prescription an approval wrote (Task.output; its priorPrescription is the renewed one). "
            "The page's new orders are read in one request."
        )
    )
    async def new_order(self) -> MedicationRequest | None:
        found = await self._value.new_order()
        return MedicationRequest.from_value(found) if found else None

    @classmethod
    def from_value(cls, v: rr.RefillRequestValue) -> RefillRequest:
        return cls(
            id=strawberry.ID(v.id),
            state=v.state,
            status=TaskStatus(v.status),
            requested_at=v.requested_at,
            last_modified=v.last_modified,
            due_date=v.due_date,
            pharmacy_note=v.pharmacy_note,
            reason=v.reason,
            _value=v,
        )
