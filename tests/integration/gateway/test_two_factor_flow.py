"""Two-step verification through GraphQL over HTTP: enrollment, sign-in with a code, recovery codes used
once, turning it off, a reset that still asks for the code, and a practice that requires it."""

from __future__ import annotations

from typing import Any

from auth.totp import code_at
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.conftest import StartPortal
from tests.integration.gateway.portal import ANSWER, PASSWORD, VIEWER, Portal

BEGIN = "mutation { beginTotpEnrollment { __typename ... on TotpEnrollment { secret uri } } }"
CONFIRM = """
mutation Confirm($code: String!) {
  confirmTotp(code: $code) {
    __typename ... on Problem { code } ... on TotpEnabled { recoveryCodes token expiresAt }
  }
}
"""
DISABLE = """
mutation Disable($password: String!) {
  disableTotp(password: $password) { __typename ... on Problem { code } ... on TotpDisabled { token } }
}
"""
SECOND_STEP = """
mutation Second($challenge: String!, $code: String!) {
  completeTwoFactor(challengeToken: $challenge, code: $code) {
    __typename ... on Problem { code } ... on InvalidCode { attemptsLeft } ... on SignedIn { expiresAt }
  }
}
"""
PATIENT = "query P($id: ID!) { patient(id: $id) { id } }"


async def _enroll(portal: Portal, token: str) -> tuple[str, str, list[str]]:
    """Turn TOTP on for the session's account. Returns its secret, the rotated token and recovery codes."""
    started = (await portal.gql(BEGIN, token=token)).data("beginTotpEnrollment")
    assert started["uri"].startswith("otpauth://totp/")
    assert "issuer=" in started["uri"]
    wrong = await portal.gql(CONFIRM, {"code": "000000"}, token=token)
    assert wrong.data("confirmTotp")["__typename"] == "InvalidCode"
    confirmed = await portal.gql(
        CONFIRM, {"code": code_at(started["secret"], portal.clock.now())}, token=token
    )
    result = confirmed.data("confirmTotp")
    assert result["__typename"] == "TotpEnabled"
    assert len(result["recoveryCodes"]) == 10
    portal.clock.advance(seconds=30)  # the next code is a new time step (each step is usable once)
    return started["secret"], portal.cookie_token(confirmed), result["recoveryCodes"]


async def _challenge(portal: Portal, username: str, password: str = PASSWORD) -> str:
    result = (await portal.sign_in(username, password)).data("signIn")
    assert result["__typename"] == "TwoFactorRequired"
    challenge: str = result["challengeToken"]
    return challenge


async def _second(portal: Portal, challenge: str, code: str) -> tuple[dict[str, Any], list[str]]:
    reply = await portal.gql(SECOND_STEP, {"challenge": challenge, "code": code})
    return reply.data("completeTwoFactor"), reply.set_cookies


async def test_enroll_then_sign_in_with_a_code(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    secret, rotated, _ = await _enroll(portal, token)
    assert (await portal.gql(VIEWER, token=token)).codes == ["UNAUTHENTICATED"], "the old token is dead"
    assert (await portal.gql(VIEWER, token=rotated)).data("viewer")["account"]["twoFactorEnabled"] is True

    challenge = await _challenge(portal, "user.ana")
    wrong, _ = await _second(portal, challenge, "123456")
    assert wrong == {"__typename": "InvalidCode", "code": "INVALID_CODE", "attemptsLeft": 4}
    signed, cookies = await _second(portal, challenge, code_at(secret, portal.clock.now()))
    assert signed["__typename"] == "SignedIn"
    assert [c for c in cookies if c.startswith("__Host-portal_session=")]
    replay, _ = await _second(portal, challenge, code_at(secret, portal.clock.now()))
    assert replay["__typename"] == "InvalidToken", "a challenge works once"


async def test_recovery_code_works_once(portal: Portal) -> None:
    await portal.account("ana")
    _, _, codes = await _enroll(portal, await portal.signed_in("user.ana"))
    first, _ = await _second(portal, await _challenge(portal, "user.ana"), codes[0])
    assert first["__typename"] == "SignedIn"
    again, _ = await _second(portal, await _challenge(portal, "user.ana"), codes[0])
    assert again["__typename"] == "InvalidCode"
    other, _ = await _second(portal, await _challenge(portal, "user.ana"), codes[1])
    assert other["__typename"] == "SignedIn"


async def test_disable_needs_the_password(portal: Portal) -> None:
    await portal.account("ana")
    _, token, _ = await _enroll(portal, await portal.signed_in("user.ana"))
    wrong = await portal.gql(DISABLE, {"password": "not-my-password"}, token=token)
    assert wrong.data("disableTotp") == {"__typename": "InvalidCredentials", "code": "INVALID_CREDENTIALS"}
    off = await portal.gql(DISABLE, {"password": PASSWORD}, token=token)
    assert off.data("disableTotp")["__typename"] == "TotpDisabled"
    assert (await portal.sign_in("user.ana")).data("signIn")["__typename"] == "SignedIn"


async def test_reset_still_asks_for_the_second_factor(portal: Portal, smtp: SmtpSink) -> None:
    account = await portal.account("ana", email="ana.totp@example.test")
    secret, _, _ = await _enroll(portal, await portal.signed_in("user.ana"))
    request = """
    mutation R($u: String!, $a: String!) {
      requestPasswordReset(username: $u, securityAnswer: $a) { __typename }
    }
    """
    before = len(smtp.to(account.email))
    await portal.gql(request, {"u": "user.ana", "a": ANSWER})
    await smtp.wait_for(account.email, before + 1)  # mailed after the answer
    link = smtp.last_token(account.email)
    complete = """
    mutation C($t: String!, $p: String!, $c: String) {
      completePasswordReset(token: $t, newPassword: $p, code: $c) { __typename }
    }
    """
    new = "quiet-meadow-orchard-77"
    without = await portal.gql(complete, {"t": link, "p": new})
    assert without.data("completePasswordReset") == {"__typename": "InvalidCode"}
    done = await portal.gql(complete, {"t": link, "p": new, "c": code_at(secret, portal.clock.now())})
    assert done.data("completePasswordReset") == {"__typename": "PasswordChanged"}


async def test_practice_that_requires_two_factor(start_portal: StartPortal) -> None:
    async with start_portal(require_totp=True) as portal:
        account = await portal.account("ana", patient_id="pat-ava-chen")
        reply = await portal.sign_in("user.ana")
        assert reply.data("signIn")["__typename"] == "TwoFactorSetupRequired"
        setup = portal.cookie_token(reply)
        session = await portal.gql("{ viewer { session { level } } }", token=setup)
        assert session.data("viewer") == {"session": {"level": "TOTP_SETUP"}}
        assert (await portal.gql(VIEWER, token=setup)).codes == ["FORBIDDEN"]
        assert (await portal.gql(PATIENT, {"id": account.patient_id}, token=setup)).codes == ["FORBIDDEN"]
        assert (await portal.gql(DISABLE, {"password": PASSWORD}, token=setup)).codes == ["FORBIDDEN"]
        _, full, _ = await _enroll(portal, setup)
        viewer = (await portal.gql(VIEWER, token=full)).data("viewer")
        assert viewer["session"]["level"] == "FULL"
        assert (await portal.gql(PATIENT, {"id": account.patient_id}, token=full)).data("patient") == {
            "id": account.patient_id
        }
        refused = await portal.gql(DISABLE, {"password": PASSWORD}, token=full)
        assert refused.codes == ["FORBIDDEN"], "the practice requires it"
