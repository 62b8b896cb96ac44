"""Billing without servers: money to the cent, statements read defensively, payments, the balance rule, the
amounts that can never be paid, who may pay, and how a payment is spread over the statements."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from access import Capability, Grant, Level
from fhir_client import Resource
from resolvers import billing_values as bv
from resolvers.billing import Ledger, balance
from resolvers.payment_records import payment_entries
from resolvers.payments import _allocate, amount_problem
from resolvers.pending_payments import PendingPayment, PendingState, under_way
from resolvers.practice import PracticeRules

MARKERS = "urn:portal-gateway:idempotency"
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _invoice(rid: str, net: float | str | None, status: str = "issued", **extra: object) -> Resource:
    data: dict[str, object] = {"resourceType": "Invoice", "id": rid, "status": status, **extra}
    if net is not None:
        data["totalNet"] = {"value": net, "currency": "USD"}
    return Resource(data)


def _payment(
    rid: str, task: str, *parts: tuple[str, float], status: str = "active", marker: str = ""
) -> list[Resource]:
    reconciliation = {
        "resourceType": "PaymentReconciliation",
        "id": rid,
        "status": status,
        "paymentDate": "2026-11-30",
        "request": {"reference": f"Task/{task}"},
        "identifier": [{"system": MARKERS, "value": marker}] if marker else [],
        "detail": [
            {"request": {"reference": f"Invoice/{inv}"}, "amount": {"value": amount, "currency": "USD"}}
            for inv, amount in parts
        ],
    }
    payment_task = {
        "resourceType": "Task",
        "id": task,
        "status": "completed",
        "code": {"coding": [{"system": bv.TASK_SYSTEM, "code": bv.PAYMENT_TASK}]},
        "for": {"reference": "Patient/p1"},
        "requester": {"reference": "RelatedPerson/rp1"},
    }
    return [Resource(reconciliation), Resource(payment_task)]


def test_money_is_a_decimal_to_the_cent_in_the_practices_currency() -> None:
    assert bv.money({"value": 0.1, "currency": "USD"}, "USD") == bv.MoneyValue(Decimal("0.10"), "USD")
    assert bv.money({"value": 145.37, "currency": "USD"}, "USD").value == Decimal("145.37")  # type: ignore[union-attr]
    assert bv.money({"value": 5, "currency": "EUR"}, "USD") is None
    assert bv.money({"value": "x"}, "USD") is None and bv.money(None, "USD") is None


def test_the_balance_rule_counts_issued_statements_less_active_payments() -> None:
    included = [
        *_payment("pr1", "t1", ("a", 10.05), marker="m1"),
        *_payment("pr2", "t2", ("a", 13.38), ("b", 20.01)),
        *_payment("refund", "t3", ("b", 50.0), status="cancelled"),
        *_payment("mistake", "t4", ("b", 50.0), status="entered-in-error"),
    ]
    recorded = bv.recorded(included, "USD", MARKERS)
    assert recorded.paid == {"a": Decimal("23.43"), "b": Decimal("20.01")}
    assert recorded.markers == frozenset({"m1"})
    assert [p.id for p in recorded.payments] == ["pr1", "pr2", "refund"]
    assert {p.paid_by for p in recorded.payments} == {"RELATED_PERSON"}
    invoices = [
        _invoice("a", 43.44),
        _invoice("b", "59.99"),
        _invoice("c", 80.0, "balanced"),
        _invoice("d", 5, "draft"),
    ]
    assert bv.owed(invoices, recorded.paid, "USD") == Decimal("59.99")


def test_a_payment_without_its_task_is_not_counted() -> None:
    reconciliation, _ = _payment("pr1", "t1", ("a", 10.0))
    assert bv.recorded([reconciliation], "USD", MARKERS).paid == {}


def test_a_statement_shows_its_lines_and_what_is_due() -> None:
    invoice = _invoice(
        "a",
        None,
        identifier=[{"system": bv.STATEMENT_SYSTEM, "value": "MGFM-1"}],
        extension=[{"url": bv.PERIOD_EXTENSION, "valuePeriod": {"start": "2026-11-01", "end": "2026-11-02"}}],
        lineItem=[
            {
                "sequence": 1,
                "priceComponent": [
                    {"type": "base", "amount": {"value": 145.37, "currency": "USD"}},
                    {"type": "deduction", "amount": {"value": 110.12, "currency": "USD"}},
                    {"type": "informational", "amount": {"value": 999, "currency": "USD"}},
                ],
            },
            {
                "sequence": "two",
                "priceComponent": [{"type": "base", "amount": {"value": 8.19, "currency": "USD"}}],
            },
        ],
    )
    statement = bv.statement_value(invoice, "p1", {"a": Decimal("10.00")}, {}, "USD")
    assert statement is not None
    assert [line.net for line in statement.line_items] == [
        bv.MoneyValue(Decimal("35.25"), "USD"),
        bv.MoneyValue(Decimal("8.19"), "USD"),
    ]
    assert statement.line_items[1].sequence is None  # malformed upstream data is skipped, not fatal
    assert statement.total_net == bv.MoneyValue(Decimal("43.44"), "USD")  # no totalNet: the lines' sum
    assert statement.amount_due.value == Decimal("33.44") and statement.number == "MGFM-1"
    # The balance counts what the statement shows: the same lines' sum, less what was paid.
    assert bv.owed([invoice], {"a": Decimal("10.00")}, "USD") == statement.amount_due.value
    assert statement.period is not None and statement.period.start == "2026-11-01"
    assert bv.statement_value(_invoice("a", 5, "balanced"), "p1", {}, {}, "USD").amount_due.value == 0  # type: ignore[union-attr]
    assert bv.statement_value(_invoice("a", 5, "cancelled"), "p1", {}, {}, "USD") is None


def test_the_payable_balance_leaves_out_what_is_under_way_but_not_twice() -> None:
    ledger = Ledger(
        (_invoice("a", 30.0),),
        bv.recorded(_payment("pr", "t", ("a", 4.0), marker="lost"), "USD", MARKERS),
    )
    records = [
        _pending("lost", "4.00", PendingState.CHARGED),  # in FHIR already (its answer was lost): once only
        _pending("charging", "6.00", PendingState.CHARGING),
        _pending("declined", "9.00", PendingState.VOID),
        _pending("late", "1.00", PendingState.RECORDED),  # recorded after the read
    ]
    assert [r.marker for r in under_way(records, ledger.recorded.markers)] == ["charging", "late"]
    shown = balance(ledger, records, "USD", NOW)
    assert (shown.owed.value, shown.pending.value, shown.payable.value) == (
        Decimal("26.00"),
        Decimal("7.00"),
        Decimal("19.00"),
    )


def _pending(marker: str, amount: str, state: PendingState, invoice: str = "a") -> PendingPayment:
    allocation = ((invoice, Decimal(amount)),)
    return PendingPayment(marker, "p1", "Patient/p1", Decimal(amount), "USD", allocation, NOW, state)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("0", "USD"),
        ("-1.00", "USD"),
        ("0.001", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("1E+30", "USD"),
        ("5", "EUR"),
    ],
)
def test_amounts_that_can_never_be_paid(amount: str, currency: str) -> None:
    assert amount_problem(Decimal(amount), currency, PracticeRules()) is not None


def test_amounts_that_can_be_paid() -> None:
    for amount in ("0.01", "25", "25.5", "999999.99"):
        assert amount_problem(Decimal(amount), "USD", PracticeRules()) is None


def test_a_payment_goes_to_the_oldest_open_statements_first() -> None:
    invoices = (_invoice("old", 43.44), _invoice("new", 59.99), _invoice("newest", 10.0))
    going = [_pending("m", "20.00", PendingState.CHARGING, "old")]  # 20.00 of "old" is being paid already
    spread = _allocate(invoices, {"old": Decimal("10.05")}, going, Decimal("33.39"), "USD")
    assert spread == (("old", Decimal("13.39")), ("new", Decimal("20.00")))


def test_the_recorded_payment_is_a_task_for_the_patient_and_its_reconciliation() -> None:
    record = replace(
        _pending("abc", "12.34", PendingState.CHARGED), transaction_id="txn_1", paid_on="2026-12-02"
    )
    task, reconciliation = payment_entries(record)
    assert task.resource is not None and reconciliation.resource is not None
    assert task.resource["for"] == {"reference": "Patient/p1"} and task.full_url
    assert reconciliation.resource["request"] == {"reference": task.full_url}
    assert (
        task.if_none_exist
        == reconciliation.if_none_exist
        == "identifier=urn%3Aportal-gateway%3Aidempotency%7Cabc"
    )
    assert reconciliation.resource["paymentAmount"] == {"value": 12.34, "currency": "USD"}
    assert "token" not in str(reconciliation.resource)


def test_a_proxy_pays_only_where_the_practice_allows_it() -> None:
    proxy = Grant("p1", Level.SCHEDULING_MESSAGING, related_person_id="rp1")
    reader = Grant("p1", Level.READ_ONLY, related_person_id="rp2")
    assert Capability.PAY not in PracticeRules().capabilities(proxy)
    allowing = PracticeRules(guarantor_proxies_pay=True)
    assert Capability.PAY in allowing.capabilities(proxy)
    assert Capability.PAY not in allowing.capabilities(reader)
    assert Capability.PAY in allowing.capabilities(Grant("p1", Level.SELF))


def test_the_guarantor_is_read_from_the_account() -> None:
    account = Resource(
        {
            "resourceType": "Account",
            "id": "acct",
            "guarantor": [
                {"party": {"reference": "RelatedPerson/rp1", "display": "A. Parent"}, "onHold": False},
                {"party": {"reference": "RelatedPerson/rp2"}, "onHold": True},
                {"party": {"reference": "Patient/p1"}, "period": {"end": "2020-01-01"}},
            ],
        }
    )
    value = bv.account_value(account, "RelatedPerson/rp1", date(2026, 12, 2))
    assert value.guarantors == (bv.GuarantorValue("RELATED_PERSON", "A. Parent", True),)
