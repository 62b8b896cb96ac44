"""Paying online: the results of ``makePayment`` (docs/billing.md, "Paying")."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import payments

from .billing import Money, Payment, PendingPayment
from .outcomes import IdempotencyKeyReused, NotPermitted, Presented, Problem, ProblemCode, presents


@strawberry.type(description="Paid: the card was charged and the payment is recorded in the EHR.")
@presents(payments.PaymentSucceeded)
class PaymentSucceeded(Presented):
    payment: Payment = strawberry.field(
        description="The payment as the EHR recorded it (PaymentReconciliation with its Task)."
    )

    @classmethod
    def from_value(cls, value: payments.PaymentSucceeded, token: str | None) -> PaymentSucceeded:
        return cls(payment=Payment.from_value(value.payment))


@strawberry.type(description="The card processor declined the card; nothing was charged.")
@presents(payments.PaymentDeclined)
class PaymentDeclined(Problem, Presented):
    reason: str = strawberry.field(description="The processor's decline code (e.g. card_declined).")
    message: str
    code: ProblemCode = ProblemCode.PAYMENT_DECLINED  # type: ignore[valid-type]


@strawberry.type(description="More than can be paid online now: at most `payable`; nothing was charged.")
@presents(payments.AmountExceedsBalance)
class AmountExceedsBalance(Problem, Presented):
    payable: Money = strawberry.field(description="The balance payable online now.")
    message: str
    code: ProblemCode = ProblemCode.AMOUNT_EXCEEDS_BALANCE  # type: ignore[valid-type]

    @classmethod
    def from_value(cls, value: payments.AmountExceedsBalance, token: str | None) -> AmountExceedsBalance:
        return cls(payable=Money.from_value(value.payable), message=value.message)


@strawberry.type(
    description="Zero, negative, more than two decimals, or another currency; nothing was charged."
)
@presents(payments.InvalidAmount)
class InvalidAmount(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCode.INVALID_AMOUNT  # type: ignore[valid-type]


@strawberry.type(
    description=(
        "Taken, or being confirmed with the card processor, but not recorded in the EHR yet: it already "
        "counts against the balance and the gateway finishes it. Do not pay again."
    )
)
@presents(payments.PaymentPending)
class PaymentPending(Presented):
    payment: PendingPayment = strawberry.field(description="The gateway's record of the payment under way.")
    message: str = strawberry.field(description="What to tell the patient: it is being recorded; no action.")

    @classmethod
    def from_value(cls, value: payments.PaymentPending, token: str | None) -> PaymentPending:
        return cls(payment=PendingPayment.from_value(value.payment), message=value.message)


MakePaymentResult = Annotated[
    PaymentSucceeded
    | PaymentDeclined
    | AmountExceedsBalance
    | InvalidAmount
    | NotPermitted
    | PaymentPending
    | IdempotencyKeyReused,
    strawberry.union("MakePaymentResult"),
]
