"""Sign-in, lockout, password reset and username recovery through GraphQL over HTTP (real SMTP)."""

from __future__ import annotations

import asyncio

from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.portal import ANSWER, PASSWORD, VIEWER, Portal, fixture_patient

REQUEST_RESET = """
mutation Reset($username: String!, $answer: String!) {
  requestPasswordReset(username: $username, securityAnswer: $answer) { __typename ... on Problem { code } }
}
"""
COMPLETE_RESET = """
mutation Complete($token: String!, $password: String!, $code: String) {
  completePasswordReset(token: $token, newPassword: $password, code: $code) {
    __typename ... on Problem { code } ... on PasswordChanged { token expiresAt }
  }
}
"""
RECOVER = """
mutation Recover($email: String!, $birthDate: String!) {
  recoverUsername(email: $email, birthDate: $birthDate) { __typename }
}
"""
CHANGE = """
mutation Change($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename ... on Problem { code } ... on PasswordChanged { token expiresAt }
  }
}
"""
NEW_PASSWORD = "quiet-meadow-orchard-77"


async def _reset(portal: Portal, smtp: SmtpSink, username: str, email: str) -> str:
    """Ask for a reset link with the right answer; return the token from the mailed link."""
    before = len(smtp.to(email))
    reply = await portal.gql(REQUEST_RESET, {"username": username, "answer": ANSWER.upper()})
    assert reply.data("requestPasswordReset") == {"__typename": "RequestAccepted"}
    await smtp.wait_for(email, before + 1)  # mailed after the answer, from a background task
    return smtp.last_token(email)


async def test_wrong_password_and_unknown_user_get_one_answer(portal: Portal) -> None:
    await portal.account("ana")
    wrong = (await portal.sign_in("user.ana", "not-the-password-at-all")).data("signIn")
    unknown = (await portal.sign_in("user.nobody", PASSWORD)).data("signIn")
    assert (
        wrong
        == unknown
        == {
            "__typename": "InvalidCredentials",
            "code": "INVALID_CREDENTIALS",
            "message": "The username or password is not right.",
        }
    )


async def test_usernames_are_case_insensitive(portal: Portal) -> None:
    await portal.account("ana")
    assert (await portal.sign_in("USER.Ana")).data("signIn")["__typename"] == "SignedIn"


async def test_four_failures_lock_and_a_reset_unlocks(portal: Portal, smtp: SmtpSink) -> None:
    account = await portal.account("ana", email="ana.lock@example.test")
    answers = [(await portal.sign_in("user.ana", f"wrong-password-{i}")).data("signIn") for i in range(4)]
    assert [a["__typename"] for a in answers] == ["InvalidCredentials"] * 3 + ["Locked"]
    assert answers[3]["until"] is not None
    fifth = (await portal.sign_in("user.ana", PASSWORD)).data("signIn")
    assert fifth["__typename"] == "Locked", "the right password is refused while locked"
    await smtp.wait_for(account.email, 1)
    assert "account is locked" in smtp.last_body(account.email), "the owner is told, after the answer"

    token = await _reset(portal, smtp, "user.ana", account.email)
    done = await portal.gql(COMPLETE_RESET, {"token": token, "password": NEW_PASSWORD})
    assert done.data("completePasswordReset") == {
        "__typename": "PasswordChanged",
        "token": None,
        "expiresAt": None,
    }
    assert (await portal.sign_in("user.ana", PASSWORD)).data("signIn")["__typename"] == "InvalidCredentials"
    assert (await portal.sign_in("user.ana", NEW_PASSWORD)).data("signIn")["__typename"] == "SignedIn"


async def test_reset_link_works_once(portal: Portal, smtp: SmtpSink) -> None:
    account = await portal.account("ana", email="ana.once@example.test")
    token = await _reset(portal, smtp, "user.ana", account.email)
    first = await portal.gql(COMPLETE_RESET, {"token": token, "password": NEW_PASSWORD})
    assert first.data("completePasswordReset")["__typename"] == "PasswordChanged"
    state = await portal.keys(counters=False)
    second = await portal.gql(COMPLETE_RESET, {"token": token, "password": "another-fine-password-9"})
    assert second.data("completePasswordReset") == {"__typename": "InvalidToken", "code": "INVALID_TOKEN"}
    assert await portal.keys(counters=False) == state, "the replay changed nothing but the rate counter"
    forged = await portal.gql(COMPLETE_RESET, {"token": "A" * 43, "password": "another-fine-password-9"})
    assert forged.data("completePasswordReset")["__typename"] == "InvalidToken"
    assert (await portal.sign_in("user.ana", NEW_PASSWORD)).data("signIn")["__typename"] == "SignedIn"


async def test_reset_request_answers_the_same_when_nothing_matches(portal: Portal, smtp: SmtpSink) -> None:
    account = await portal.account("ana", email="ana.same@example.test")
    before = len(smtp.to(account.email))
    for username, answer in (("user.ana", "wrong answer"), ("user.nobody", ANSWER), ("user.ana", ANSWER)):
        reply = await portal.gql(REQUEST_RESET, {"username": username, "answer": answer})
        assert reply.data("requestPasswordReset") == {"__typename": "RequestAccepted"}
    # Mail goes out after the answer: once the right answer's link is there, the misses had their turn.
    await smtp.wait_for(account.email, before + 1)
    await asyncio.sleep(0.3)
    assert len(smtp.to(account.email)) == before + 1, "no mail without the right answer"


async def test_username_recovery_by_email_and_birth_date(
    portal: Portal, smtp: SmtpSink, fhir_base_url: str
) -> None:
    email, born = await fixture_patient(fhir_base_url)
    await portal.account("priya", patient_id="pat-priya-patel", email=email)
    before = len(smtp.to(email))
    wrong = await portal.gql(RECOVER, {"email": email, "birthDate": "1901-01-01"})
    assert wrong.data("recoverUsername") == {"__typename": "RequestAccepted"}
    right = await portal.gql(RECOVER, {"email": email.upper(), "birthDate": born})
    assert right.data("recoverUsername") == {"__typename": "RequestAccepted"}
    await smtp.wait_for(email, before + 1)  # the reminder goes out after the answer
    await asyncio.sleep(0.3)
    assert len(smtp.to(email)) == before + 1, "the wrong birth date got no mail"
    assert "user.priya" in smtp.last_body(email)


async def test_change_password_rotates_the_token_and_ends_other_sessions(portal: Portal) -> None:
    await portal.account("ana")
    laptop, phone = await portal.signed_in("user.ana"), await portal.signed_in("user.ana")
    wrong = await portal.gql(CHANGE, {"current": "not-my-password", "new": NEW_PASSWORD}, token=laptop)
    assert wrong.data("changePassword")["__typename"] == "InvalidCredentials"
    reply = await portal.gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=laptop)
    assert reply.data("changePassword")["__typename"] == "PasswordChanged"
    assert reply.data("changePassword")["token"] is None, "a browser gets the new token as the cookie"
    new = portal.cookie_token(reply)
    assert new != laptop
    assert (await portal.gql(VIEWER, token=new)).codes == []
    for old in (laptop, phone):
        assert (await portal.gql(VIEWER, token=old)).codes == ["UNAUTHENTICATED"]


async def test_bearer_client_gets_the_rotated_token_in_the_body(portal: Portal) -> None:
    await portal.account("ana")
    token = (await portal.sign_in("user.ana", bearer=True)).data("signIn")["token"]
    reply = await portal.gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, bearer=token)
    new = reply.data("changePassword")["token"]
    assert new and new != token and not reply.set_cookies
    assert (await portal.gql(VIEWER, bearer=new)).codes == []
