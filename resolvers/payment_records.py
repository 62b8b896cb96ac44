"""The FHIR record of a charged payment: a Task that names the patient, and its PaymentReconciliation.

R4 PaymentReconciliation has no patient element and no patient search parameter; the Task (code
``urn:portal-gateway:task|patient-payment``, ``for`` the patient, ``basedOn`` the Invoices paid,
``requester`` who paid) does, and ``PaymentReconciliation.request`` (R4's own reference to a Task) names it.
Both are created in one transaction, each only if none with the payment's marker exists
(``If-None-Exist``), so the EHR holds a payment once however often it is recorded (docs/billing.md).
"""

from __future__ import annotations

import uuid

from fhir_client import Entry

from . import billing_values as bv
from .guard import PatientGuard
from .idempotency import WriteMarker
from .ids import created_id
from .pending_payments import PendingPayment

PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/payment-type"
METHOD = "Online card payment"
_URN = uuid.UUID("5b2f3a52-7a8e-4c8e-9a43-1e6f0d1c2b90")  # namespace of the transaction's Task full URL


def payment_entries(record: PendingPayment) -> list[Entry]:
    """The FHIR record of a charged payment: a Task (the patient's payment, ``for`` the patient) and its
    PaymentReconciliation, each created only if none with the payment's marker exists."""
    marker = WriteMarker(record.marker)
    money = {"value": record.amount, "currency": record.currency}
    task_url = f"urn:uuid:{uuid.uuid5(_URN, record.marker)}"
    task = {
        "resourceType": "Task",
        "identifier": [marker.identifier],
        "status": "completed",
        "intent": "order",
        "code": {
            "coding": [{"system": bv.TASK_SYSTEM, "code": bv.PAYMENT_TASK, "display": "Patient payment"}]
        },
        "description": METHOD,
        "for": {"reference": f"Patient/{record.patient_id}"},
        "basedOn": [{"reference": f"Invoice/{invoice}"} for invoice, _ in record.allocation],
        "authoredOn": record.created.isoformat(),
        "requester": {"reference": record.payer},
    }
    paid_on = record.paid_on or record.created.date().isoformat()
    reconciliation = {
        "resourceType": "PaymentReconciliation",
        "identifier": [
            {"system": bv.PROCESSOR_SYSTEM, "value": record.transaction_id},
            marker.identifier,
        ],
        "status": "active",
        "created": record.created.isoformat(),
        "request": {"reference": task_url},
        "outcome": "complete",
        "disposition": METHOD,
        "paymentDate": paid_on,
        "paymentAmount": money,
        "detail": [
            {
                "type": {"coding": [{"system": PAYMENT_TYPE, "code": "payment", "display": "Payment"}]},
                "request": {"reference": f"Invoice/{invoice}"},
                "date": paid_on,
                "amount": {"value": part, "currency": record.currency},
            }
            for invoice, part in record.allocation
        ],
    }
    return [
        Entry.create(task, full_url=task_url, if_none_exist=marker.criteria),
        Entry.create(reconciliation, if_none_exist=marker.criteria),
    ]


async def record_payment(guard: PatientGuard, record: PendingPayment) -> bv.PaymentValue:
    """Write a charged payment to FHIR (once per marker, however often called)."""
    if record.transaction_id is None:
        raise ValueError("only a charged payment is recorded")
    results = await guard.transaction(payment_entries(record))
    return recorded_value(record, payment_id=created_id(results[1].location))


def recorded_value(record: PendingPayment, payment_id: str | None = None) -> bv.PaymentValue:
    return bv.PaymentValue(
        id=payment_id or record.payment_id or "",
        status="active",
        date=record.paid_on,
        amount=bv.cents(record.amount, record.currency),
        transaction_id=record.transaction_id,
        method=METHOD,
        paid_by="RELATED_PERSON" if record.payer.startswith("RelatedPerson/") else "PATIENT",
        statements=tuple(
            bv.AllocationValue(invoice, bv.cents(part, record.currency))
            for invoice, part in record.allocation
        ),
        marker=record.marker,
    )
