"""The results of requestRefill and cancelRefillRequest."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import refills

from .medications import NotRenewableReason
from .outcomes import IdempotencyKeyReused, NotPermitted, Presented, Problem, ProblemCode, presents
from .refill_requests import RefillRequestState


@strawberry.type(description="The request was sent to the prescriber (a Task in the EHR, status requested).")
@presents(refills.RefillRequested)
class RefillRequested(Presented):
    id: strawberry.ID = strawberry.field(description="The request's Task.id (see patient.refillRequests).")
    medication_request_id: strawberry.ID = strawberry.field(description="Task.focus: the order to renew.")
    state: RefillRequestState = strawberry.field(  # type: ignore[valid-type]
        description="Where the request stands (from Task.status): REQUESTED while it waits."
    )
    requested_at: str | None = strawberry.field(description="Task.authoredOn.")
    due_date: str | None = strawberry.field(description="Task.restriction.period.end.")


@strawberry.type(description="A renewal of this prescription is already waiting for the prescriber.")
@presents(refills.AlreadyRequested)
class AlreadyRequested(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.ALREADY_REQUESTED  # type: ignore[valid-type]
    refill_request_id: strawberry.ID = strawberry.field(description="The waiting request's Task.id.")


@strawberry.type(description="This prescription cannot be renewed online (not active, or not an order).")
@presents(refills.NotRenewable)
class NotRenewable(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.NOT_RENEWABLE  # type: ignore[valid-type]
    reason: NotRenewableReason = strawberry.field(  # type: ignore[valid-type]
        description="Why: NOT_ACTIVE (MedicationRequest.status) or NOT_AN_ORDER (MedicationRequest.intent)."
    )


@strawberry.type(description="The request was withdrawn (Task.status cancelled).")
@presents(refills.RefillRequestCancelled)
class RefillRequestCancelled(Presented):
    id: strawberry.ID = strawberry.field(description="Task.id.")


@strawberry.type(description="The prescriber already answered: the request can no longer be cancelled.")
@presents(refills.RefillRequestClosed)
class RefillRequestClosed(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.REFILL_REQUEST_CLOSED  # type: ignore[valid-type]
    state: RefillRequestState = strawberry.field(  # type: ignore[valid-type]
        description="Where it stands now (from Task.status): taken up, answered or withdrawn."
    )


RequestRefillResult = Annotated[
    RefillRequested | AlreadyRequested | NotRenewable | NotPermitted | IdempotencyKeyReused,
    strawberry.union("RequestRefillResult"),
]
CancelRefillRequestResult = Annotated[
    RefillRequestCancelled | RefillRequestClosed | NotPermitted | IdempotencyKeyReused,
    strawberry.union("CancelRefillRequestResult"),
]
