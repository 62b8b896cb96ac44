"""A clinic of the test's own in HAPI, so tests book without touching the fixtures' slots.

A Practitioner with a role, a Schedule at the practice's Location and free Slots at chosen times, all with
ids unique per run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.gateway.access_support import AccessPortal

LOCATION = "loc-mgfm-main"
VISIT_TYPES = "http://terminology.hl7.org/CodeSystem/v2-0276"

APPOINTMENT_FIELDS = """
  id status start end visitType { coding { code } } reason { text } bookedBy slotId
  clinician { practitioner { id name { family } } roles { coding { code } }
              specialties { coding { display } } }
  clinic { id name address { city } phone }
  requestedPeriods { start end } cancellationReason { coding { code } text }
  checkIn { state opensAt completedAt }
"""
BOOK = f"""
mutation B($patient: ID!, $slot: ID!, $key: String!, $reason: String) {{
  bookAppointment(patientId: $patient, slotId: $slot, idempotencyKey: $key, reason: $reason) {{
    __typename ... on Problem {{ code message }}
    ... on AppointmentBooked {{ appointment {{ {APPOINTMENT_FIELDS} }} }}
    ... on OutsideBookingWindow {{ latest }} ... on TooManyUpcoming {{ limit }}
  }}
}}
"""
REQUEST = f"""
mutation R($patient: ID!, $key: String!, $windows: [TimeWindow!]!, $reason: String!, $type: VisitType!,
           $practitioner: ID) {{
  requestAppointment(patientId: $patient, serviceType: $type, preferredWindows: $windows, reason: $reason,
                     idempotencyKey: $key, practitionerId: $practitioner) {{
    __typename ... on Problem {{ code message }}
    ... on AppointmentRequested {{ appointment {{ {APPOINTMENT_FIELDS} }} }}
  }}
}}
"""
CANCEL = f"""
mutation C($patient: ID!, $appointment: ID!, $key: String!, $reason: String) {{
  cancelAppointment(patientId: $patient, appointmentId: $appointment, idempotencyKey: $key,
                    reason: $reason) {{
    __typename ... on Problem {{ code message }}
    ... on AppointmentCancelled {{ appointment {{ {APPOINTMENT_FIELDS} }} }}
  }}
}}
"""
CHECK_IN = f"""
mutation K($patient: ID!, $appointment: ID!, $key: String!, $answers: [CheckInAnswer!]!, $ok: Boolean!) {{
  checkIn(patientId: $patient, appointmentId: $appointment, answers: $answers, confirmDemographics: $ok,
          idempotencyKey: $key) {{
    __typename ... on Problem {{ code message }} ... on CheckedIn {{ appointment {{ {APPOINTMENT_FIELDS} }} }}
    ... on CheckInNotOpen {{ opensAt closesAt }} ... on InvalidAnswers {{ problems {{ questionId problem }} }}
  }}
}}
"""
UPCOMING = f"""
query U($patient: ID!, $when: AppointmentsWhen!) {{
  patient(id: $patient) {{ appointments(when: $when) {{ nodes {{ {APPOINTMENT_FIELDS} }} }} }}
}}
"""
ONE = f"query A($id: ID!) {{ appointment(id: $id) {{ {APPOINTMENT_FIELDS} calendarFile }} }}"
SLOTS = """
query S($from: DateTime!, $to: DateTime!, $practitioner: ID, $type: VisitType, $after: String, $first: Int) {
  availableSlots(from: $from, to: $to, practitionerId: $practitioner, serviceType: $type, after: $after,
                 first: $first) {
    nodes { id start end visitType { coding { code } } clinician { id } clinic { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
GOOD_ANSWERS = [
    {"questionId": "reason", "text": "Knee pain when running"},
    {"questionId": "medication-changes", "yes": False},
    {"questionId": "allergies-changed", "yes": False},
    {"questionId": "insurance-changed", "yes": True},
]


@dataclass
class Clinic:
    """The test's clinician and Schedule; ``slot(...)`` adds a free Slot."""

    base_url: str
    run: str

    @property
    def practitioner(self) -> str:
        return f"prac-{self.run}"

    @property
    def schedule(self) -> str:
        return f"sched-{self.run}"

    def slot(self, ahead: timedelta, *, visit_type: str = "ROUTINE", status: str = "free") -> str:
        """A Slot starting ``ahead`` from now (rounded to the minute), 30 minutes long; its id."""
        start = (datetime.now(UTC) + ahead).replace(second=0, microsecond=0)
        sid = f"slot-{self.run}-{uuid.uuid4().hex[:8]}"
        _put(
            self.base_url,
            {
                "resourceType": "Slot",
                "id": sid,
                "schedule": {"reference": f"Schedule/{self.schedule}"},
                "status": status,
                "appointmentType": {"coding": [{"system": VISIT_TYPES, "code": visit_type}]},
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            },
        )
        return sid

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.base_url}/{resource_type}/{resource_id}", timeout=20).json()
        return body

    def appointments_of_slot(self, slot_id: str) -> list[dict[str, Any]]:
        bundle = httpx.get(
            f"{self.base_url}/Appointment", params={"slot": f"Slot/{slot_id}"}, timeout=20
        ).json()
        return [e["resource"] for e in bundle.get("entry", [])]

    def search(self, resource_type: str, params: dict[str, str]) -> list[dict[str, Any]]:
        bundle = httpx.get(f"{self.base_url}/{resource_type}", params=params, timeout=20).json()
        return [e["resource"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") == "match"]


def new_clinic(base_url: str) -> Clinic:
    """Write a clinician, their role and a Schedule at the practice's Location."""
    clinic = Clinic(base_url, f"t{uuid.uuid4().hex[:10]}")
    name = {"family": f"Test{clinic.run[-4:]}", "given": ["Casey"], "suffix": ["MD"]}
    _put(
        base_url, {"resourceType": "Practitioner", "id": clinic.practitioner, "active": True, "name": [name]}
    )
    role_code = {"system": "http://terminology.hl7.org/CodeSystem/practitioner-role", "code": "doctor"}
    specialty = {
        "system": "http://nucc.org/provider-taxonomy",
        "code": "207Q00000X",
        "display": "Family Medicine",
    }
    _put(
        base_url,
        {
            "resourceType": "PractitionerRole",
            "id": f"role-{clinic.run}",
            "active": True,
            "practitioner": {"reference": f"Practitioner/{clinic.practitioner}"},
            "code": [{"coding": [role_code]}],
            "specialty": [{"coding": [specialty]}],
            "location": [{"reference": f"Location/{LOCATION}"}],
        },
    )
    _put(
        base_url,
        {
            "resourceType": "Schedule",
            "id": clinic.schedule,
            "active": True,
            "actor": [
                {"reference": f"Practitioner/{clinic.practitioner}"},
                {"reference": f"Location/{LOCATION}"},
            ],
        },
    )
    return clinic


def _put(base_url: str, resource: dict[str, Any]) -> None:
    url = f"{base_url}/{resource['resourceType']}/{resource['id']}"
    reply = httpx.put(url, json=resource, headers={"content-type": "application/fhir+json"}, timeout=20)
    assert reply.status_code in (200, 201), reply.text


async def warm(access: AccessPortal, key: str) -> str:
    """A session of family member ``key`` whose scope is already computed (later requests send only what the
    operation itself needs)."""
    token = await access.token(key)
    reply = await access.gql("{ viewer { patients { patient { id } } } }", token=token)
    assert "errors" not in reply.body, reply.body
    return token
