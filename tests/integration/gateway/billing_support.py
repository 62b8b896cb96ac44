"""What the billing tests share: operations, the billing office (staff CLI functions), the test processor's
ledger, and counts of what the EHR holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from fixtures.staff import billing as office
from fixtures.staff.ehr import Ehr
from resolvers.processors import Charged, TestProcessor
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.scheduling_support import warm

SUCCESS = "tok_test_success"
DECLINED = "tok_test_declined"
UNAVAILABLE = "tok_test_unavailable"
TIMEOUT = "tok_test_charge_then_timeout"

BILLING = """
query B($patient: ID!) {
  patient(id: $patient) {
    billing {
      balance { owed { value currency } pending { value } payable { value } }
      pendingPayments { id status amount { value } statements { statementId amount { value } } }
      payments(first: 50) {
        nodes {
          id status date amount { value currency } transactionId paidBy
          statements { statementId amount { value } }
        }
      }
      viewerMayPay
    }
  }
}
"""
BALANCE = """
query B($patient: ID!) {
  patient(id: $patient) { billing { balance { owed { value } pending { value } payable { value } } } }
}
"""
STATEMENTS = """
query S($patient: ID!, $after: String) {
  patient(id: $patient) {
    billing {
      statements(first: 10, after: $after) {
        totalCount
        nodes {
          id number status date period { start end }
          lineItems {
            sequence service { coding { code } } priceComponents { type amount { value } } net { value }
          }
          totalGross { value currency } totalNet { value } paid { value } amountDue { value } paymentTerms
          document { id title contentType size }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""
PAY = """
mutation P($patient: ID!, $amount: MoneyInput!, $token: String!, $key: String!) {
  makePayment(patientId: $patient, amount: $amount, paymentToken: $token, idempotencyKey: $key) {
    __typename
    ... on PaymentSucceeded {
      payment {
        id amount { value currency } transactionId date paidBy statements { statementId amount { value } }
      }
    }
    ... on PaymentPending { message payment { id status amount { value } } }
    ... on PaymentDeclined { reason }
    ... on AmountExceedsBalance { payable { value } }
    ... on Problem { code message }
  }
}
"""


def usd(value: str) -> dict[str, str]:
    return {"value": value, "currency": "USD"}


@dataclass
class Billing:
    """The billing office and the card processor's ledger, for one gateway under test."""

    access: AccessPortal
    fhir_base_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, key: str) -> str:
        """One warm session per family member (its scope computed once, so reads cost only themselves)."""
        if key not in self.tokens:
            self.tokens[key] = await warm(self.access, key)
        return self.tokens[key]

    @property
    def processor(self) -> TestProcessor:
        return TestProcessor(self.access.portal.redis, self.access.portal.settings.auth_key_prefix)

    def office(self) -> Ehr:
        return Ehr(self.fhir_base_url)

    def issue(self, patient_id: str, *lines: tuple[str, str, str]) -> str:
        ehr = self.office()
        try:
            return office.issue_statement(ehr, patient_id, list(lines))
        finally:
            ehr.close()

    def desk_payment(self, invoice_id: str, amount: str) -> str:
        ehr = self.office()
        try:
            return office.record_desk_payment(ehr, invoice_id, amount)
        finally:
            ehr.close()

    async def charges(self) -> list[Charged]:
        return await self.processor.charges()

    async def pay(
        self, patient: str, amount: str, *, token: str = SUCCESS, key: str | None = None, as_: str = "pat"
    ) -> dict[str, Any]:
        variables = {"patient": patient, "amount": usd(amount), "token": token, "key": key or new_key()}
        reply = await self.access.gql(PAY, variables, token=await self.token(as_))
        assert "errors" not in reply.body, reply.body
        result: dict[str, Any] = reply.body["data"]["makePayment"]
        return result

    async def billing(self, patient: str, as_: str = "pat") -> dict[str, Any]:
        reply = await self.access.gql(BILLING, {"patient": patient}, token=await self.token(as_))
        data: dict[str, Any] = reply.data("patient")["billing"]
        return data

    async def balance(self, patient: str, as_: str = "pat") -> dict[str, Decimal]:
        reply = await self.access.gql(BALANCE, {"patient": patient}, token=await self.token(as_))
        balance = reply.data("patient")["billing"]["balance"]
        return {name: Decimal(balance[name]["value"]) for name in ("owed", "pending", "payable")}


def recorded_payments(fhir_base_url: str, patient_id: str) -> list[dict[str, Any]]:
    """Every PaymentReconciliation of the patient's payment Tasks, straight from HAPI."""
    reply = httpx.get(
        f"{fhir_base_url}/Task",
        params={
            "patient": f"Patient/{patient_id}",
            "code": "urn:portal-gateway:task|patient-payment",
            "_revinclude": "PaymentReconciliation:request",
            "_count": "100",
        },
        timeout=20,
    )
    reply.raise_for_status()
    return [
        e["resource"]
        for e in reply.json().get("entry", [])
        if e["resource"]["resourceType"] == "PaymentReconciliation"
    ]
