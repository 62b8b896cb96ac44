"""Every example operation of docs/operations/ is executed against the fixtures, so the examples never rot.

Reads run as a portal account of Maria Lopez (the fixture practice's richest record, and a parent with proxy
access); writes run as the patient of the test's own family, so the shared fixture data stay as they are.
Each operation needs an entry in ``RUNS`` (the variables and the expected outcome); an operation without one,
or an entry without an operation, fails the test, and so does a feature of ``FEATURES`` without its
``docs/operations/<feature>.graphql``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from graphql import OperationDefinitionNode, parse

from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.portal import PASSWORD, Reply

OPERATIONS = Path(__file__).resolve().parents[3] / "docs" / "operations"
VARIABLES = json.loads((OPERATIONS / "variables.json").read_text(encoding="utf-8"))
DOCUMENTS = {path: path.read_text(encoding="utf-8") for path in sorted(OPERATIONS.glob("*.graphql"))}
FEATURES = ("records", "results", "appointments", "refills", "messages", "billing", "proxies", "account")
# The test processor's card that is charged (docs/billing.md); outside production the gateway uses it.
TEST_CARD = "tok_test_success"
MARIA = "pat-maria-lopez"


@dataclass
class State:
    """What the operations share: the sessions, the family, and what earlier operations answered."""

    access: AccessPortal
    maria_username: str
    maria: str = ""
    family: str = ""
    found: dict[str, Any] = field(default_factory=dict)

    @property
    def pat(self) -> str:
        return self.access.family.patient("pat")


@dataclass(frozen=True)
class Run:
    """How to run one example: as whom (``maria`` or ``family``), with which variables, expecting what.

    ``expect`` is ``"ok"`` (data, no errors) or the ``__typename`` (or one of several, ``A|B``) of the root
    field's answer; ``keep`` stores something of the answer for later operations.
    """

    who: str
    variables: Callable[[State], dict[str, Any]] = lambda s: {}
    expect: str = "ok"
    keep: Callable[[State, Any], None] | None = None


def _slot(state: State, data: Any) -> None:
    state.found["slot"] = data["availableSlots"]["nodes"][0]["id"]


def _booked(state: State, data: Any) -> None:
    state.found["appointment"] = data["bookAppointment"]["appointment"]["id"]


def _refill_requested(state: State, data: Any) -> None:
    state.found["refill"] = data["requestRefill"]["id"]


def _window() -> dict[str, str]:
    start = datetime.now(UTC) + timedelta(days=3)
    return {"from": start.isoformat(), "to": (start + timedelta(days=21)).isoformat()}


RUNS: dict[str, Run] = {
    # account
    "SignIn": Run("none", lambda s: {"username": s.maria_username, "password": PASSWORD}, "SignedIn"),
    "CompleteTwoFactor": Run(
        "none", lambda s: {"challengeToken": "x" * 43, "code": "123456"}, "InvalidToken"
    ),
    "Me": Run("maria"),
    "SessionStatus": Run("maria"),
    "ExtendSession": Run("maria"),
    # records and results
    "PatientSummary": Run("maria", lambda s: {"patientId": MARIA}),
    "HealthRecord": Run("maria", lambda s: {"patientId": MARIA}),
    "LatestResults": Run("maria", lambda s: {"patientId": MARIA}),
    "VitalSigns": Run("maria", lambda s: {"patientId": MARIA}),
    "Trend": Run("maria", lambda s: {"patientId": MARIA, "code": "http://loinc.org|85354-9"}),
    "Dashboard": Run("maria", lambda s: {"patientId": MARIA}),
    # appointments: book a free slot for the family's patient, then cancel it (the slot is free again)
    "UpcomingAppointments": Run("maria", lambda s: {"patientId": MARIA}),
    "FreeSlots": Run("family", lambda s: _window(), keep=_slot),
    "BookAppointment": Run(
        "family",
        lambda s: {"patientId": s.pat, "slotId": s.found["slot"], "reason": "Check-up", "key": new_key()},
        "AppointmentBooked",
        keep=_booked,
    ),
    "CancelAppointment": Run(
        "family",
        lambda s: {"patientId": s.pat, "appointmentId": s.found["appointment"], "key": new_key()},
        "AppointmentCancelled",
    ),
    "RequestAppointment": Run(
        "family",
        lambda s: {
            "patientId": s.pat,
            "windows": [{"start": _window()["from"], "end": _window()["to"]}],
            "reason": "Yearly check-up",
            "key": new_key(),
        },
        "AppointmentRequested",
    ),
    "CheckIn": Run(
        "family",
        lambda s: {"patientId": s.pat, "appointmentId": s.access.family.appointment, "key": new_key()},
        "CheckedIn|CheckInNotOpen",
    ),
    # medications and renewals: the family's patient asks for a renewal, then withdraws it
    "Medications": Run("maria", lambda s: {"patientId": MARIA}),
    "RefillRequests": Run("maria", lambda s: {"patientId": MARIA}),
    "RequestRefill": Run(
        "family",
        lambda s: {
            "patientId": s.pat,
            "medicationRequestId": s.access.family.medication_request,
            "note": "Same pharmacy as before",
            "key": new_key(),
        },
        "RefillRequested",
        keep=_refill_requested,
    ),
    "CancelRefillRequest": Run(
        "family",
        lambda s: {"patientId": s.pat, "taskId": s.found["refill"], "key": new_key()},
        "RefillRequestCancelled",
    ),
    # billing: Maria's bills are read; the family's patient pays part of their statement
    "BillingSummary": Run("maria", lambda s: {"patientId": MARIA}),
    "Statements": Run("maria", lambda s: {"patientId": MARIA}),
    "StatementPdf": Run("family", lambda s: {"statementId": s.access.family.invoice}),
    "Payments": Run("maria", lambda s: {"patientId": MARIA}),
    "MakePayment": Run(
        "family",
        lambda s: {
            "patientId": s.pat,
            "amount": {"value": "5.00", "currency": "USD"},
            "paymentToken": TEST_CARD,
            "key": new_key(),
        },
        "PaymentSucceeded",
    ),
    # messages
    "Inbox": Run("maria", lambda s: {"patientId": MARIA}),
    "Thread": Run("maria", lambda s: {"threadId": "msg-maria-lopez-labs"}),
    "Recipients": Run("maria", lambda s: {"patientId": MARIA}),
    "SendMessage": Run(
        "family",
        lambda s: {
            "patientId": s.pat,
            "pool": "front-desk",
            "topic": "Parking",
            "text": "Where?",
            "key": new_key(),
        },
        "MessageSent",
    ),
    "ReplyToMessage": Run(
        "family",
        lambda s: {
            "patientId": s.pat,
            "threadId": s.access.family.thread,
            "text": "Thank you",
            "key": new_key(),
        },
        "MessageSent",
    ),
    "MarkThreadRead": Run(
        "family",
        lambda s: {"patientId": s.pat, "threadId": s.access.family.thread, "key": new_key()},
        "ThreadMarkedRead",
    ),
    # proxies
    "MyPatients": Run("maria"),
    "AccessLog": Run("maria", lambda s: {"patientId": MARIA}),
    "InviteProxy": Run(
        "family",
        lambda s: {"email": f"{uuid.uuid4().hex[:8]}@example.test", "key": new_key()},
        "ProxyInvited",
        keep=lambda s, data: s.found.__setitem__("proxy", data["inviteProxy"]["proxyId"]),
    ),
    "AcceptProxyInvitation": Run("family", lambda s: {"token": "x" * 43}, "InvalidToken"),
    "RevokeProxy": Run("family", lambda s: {"proxyId": s.found["proxy"]}, "ProxyRevoked"),
    # last: ends Maria's session
    "SignOut": Run("maria", expect="SignedOut"),
}


def operations() -> dict[str, tuple[Path, str]]:
    """Every named operation of docs/operations: name -> (file, root field)."""
    found: dict[str, tuple[Path, str]] = {}
    for path, text in DOCUMENTS.items():
        for definition in parse(text).definitions:
            assert isinstance(definition, OperationDefinitionNode) and definition.name, path
            name = definition.name.value
            assert name not in found, f"{name} is in {found.get(name, (path,))[0].name} and {path.name}"
            root = definition.selection_set.selections[0]
            found[name] = (path, root.name.value)  # type: ignore[attr-defined]
    return found


def test_every_feature_has_examples_and_every_example_a_run() -> None:
    files = {path.stem for path in OPERATIONS.glob("*.graphql")}
    missing = {feature for feature in FEATURES if feature not in files}
    assert not missing, f"no docs/operations/<feature>.graphql for {sorted(missing)}"
    assert set(operations()) == set(RUNS), (
        f"add RUNS for {sorted(set(operations()) - set(RUNS))}; drop {sorted(set(RUNS) - set(operations()))}"
    )
    assert set(VARIABLES) <= {path.name for path in OPERATIONS.glob("*.graphql")}


async def _post(state: State, path: Path, name: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["cookie"] = f"{state.access.portal.cookie}={token}"
    body = {"query": DOCUMENTS[path], "operationName": name, "variables": variables}
    response = await state.access.portal.client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_every_example_operation_runs_against_the_fixtures(access: AccessPortal) -> None:
    key = f"ops{uuid.uuid4().hex[:8]}"
    account = await access.portal.account(key, patient_id=MARIA, person_id="person-maria-lopez")
    state = State(access, account.username, family=await access.token("pat"))
    found = operations()
    failures: list[str] = []
    for name, run in RUNS.items():  # in this order: later runs use what earlier ones kept
        path, root = found[name]
        token = {"maria": state.maria, "family": state.family, "none": None}[run.who]
        response = await _post(state, path, name, run.variables(state), token)
        body = response.json()
        if name == "SignIn":
            state.maria = access.portal.cookie_token(Reply(response))
        if body.get("errors"):
            failures.append(f"{name}: {body['errors']}")
            continue
        value = body["data"][root]
        if value is None:  # a missing record answers null without an error: not an example that works
            failures.append(f"{name}: {root} is null")
            continue
        got = value.get("__typename", "ok") if isinstance(value, dict) and run.expect != "ok" else "ok"
        if got not in run.expect.split("|"):
            failures.append(f"{name}: expected {run.expect}, got {got}: {value}")
            continue
        if run.keep is not None:
            run.keep(state, body["data"])
    assert not failures, "\n".join(failures)
