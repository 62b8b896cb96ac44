"""Sign-in under attack, through GraphQL over HTTP: a parallel burst of guesses, the second-factor loop,
fresh password proofs for account changes, and the staff reset of two-step verification."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from auth import Account, AccountStatus
from auth.inputs import fold
from auth.passwords import PasswordHasher
from gateway.__main__ import main
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.conftest import StartPortal
from tests.integration.gateway.portal import ANSWER, PASSWORD, SIGN_IN, Portal
from tests.integration.gateway.test_two_factor_flow import BEGIN, SECOND_STEP, _challenge, _enroll

pytestmark = pytest.mark.integration

# What production verifies against (RFC 9106 low-memory): a verification takes long enough that the whole
# burst is in before the first one ends, as it would be against a real deployment.
STRONG = PasswordHasher(time_cost=3, memory_kib=65536, parallelism=4)
REAUTH = """
mutation R($password: String!) {
  reauthenticate(password: $password) {
    __typename ... on Problem { code } ... on Reauthenticated { freshUntil expiresAt }
  }
}
"""


def _events(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [vars(r) for r in caplog.records if r.name == "auth.security"]


async def _strong_account(portal: Portal, key: str) -> Account:
    account = Account(
        id=f"acc_{key}",
        username=f"user.{key}",
        patient_id=f"pat-test-{key}",
        email=f"{key}@example.test",
        password_hash=await STRONG.hash(PASSWORD),
        status=AccountStatus.ACTIVE,
        created_at=portal.clock.now(),
        security_question="Favourite bird?",
        security_answer_hash=await STRONG.hash(fold(ANSWER)),
    )
    return await portal.auth.accounts.create(account)


async def _sign_in_from(portal: Portal, address: str, username: str, password: str) -> dict[str, Any]:
    body = json.dumps({"query": SIGN_IN, "variables": {"username": username, "password": password}})
    headers = {"content-type": "application/json", "x-forwarded-for": address}
    response = await portal.client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["signIn"]
    return result


async def test_fifty_parallel_guesses_from_fifty_addresses_get_four_verifications(
    start_portal: StartPortal, caplog: pytest.LogCaptureFixture, smtp: SmtpSink
) -> None:
    caplog.set_level(logging.INFO, logger="auth.security")
    async with start_portal(trusted_proxies="127.0.0.1/32") as portal:
        account = await _strong_account(portal, "burst")
        guesses = [(f"198.51.100.{i}", f"wrong-guess-number-{i}") for i in range(1, 51)]
        guesses.insert(25, ("203.0.113.77", PASSWORD))  # the right password, inside the burst
        answers = await asyncio.gather(
            *(_sign_in_from(portal, address, "user.burst", password) for address, password in guesses)
        )
        after = await _sign_in_from(portal, "203.0.113.78", "user.burst", PASSWORD)
        await smtp.wait_for(account.email, 1)

    events = _events(caplog)
    failures = [i for i, e in enumerate(events) if e["event"] == "signin.failure"]
    successes = [i for i, e in enumerate(events) if e["event"] == "signin.success"]
    kinds = [a["__typename"] for a in answers]
    print(
        f"burst: {len(failures)} wrong guesses verified, {len(successes)} sessions, answers "
        + ", ".join(f"{kinds.count(k)} {k}" for k in sorted(set(kinds)))
    )
    assert len(failures) <= 4, "at most four guesses were verified"
    assert all(e["reason"] == "bad_password" for e in (events[i] for i in failures))
    if len(failures) == 4:
        assert all(s < failures[3] for s in successes), "no session after the fourth failure"
    assert kinds.count("SignedIn") == len(successes) and set(kinds) <= {
        "InvalidCredentials",
        "Locked",
        "SignedIn",
    }
    assert after["__typename"] == "Locked" and after["until"], "the account is locked"
    assert "account is locked" in smtp.last_body(account.email), "and its owner was told"


async def test_the_second_factor_loop_locks_after_four_wrong_codes(portal: Portal) -> None:
    await portal.account("loop")
    await _enroll(portal, await portal.signed_in("user.loop"))
    answers: list[str] = []
    for _ in range(2):  # signIn + three wrong codes, again and again (finding 1)
        challenge = await _challenge(portal, "user.loop")
        for _ in range(3):
            reply = await portal.gql(SECOND_STEP, {"challenge": challenge, "code": "000000"})
            answers.append(reply.data("completeTwoFactor")["__typename"])
            if answers[-1] == "Locked":
                break
        if answers[-1] == "Locked":
            break
    assert answers == ["InvalidCode"] * 3 + ["Locked"], "locked at the fourth wrong code"
    assert (await portal.sign_in("user.loop")).data("signIn")["__typename"] == "Locked"


async def test_enrolment_needs_a_fresh_password_proof(portal: Portal) -> None:
    await portal.account("fresh")
    token = await portal.signed_in("user.fresh")
    portal.clock.advance(minutes=6)  # the sign-in's proof is five minutes old at most
    stale = (await portal.gql(BEGIN, token=token)).data("beginTotpEnrollment")
    assert stale == {"__typename": "ReauthenticationRequired"}
    wrong = (await portal.gql(REAUTH, {"password": "not-my-password-9"}, token=token)).data("reauthenticate")
    assert wrong == {"__typename": "InvalidCredentials", "code": "INVALID_CREDENTIALS"}
    proved = await portal.gql(REAUTH, {"password": PASSWORD}, token=token)
    result = proved.data("reauthenticate")
    assert result["__typename"] == "Reauthenticated"
    new = portal.cookie_token(proved)
    assert new != token, "re-authentication rotates the session token"
    assert (await portal.gql(BEGIN, token=new)).data("beginTotpEnrollment")["__typename"] == "TotpEnrollment"


async def test_wrong_proofs_count_towards_the_sign_in_lock(portal: Portal) -> None:
    await portal.account("proof")
    token = await portal.signed_in("user.proof")
    answers = [
        (await portal.gql(REAUTH, {"password": f"wrong-proof-{i}-xx"}, token=token)).data("reauthenticate")
        for i in range(4)
    ]
    assert [a["__typename"] for a in answers] == ["InvalidCredentials"] * 3 + ["Locked"]
    change = """
    mutation { changePassword(currentPassword: "violet-harbor-lantern-42", newPassword: "a-new-long-pass-42")
      { __typename } }
    """
    assert (await portal.gql(change, token=token)).data("changePassword")["__typename"] == "Locked"
    assert (await portal.sign_in("user.proof")).data("signIn")["__typename"] == "Locked"


async def test_staff_reset_two_step_verification_from_the_command_line(
    portal: Portal, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    account = await portal.account("lost", email="lost.phone@example.test")
    _, token, _ = await _enroll(portal, await portal.signed_in("user.lost"))
    settings = portal.settings
    environment = {
        "PORTAL_ENVIRONMENT": settings.environment,
        "PORTAL_REDIS_URL": str(settings.redis_url),
        "PORTAL_FHIR_BASE_URL": str(settings.fhir_base_url),
        "PORTAL_AUTH_KEY_PREFIX": settings.auth_key_prefix,
        "PORTAL_IP_HASH_KEY": settings.ip_hash_secret().decode(),
        "PORTAL_MAIL_SMTP_HOST": "127.0.0.1",
        "PORTAL_MAIL_SMTP_PORT": str(smtp.port),
        "PORTAL_MAIL_SMTP_SECURITY": "none",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    before = len(smtp.to(account.email))
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:  # the command logs JSON lines to stderr, as it does in production
        assert await asyncio.to_thread(main, ["reset-two-factor", "--username", "USER.Lost"]) == 0
        assert await asyncio.to_thread(main, ["reset-two-factor", "--username", "user.nobody"]) == 1
    finally:
        root.handlers[:], root.level = handlers, level
    output = capsys.readouterr()
    assert f"account {account.id}" in output.out and "not reset: no such account" in output.err

    stored = await portal.auth.accounts.get(account.id)
    assert stored is not None and not stored.totp_enabled and stored.recovery_code_hashes == ()
    assert (await portal.gql("{ viewer { account { id } } }", token=token)).codes == ["UNAUTHENTICATED"]
    assert (await portal.sign_in("user.lost")).data("signIn")["__typename"] == "SignedIn"
    lines = [json.loads(line) for line in output.err.splitlines() if line.startswith("{")]
    reset = [e for e in lines if e.get("event") == "totp.reset"]
    assert [(e["account_id"], e["by"], e["was_on"]) for e in reset] == [(account.id, "staff", True)]
    assert (
        "turned off"
        in (await smtp.wait_for(account.email, before + 1))[-1].get_body(("plain",)).get_content()
    )
