"""Billing as plain values read out of FHIR JSON: statements (Invoice), payments (Task with its
PaymentReconciliation), the billing Account's guarantors, and the balance rule (docs/billing.md).

Money is ``Decimal`` with its currency, to the cent; FHIR JSON numbers are read through their decimal text.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from access import attached_ids, in_period
from fhir_client import Resource

from . import datatypes as dt
from .values import objects, string

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
STATEMENT_SYSTEM = "urn:portal-gateway:statement-number"
PROCESSOR_SYSTEM = "urn:portal-gateway:payment-processor"
TASK_SYSTEM = "urn:portal-gateway:task"
PAYMENT_TASK = "patient-payment"
# R4 Invoice has no period; R5's Invoice.period[x] through its cross-version extension.
PERIOD_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Invoice.period"
SHOWN_STATEMENTS = ("issued", "balanced")
# Price components that add to a line's net; deductions and discounts subtract, informational ones neither.
_ADDS, _SUBTRACTS = frozenset({"base", "surcharge", "tax"}), frozenset({"deduction", "discount"})


@dataclass(frozen=True, slots=True)
class MoneyValue:
    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PriceComponentValue:
    type: str
    code: dt.CodeableConceptValue | None
    amount: MoneyValue | None


@dataclass(frozen=True, slots=True)
class LineItemValue:
    sequence: int | None
    service: dt.CodeableConceptValue | None
    price_components: tuple[PriceComponentValue, ...]
    net: MoneyValue | None


@dataclass(frozen=True, slots=True)
class StatementDocumentValue:
    """The statement as the practice uploaded it (a DocumentReference with its file in a Binary)."""

    id: str
    title: str | None
    content_type: str | None
    size: int | None
    created: str | None
    binary_id: str | None
    patient_id: str
    holder: Resource


@dataclass(frozen=True, slots=True)
class StatementValue:
    id: str
    patient_id: str
    number: str | None
    status: str
    date: str | None
    period: dt.PeriodValue | None
    line_items: tuple[LineItemValue, ...]
    total_gross: MoneyValue | None
    total_net: MoneyValue | None
    paid: MoneyValue
    amount_due: MoneyValue
    payment_terms: str | None
    notes: tuple[str, ...]
    document: StatementDocumentValue | None


@dataclass(frozen=True, slots=True)
class AllocationValue:
    statement_id: str
    amount: MoneyValue


@dataclass(frozen=True, slots=True)
class PaymentValue:
    id: str
    status: str
    date: str | None
    amount: MoneyValue
    transaction_id: str | None
    method: str | None
    paid_by: str | None
    statements: tuple[AllocationValue, ...]
    marker: str | None = None
    task: str | None = None


@dataclass(frozen=True, slots=True)
class GuarantorValue:
    kind: str
    display: str | None
    is_viewer: bool


@dataclass(frozen=True, slots=True)
class AccountValue:
    id: str
    status: str | None
    guarantors: tuple[GuarantorValue, ...]


def money(value: Any, currency: str) -> MoneyValue | None:
    """A FHIR Money in ``currency``, to the cent (``None`` when absent, malformed or another currency)."""
    if not isinstance(value, Mapping) or value.get("currency", currency) != currency:
        return None
    amount = dt.decimal(value.get("value"))
    return MoneyValue(amount.quantize(CENT), currency) if amount is not None else None


def cents(amount: Decimal, currency: str) -> MoneyValue:
    return MoneyValue(amount.quantize(CENT), currency)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The payments in one FHIR answer: per payment its value, per statement what was paid against it."""

    payments: tuple[PaymentValue, ...]
    paid: Mapping[str, Decimal]
    markers: frozenset[str]


def recorded(resources: Iterable[Resource], currency: str, marker_system: str) -> Recorded:
    """Payments among ``resources``: each patient-payment Task (completed) with its PaymentReconciliation.

    Only ``active`` reconciliations count towards what was paid (a refund is ``cancelled``); entered in error
    is never shown.
    """
    items = list(resources)
    tasks = {r.reference: r for r in items if r.resource_type == "Task" and is_payment_task(r)}
    payments, markers = [], set()
    paid: dict[str, Decimal] = {}
    for reconciliation in (r for r in items if r.resource_type == "PaymentReconciliation"):
        request = reconciliation.get("request")
        task = tasks.get(string(request.get("reference")) or "") if isinstance(request, Mapping) else None
        status = string(reconciliation.get("status"))
        if task is None or status not in ("active", "cancelled"):
            continue
        value = payment_value(reconciliation, task, currency, marker_system)
        payments.append(value)
        if value.marker:
            markers.add(value.marker)
        if status == "active":
            for part in value.statements:
                paid[part.statement_id] = paid.get(part.statement_id, ZERO) + part.amount.value
    for task in tasks.values():
        markers |= set(_identifiers(task, marker_system))
    payments.sort(key=lambda p: p.date or "", reverse=True)
    return Recorded(tuple(payments), paid, frozenset(markers))


def is_payment_task(task: Resource) -> bool:
    code = dt.concept(task.get("code"))
    ours = code is not None and any(c.system == TASK_SYSTEM and c.code == PAYMENT_TASK for c in code.coding)
    return ours and task.get("status") == "completed"


def payment_value(
    reconciliation: Resource, task: Resource, currency: str, marker_system: str
) -> PaymentValue:
    """One payment: its PaymentReconciliation, and the Task that places it (who paid)."""
    parts = []
    for detail in objects(reconciliation.get("detail")):
        target = detail.get("request")
        ref = string(target.get("reference")) if isinstance(target, Mapping) else None
        amount = money(detail.get("amount"), currency)
        if ref and ref.startswith("Invoice/") and amount is not None:
            parts.append(AllocationValue(ref.removeprefix("Invoice/"), amount))
    # What it paid towards the patient's statements; a reconciliation without details shows its total.
    amount = cents(sum((p.amount.value for p in parts), ZERO), currency) if parts else None
    amount = amount or money(reconciliation.get("paymentAmount"), currency) or cents(ZERO, currency)
    requester = task.get("requester")
    payer = string(requester.get("reference")) if isinstance(requester, Mapping) else None
    return PaymentValue(
        id=reconciliation.id,
        status=string(reconciliation.get("status")) or "active",
        date=string(reconciliation.get("paymentDate")),
        amount=amount,
        transaction_id=next(iter(_identifiers(reconciliation, PROCESSOR_SYSTEM)), None),
        method=string(reconciliation.get("disposition")),
        paid_by=_party(payer),
        statements=tuple(parts),
        marker=next(iter(_identifiers(reconciliation, marker_system)), None),
        task=task.reference,
    )


def statement_value(
    invoice: Resource,
    patient_id: str,
    paid: Mapping[str, Decimal],
    documents: Mapping[str, Resource],
    currency: str,
) -> StatementValue | None:
    """An issued or balanced Invoice as a statement, with what was paid against it and its uploaded PDF
    (``documents``: ``statement_documents`` of the answer it came in)."""
    status = string(invoice.get("status"))
    if status not in SHOWN_STATEMENTS:
        return None
    lines = tuple(_line(item, currency) for item in objects(invoice.get("lineItem")))
    total_net = statement_total(invoice, currency, lines)
    paid_here = cents(paid.get(invoice.id, ZERO), currency)
    due = (total_net.value if total_net else ZERO) - paid_here.value
    return StatementValue(
        id=invoice.id,
        patient_id=patient_id,
        number=next(iter(_identifiers(invoice, STATEMENT_SYSTEM)), None),
        status=status,
        date=string(invoice.get("date")),
        period=_period(invoice),
        line_items=lines,
        total_gross=money(invoice.get("totalGross"), currency),
        total_net=total_net,
        paid=paid_here,
        amount_due=cents(max(due, ZERO) if status == "issued" else ZERO, currency),
        payment_terms=string(invoice.get("paymentTerms")),
        notes=tuple(t for t in (string(n.get("text")) for n in objects(invoice.get("note"))) if t),
        document=_document(documents.get(invoice.reference), patient_id),
    )


def statement_patient(invoice: Resource) -> str | None:
    """The patient an Invoice is for (``subject``), whose account is told of a new statement."""
    subject = invoice.get("subject")
    ref = string(subject.get("reference")) if isinstance(subject, Mapping) else None
    return ref.removeprefix("Patient/") if ref and ref.startswith("Patient/") else None


def statement_total(
    invoice: Resource, currency: str, lines: Sequence[LineItemValue] | None = None
) -> MoneyValue | None:
    """What a statement asks for: its ``totalNet``, else the sum of its lines' nets when every line has one.

    The one reading of a statement's amount: the statement list, the balance and a payment's allocation all
    use it, so a statement never shows an amount the balance does not count.
    """
    total_net = money(invoice.get("totalNet"), currency)
    if total_net is not None:
        return total_net
    if lines is None:
        lines = tuple(_line(item, currency) for item in objects(invoice.get("lineItem")))
    if lines and all(line.net is not None for line in lines):
        return cents(sum((line.net.value for line in lines if line.net), ZERO), currency)
    return None


def open_amount(invoice: Resource, paid: Mapping[str, Decimal], currency: str) -> Decimal:
    """What is still open on one statement: its total less the recorded payments against it."""
    total = statement_total(invoice, currency)
    return (total.value if total else ZERO) - paid.get(invoice.id, ZERO)


def owed(invoices: Iterable[Resource], paid: Mapping[str, Decimal], currency: str) -> Decimal:
    """The balance rule: the issued statements' totals minus the recorded payments against them."""
    total = sum(
        (open_amount(invoice, paid, currency) for invoice in invoices if invoice.get("status") == "issued"),
        ZERO,
    )
    return total.quantize(CENT)


def account_value(account: Resource, viewer: str, today: date) -> AccountValue:
    """The billing Account with its current guarantors; ``viewer`` is the viewer's own reference."""
    guarantors = []
    for entry in objects(account.get("guarantor")):
        party = entry.get("party")
        ref = string(party.get("reference")) if isinstance(party, Mapping) else None
        if entry.get("onHold") is True or not in_period(entry.get("period"), today) or ref is None:
            continue
        display = string(party.get("display")) if isinstance(party, Mapping) else None
        guarantors.append(GuarantorValue(_party(ref) or "OTHER", display, ref == viewer))
    return AccountValue(account.id, string(account.get("status")), tuple(guarantors))


def _party(reference: str | None) -> str | None:
    kinds = {"Patient": "PATIENT", "RelatedPerson": "RELATED_PERSON", "Organization": "ORGANIZATION"}
    return kinds.get((reference or "").partition("/")[0], "OTHER") if reference else None


def _line(item: Mapping[str, Any], currency: str) -> LineItemValue:
    parts = []
    net, complete = ZERO, True
    for component in objects(item.get("priceComponent")):
        kind, amount = (
            string(component.get("type")) or "informational",
            money(component.get("amount"), currency),
        )
        parts.append(PriceComponentValue(kind, dt.concept(component.get("code")), amount))
        if kind in _ADDS | _SUBTRACTS and amount is None:
            complete = False
        elif amount is not None:
            net += amount.value if kind in _ADDS else -amount.value if kind in _SUBTRACTS else ZERO
    sequence = item.get("sequence")
    return LineItemValue(
        sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
        service=dt.concept(item.get("chargeItemCodeableConcept")),
        price_components=tuple(parts),
        net=cents(net, currency) if parts and complete else None,
    )


def _period(invoice: Resource) -> dt.PeriodValue | None:
    for extension in objects(invoice.get("extension")):
        if extension.get("url") == PERIOD_EXTENSION:
            if isinstance(extension.get("valuePeriod"), Mapping):
                return dt.period(extension["valuePeriod"])
            day = string(extension.get("valueDate"))
            return dt.PeriodValue(day, day) if day else None
    return None


def statement_documents(included: Iterable[Resource]) -> dict[str, Resource]:
    """Each Invoice's PDF among an answer's resources: the newest current DocumentReference naming it in
    ``context.related``, by Invoice reference (read once per answer, not once per statement)."""
    newest: dict[str, Resource] = {}
    for r in included:
        if r.resource_type != "DocumentReference" or r.get("status") != "current":
            continue
        for invoice in dt.references(_related(r)):
            known = newest.get(invoice)
            if known is None or (string(r.get("date")) or "") > (string(known.get("date")) or ""):
                newest[invoice] = r
    return newest


def _document(holder: Resource | None, patient_id: str) -> StatementDocumentValue | None:
    if holder is None:
        return None
    attachment = next(
        (a for c in objects(holder.get("content")) if isinstance(a := c.get("attachment"), Mapping)), {}
    )
    size = attachment.get("size")
    return StatementDocumentValue(
        id=holder.id,
        title=string(attachment.get("title")),
        content_type=string(attachment.get("contentType")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        created=string(attachment.get("creation")) or string(holder.get("date")),
        binary_id=next(iter(attached_ids(holder, "Binary")), None),
        patient_id=patient_id,
        holder=holder,
    )


def _related(document: Resource) -> Any:
    context = document.get("context")
    return context.get("related") if isinstance(context, Mapping) else None


def _identifiers(resource: Resource, system: str) -> list[str]:
    return [
        value
        for item in objects(resource.get("identifier"))
        if item.get("system") == system and (value := string(item.get("value")))
    ]
