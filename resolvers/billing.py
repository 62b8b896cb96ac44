"""Billing as the patient sees it: the balance, statements, payments, the billing Account (docs/billing.md).

FHIR: a statement is an issued Invoice (``subject`` the patient); a payment is a PaymentReconciliation whose
``request`` names a Task (code ``urn:portal-gateway:task|patient-payment``, ``for`` the patient, ``basedOn``
the Invoices it pays). R4 PaymentReconciliation names no patient and has no patient search parameter; the
Task does, so everything is found with stock R4 searches: the statements with
``_revinclude=Task:based-on&_revinclude:iterate=PaymentReconciliation:request``, the payments as
``Task?patient=...&code=...&_revinclude=PaymentReconciliation:request``. The guard lets a
PaymentReconciliation through only beside its Task (``access.LINKED``).

The balance is computed on every request (one FHIR search, plus the pending payments in Redis): the issued
statements' ``totalNet`` minus the payments recorded against them; what is payable online also leaves out
the payments under way (charged or being charged, not yet recorded).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from access import Capability, Grant
from fhir_client import AnyOf, Resource

from . import billing_values as bv
from . import paging
from .context import RequestContext
from .errors import ErrorCode, PublicError
from .guard import PatientGuard
from .idempotency import MARKER_SYSTEM
from .pending_payments import PendingPayment, PendingState, under_way

PAYMENT_CODE = f"{bv.TASK_SYSTEM}|{bv.PAYMENT_TASK}"
LEDGER_PAGE = 100
LEDGER_PAGES = 20
_STATEMENT_HOPS: dict[str, Any] = {
    "revinclude": ("DocumentReference:related", "Task:based-on"),
    "revinclude_iterate": ("PaymentReconciliation:request",),
}
STATEMENTS = paging.ListSpec(
    "billing:statements", "Invoice", {"status": AnyOf(*bv.SHOWN_STATEMENTS)}, ("-date",), **_STATEMENT_HOPS
)
PAYMENTS = paging.ListSpec(
    "billing:payments",
    "Task",
    {"code": PAYMENT_CODE, "status": "completed"},
    ("-authored-on",),
    revinclude=("PaymentReconciliation:request",),
)


@dataclass(frozen=True, slots=True)
class Ledger:
    """What one balance read found: the issued statements and the payments recorded against them.

    Attributes:
        invoices: The issued Invoices, oldest first.
        recorded: The payments, what each statement got, and the markers of those the gateway made.
    """

    invoices: tuple[Resource, ...]
    recorded: bv.Recorded

    def owed(self, currency: str) -> Decimal:
        return bv.owed(self.invoices, self.recorded.paid, currency)


@dataclass(frozen=True, slots=True)
class BalanceValue:
    owed: bv.MoneyValue
    pending: bv.MoneyValue
    payable: bv.MoneyValue
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class PendingPaymentValue:
    id: str
    amount: bv.MoneyValue
    created_at: datetime
    status: str
    statements: tuple[bv.AllocationValue, ...]


async def read_ledger(guard: PatientGuard, currency: str) -> Ledger:
    """The patient's issued statements with their payments: one search (more only past 100
    issued statements; past 2,100 an error rather than a balance of part of them)."""
    page = await guard.search(
        "Invoice",
        {"status": "issued"},
        revinclude=["Task:based-on"],
        revinclude_iterate=["PaymentReconciliation:request"],
        count=LEDGER_PAGE,
        sort=["date"],
    )
    matches, included = list(page.matches), list(page.included)
    for _ in range(LEDGER_PAGES):
        following = await guard.next_page(page) if page.has_next else None
        if following is None:
            break
        page = following
        matches += page.matches
        included += page.included
    if page.has_next:  # never a balance of part of the statements
        raise PublicError("Too many open statements to show the balance online.", ErrorCode.UPSTREAM_ERROR)
    return Ledger(
        invoices=tuple(matches),
        recorded=bv.recorded(included, currency, MARKER_SYSTEM),
    )


def balance(ledger: Ledger, records: list[PendingPayment], currency: str, now: datetime) -> BalanceValue:
    """The balance rule with the payments under way (docs/billing.md, "The balance")."""
    owed = ledger.owed(currency)
    going = sum((r.amount for r in under_way(records, ledger.recorded.markers)), bv.ZERO)
    return BalanceValue(
        owed=bv.cents(owed, currency),
        pending=bv.cents(going, currency),
        payable=bv.cents(max(owed - going, bv.ZERO), currency),
        computed_at=now,
    )


async def pending_of(ctx: RequestContext, patient_id: str) -> list[PendingPayment]:
    """The patient's payment records in Redis (none when payments are not set up)."""
    return await ctx.payments.pending.of_patient(patient_id) if ctx.payments is not None else []


async def billing_balance(ctx: RequestContext, patient_id: str) -> BalanceValue:
    """``billing.balance``: computed fresh, from FHIR and the payments under way."""
    guard = await ctx.guard(patient_id, Capability.READ)
    currency = ctx.practice.billing_currency
    ledger, records = await asyncio.gather(read_ledger(guard, currency), pending_of(ctx, guard.patient_id))
    return balance(ledger, records, currency, ctx.auth.clock.now())


async def pending_payments(ctx: RequestContext, patient_id: str) -> list[PendingPaymentValue]:
    """``billing.pendingPayments``: taken or being taken, not in the EHR yet (Redis only)."""
    guard = await ctx.guard(patient_id, Capability.READ)
    records = await pending_of(ctx, guard.patient_id)
    return [pending_value(r) for r in records if r.state in (PendingState.CHARGING, PendingState.CHARGED)]


def pending_value(record: PendingPayment) -> PendingPaymentValue:
    return PendingPaymentValue(
        id=record.marker,
        amount=bv.cents(record.amount, record.currency),
        created_at=record.created,
        status="CHARGED" if record.state == PendingState.CHARGED else "PROCESSING",
        statements=tuple(
            bv.AllocationValue(invoice, bv.cents(amount, record.currency))
            for invoice, amount in record.allocation
        ),
    )


async def statement_page(
    ctx: RequestContext, patient_id: str, *, first: int | None, after: str | None, total: bool
) -> paging.Connection[bv.StatementValue]:
    """One page of statements, newest first, each with its payments and uploaded PDF (one search)."""
    guard = await ctx.guard(patient_id, Capability.READ)
    query = STATEMENTS.query()
    page = await paging.fetch(guard, await ctx.cursors(), query, first=first, after=after, want_total=total)
    currency = ctx.practice.billing_currency
    paid = bv.recorded(page.included, currency, MARKER_SYSTEM).paid
    documents = bv.statement_documents(page.included)
    return page.convert(lambda r: bv.statement_value(r, guard.patient_id, paid, documents, currency))


async def get_statement(ctx: RequestContext, invoice_id: str) -> bv.StatementValue | None:
    """One statement of any patient in the viewer's scope; ``None`` when missing or outside it."""
    found = await ctx.find("Invoice", invoice_id, **_STATEMENT_HOPS)
    if found is None:
        return None
    currency = ctx.practice.billing_currency
    paid = bv.recorded(found.included, currency, MARKER_SYSTEM).paid
    documents = bv.statement_documents(found.included)
    return bv.statement_value(found.resource, found.guard.patient_id, paid, documents, currency)


async def payment_page(
    ctx: RequestContext, patient_id: str, *, first: int | None, after: str | None, total: bool
) -> paging.Connection[bv.PaymentValue]:
    """One page of recorded payments, newest first (one search of their Tasks)."""
    guard = await ctx.guard(patient_id, Capability.READ)
    page = await paging.fetch(
        guard, await ctx.cursors(), PAYMENTS.query(), first=first, after=after, want_total=total
    )
    tasks = (edge.resource for edge in page.edges)
    found = bv.recorded((*tasks, *page.included), ctx.practice.billing_currency, MARKER_SYSTEM)
    by_task = {payment.task: payment for payment in found.payments}
    return page.convert(lambda task: by_task.get(task.reference))


async def statement_file(ctx: RequestContext, document: bv.StatementDocumentValue) -> str | None:
    """The statement PDF's bytes (base64, as FHIR keeps them), read through the guard of its patient."""
    if document.binary_id is None:
        return None
    guard = await ctx.guard(document.patient_id, Capability.READ)
    binary = await guard.attachment(document.holder, "Binary", document.binary_id)
    data = binary.get("data") if binary is not None else None
    return data if isinstance(data, str) else None


async def billing_account(ctx: RequestContext, patient_id: str) -> bv.AccountValue | None:
    """The patient's active billing Account (``Account?patient=...``), with its guarantors."""
    guard = await ctx.guard(patient_id, Capability.READ)
    accounts = await find_accounts(guard)
    today = ctx.practice.local(ctx.auth.clock.now()).date()
    viewer = guard.grant.actor
    return bv.account_value(accounts[0], viewer, today) if accounts else None


async def find_accounts(guard: PatientGuard) -> tuple[Resource, ...]:
    page = await guard.search("Account", {"status": "active"}, count=10)
    return page.matches


def may_pay(ctx: RequestContext, grant: Grant, accounts: tuple[Resource, ...]) -> bool:
    """Whether a viewer with the PAY capability (the guard decided it) may pay: the patient always; a proxy
    only as the billing Account's guarantor (docs/billing.md, "Who pays")."""
    if not grant.is_proxy:
        return True
    today = ctx.practice.local(ctx.auth.clock.now()).date()
    viewer = grant.actor
    return any(g.is_viewer for a in accounts for g in bv.account_value(a, viewer, today).guarantors)


async def viewer_may_pay(ctx: RequestContext, patient_id: str) -> bool:
    """``billing.viewerMayPay``: one Account search for proxies, none for the patient themself."""
    guard = await ctx.guard(patient_id, Capability.READ)
    if Capability.PAY not in ctx.practice.capabilities(guard.grant):
        return False
    accounts = await find_accounts(guard) if guard.grant.is_proxy else ()
    return may_pay(ctx, guard.grant, accounts)
