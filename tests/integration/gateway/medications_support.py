"""Support for the medications and refill tests: orders of the test's own (unique ids per test), the GraphQL
operations, and what HAPI holds afterwards."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.gateway.access_support import AccessPortal, new_key

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ORDER = """
  id status intent authoredOn priorPrescriptionId renewable notRenewableReason openRefillRequestId
  statusReason { text }
  medication {
    id code { text coding { system code } } form { text } ingredient { strength { numerator { value unit } } }
  }
  prescriber { __typename ... on Practitioner { id } }
  dosageInstruction { text dose { value unit } route { text } frequency period periodUnit asNeeded }
  dispenseRequest { quantity { value unit } numberOfRepeatsAllowed validityPeriod { start end } }
"""
MEDICATIONS = (
    "query M($id: ID!, $status: MedicationListStatus, $first: Int, $after: String) { patient(id: $id) { "
    "medications(status: $status, first: $first, after: $after) { totalCount "
    f"pageInfo {{ hasNextPage endCursor }} nodes {{ {ORDER} }} }} }} }}"
)
REFILLS = (
    "query R($id: ID!) { patient(id: $id) { refillRequests { nodes { id state status requestedAt dueDate "
    f"lastModified pharmacyNote reason medicationRequest {{ {ORDER} }} newOrder {{ {ORDER} }} }} }} }} }}"
)
REQUEST = """
mutation Q($patient: ID!, $order: ID!, $note: String, $key: String!) {
  requestRefill(patientId: $patient, medicationRequestId: $order, pharmacyNote: $note, idempotencyKey: $key) {
    __typename
    ... on RefillRequested { id medicationRequestId state requestedAt dueDate }
    ... on AlreadyRequested { refillRequestId }
    ... on NotRenewable { reason }
    ... on Problem { code message }
  }
}
"""
CANCEL = """
mutation C($patient: ID!, $task: ID!, $key: String!) {
  cancelRefillRequest(patientId: $patient, taskId: $task, idempotencyKey: $key) {
    __typename
    ... on RefillRequestCancelled { id }
    ... on RefillRequestClosed { state }
    ... on Problem { code }
  }
}
"""


def order(
    patient: str,
    rid: str,
    *,
    status: str = "active",
    medication: str | None = None,
    requester: str = "Practitioner/prac-helen-lee",
    authored: str = "2026-01-01T10:00:00-05:00",
) -> dict[str, Any]:
    """A prescription of ``patient``: coded inline, or naming the Medication ``medication``."""
    drug: dict[str, Any] = (
        {"medicationReference": {"reference": f"Medication/{medication}"}}
        if medication
        else {
            "medicationCodeableConcept": {
                "coding": [{"system": RXNORM, "code": "314076"}],
                "text": "lisinopril",
            }
        }
    )
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        **drug,
        "authoredOn": authored,
        "requester": {"reference": requester},
        "dosageInstruction": [
            {
                "text": "Take 1 tablet by mouth twice daily.",
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"text": "Oral route"},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
            }
        ],
        "dispenseRequest": {
            "quantity": {"value": 60, "unit": "tablet"},
            "numberOfRepeatsAllowed": 2,
            "validityPeriod": {"start": "2026-01-01", "end": "2027-01-01"},
        },
    }


def medication(rid: str) -> dict[str, Any]:
    """A Medication of the directory (the test's own)."""
    return {
        "resourceType": "Medication",
        "id": rid,
        "code": {"coding": [{"system": RXNORM, "code": "904419"}], "text": f"alendronate {rid}"},
        "form": {"text": "Tablet"},
    }


def fhir_search(base: str, resource_type: str, **params: str) -> list[dict[str, Any]]:
    """Matches of a search straight to HAPI (what the EHR holds)."""
    reply = httpx.get(f"{base}/{resource_type}", params={**params, "_count": "100"}, timeout=30)
    assert reply.status_code == 200, reply.text[:500]
    return [
        e["resource"] for e in reply.json().get("entry", []) if e.get("search", {}).get("mode") == "match"
    ]


def renewal_tasks(base: str, patient: str) -> list[dict[str, Any]]:
    """The patient's renewal requests in HAPI."""
    return fhir_search(base, "Task", patient=f"Patient/{patient}", code="urn:portal-gateway:task|renewal")


def refill(patient: str, order_id: str, note: str | None = None) -> dict[str, Any]:
    """The variables of ``REQUEST``, with a new idempotency key."""
    return {"patient": patient, "order": order_id, "note": note, "key": new_key()}


async def request(
    access: AccessPortal, token: str, patient: str, order_id: str, note: str | None = None
) -> dict[str, Any]:
    """``requestRefill``'s result (asserting no errors)."""
    reply = await access.gql(REQUEST, refill(patient, order_id, note), token)
    result: dict[str, Any] = reply.data("requestRefill")
    return result


def writes(access: AccessPortal) -> list[str]:
    """What the gateway sent upstream that was not a read."""
    return [f"{r.method} {r.url}" for r in access.recorder.requests if r.method != "GET"]
