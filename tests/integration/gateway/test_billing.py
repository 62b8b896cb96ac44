"""Billing against real HAPI, Redis and SMTP: the balance to the cent, statements with their PDF, payments,
who may pay, another patient's statement, the statement notice, and the upstream cost of each read."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx
import pytest

from access import Capability
from auth import SmtpMailer, SystemClock
from fhir_client import Entry, FhirClient
from gateway.notices import Notifier
from resolvers.notices import STATEMENT_ISSUED
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, MakeContext, StartAccess, new_key
from tests.integration.gateway.billing_support import BALANCE, PAY, STATEMENTS, Billing, usd

pytestmark = pytest.mark.integration


@pytest.fixture
def office(access: AccessPortal, fhir_base_url: str) -> Billing:
    return Billing(access, fhir_base_url)


def _requests(access: AccessPortal) -> list[str]:
    """What HAPI answered (a batch's GETs as their own entries), without query strings, sorted."""
    return sorted(item.split("?")[0] for item in access.recorder.flat())


def _round_trips(access: AccessPortal) -> int:
    return len(access.recorder.requests)


async def test_the_balance_to_the_cent_across_statements_and_partial_payments(
    access: AccessPortal, office: Billing
) -> None:
    patient = access.family.patient("un")  # no statements yet
    assert await office.balance(patient, "un") == {"owed": 0, "pending": 0, "payable": 0}
    first = office.issue(patient, ("99213", "145.37", "110.12"), ("85025", "38.19", "30.00"))  # 43.44
    second = office.issue(patient, ("99214", "210.00", "150.01"))  # 59.99
    office.issue(patient, ("80053", "55.55", "55.55"))  # insurance paid it all: 0.00
    office.desk_payment(first, "10.05")
    assert (await office.balance(patient, "un"))["owed"] == Decimal("93.38")

    paid = await office.pay(patient, "20.01", as_="un")
    assert paid["__typename"] == "PaymentSucceeded", paid
    # Oldest statement first: all of it goes to the first statement (33.39 open there).
    assert paid["payment"]["statements"] == [{"statementId": first, "amount": {"value": "20.01"}}]
    paid = await office.pay(patient, "33.39", as_="un")  # 13.38 closes the first, 20.01 goes to the second
    assert [(s["statementId"], s["amount"]["value"]) for s in paid["payment"]["statements"]] == [
        (first, "13.38"),
        (second, "20.01"),
    ]
    access.recorder.clear()
    balance = await office.balance(patient, "un")
    assert balance == {"owed": Decimal("39.98"), "pending": 0, "payable": Decimal("39.98")}
    # Computed fresh: one search (statements, their payments and Accounts) beside the Patient read, one batch.
    assert _requests(access) == ["GET /fhir/Invoice", f"GET /fhir/Patient/{patient}"]
    assert _round_trips(access) == 1

    reply = await access.gql(STATEMENTS, {"patient": patient}, token=await office.token("un"))
    statements = {s["id"]: s for s in reply.data("patient")["billing"]["statements"]["nodes"]}
    assert statements[first]["paid"] == {"value": "43.44"} and statements[first]["amountDue"] == {
        "value": "0.00"
    }
    assert statements[second]["paid"] == {"value": "20.01"} and statements[second]["amountDue"] == {
        "value": "39.98"
    }
    # Paying the rest to the cent leaves nothing; a cent more is refused.
    refused = await office.pay(patient, "39.99", as_="un")
    assert refused == {**refused, "__typename": "AmountExceedsBalance", "payable": {"value": "39.98"}}
    assert (await office.pay(patient, "39.98", as_="un"))["__typename"] == "PaymentSucceeded"
    assert await office.balance(patient, "un") == {"owed": 0, "pending": 0, "payable": 0}
    assert len(await office.charges()) == 3


async def test_a_statement_shows_its_lines_totals_payments_and_pdf(
    access: AccessPortal, office: Billing
) -> None:
    patient, invoice = access.family.patient("pat"), access.family.invoice
    token = await office.token("pat")
    access.recorder.clear()
    reply = await access.gql(STATEMENTS, {"patient": patient}, token=token)
    page = reply.data("patient")["billing"]["statements"]
    assert _requests(access) == [
        "GET /fhir/Invoice",
        f"GET /fhir/Patient/{patient}",
    ]  # one search for the page
    assert _round_trips(access) == 1
    (statement,) = page["nodes"]
    assert statement["id"] == invoice and statement["status"] == "ISSUED" and page["totalCount"] == 1
    assert statement["number"] == f"T-{access.family.run}"
    assert statement["lineItems"] == [
        {
            "sequence": 1,
            "service": {"coding": [{"code": "99213"}]},
            "priceComponents": [
                {"type": "BASE", "amount": {"value": "145.00"}},
                {"type": "DEDUCTION", "amount": {"value": "115.00"}},
            ],
            "net": {"value": "30.00"},
        }
    ]
    assert statement["totalGross"] == usd("145.00") and statement["totalNet"] == {"value": "30.00"}
    assert statement["period"]["start"] and statement["paymentTerms"]
    assert statement["document"]["contentType"] == "application/pdf"

    access.recorder.clear()
    download = await access.gql(
        "query($id: ID!) { statement(id: $id) { id amountDue { value } document { title content } } }",
        {"id": invoice},
        token=token,
    )
    found = download.data("statement")
    assert base64.b64decode(found["document"]["content"]).startswith(b"%PDF-1.4")
    assert found["amountDue"] == {"value": "30.00"}
    assert _requests(access) == ["GET /fhir/Binary/" + f"{access.family.run}-bin", "GET /fhir/Invoice"]


async def test_payments_are_listed_newest_first_with_who_paid(access: AccessPortal, office: Billing) -> None:
    patient = access.family.patient("pat")
    first = await office.pay(patient, "5.00")
    second = await office.pay(patient, "7.50")
    access.recorder.clear()
    billing = await office.billing(patient)
    assert _requests(access) == ["GET /fhir/Invoice", f"GET /fhir/Patient/{patient}", "GET /fhir/Task"]
    assert _round_trips(access) == 1
    ids = [p["id"] for p in billing["payments"]["nodes"]]
    assert set(ids) == {first["payment"]["id"], second["payment"]["id"]}
    shown = billing["payments"]["nodes"][0]
    assert shown["paidBy"] == "PATIENT" and shown["transactionId"].startswith("txn_test_")
    assert shown["statements"][0]["statementId"] == access.family.invoice
    assert billing["balance"]["owed"] == usd("17.50") and billing["pendingPayments"] == []
    assert billing["viewerMayPay"] is True


async def test_another_patients_statement_answers_like_a_missing_one(
    access: AccessPortal, office: Billing
) -> None:
    theirs = office.issue(access.family.patient("un"), ("99213", "145.00", "100.00"))
    query = "query($id: ID!) { statement(id: $id) { id document { content } } }"
    mine = await office.token("pat")
    for wanted in (theirs, "no-such-invoice"):
        reply = await access.gql(query, {"id": wanted}, token=mine)
        assert reply.body == {"data": {"statement": None}}
    # Paying another patient's bill: the same NOT_FOUND as for a patient that does not exist.
    for patient in (access.family.patient("un"), "no-such-patient"):
        variables = {"patient": patient, "amount": usd("1.00"), "token": "tok_test_success", "key": new_key()}
        access.recorder.clear()
        reply = await access.gql(PAY, variables, token=mine)
        assert reply.codes == ["NOT_FOUND"] and access.recorder.requests == []
    assert await office.charges() == []


async def test_proxies_see_bills_and_pay_only_as_the_guarantor_where_the_practice_allows(
    start_access: StartAccess, fhir_base_url: str
) -> None:
    async with start_access() as access:
        office = Billing(access, fhir_base_url)
        patient = access.family.patient("pat")
        for proxy in ("ro", "sm"):
            billing = await office.billing(patient, proxy)
            assert billing["balance"]["owed"] == usd("30.00") and billing["viewerMayPay"] is False
            access.recorder.clear()
            assert (await office.pay(patient, "1.00", as_=proxy))["__typename"] == "NotPermitted"
            assert access.recorder.requests == []  # decided from the cached scope
    _guarantor(
        fhir_base_url, access.family.account, patient, f"RelatedPerson/{access.family.rp('sm', 'pat')}"
    )
    async with start_access(guarantor_proxies_pay=True) as access:
        office = Billing(access, fhir_base_url)
        assert (await office.pay(patient, "1.00", as_="ro"))["__typename"] == "NotPermitted"
        assert (await office.billing(patient, "sm"))["viewerMayPay"] is True
        paid = await office.pay(patient, "1.00", as_="sm")
        assert paid["__typename"] == "PaymentSucceeded" and paid["payment"]["paidBy"] == "RELATED_PERSON"
        # The Account names someone else again: the proxy is no longer the one who pays.
        _guarantor(fhir_base_url, access.family.account, patient, f"Patient/{patient}")
        assert (await office.pay(patient, "1.00", as_="sm"))["__typename"] == "NotPermitted"
        assert (await office.balance(patient))["owed"] == Decimal("29.00")


def _guarantor(fhir_base_url: str, account_id: str, patient: str, party: str) -> None:
    account: dict[str, Any] = {
        "resourceType": "Account",
        "id": account_id,
        "status": "active",
        "subject": [{"reference": f"Patient/{patient}"}],
        "guarantor": [{"party": {"reference": party}, "onHold": False}],
    }
    assert httpx.put(f"{fhir_base_url}/Account/{account_id}", json=account, timeout=20).status_code == 200


async def test_a_new_statement_is_mailed_once_without_phi(
    access: AccessPortal, office: Billing, fhir_base_url: str, smtp: SmtpSink
) -> None:
    patient = access.family.patient("pat")
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="portal@example.test", security="none")
    async with httpx.AsyncClient(timeout=20) as http:
        notifier = Notifier(
            FhirClient(http, fhir_base_url),
            access.portal.redis,
            access.portal.settings.auth_key_prefix,
            access.portal.auth.accounts,
            mailer,
            SystemClock(),
            [STATEMENT_ISSUED],
            practice_name="Maple Grove Family Medicine",
            portal_url="https://portal.example.test/",
        )
        assert await notifier.run_once() == 0  # the first run starts from now
        invoice = office.issue(patient, ("99214", "210.00", "170.00"))
        office.issue(access.family.patient("teen"), ("99213", "145.00", "100.00"))  # no account: no mail
        assert await notifier.run_once() == 1
        assert await notifier.run_once() == 0
    (mail,) = smtp.to(f"{access.family.run}-pat@example.test")
    text = mail.get_content()
    assert "new statement from Maple Grove Family Medicine" in text and "https://portal.example.test/" in text
    for secret in ("40.00", "210.00", "99214", invoice, invoice[4:].upper(), patient):
        assert secret not in text and secret not in str(mail["subject"])


async def test_the_balance_costs_one_search_and_bad_arguments_none(
    access: AccessPortal, office: Billing
) -> None:
    token = await office.token("pat")
    access.recorder.clear()
    reply = await access.gql(
        "query($p: ID!) { patient(id: $p) { billing { statements(first: 0) { nodes { id } } } } }",
        {"p": access.family.patient("pat")},
        token=token,
    )
    assert reply.codes == ["BAD_USER_INPUT"] and access.recorder.requests == []
    reply = await access.gql(BALANCE, {"patient": access.family.patient("pat")}, token=token)
    assert reply.data("patient")["billing"]["balance"]["payable"] == {"value": "30.00"}


async def test_the_guard_lets_payments_and_files_through_only_with_their_patient(
    access: AccessPortal, office: Billing, context_for: MakeContext
) -> None:
    f = access.family
    office.desk_payment(f.invoice, "5.00")
    theirs = office.issue(f.patient("un"), ("99213", "145.00", "100.00"))
    office.desk_payment(theirs, "5.00")
    guard = await (await context_for("pat")).guard(f.patient("pat"), Capability.PAY)
    page = await guard.search(
        "Invoice", {}, revinclude=["Task:based-on"], revinclude_iterate=["PaymentReconciliation:request"]
    )
    kinds = sorted(r.resource_type for r in page.included)
    assert kinds == ["PaymentReconciliation", "Task"]  # the patient's own payment, beside its Task
    with pytest.raises(ValueError, match="not a patient-compartment type"):
        await guard.search("PaymentReconciliation", {})  # never on its own
    reconciliation = next(r for r in page.included if r.resource_type == "PaymentReconciliation").data
    others_task = {"resourceType": "Task", "status": "completed", "intent": "order"}
    others_task["for"] = {"reference": f"Patient/{f.patient('un')}"}
    for entries in (
        [
            Entry.create(
                {**reconciliation, "request": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000001"}}
            )
        ],
        [
            Entry.create(others_task, full_url="urn:uuid:00000000-0000-0000-0000-000000000002"),
            Entry.create(
                {**reconciliation, "request": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000002"}}
            ),
        ],
    ):
        with pytest.raises(ValueError, match="within the patient's compartment"):
            await guard.transaction(entries)
    # The statement's PDF, and only as the file of the patient's own DocumentReference.
    documents = await guard.search("DocumentReference", {"related": f"Invoice/{f.invoice}"})
    (holder,) = documents.matches
    assert (await guard.attachment(holder, "Binary", f"{f.run}-bin")) is not None
    assert await guard.attachment(holder, "Binary", "some-other-binary") is None
    foreign = await (await context_for("un")).guard(f.patient("un"), Capability.READ)
    assert (
        await foreign.attachment(holder, "Binary", f"{f.run}-bin") is None
    )  # not a resource this viewer sees
