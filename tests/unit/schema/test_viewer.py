"""Who may see what, checked by executing the schema: no servers, FHIR refused at the transport."""

from __future__ import annotations

import httpx
import pytest

from auth import EndReason, ExpiredSession, NoSession
from gateway.settings import Settings
from schema import build_schema
from tests.unit.schema.support import context

PATIENT = 'query { patient(id: "pat-2") { id } }'


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected upstream call {request.method} {request.url.path}")


async def _codes(query: str, **options: object) -> tuple[object, list[str]]:
    ctx = context(refuse, development=False, **options)  # type: ignore[arg-type]
    result = await build_schema(Settings(environment="test")).execute(query, context_value=ctx)
    return result.data, [str((e.extensions or {}).get("code")) for e in result.errors or []]


async def test_another_patient_is_null_without_an_upstream_call() -> None:
    assert await _codes(PATIENT, signed_in_as="pat-1") == ({"patient": None}, [])


@pytest.mark.parametrize(
    ("lookup", "code"),
    [
        (NoSession(), "UNAUTHENTICATED"),
        (ExpiredSession(EndReason.IDLE, "acc_test"), "SESSION_EXPIRED"),
        (ExpiredSession(EndReason.ABSOLUTE, "acc_test"), "SESSION_EXPIRED"),
        # Signed out, rotated or revoked: a replayed token, answered like a forged one.
        (ExpiredSession(EndReason.SIGNED_OUT, "acc_test"), "UNAUTHENTICATED"),
        (ExpiredSession(EndReason.ROTATED, "acc_test"), "UNAUTHENTICATED"),
        (ExpiredSession(EndReason.REVOKED, "acc_test"), "UNAUTHENTICATED"),
    ],
)
async def test_viewer_fields_answer_the_session_state(lookup: object, code: str) -> None:
    for query in (
        PATIENT,
        "{ viewer { session { level } } }",
        "mutation { signOutEverywhere { sessionsEnded } }",
    ):
        _, codes = await _codes(query, lookup=lookup)
        assert codes == [code], query


async def test_invite_needs_the_admin_key() -> None:
    mutation = 'mutation { inviteEnrollment(patientId: "pat-1") { username } }'
    assert (await _codes(mutation, signed_in_as="pat-1"))[1] == ["FORBIDDEN"]
