"""The authorization matrix: every field that resolves data, run as every kind of viewer.

Fields are discovered from the built schema: every query and mutation field, and every field with a resolver
of every type reachable from them (``Patient.results``, ``DiagnosticReport.result``, ``Viewer.patients``...).
A field without an entry in ``CASES`` fails the test, so new lists and mutations get covered wherever they
are. Each cell checks its outcome (a typename, null, or an error code) and that no upstream request
mentioning a patient outside the viewer's scope left the gateway (recorded by a real HTTP proxy in front of
HAPI).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType, get_named_type

from fixtures.patients import PATIENTS
from gateway import Settings
from schema import build_schema
from tests.integration.gateway.access_support import AccessPortal, StartAccess, new_key
from tests.integration.gateway.family import Family

ROLES = ("patient", "read_only", "scheduling", "revoked", "unrelated", "anonymous", "expired")
ACCOUNT = {"patient": "pat", "read_only": "ro", "scheduling": "sm", "revoked": "rv", "unrelated": "un"}
# The family patients each role may act for (anything else must never be asked for upstream).
SCOPE = {
    "patient": ("pat", "teen", "renewed"),
    "read_only": ("ro", "pat"),
    "scheduling": ("sm", "pat"),
    "revoked": ("rv",),
    "unrelated": ("un",),
    "anonymous": (),
    "expired": (),
}
SIGNED_IN = ("patient", "read_only", "scheduling", "revoked", "unrelated")


@dataclass(frozen=True)
class Case:
    """One field: an operation reaching it, variables (from the family), and the expected outcome per role.

    Outcomes: ``"ok"`` (data, no errors), ``"null"`` (null, no errors), a ``__typename``, or an error code;
    read from the operation's root field ``root`` (default: the field itself, for root fields).
    """

    document: str
    variables: Callable[[Family], dict[str, Any]]
    expect: dict[str, str]
    root: str | None = None


def _signed_in(outcome: str, **others: str) -> dict[str, str]:
    cells = dict.fromkeys(SIGNED_IN, outcome) | {"anonymous": "UNAUTHENTICATED", "expired": "SESSION_EXPIRED"}
    return cells | others


def _everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


def _none(f: Family) -> dict[str, Any]:
    return {}


def _pat(f: Family) -> dict[str, Any]:
    return {"id": f.patient("pat")}


def _of_patient(selection: str) -> Case:
    """A field under ``patient(id)`` of the family's patient: data for the patient and their proxies."""
    return Case(
        f"query Q($id: ID!) {{ patient(id: $id) {{ {selection} }} }}",
        _pat,
        _signed_in("ok", revoked="null", unrelated="null"),
        root="patient",
    )


def _of_viewer(selection: str) -> Case:
    return Case(f"{{ viewer {{ {selection} }} }}", _none, _signed_in("ok"), root="viewer")


TOKEN = "x" * 43
NESTED: dict[str, Case] = {
    "Viewer.account": _of_viewer("account { id username }"),
    "Viewer.session": _of_viewer("session { expiresAt }"),
    "Viewer.patients": _of_viewer("patients { accessLevel capabilities patient { id name { family } } }"),
    "Patient.generalPractitioner": _of_patient("generalPractitioner { __typename }"),
    "Patient.careTeam": _of_patient("careTeam { id participant { member { __typename } } }"),
    "Patient.conditions": _of_patient("conditions { totalCount nodes { id } }"),
    "Patient.allergies": _of_patient("allergies { nodes { id } }"),
    "Patient.immunizations": _of_patient("immunizations { nodes { id } }"),
    "Patient.results": _of_patient("results(category: LAB) { nodes { id } }"),
    "Patient.observations": _of_patient("observations(first: 5) { totalCount nodes { id } }"),
    "Patient.observationTrend": _of_patient(
        'observationTrend(code: "http://loinc.org|85354-9") { points { time } }'
    ),
    "DiagnosticReport.result": _of_patient("results { nodes { result { id } } }"),
    "DiagnosticReport.performer": _of_patient("results { nodes { performer { __typename } } }"),
    "Observation.performer": _of_patient("observations { nodes { performer { __typename } } }"),
    "Patient.appointments": _of_patient("appointments { nodes { id clinician { practitioner { id } } } }"),
    "Appointment.calendarFile": _of_patient("appointments { nodes { calendarFile } }"),
    # The access log is the patient's own: proxies get FORBIDDEN (with the rest of the patient's data).
    "Patient.accessLog": Case(
        "query Q($id: ID!) { patient(id: $id) { accessLog { nodes { action actor { kind } } } } }",
        _pat,
        _signed_in("ok", read_only="FORBIDDEN", scheduling="FORBIDDEN", revoked="null", unrelated="null"),
        root="patient",
    ),
    "Patient.messageThreads": _of_patient("messageThreads { nodes { id lastMessage { text } } }"),
    "Patient.unreadMessageCount": _of_patient("unreadMessageCount"),
    "Patient.messageRecipients": _of_patient("messageRecipients { kind id name }"),
    "MessageParty.name": _of_patient("messageThreads { nodes { participants { name } } }"),
    "Patient.medications": _of_patient("medications(status: ALL) { totalCount nodes { id renewable } }"),
    "MedicationRequest.medication": _of_patient("medications { nodes { medication { code { text } } } }"),
    "MedicationRequest.prescriber": _of_patient("medications { nodes { prescriber { __typename } } }"),
    "Patient.refillRequests": _of_patient("refillRequests { totalCount nodes { id state } }"),
    "RefillRequest.medicationRequest": _of_patient("refillRequests { nodes { medicationRequest { id } } }"),
    "RefillRequest.newOrder": _of_patient("refillRequests { nodes { newOrder { id } } }"),
    # Demographics wait for the Patient read (which runs beside the lists): each is still the patient's.
    **{
        f"Patient.{name}": _of_patient(selection)
        for name, selection in (
            ("id", "id"),
            ("name", "name { family }"),
            ("birthDate", "birthDate"),
            ("gender", "gender"),
            ("identifier", "identifier { value }"),
            ("telecom", "telecom { value }"),
            ("address", "address { city }"),
        )
    },
    # An edge's cursor is signed when selected: one case per connection of a patient.
    **{
        f"{edge}Edge.cursor": _of_patient(f"{field} {{ edges {{ cursor }} }}")
        for edge, field in (
            ("AllergyIntolerance", "allergies"),
            ("Appointment", "appointments"),
            ("Condition", "conditions"),
            ("DiagnosticReport", "results"),
            ("Immunization", "immunizations"),
            ("MedicationRequest", "medications"),
            ("MessageThread", "messageThreads"),
            ("Observation", "observations"),
            ("RefillRequest", "refillRequests"),
        )
    },
    "AccessLogEntryEdge.cursor": Case(
        "query Q($id: ID!) { patient(id: $id) { accessLog { edges { cursor } } } }",
        _pat,
        _signed_in("ok", read_only="FORBIDDEN", scheduling="FORBIDDEN", revoked="null", unrelated="null"),
        root="patient",
    ),
    "AvailableSlotEdge.cursor": Case(
        "query Q($from: DateTime!, $to: DateTime!) "
        "{ availableSlots(from: $from, to: $to, first: 2) { edges { cursor } } }",
        lambda f: {
            "from": (datetime.now(UTC) + timedelta(minutes=10)).isoformat(),  # still ahead when it runs
            "to": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        _signed_in("ok"),
        root="availableSlots",
    ),
    "Patient.billing": _of_patient("billing { __typename }"),
    "Billing.balance": _of_patient("billing { balance { owed { value } payable { value } } }"),
    "Billing.statements": _of_patient("billing { statements { totalCount nodes { id paid { value } } } }"),
    "Billing.payments": _of_patient("billing { payments { nodes { id amount { value } } } }"),
    "Billing.pendingPayments": _of_patient("billing { pendingPayments { id } }"),
    "Billing.account": _of_patient("billing { account { id guarantors { kind isViewer } } }"),
    "Billing.viewerMayPay": _of_patient("billing { viewerMayPay }"),
    "StatementDocument.content": _of_patient("billing { statements { nodes { document { content } } } }"),
    "StatementEdge.cursor": _of_patient("billing { statements { edges { cursor } } }"),
    "PaymentEdge.cursor": _of_patient("billing { payments { edges { cursor } } }"),
}
# Writing a message is for the patient and SCHEDULING_MESSAGING; READ_ONLY gets NotPermitted, nothing sent.
MESSAGING = {"read_only": "NotPermitted", "revoked": "NOT_FOUND", "unrelated": "NOT_FOUND"}


def _windows(f: Family) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=5)
    window = {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
    return {"id": f.patient("pat"), "key": new_key(), "windows": [window]}


def _for_patient(no_access: str = "NOT_FOUND", **outcomes: str) -> dict[str, str]:
    """A mutation for the family's patient: revoked and unrelated viewers are outside its scope."""
    return _signed_in("", revoked=no_access, unrelated=no_access, **outcomes)


ROOT: dict[str, Case] = {
    "viewer": Case(
        "{ viewer { account { id } patients { accessLevel patient { id } } } }", _none, _signed_in("ok")
    ),
    "patient": Case(
        "query Q($id: ID!) { patient(id: $id) { id name { family } telecom { value } "
        "generalPractitioner { __typename } careTeam { id } conditions { totalCount nodes { id } } "
        "allergies { nodes { id } } immunizations { nodes { id } } "
        "results { nodes { id performer { __typename } result { id performer { __typename } } } } "
        "observations(first: 5) { totalCount nodes { id performer { __typename } } } } }",
        lambda f: {"id": f.patient("pat")},
        _signed_in("ok", revoked="null", unrelated="null", anonymous="UNAUTHENTICATED"),
    ),
    "signIn": Case(
        'mutation { signIn(username: "nobody.here", password: "wrong-password-123") { __typename } }',
        _none,
        _everyone("InvalidCredentials"),
    ),
    "completeTwoFactor": Case(
        f'mutation {{ completeTwoFactor(challengeToken: "{TOKEN}", code: "123456") {{ __typename }} }}',
        _none,
        _everyone("InvalidToken"),
    ),
    "signOut": Case("mutation { signOut { __typename } }", _none, _everyone("SignedOut")),
    "signOutEverywhere": Case(
        "mutation { signOutEverywhere { __typename } }", _none, _signed_in("SignedOut")
    ),
    "extendSession": Case("mutation { extendSession { level } }", _none, _signed_in("ok")),
    "changePassword": Case(
        'mutation { changePassword(currentPassword: "not-the-password-1", newPassword: "a-new-long-pass-42") '
        "{ __typename } }",
        _none,
        _signed_in("InvalidCredentials"),
    ),
    "reauthenticate": Case(
        'mutation { reauthenticate(password: "not-the-password-1") { __typename } }',
        _none,
        _signed_in("InvalidCredentials"),
    ),
    "beginTotpEnrollment": Case(
        "mutation { beginTotpEnrollment { __typename } }", _none, _signed_in("TotpEnrollment")
    ),
    "confirmTotp": Case(
        'mutation { confirmTotp(code: "000000") { __typename } }', _none, _signed_in("InvalidCode")
    ),
    "disableTotp": Case(
        'mutation { disableTotp(password: "not-the-password-1") { __typename } }',
        _none,
        _signed_in("InvalidCredentials"),
    ),
    "requestPasswordReset": Case(
        'mutation { requestPasswordReset(username: "nobody.here", securityAnswer: "x") { __typename } }',
        _none,
        _everyone("RequestAccepted"),
    ),
    "completePasswordReset": Case(
        f'mutation {{ completePasswordReset(token: "{TOKEN}", newPassword: "a-new-long-pass-42") '
        "{ __typename } }",
        _none,
        _everyone("InvalidToken"),
    ),
    "recoverUsername": Case(
        'mutation { recoverUsername(email: "nobody@example.test", birthDate: "1970-01-01") { __typename } }',
        _none,
        _everyone("RequestAccepted"),
    ),
    "verifyIdentity": Case(
        f'mutation {{ verifyIdentity(enrollmentToken: "{TOKEN}", birthDate: "1970-01-01") '
        "{ __typename } }",
        _none,
        _everyone("InvalidToken"),
    ),
    "completeEnrollment": Case(
        f'mutation {{ completeEnrollment(enrollmentToken: "{TOKEN}", newPassword: "a-new-long-pass-42", '
        'securityQuestion: "Bird?", securityAnswer: "Heron", acceptConsent: true) { __typename } }',
        _none,
        _everyone("InvalidToken"),
    ),
    "inviteEnrollment": Case(
        "mutation M($id: ID!) { inviteEnrollment(patientId: $id) { username } }",
        lambda f: {"id": f.patient("pat")},
        _everyone("FORBIDDEN"),
    ),
    # Each viewer invites for their own record only (no patient argument); the adult family members may.
    "inviteProxy": Case(
        "mutation M($key: String!) "
        '{ inviteProxy(email: "friend@example.test", accessLevel: READ_ONLY, idempotencyKey: $key) '
        "{ __typename } }",
        lambda f: {"key": new_key()},
        _signed_in("ProxyInvited"),
    ),
    "acceptProxyInvitation": Case(
        f'mutation {{ acceptProxyInvitation(token: "{TOKEN}") {{ __typename }} }}',
        _none,
        _signed_in("InvalidToken"),
    ),
    "messageThread": Case(
        "query Q($id: ID!) { messageThread(id: $id) { id patientId messages { id text } } }",
        lambda f: {"id": f.thread},
        _signed_in("ok", revoked="null", unrelated="null"),
    ),
    "sendMessage": Case(
        'mutation M($id: ID!, $key: String!) { sendMessage(patientId: $id, recipient: {pool: "front-desk"}, '
        'topic: "Hello", text: "Hello", idempotencyKey: $key) { __typename } }',
        lambda f: {"id": f.patient("pat"), "key": new_key()},
        _signed_in("MessageSent", **MESSAGING),
    ),
    "replyToMessage": Case(
        "mutation M($id: ID!, $thread: ID!, $key: String!) "
        '{ replyToMessage(patientId: $id, threadId: $thread, text: "Thanks", idempotencyKey: $key) '
        "{ __typename } }",
        lambda f: {"id": f.patient("pat"), "thread": f.thread, "key": new_key()},
        _signed_in("MessageSent", **MESSAGING),
    ),
    "markThreadRead": Case(
        "mutation M($id: ID!, $thread: ID!, $key: String!) "
        "{ markThreadRead(patientId: $id, threadId: $thread, idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "thread": f.thread, "key": new_key()},
        _signed_in("ThreadMarkedRead", **MESSAGING),
    ),
    # The already revoked grant: revoking it again is harmless, and only its patient may.
    "appointment": Case(
        "query Q($id: ID!) { appointment(id: $id) { id status } }",
        lambda f: {"id": f.appointment},
        _signed_in("ok", revoked="null", unrelated="null"),
    ),
    "statement": Case(
        "query Q($id: ID!) { statement(id: $id) { id document { id } } }",
        lambda f: {"id": f.invoice},
        _signed_in("ok", revoked="null", unrelated="null"),
    ),
    # More than is owed: refused without a charge for whoever may pay (nothing changes between roles).
    "makePayment": Case(
        "mutation M($id: ID!, $key: String!) { makePayment(patientId: $id, amount: "
        '{value: "1000.00", currency: "USD"}, paymentToken: "tok_test_success", idempotencyKey: $key) '
        "{ __typename } }",
        lambda f: {"id": f.patient("pat"), "key": new_key()},
        _for_patient(patient="AmountExceedsBalance", scheduling="NotPermitted", read_only="NotPermitted"),
    ),
    "availableSlots": Case(
        "query Q($from: DateTime!, $to: DateTime!) "
        "{ availableSlots(from: $from, to: $to, first: 2) { nodes { id clinician { id } } } }",
        lambda f: {
            "from": datetime.now(UTC).isoformat(),
            "to": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        _signed_in("ok"),
    ),
    "bookAppointment": Case(
        'mutation M($id: ID!, $key: String!) { bookAppointment(patientId: $id, slotId: "no-such-slot", '
        "idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "key": new_key()},
        _for_patient(patient="SlotUnavailable", scheduling="SlotUnavailable", read_only="NotPermitted"),
    ),
    "requestAppointment": Case(
        "mutation M($id: ID!, $key: String!, $windows: [TimeWindow!]!) { requestAppointment(patientId: $id, "
        'serviceType: CHECKUP, preferredWindows: $windows, reason: "Check-up", idempotencyKey: $key) '
        "{ __typename } }",
        _windows,
        _for_patient(
            patient="AppointmentRequested", scheduling="AppointmentRequested", read_only="NotPermitted"
        ),
    ),
    # Roles run in order: the patient cancels it, then the scheduling proxy finds it cancelled already.
    "cancelAppointment": Case(
        "mutation M($id: ID!, $a: ID!, $key: String!) { cancelAppointment(patientId: $id, appointmentId: $a, "
        "idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "a": f.appointment, "key": new_key()},
        _for_patient(patient="AppointmentCancelled", scheduling="NotCancellable", read_only="NotPermitted"),
    ),
    "checkIn": Case(
        "mutation M($id: ID!, $a: ID!, $key: String!) { checkIn(patientId: $id, appointmentId: $a, "
        "answers: [], confirmDemographics: true, idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "a": f.appointment, "key": new_key()},
        _for_patient(patient="CheckInNotOpen", scheduling="CheckInNotOpen", read_only="NotPermitted"),
    ),
    "revokeProxy": Case(
        "mutation M($id: ID!) { revokeProxy(proxyId: $id) { __typename } }",
        lambda f: {"id": f.rp("rv", "pat")},
        _signed_in("NOT_FOUND", patient="ProxyRevoked"),
    ),
    # The patient asks first; the SCHEDULING_MESSAGING proxy may ask too (the practice's default) and finds
    # that request waiting; the READ_ONLY proxy may not ask at all.
    "requestRefill": Case(
        "mutation M($id: ID!, $rx: ID!, $key: String!) "
        "{ requestRefill(patientId: $id, medicationRequestId: $rx, idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "rx": f.medication_request, "key": new_key()},
        _signed_in(
            "NOT_FOUND", patient="RefillRequested", read_only="NotPermitted", scheduling="AlreadyRequested"
        ),
    ),
    "cancelRefillRequest": Case(
        "mutation M($id: ID!, $task: ID!, $key: String!) "
        "{ cancelRefillRequest(patientId: $id, taskId: $task, idempotencyKey: $key) { __typename } }",
        lambda f: {"id": f.patient("pat"), "task": f"{f.run}-no-such-request", "key": new_key()},
        _signed_in("NOT_FOUND", read_only="NotPermitted"),
    ),
}
SCHEMA = build_schema(Settings(environment="development"))
QUERY_FIELDS = set(SCHEMA._schema.query_type.fields)
CASES: dict[str, Case] = {
    **{f"{'Query' if name in QUERY_FIELDS else 'Mutation'}.{name}": case for name, case in ROOT.items()},
    **NESTED,
}


def resolving_fields() -> set[str]:
    """``Type.field`` of every root field, and of every resolver field of a type reachable from the roots."""
    schema = SCHEMA
    graphql = schema._schema
    roots = [graphql.query_type, graphql.mutation_type]
    found = {f"{root.name}.{name}" for root in roots if root is not None for name in root.fields}
    todo: list[GraphQLObjectType] = [root for root in roots if root is not None]
    seen: set[str] = set()
    while todo:
        kind = todo.pop()
        if kind.name in seen:
            continue
        seen.add(kind.name)
        definition = schema.get_type_by_name(kind.name)
        resolved = {
            schema.config.name_converter.get_graphql_name(field)
            for field in getattr(definition, "fields", ())
            if field.base_resolver is not None
        }
        for name, field in kind.fields.items():
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType):
                todo.append(named)
            elif isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
                todo.extend(graphql.get_possible_types(named))
            if name in resolved and kind not in roots:
                found.add(f"{kind.name}.{name}")
    return found


def test_every_field_of_the_schema_has_a_case() -> None:
    fields = resolving_fields()
    assert fields == set(CASES), (
        f"add CASES for {sorted(fields - set(CASES))}; drop {sorted(set(CASES) - fields)}"
    )
    for name, case in CASES.items():
        assert set(case.expect) == set(ROLES), name


def _outcome(body: dict[str, Any], field: str) -> str:
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    value = (body.get("data") or {}).get(field)
    if value is None:
        return "null"
    return str(value["__typename"]) if isinstance(value, dict) and "__typename" in value else "ok"


def _forbidden_ids(family: Family, role: str) -> list[re.Pattern[str]]:
    allowed = {family.patient(k) for k in SCOPE[role]}
    everyone = {family.patient(k) for k in (*ACCOUNT.values(), "teen", "grown", "renewed")}
    everyone |= {f"pat-{spec.key}" for spec in PATIENTS}
    return [re.compile(rf"(?<![\w.-]){re.escape(i)}(?![\w.-])") for i in sorted(everyone - allowed)]


async def _token(access: AccessPortal, role: str) -> str | None:
    if role == "anonymous":
        return None
    if role == "expired":
        token = await access.token("pat")
        access.portal.clock.advance(minutes=16)
        return token
    return await access.token(ACCOUNT[role])


async def test_authorization_matrix(start_access: StartAccess) -> None:
    limits = {
        "signin_per_ip_per_minute": 10_000,
        "reset_per_ip_per_hour": 10_000,
        "reset_per_account_per_hour": 1000,
        "recovery_per_ip_per_hour": 10_000,
        "recovery_per_email_per_hour": 1000,
        # Every role signs in as the same unknown name; the lock per name is not what this is about.
        "lockout_threshold": 100,
    }
    async with start_access(**limits) as access:
        failures: list[str] = []
        for field, case in CASES.items():
            for role in ROLES:
                # Sessions of one account are ordered by creation time: keep each cell's the newest.
                now = access.portal.clock.advance(seconds=1)
                token = await _token(access, role)
                access.recorder.clear()
                reply = await access.portal.gql(case.document, case.variables(access.family), token=token)
                access.portal.clock.set(now)
                got = _outcome(reply.body, case.root or field.split(".", 1)[1])
                if got != case.expect[role]:
                    failures.append(f"{field} as {role}: expected {case.expect[role]}, got {got}")
                for request in access.recorder.requests:
                    for pattern in _forbidden_ids(access.family, role):
                        if pattern.search(request.url) or pattern.search(request.body):
                            failures.append(f"{field} as {role}: upstream {request.method} {request.url}")
        assert not failures, "\n".join(failures)


async def test_expired_sessions_and_anonymous_send_nothing_upstream(access: AccessPortal) -> None:
    for role in ("anonymous", "expired"):
        token = await _token(access, role)
        access.recorder.clear()
        await access.portal.gql(
            CASES["Query.patient"].document, CASES["Query.patient"].variables(access.family), token=token
        )
        assert access.recorder.requests == []
