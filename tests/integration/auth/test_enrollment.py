"""Enrollment end to end: staff invite by mail, first sign-in, identity check, password, consent, active."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from auth import (
    AccountStatus,
    Auth,
    ConsentRequired,
    CredentialsExpired,
    EnrollmentCompleted,
    EnrollmentResult,
    IdentityNotVerified,
    IdentityVerified,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    ManualClock,
    PasswordChangeRequired,
    PasswordProblem,
    PasswordRejected,
    PatientAlreadyEnrolled,
    SignedIn,
    UsernameUnavailable,
)
from tests.integration.auth.helpers import FakeDirectory, SmtpSink, active_account
from tests.support.logs import logged_text

pytestmark = pytest.mark.integration

IP = "203.0.113.40"
NEW_PASSWORD = "juniper-atlas-kettle-19"


def credentials(smtp: SmtpSink, address: str) -> tuple[str, str]:
    body = smtp.last_body(address)
    username = re.search(r"Temporary username: (\S+)", body)
    password = re.search(r"Temporary password: (\S+)", body)
    assert username and password and "Practice code: CADJCD" in body
    return username.group(1), password.group(1)


GOOD = {
    "new_password": NEW_PASSWORD,
    "security_question": "First pet?",
    "security_answer": "Rex",
    "accept_consent": True,
}


async def complete(auth: Auth, token: str, directory: FakeDirectory, **changes: object) -> EnrollmentResult:
    """``enrollment.complete`` with acceptable answers, except for ``changes``."""
    return await auth.enrollment.complete(token, directory=directory, **{**GOOD, **changes})


async def first_sign_in(
    auth: Auth, directory: FakeDirectory, smtp: SmtpSink, key: str
) -> PasswordChangeRequired:
    directory.add(
        f"pat-{key}", email_address=f"{key}@example.test", born=date(1990, 2, 3), phone="9375550123"
    )
    await auth.enrollment.invite(f"pat-{key}", directory=directory)
    username, password = credentials(smtp, f"{key}@example.test")
    result = await auth.signin.sign_in(username, password, ip=IP, practice_code="CADJCD")
    assert isinstance(result, PasswordChangeRequired)
    return result


async def test_the_whole_enrollment(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    directory.add("pat-e1", email_address="e1@example.test", born=date(1990, 2, 3), phone="(937) 555-0123")
    invitation = await auth.enrollment.invite("pat-e1", directory=directory)
    assert invitation.expires_at == clock.now() + timedelta(hours=72)
    username, password = credentials(smtp, "e1@example.test")
    assert username == invitation.username and len(password) == 16
    account = await auth.accounts.get(invitation.account_id)
    assert account is not None and account.status == AccountStatus.INVITED
    assert account.person_id == "person-pat-e1"

    # The practice code is required at first sign-in.
    assert await auth.signin.sign_in(username, password, ip=IP) == InvalidCredentials()
    started = await auth.signin.sign_in(username.upper(), password, ip=IP, practice_code="cadjcd")
    assert isinstance(started, PasswordChangeRequired)
    token = started.enrollment_token

    # Nothing can be set before the identity check.
    early = await complete(auth, token, directory)
    assert early == IdentityNotVerified(attempts_left=5)
    wrong = await auth.enrollment.verify_identity(token, born="1990-03-02", directory=directory)
    assert wrong == IdentityNotVerified(attempts_left=4)
    assert await auth.enrollment.verify_identity(token, phone="+1 937-555-0123", directory=directory) == (
        IdentityVerified()
    )

    declined = await complete(auth, token, directory, accept_consent=False)
    assert declined == ConsentRequired()
    done = await complete(auth, token, directory, security_answer="Rex the Dog", username="Maria.Garcia")
    assert done == EnrollmentCompleted(invitation.account_id, "maria.garcia")
    active = await auth.accounts.get(invitation.account_id)
    assert active is not None and active.status == AccountStatus.ACTIVE
    assert active.security_answer_hash and "rex" not in active.security_answer_hash
    assert active.consent_id == "consent-1" and directory.consents[0].patient_id == "pat-e1"
    assert directory.consents[0].policy_uri == auth.settings.consent_policy_uri
    assert (
        await auth.enrollment.verify_identity(token, born="1990-02-03", directory=directory) == InvalidToken()
    )

    # The temporary credentials are dead; the new ones work, without the practice code.
    assert await auth.signin.sign_in(username, password, ip=IP) == InvalidCredentials()
    assert isinstance(await auth.signin.sign_in("maria.garcia", NEW_PASSWORD, ip=IP), SignedIn)


async def test_temporary_password_cannot_become_the_password(
    auth: Auth, directory: FakeDirectory, smtp: SmtpSink
) -> None:
    started = await first_sign_in(auth, directory, smtp, "e2")
    _, temporary = credentials(smtp, "e2@example.test")
    await auth.enrollment.verify_identity(
        started.enrollment_token, born=date(1990, 2, 3), directory=directory
    )
    result = await complete(auth, started.enrollment_token, directory, new_password=temporary)
    assert isinstance(result, PasswordRejected)
    assert PasswordProblem.SAME_AS_TEMPORARY in result.problems


async def test_identity_attempts_are_limited(auth: Auth, directory: FakeDirectory, smtp: SmtpSink) -> None:
    started = await first_sign_in(auth, directory, smtp, "e3")
    for left in (4, 3, 2, 1, 0):
        result = await auth.enrollment.verify_identity(
            started.enrollment_token, born="1991-01-01", directory=directory
        )
        assert result == IdentityNotVerified(attempts_left=left)
    right = await auth.enrollment.verify_identity(
        started.enrollment_token, born="1990-02-03", directory=directory
    )
    assert right == InvalidToken()


async def test_invitation_expires_after_72_hours(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    directory.add("pat-e4", email_address="e4@example.test")
    await auth.enrollment.invite("pat-e4", directory=directory)
    username, password = credentials(smtp, "e4@example.test")
    clock.advance(hours=72)
    assert (
        await auth.signin.sign_in(username, password, ip=IP, practice_code="CADJCD") == CredentialsExpired()
    )
    renewed = await auth.enrollment.invite("pat-e4", directory=directory, email="e4.new@example.test")
    new_username, new_password = credentials(smtp, "e4.new@example.test")
    assert renewed.username == new_username != username
    assert (
        await auth.signin.sign_in(username, password, ip=IP, practice_code="CADJCD") == InvalidCredentials()
    )
    result = await auth.signin.sign_in(new_username, new_password, ip=IP, practice_code="CADJCD")
    assert isinstance(result, PasswordChangeRequired)


async def test_chosen_username_must_be_free(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="e5")
    started = await first_sign_in(auth, directory, smtp, "e6")
    await auth.enrollment.verify_identity(started.enrollment_token, born="1990-02-03", directory=directory)
    result = await complete(auth, started.enrollment_token, directory, username="USER.E5")
    assert result == UsernameUnavailable()


async def test_invite_refuses_enrolled_or_unknown_patients_and_bad_input(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    await active_account(auth, directory, clock, key="e7")
    with pytest.raises(PatientAlreadyEnrolled):
        await auth.enrollment.invite("pat-e7", directory=directory)
    for bad in ("pat-missing", "../Patient", "", None, "x" * 65):
        with pytest.raises(InvalidInput):
            await auth.enrollment.invite(bad, directory=directory)
    directory.add("pat-no-mail")
    with pytest.raises(InvalidInput, match="email"):
        await auth.enrollment.invite("pat-no-mail", directory=directory)


async def test_complete_rejects_malformed_input_without_using_the_token(
    make_auth: Callable[..., Auth], directory: FakeDirectory, smtp: SmtpSink
) -> None:
    auth = make_auth()
    started = await first_sign_in(auth, directory, smtp, "e8")
    await auth.enrollment.verify_identity(started.enrollment_token, born="1990-02-03", directory=directory)
    for field, value in [
        ("accept_consent", "yes"),
        ("security_answer", "  a "),
        ("security_question", "q" * 201),
        ("new_password", ["list"]),
        ("security_answer", "bad\x07bell"),
    ]:
        with pytest.raises(InvalidInput):
            await complete(auth, started.enrollment_token, directory, **{field: value})
    done = await complete(auth, started.enrollment_token, directory)
    assert isinstance(done, EnrollmentCompleted)


async def test_security_log_of_a_whole_journey_has_no_phi_or_secrets(
    auth: Auth, directory: FakeDirectory, smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        started = await first_sign_in(auth, directory, smtp, "e9")
        username, temporary = credentials(smtp, "e9@example.test")
        await auth.enrollment.verify_identity(
            started.enrollment_token, born="1990-02-03", directory=directory
        )
        await complete(auth, started.enrollment_token, directory)
        await auth.signin.sign_in(username, "wrong-password-here", ip=IP)
        signed = await auth.signin.sign_in(username, NEW_PASSWORD, ip=IP)
        assert isinstance(signed, SignedIn)
        await auth.reset.request_reset(username, "rex", ip=IP)
        await auth.background.drain()  # the mail goes out after the answer
        reset_token = smtp.last_token("e9@example.test")
        await auth.reset.recover_username("e9@example.test", "1990-02-03", ip=IP, directory=directory)
        await auth.background.drain()  # the mail goes out after the answer
    records = [r for r in caplog.records if r.name == "auth.security"]
    events = {r.__dict__["event"] for r in records}
    assert {"enrollment.invited", "enrollment.completed", "signin.failure", "signin.success"} <= events
    assert {"password.reset_requested", "username.recovery_requested", "session.created"} <= events
    # Everything the gateway's process logs, except the test SMTP server's own protocol trace.
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]
    dumped = "\n".join(logged_text(r) for r in ours)
    for secret in (
        username,
        temporary,
        NEW_PASSWORD,
        "e9@example.test",
        "1990",
        "9375550123",
        "Lopez",
        "Rex",
        IP,
        started.enrollment_token,
        signed.token,
        reset_token,
    ):
        assert secret not in dumped, secret
