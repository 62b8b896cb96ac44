"""Billing: the balance, statements (Invoice), payments (PaymentReconciliation), pending payments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from resolvers import billing
from resolvers import billing_values as bv
from resolvers.context import RequestContext
from resolvers.patient import PatientRecord

from .common import FhirDate
from .connection import Connection, build, selects
from .datatypes import CodeableConcept, Period, concept, period
from .shown import gate

Info = strawberry.Info[RequestContext, None]
FIRST = "Page size: 1 to 100 (default 20)."
AFTER = "The endCursor of the previous page (opaque; only valid for this session, patient and list)."


@strawberry.type(description="An amount of money (FHIR Money): a decimal to the cent, never a float.")
class Money:
    value: Decimal = strawberry.field(description="Money.value, as a decimal string.")
    currency: str = strawberry.field(description="Money.currency (ISO 4217, e.g. USD).")

    @classmethod
    def from_value(cls, v: bv.MoneyValue) -> Money:
        return cls(value=v.value, currency=v.currency)


def money(v: bv.MoneyValue | None) -> Money | None:
    return Money.from_value(v) if v is not None else None


@strawberry.input(description="An amount to pay: a decimal with at most two places, and its currency.")
class MoneyInput:
    value: Decimal = strawberry.field(description='How much, e.g. "25.00".')
    currency: str = strawberry.field(description="ISO 4217; the practice's billing currency.")


@strawberry.type(
    description=(
        "The patient's balance, computed on each request: issued statements (Invoice.totalNet) minus the "
        "payments recorded against them (PaymentReconciliation.detail.amount)."
    )
)
class Balance:
    owed: Money = strawberry.field(description="Issued statements minus recorded payments.")
    pending: Money = strawberry.field(
        description="Payments under way: charged or being charged, not yet recorded in the EHR."
    )
    payable: Money = strawberry.field(description="What can be paid online now: `owed` minus `pending`.")
    computed_at: datetime = strawberry.field(description="When this was computed.")

    @classmethod
    def from_value(cls, v: billing.BalanceValue) -> Balance:
        return cls(
            owed=Money.from_value(v.owed),
            pending=Money.from_value(v.pending),
            payable=Money.from_value(v.payable),
            computed_at=v.computed_at,
        )


@strawberry.enum(
    description="FHIR Invoice.status of a statement (draft, cancelled and errors are not shown)."
)
class StatementStatus(Enum):
    ISSUED = strawberry.enum_value("issued", description="Sent to the patient; the amount due is payable.")
    BALANCED = strawberry.enum_value("balanced", description="Settled: nothing is due on it.")


@strawberry.enum(description="FHIR Invoice.lineItem.priceComponent.type.")
class PriceComponentType(Enum):
    BASE = "base"
    SURCHARGE = "surcharge"
    DEDUCTION = strawberry.enum_value("deduction", description="E.g. what insurance paid.")
    DISCOUNT = "discount"
    TAX = "tax"
    INFORMATIONAL = "informational"


@strawberry.type(description="One part of a line's price (Invoice.lineItem.priceComponent).")
class PriceComponent:
    type: PriceComponentType | None = strawberry.field(description="priceComponent.type.")
    code: CodeableConcept | None = strawberry.field(description="priceComponent.code (what it is for).")
    amount: Money | None = strawberry.field(description="priceComponent.amount.")


@strawberry.type(description="A service on the statement (Invoice.lineItem).")
class StatementLineItem:
    sequence: int | None = strawberry.field(description="lineItem.sequence.")
    service: CodeableConcept | None = strawberry.field(
        description="lineItem.chargeItemCodeableConcept (a CPT code)."
    )
    price_components: list[PriceComponent] = strawberry.field(description="lineItem.priceComponent.")
    net: Money | None = strawberry.field(
        description="The patient's share of the line: base, surcharges and tax less deductions and discounts."
    )

    @classmethod
    def from_value(cls, v: bv.LineItemValue) -> StatementLineItem:
        components = [
            PriceComponent(
                type=PriceComponentType(p.type) if p.type in _COMPONENT_TYPES else None,
                code=concept(p.code),
                amount=money(p.amount),
            )
            for p in v.price_components
        ]
        return cls(
            sequence=v.sequence, service=concept(v.service), price_components=components, net=money(v.net)
        )


_COMPONENT_TYPES = {t.value for t in PriceComponentType}


@strawberry.type(
    description="The statement PDF the practice uploaded (a DocumentReference; context.related: the Invoice)."
)
class StatementDocument:
    id: strawberry.ID = strawberry.field(description="DocumentReference.id.")
    title: str | None = strawberry.field(description="content.attachment.title.")
    content_type: str | None = strawberry.field(
        description="content.attachment.contentType (application/pdf)."
    )
    size: int | None = strawberry.field(description="content.attachment.size, in bytes.")
    created: str | None = strawberry.field(description="content.attachment.creation (FHIR dateTime).")
    _value: strawberry.Private[bv.StatementDocumentValue]

    @strawberry.field(
        description=(
            "The file itself, base64 (the Binary the attachment names), fetched through the gateway when "
            "selected. Null when the file is missing."
        )
    )
    async def content(self, info: Info) -> str | None:
        return await billing.statement_file(info.context, self._value)

    @classmethod
    def from_value(cls, v: bv.StatementDocumentValue) -> StatementDocument:
        return cls(
            id=strawberry.ID(v.id),
            title=v.title,
            content_type=v.content_type,
            size=v.size,
            created=v.created,
            _value=v,
        )


@strawberry.type(description="A statement of the practice (FHIR Invoice, status issued or balanced).")
class Statement:
    id: strawberry.ID = strawberry.field(description="Invoice.id.")
    number: str | None = strawberry.field(description="Invoice.identifier (the statement number).")
    status: StatementStatus = strawberry.field(description="Invoice.status.")
    date: str | None = strawberry.field(description="Invoice.date (FHIR dateTime): when it was issued.")
    period: Period | None = strawberry.field(
        description="The service period (R5 Invoice.period[x], through its cross-version extension)."
    )
    line_items: list[StatementLineItem] = strawberry.field(description="Invoice.lineItem.")
    total_gross: Money | None = strawberry.field(description="Invoice.totalGross: the charges.")
    total_net: Money | None = strawberry.field(description="Invoice.totalNet: the patient's share.")
    paid: Money = strawberry.field(description="Payments recorded against it (PaymentReconciliation.detail).")
    amount_due: Money = strawberry.field(
        description="totalNet minus `paid` while issued; zero once balanced."
    )
    payment_terms: str | None = strawberry.field(description="Invoice.paymentTerms.")
    notes: list[str] = strawberry.field(description="Invoice.note.text.")
    document: StatementDocument | None = strawberry.field(description="The uploaded statement PDF, if any.")

    @classmethod
    def from_value(cls, v: bv.StatementValue) -> Statement:
        return cls(
            id=strawberry.ID(v.id),
            number=v.number,
            status=StatementStatus(v.status),
            date=v.date,
            period=period(v.period),
            line_items=[StatementLineItem.from_value(item) for item in v.line_items],
            total_gross=money(v.total_gross),
            total_net=money(v.total_net),
            paid=Money.from_value(v.paid),
            amount_due=Money.from_value(v.amount_due),
            payment_terms=v.payment_terms,
            notes=list(v.notes),
            document=StatementDocument.from_value(v.document) if v.document else None,
        )


@strawberry.type(description="What a payment paid towards one statement (PaymentReconciliation.detail).")
class PaymentAllocation:
    statement_id: strawberry.ID = strawberry.field(description="detail.request: the Invoice's id.")
    amount: Money = strawberry.field(description="detail.amount.")

    @classmethod
    def from_value(cls, v: bv.AllocationValue) -> PaymentAllocation:
        return cls(statement_id=strawberry.ID(v.statement_id), amount=Money.from_value(v.amount))


@strawberry.enum(description="FHIR PaymentReconciliation.status.")
class PaymentStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="The payment counts.")
    CANCELLED = strawberry.enum_value("cancelled", description="Reversed (refunded): it no longer counts.")


@strawberry.enum(description="Who a party on the bill is (the type of the FHIR reference).")
class PartyKind(Enum):
    PATIENT = "PATIENT"
    RELATED_PERSON = strawberry.enum_value("RELATED_PERSON", description="A proxy, e.g. a parent.")
    ORGANIZATION = "ORGANIZATION"
    OTHER = "OTHER"


@strawberry.type(
    description="A recorded payment (FHIR PaymentReconciliation, placed by its patient-payment Task)."
)
class Payment:
    id: strawberry.ID = strawberry.field(description="PaymentReconciliation.id.")
    status: PaymentStatus = strawberry.field(description="PaymentReconciliation.status.")
    date: FhirDate | None = strawberry.field(description="PaymentReconciliation.paymentDate.")
    amount: Money = strawberry.field(
        description="What it paid towards the patient's statements (detail.amount)."
    )
    transaction_id: str | None = strawberry.field(
        description="The card processor's transaction id (PaymentReconciliation.identifier)."
    )
    method: str | None = strawberry.field(description="PaymentReconciliation.disposition.")
    paid_by: PartyKind | None = strawberry.field(description="Who paid (the Task's requester).")
    statements: list[PaymentAllocation] = strawberry.field(description="The statements it paid.")

    @classmethod
    def from_value(cls, v: bv.PaymentValue) -> Payment:
        return cls(
            id=strawberry.ID(v.id),
            status=PaymentStatus(v.status),
            date=FhirDate(v.date) if v.date else None,
            amount=Money.from_value(v.amount),
            transaction_id=v.transaction_id,
            method=v.method,
            paid_by=PartyKind(v.paid_by) if v.paid_by else None,
            statements=[PaymentAllocation.from_value(p) for p in v.statements],
        )


@strawberry.enum(description="Where a payment that is not in the EHR yet stands.")
class PendingPaymentStatus(Enum):
    PROCESSING = strawberry.enum_value("PROCESSING", description="The card processor has not confirmed it.")
    CHARGED = strawberry.enum_value("CHARGED", description="Charged; being recorded in the EHR.")


@strawberry.type(
    description=(
        "A payment made through the portal that the EHR does not show yet (the gateway's own record); it "
        "already counts in `balance.pending`."
    )
)
class PendingPayment:
    id: strawberry.ID = strawberry.field(description="The gateway's id of the payment.")
    amount: Money = strawberry.field(description="How much.")
    created_at: datetime = strawberry.field(description="When it was made.")
    status: PendingPaymentStatus = strawberry.field(description="Where it stands.")
    statements: list[PaymentAllocation] = strawberry.field(description="The statements it pays.")

    @classmethod
    def from_value(cls, v: billing.PendingPaymentValue) -> PendingPayment:
        return cls(
            id=strawberry.ID(v.id),
            amount=Money.from_value(v.amount),
            created_at=v.created_at,
            status=PendingPaymentStatus(v.status),
            statements=[PaymentAllocation.from_value(p) for p in v.statements],
        )


@strawberry.type(
    description="Who is responsible for the bill (FHIR Account.guarantor, current and not on hold)."
)
class Guarantor:
    kind: PartyKind = strawberry.field(description="The type of Account.guarantor.party.")
    display: str | None = strawberry.field(description="Account.guarantor.party.display.")
    is_viewer: bool = strawberry.field(description="Whether the guarantor is the signed-in viewer.")


@strawberry.type(description="The patient's billing account (FHIR Account, type PBILLACCT).")
class BillingAccount:
    id: strawberry.ID = strawberry.field(description="Account.id.")
    status: str | None = strawberry.field(description="Account.status.")
    guarantors: list[Guarantor] = strawberry.field(description="Account.guarantor.")

    @classmethod
    def from_value(cls, v: bv.AccountValue) -> BillingAccount:
        guarantors = [
            Guarantor(kind=PartyKind(g.kind), display=g.display, is_viewer=g.is_viewer) for g in v.guarantors
        ]
        return cls(id=strawberry.ID(v.id), status=v.status, guarantors=guarantors)


@strawberry.type(description="The patient's bills and payments (Account, Invoice, PaymentReconciliation).")
class Billing:
    patient_id: strawberry.Private[str]
    # A section of the patient's record: its fields wait for the Patient read, as the Patient's do.
    _record: strawberry.Private[PatientRecord]

    @strawberry.field(
        description="The balance, computed fresh on every request from the EHR and the payments under way."
    )
    async def balance(self, info: Info) -> Balance:
        return Balance.from_value(await billing.billing_balance(info.context, self.patient_id))

    @strawberry.field(description="Statements (issued or balanced Invoices), newest first.")
    async def statements(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Statement]:
        page = await billing.statement_page(
            info.context, self.patient_id, first=first, after=after, total=selects(info, "totalCount")
        )
        return build(page, Statement.from_value)

    @strawberry.field(description="Recorded payments, newest first.")
    async def payments(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Payment]:
        page = await billing.payment_page(
            info.context, self.patient_id, first=first, after=after, total=selects(info, "totalCount")
        )
        return build(page, Payment.from_value)

    @strawberry.field(description="Payments made through the portal that the EHR does not show yet.")
    async def pending_payments(self, info: Info) -> list[PendingPayment]:
        return [
            PendingPayment.from_value(p)
            for p in await billing.pending_payments(info.context, self.patient_id)
        ]

    @strawberry.field(description="The billing Account and its guarantors (null when the EHR has none).")
    async def account(self, info: Info) -> BillingAccount | None:
        value = await billing.billing_account(info.context, self.patient_id)
        return BillingAccount.from_value(value) if value else None

    @strawberry.field(
        description=(
            "Whether the viewer may pay these bills online: the patient always; a proxy only where the "
            "practice allows it and the Account names them guarantor."
        )
    )
    async def viewer_may_pay(self, info: Info) -> bool:
        return await billing.viewer_may_pay(info.context, self.patient_id)


gate(Billing)
