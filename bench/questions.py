"""The portal's questions, each asked three ways: the gateway's GraphQL, the minimal raw FHIR requests, and
HAPI's own ``$graphql``.

The three ask for the same data. They do not do the same work: the gateway also authenticates, scopes,
applies the release rule and audits; raw FHIR and ``$graphql`` do none of that. HAPI's ``$graphql`` cannot
sort a reverse-reference list (``_sort`` is refused), so its lists come in the server's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RESULT_FIELDS = """
fragment Provider on Provider {
  __typename
  ... on Practitioner { id name { family given prefix } }
  ... on Organization { id organizationName: name }
}
fragment Result on DiagnosticReport {
  id status code { text coding { system code } } effectiveDateTime issued
  performer { ...Provider }
  result {
    id status code { text } effectiveDateTime
    value { __typename ... on Quantity { value unit } }
    interpretation { coding { code } }
    referenceRange { text }
  }
}
"""

RESULTS_PAGE = (
    """
query ResultsPage($patient: ID!, $first: Int!) {
  patient(id: $patient) {
    id name { family given } birthDate
    results(first: $first) {
      edges { node { ...Result } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    + RESULT_FIELDS
)

# The CPU question: a page of results with performers (no member Observations), so that the gateway's own
# work per entry is what is measured.
RESULTS_WITH_PERFORMERS = """
query ResultsWithPerformers($patient: ID!, $first: Int!) {
  patient(id: $patient) {
    results(first: $first) {
      edges { node { id status code { text } effectiveDateTime issued performer { ...Provider } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
fragment Provider on Provider {
  __typename
  ... on Practitioner { id name { family given } }
  ... on Organization { id organizationName: name }
}
"""

OBSERVATIONS_PAGE = """
query ObservationsPage($patient: ID!, $first: Int!) {
  patient(id: $patient) {
    observations(first: $first) {
      edges { node { id code { text } effectiveDateTime value { ... on Quantity { value unit } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

MEDICATIONS = """
medications(status: ACTIVE) {
      edges { node {
        id status authoredOn renewable
        medication { code { text } }
        dosageInstruction { text }
        prescriber { ...Provider }
      } }
    }
"""

DASHBOARD = (
    """
query Dashboard($patient: ID!) {
  patient(id: $patient) {
    id name { family given } birthDate
    appointments(when: UPCOMING, first: 3) {
      edges { node {
        id status start end visitType { text }
        clinician { practitioner { id name { family given prefix } } }
        clinic { id name }
        checkIn { state opensAt }
      } }
    }
    results(first: 10) { edges { node { ...Result } } }
    MEDICATIONS
    unreadMessageCount
    BALANCE
  }
}
"""
    + RESULT_FIELDS
)


@dataclass(frozen=True, slots=True)
class Question:
    """One question three ways, for one patient.

    Attributes:
        name: As reported.
        document: The gateway's GraphQL operation; ``variables`` its variables.
        raw: The minimal FHIR requests (paths relative to the base), sent together.
        hapi_graphql: HAPI's ``$graphql`` document for ``Patient/<patient>/$graphql``.
        check: Raises unless the gateway's data answers the question (``entries`` the expected count).
    """

    name: str
    patient: str
    document: str
    variables: dict[str, Any]
    raw: tuple[str, ...]
    hapi_graphql: str
    check: Callable[[Any], None]

    @property
    def hapi_path(self) -> str:
        return f"Patient/{self.patient}/$graphql"


def _expect(path: tuple[str, ...], entries: int) -> Callable[[Any], None]:
    def check(data: Any) -> None:
        node = data
        for key in path:
            node = node[key]
        if len(node["edges"]) != entries:
            raise AssertionError(f"{'.'.join(path)}: {len(node['edges'])} entries, expected {entries}")

    return check


_HAPI_RESULT = """
    id status code { text coding { system code } } effectiveDateTime issued
    performer { reference resource { ... on Practitioner { name { family given prefix } }
                                     ... on Organization { name } } }
    result { reference resource { ... on Observation {
      id status code { text } effectiveDateTime valueQuantity { value unit }
      interpretation { coding { code } } referenceRange { text } } } }
"""


def results_page(patient: str, first: int) -> Question:
    """The patient and her latest ``first`` results, their Observations and performers."""
    report = (
        f"DiagnosticReport?patient=Patient/{patient}&_sort=-date&_count={first}"
        "&_include=DiagnosticReport:result&_include=DiagnosticReport:performer"
    )
    hapi = f"""{{ id name {{ family given }} birthDate
  DiagnosticReportList(_reference: patient, _count: {first}) {{ {_HAPI_RESULT} }} }}"""
    return Question(
        f"results page of {first}",
        patient,
        RESULTS_PAGE,
        {"patient": patient, "first": first},
        (f"Patient/{patient}", report),
        hapi,
        _expect(("patient", "results"), first),
    )


def dashboard(patient: str, now: datetime, balance: str, medications: str = MEDICATIONS) -> Question:
    """The dashboard: the patient, next 3 appointments, latest 10 results with performers, active
    medications, unread message count and balance (``balance`` is the GraphQL selection of the balance)."""
    today = now.date().isoformat()
    raw = (
        f"Patient/{patient}",
        f"Appointment?patient=Patient/{patient}&date=ge{today}&status=booked,arrived,checked-in,proposed,pending"
        "&_sort=date&_count=3&_include=Appointment:actor",
        f"DiagnosticReport?patient=Patient/{patient}&_sort=-date&_count=10"
        "&_include=DiagnosticReport:result&_include=DiagnosticReport:performer",
        f"MedicationRequest?patient=Patient/{patient}&status=active&_include=MedicationRequest:requester",
        f"Communication?recipient=Patient/{patient}&received:missing=true&_summary=count",
        f"Invoice?patient=Patient/{patient}&status=issued&_sort=date&_count=100"
        "&_revinclude=Task:based-on&_revinclude:iterate=PaymentReconciliation:request",
    )
    hapi = f"""{{ id name {{ family given }} birthDate
  AppointmentList(_reference: patient, date: "ge{today}", status: "booked", _count: 3) {{
    id status start end appointmentType {{ text }}
    participant {{ actor {{ reference resource {{ ... on Practitioner {{ name {{ family given prefix }} }}
                                               ... on Location {{ name }} }} }} }} }}
  DiagnosticReportList(_reference: patient, _count: 10) {{ {_HAPI_RESULT} }}
  MedicationRequestList(_reference: patient, status: "active") {{
    id status authoredOn medicationCodeableConcept {{ text }} dosageInstruction {{ text }}
    requester {{ reference resource {{ ... on Practitioner {{ name {{ family given prefix }} }} }} }} }}
  CommunicationList(_reference: recipient) {{ id received }}
  InvoiceList(_reference: subject, status: "issued") {{ id totalNet {{ value currency }} }}
}}"""
    return Question(
        "dashboard",
        patient,
        DASHBOARD.replace("BALANCE", balance).replace("MEDICATIONS", medications),
        {"patient": patient},
        raw,
        hapi,
        _expect(("patient", "results"), 10),
    )


def growth_page(patient: str) -> Question:
    """The first page (20) of a patient's results, for the growth scenario."""
    question = results_page(patient, 20)
    return Question(
        f"first results page ({patient})",
        patient,
        question.document,
        question.variables,
        question.raw,
        question.hapi_graphql,
        question.check,
    )
