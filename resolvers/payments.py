"""Paying the current balance online: never lost, never taken twice (docs/billing.md, "Paying").

``makePayment`` runs once per idempotency key (``resolvers/idempotency.py``), and within it:

1. the capability (``PAY``; a proxy must also be the billing Account's guarantor), then a fresh balance:
   ``0 < amount <= payable``, checked again atomically in Redis against the payments under way;
2. a pending record in Redis (``resolvers/pending_payments.py``), written **before** the card is charged;
3. the charge, through the ``PaymentProcessor`` with our key (the key's write marker): a retry never
   charges twice;
4. the record in FHIR, before success is answered: one transaction of a Task and its PaymentReconciliation,
   both created conditionally on the marker, so the EHR holds each once however often it is tried.

When the charge's answer is lost, or FHIR cannot take the record, the answer is ``PaymentPending`` and the
money stays accounted for (the payable balance leaves it out); the reconciler (``resolvers/reconciler.py``)
finishes it: records what was charged, voids what never was.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from access import Capability
from fhir_client import FhirError, Resource

from . import billing_values as bv
from .billing import (
    PendingPaymentValue,
    balance,
    find_accounts,
    may_pay,
    pending_value,
    read_ledger,
)
from .context import RequestContext
from .errors import BadUserInput, ErrorCode, PublicError, WriteConflict
from .guard import PatientGuard
from .idempotency import WriteMarker, idempotent
from .ids import fhir_id
from .payment_records import record_payment, recorded_value
from .pending_payments import (
    Exceeds,
    Exists,
    PaymentServices,
    PendingPayment,
    PendingState,
    epoch_ms,
    under_way,
)
from .permits import acting_for
from .practice import PracticeRules
from .problems import IdempotencyKeyReused, NotPermitted
from .processors import ChargeRequest, Declined, ProcessorOutcomeUnknown, ProcessorUnavailable

log = logging.getLogger("resolvers.payments")
TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{3,255}")
MAX_AMOUNT = Decimal("999999.99")


@dataclass(frozen=True, slots=True)
class PaymentSucceeded:
    payment: bv.PaymentValue


@dataclass(frozen=True, slots=True)
class PaymentDeclined:
    reason: str
    message: str = "The card was declined and nothing was charged. Try another card, or call the office."


@dataclass(frozen=True, slots=True)
class AmountExceedsBalance:
    payable: bv.MoneyValue
    message: str = "That is more than the balance that can be paid online now."


@dataclass(frozen=True, slots=True)
class InvalidAmount:
    message: str


@dataclass(frozen=True, slots=True)
class PaymentPending:
    payment: PendingPaymentValue
    message: str = (
        "Your payment is being confirmed. It already counts against your balance; please do not pay again."
    )


PaymentResult = (
    PaymentSucceeded | PaymentDeclined | AmountExceedsBalance | InvalidAmount | NotPermitted | PaymentPending
)
RESULTS = (
    PaymentSucceeded,
    PaymentDeclined,
    AmountExceedsBalance,
    InvalidAmount,
    NotPermitted,
    PaymentPending,
)


class PaymentsUnavailable(PublicError):
    def __init__(
        self, message: str = "Online payment is not available right now; nothing was charged."
    ) -> None:
        super().__init__(message, ErrorCode.UPSTREAM_UNAVAILABLE)


def amount_problem(amount: Decimal, currency: str, practice: PracticeRules) -> InvalidAmount | None:
    """Why ``amount`` cannot be paid at all (before any balance is looked at), or ``None``."""
    if currency != practice.billing_currency:
        return InvalidAmount(f"Payments are made in {practice.billing_currency}.")
    try:
        exact = amount.is_finite() and amount == amount.quantize(bv.CENT)
    except InvalidOperation:
        exact = False
    if not exact:
        return InvalidAmount("Give the amount in dollars and cents, e.g. 25.00.")
    if amount <= 0:
        return InvalidAmount("The amount must be more than zero.")
    if amount > MAX_AMOUNT:
        return InvalidAmount(f"At most {MAX_AMOUNT} can be paid online at once.")
    return None


async def make_payment(
    ctx: RequestContext,
    patient_id: str,
    amount: Decimal,
    currency: str,
    payment_token: str,
    idempotency_key: str,
) -> PaymentResult | IdempotencyKeyReused:
    """``makePayment``: charge ``amount`` of the current balance to the card behind ``payment_token``."""
    wanted = fhir_id(patient_id)
    if not isinstance(payment_token, str) or not TOKEN_FORMAT.fullmatch(payment_token):
        raise BadUserInput("paymentToken: pass the token the payment form returned")  # never echo it
    problem = amount_problem(amount, currency, ctx.practice)
    if problem is not None:
        return problem
    services = ctx.payments
    if services is None:
        raise PaymentsUnavailable()
    # The token is part of "the same request" only as a digest: the idempotency record never holds it.
    digest = hashlib.sha256(payment_token.encode()).hexdigest()
    arguments = {"patient": wanted, "amount": str(amount), "currency": currency, "token": digest}

    async def work(marker: WriteMarker) -> PaymentResult:
        guard = await acting_for(ctx, wanted, Capability.PAY)
        if isinstance(guard, NotPermitted):
            return guard
        attempt = _Attempt(ctx, services, guard, marker.value, payment_token)
        return await attempt.run(amount, currency)

    return await idempotent(ctx, "makePayment", idempotency_key, arguments, RESULTS, work)


class _Attempt:
    """One run of a ``makePayment`` request (a first attempt, or a retry of the same key)."""

    def __init__(
        self, ctx: RequestContext, services: PaymentServices, guard: PatientGuard, marker: str, token: str
    ) -> None:
        self.ctx, self.services, self.guard, self.marker = ctx, services, guard, marker
        self.token = token
        self.owner = f"request-{uuid.uuid4().hex}"

    def now_ms(self) -> int:
        return epoch_ms(self.ctx.auth.clock.now())

    async def run(self, amount: Decimal, currency: str) -> PaymentResult:
        store = self.services.pending
        own = await store.get(self.guard.patient_id, self.marker)
        if own is not None and own.state != PendingState.VOID:
            return await self.resume(own)  # an earlier attempt of this very request got that far
        ledger, records, accounts = await asyncio.gather(
            read_ledger(self.guard, currency), store.of_patient(self.guard.patient_id), self.accounts()
        )
        if not may_pay(self.ctx, self.guard.grant, accounts):
            return NotPermitted(
                "Only the patient, or the person responsible for the bill, can pay it online."
            )
        now = self.ctx.auth.clock.now()
        others = [r for r in records if r.marker != self.marker]
        going = under_way(others, ledger.recorded.markers)
        current = balance(ledger, others, currency, now)
        if amount > current.payable.value:
            return AmountExceedsBalance(payable=current.payable)
        record = PendingPayment(
            marker=self.marker,
            patient_id=self.guard.patient_id,
            payer=self.guard.grant.actor,
            amount=amount,
            currency=currency,
            allocation=_allocate(ledger.invoices, ledger.recorded.paid, going, amount, currency),
            created=now,
        )
        reserved = await store.reserve(
            record,
            owner=self.owner,
            owed=ledger.owed(currency),
            seen=ledger.recorded.markers,
            now_ms=epoch_ms(now),
        )
        if isinstance(reserved, Exceeds):  # another payment got in first
            return AmountExceedsBalance(payable=bv.cents(reserved.payable, currency))
        if isinstance(reserved, Exists):  # pragma: no cover - the idempotency claim runs one at a time
            return await self.resume(reserved.record)
        return await self.charge(record)

    async def accounts(self) -> tuple[Resource, ...]:
        # Only a proxy's payment depends on the Account (its guarantor); the patient may always pay.
        return await find_accounts(self.guard) if self.guard.grant.is_proxy else ()

    async def resume(self, own: PendingPayment) -> PaymentResult:
        held = await self.services.pending.claim(own.patient_id, own.marker, self.owner, self.now_ms())
        if held is None:  # the reconciler is finishing it right now
            return PaymentPending(pending_value(own))
        if held.state == PendingState.RECORDED:
            await self.services.pending.update(held, self.owner, self.now_ms(), release=True)
            return PaymentSucceeded(recorded_value(held))
        if held.state == PendingState.CHARGED:
            return await self.record(held)
        return await self.charge(held)

    async def charge(self, record: PendingPayment) -> PaymentResult:
        store, practice = self.services.pending, self.ctx.practice
        request = ChargeRequest(
            idempotency_key=record.marker,
            amount=record.amount,
            currency=record.currency,
            token=self.token,
            description=f"{practice.name} - statement payment",
        )
        try:
            outcome = await self.services.processor.charge(request)
        except ProcessorUnavailable:
            await store.update(record, self.owner, self.now_ms(), state=PendingState.VOID)
            raise PaymentsUnavailable(
                "The card processor cannot be reached right now. Nothing was charged; try again later."
            ) from None
        except ProcessorOutcomeUnknown:
            log.warning("payment outcome unknown", extra={"marker": record.marker})
            await store.update(record, self.owner, self.now_ms(), release=True)
            return PaymentPending(pending_value(record))
        if isinstance(outcome, Declined):
            await store.update(record, self.owner, self.now_ms(), state=PendingState.VOID)
            return PaymentDeclined(reason=outcome.reason)
        charged = await store.update(
            record,
            self.owner,
            self.now_ms(),
            state=PendingState.CHARGED,
            transaction_id=outcome.transaction_id,
            paid_on=practice.local(self.ctx.auth.clock.now()).date().isoformat(),
        )
        if charged is None:  # pragma: no cover - the lease outlasts a charge
            return PaymentPending(pending_value(record))
        return await self.record(charged)

    async def record(self, charged: PendingPayment) -> PaymentResult:
        store = self.services.pending
        try:
            payment = await record_payment(self.guard, charged)
        except (FhirError, WriteConflict) as exc:  # the EHR is away: charged, kept, recorded later
            log.warning(
                "payment not recorded yet",
                extra={"marker": charged.marker, "error_class": type(exc).__name__},
            )
            await store.update(charged, self.owner, self.now_ms(), release=True)
            return PaymentPending(pending_value(charged))
        await store.update(
            charged, self.owner, self.now_ms(), state=PendingState.RECORDED, payment_id=payment.id
        )
        return PaymentSucceeded(payment)


def _allocate(
    invoices: tuple[Resource, ...],
    paid: Mapping[str, Decimal],
    going_on: list[PendingPayment],
    amount: Decimal,
    currency: str,
) -> tuple[tuple[str, Decimal], ...]:
    # Oldest statements first, each up to what is still open on it after the payments under way.
    going: dict[str, Decimal] = {}
    for record in going_on:
        for invoice_id, part in record.allocation:
            going[invoice_id] = going.get(invoice_id, bv.ZERO) + part
    left: Decimal = amount
    parts: list[tuple[str, Decimal]] = []
    for invoice in invoices:
        open_here = bv.open_amount(invoice, paid, currency) - going.get(invoice.id, bv.ZERO)
        take = min(left, open_here)
        if take > 0:
            parts.append((invoice.id, take))
            left -= take
        if left <= 0:
            break
    if left > 0 and parts:  # credits elsewhere made the balance smaller than the open statements
        last, part = parts[-1]
        parts[-1] = (last, part + left)
    return tuple(parts)
