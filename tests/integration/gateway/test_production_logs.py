"""A production gateway writes no PHI to its logs: a representative session, every log record captured.

The journey signs in, reads the record (conditions, allergies, immunizations), results and observations,
lists the viewer's patients (the proxy-scope searches), invites a proxy and asks for a username reminder (a
Patient read during recovery). Every record that any logger in the process creates, at DEBUG and above, is
rendered as the gateway renders it (JSON lines with all extra fields) and searched for the patient's ids,
name, birth date, email and phone, and for FHIR query strings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from gateway.logs import JsonFormatter
from tests.integration.gateway.conftest import StartPortal
from tests.integration.gateway.family import ACCOUNT_KEYS, Family, create_family
from tests.integration.gateway.records_support import Record, put, report_entries

pytestmark = pytest.mark.integration

PHONE = "(937) 555-0142"
BIRTH_DATE = "1979-03-14"
# Loggers the process has that a fresh process would start with at their default level.
LIBRARY_LOGGERS = ("httpx", "httpcore", "uvicorn.access", "uvicorn.error", "fhir_client")
# The test's own SMTP server (aiosmtpd) runs in this process; it is no part of the gateway.
HARNESS_LOGGERS = ("mail.log",)

READ = """
query R($id: ID!) {
  patient(id: $id) {
    id name { family given } birthDate
    conditions { nodes { id } } allergies { nodes { id } } immunizations { nodes { id } }
    results(first: 5) { nodes { id result { id } } }
    observations(first: 5) { nodes { id } }
  }
  viewer { patients { accessLevel patient { id } } }
}
"""
INVITE = """
mutation I($email: String!) {
  inviteProxy(email: $email, accessLevel: READ_ONLY, idempotencyKey: "production-logs-1") {
    __typename ... on Problem { code }
  }
}
"""
RECOVER = "mutation R($e: String!, $b: String!) { recoverUsername(email: $e, birthDate: $b) { __typename } }"
# A FHIR search or paging URL: `Observation?patient=...`, `fhir?_getpages=...`, `&code=...`.
QUERY_STRING = re.compile(r"[A-Za-z]\?[_A-Za-z.:-]+=|&[_A-Za-z.:-]+=|_getpages")


class Everything(logging.Handler):
    """Keeps every record, rendered as the gateway's JSON formatter renders it."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []
        self.formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(HARNESS_LOGGERS):
            self.lines.append(self.format(record))


@pytest.fixture
def everything() -> Iterator[Everything]:
    """Capture all records at DEBUG; library loggers start as in a fresh process (no level of their own)."""
    root = logging.getLogger()
    handler = Everything()
    saved = root.level, {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def _patient_with_contact_data(base: str, family: Family) -> None:
    """Give the family's patient a birth date, email and phone, and two lab reports."""
    patient = {
        "resourceType": "Patient",
        "id": family.patient("pat"),
        "active": True,
        "name": [{"family": f"Test{family.run[-4:]}", "given": ["Pat"]}],
        "birthDate": BIRTH_DATE,
        "telecom": [
            {"system": "phone", "value": PHONE},
            {"system": "email", "value": f"{family.run}-pat@example.test"},
        ],
    }
    put(base, [patient, *report_entries(Record(family.patient("pat"), base), range(2))])


async def test_a_production_session_logs_no_phi(
    start_portal: StartPortal, fhir_base_url: str, everything: Everything
) -> None:
    family = create_family(fhir_base_url, datetime.now(UTC).date())
    _patient_with_contact_data(fhir_base_url, family)
    email = f"{family.run}-pat@example.test"
    async with start_portal(environment="production") as portal:
        for key in ACCOUNT_KEYS:
            await portal.account(
                key,
                patient_id=family.patient(key),
                person_id=family.person(key),
                email=f"{family.run}-{key}@example.test",
            )
        token = await portal.signed_in("user.pat")
        read = await portal.gql(READ, {"id": family.patient("pat")}, token=token)
        assert len(read.data("patient")["results"]["nodes"]) == 2, "the journey really read the record"
        invited = await portal.gql(INVITE, {"email": f"{family.run}-friend@example.test"}, token=token)
        assert invited.data("inviteProxy")["__typename"] == "ProxyInvited"
        recovered = await portal.gql(RECOVER, {"e": email, "b": BIRTH_DATE})
        assert recovered.data("recoverUsername") == {"__typename": "RequestAccepted"}

    assert len(everything.lines) > 10, "the journey was logged"
    secrets = {
        "patient id": family.patient("pat"),
        "proxy's patient id": family.patient("un"),
        "family name": f"Test{family.run[-4:]}",
        "birth date": BIRTH_DATE,
        "email": email,
        "invitee email": f"{family.run}-friend@example.test",
        "phone": PHONE,
        "phone digits": "9375550142",
        "report id": f"{family.patient('pat')}-dr-0",
    }
    leaks = [
        f"{what}: {line[:300]}"
        for line in everything.lines
        for what, value in secrets.items()
        if value.lower() in line.lower()
    ]
    leaks += [f"FHIR query string: {line[:300]}" for line in everything.lines if QUERY_STRING.search(line)]
    assert not leaks, "\n".join(leaks[:10])
