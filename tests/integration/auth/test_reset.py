"""Password reset and username recovery end to end, with the mail read back from a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from auth import (
    ActiveSession,
    Auth,
    ExpiredSession,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    Locked,
    ManualClock,
    PasswordChanged,
    PasswordProblem,
    PasswordRejected,
    RateLimited,
    RequestAccepted,
    SignedIn,
    TwoFactorRequired,
)
from auth.totp import code_at
from tests.integration.auth.helpers import (
    PASSWORD,
    FakeDirectory,
    SmtpSink,
    active_account,
    signed_in,
    with_totp,
)

pytestmark = pytest.mark.integration

NEW_PASSWORD = "copper-meadow-bicycle-77"
IP = "203.0.113.30"


async def reset_link(auth: Auth, smtp: SmtpSink, key: str, answer: str = "blue heron") -> str:
    """Ask for a reset of ``user.<key>`` and return the token from the mailed link."""
    assert await auth.reset.request_reset(f"user.{key}", answer, ip=IP) == RequestAccepted()
    await auth.background.drain()  # the mail goes out after the answer
    return smtp.last_token(f"{key}@example.test")


async def test_reset_by_mailed_link_unlocks_and_signs_out_everywhere(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    signed = await signed_in(auth, directory, clock, "r1")
    for i in range(4):
        await auth.signin.sign_in("user.r1", f"wrong-password-{i}", ip=IP)
    assert isinstance(await auth.signin.sign_in("user.r1", PASSWORD, ip=IP), Locked)
    await auth.background.drain()
    assert "account is locked" in smtp.last_body("r1@example.test"), "the owner was told"

    assert await auth.reset.request_reset("USER.R1", "  blue   HERON ", ip=IP) == RequestAccepted()
    await auth.background.drain()  # the mail goes out after the answer
    mail = smtp.to("r1@example.test")[-1]
    assert mail["Subject"] == "Reset your CommuniCare Test Clinic portal password"
    assert "https://portal.test/reset-password#token=" in smtp.last_body("r1@example.test")
    token = smtp.last_token("r1@example.test")

    done = await auth.reset.complete_reset(token, NEW_PASSWORD, ip=IP, directory=directory)
    assert done == PasswordChanged()
    assert isinstance(await auth.sessions.resolve(signed.token), ExpiredSession)
    assert isinstance(await auth.signin.sign_in("user.r1", NEW_PASSWORD, ip=IP), SignedIn)  # unlocked
    assert await auth.signin.sign_in("user.r1", PASSWORD, ip=IP) == InvalidCredentials()
    assert "password was changed" in smtp.last_body("r1@example.test")
    # The link was single-use.
    again = await auth.reset.complete_reset(token, "another-fine-password-9", ip=IP, directory=directory)
    assert again == InvalidToken()


async def test_wrong_answer_and_unknown_user_get_the_same_answer_and_no_mail(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r2")
    assert await auth.reset.request_reset("user.r2", "sparrow", ip=IP) == RequestAccepted()
    await auth.background.drain()  # the mail goes out after the answer
    assert await auth.reset.request_reset("no.such.user", "blue heron", ip=IP) == RequestAccepted()
    await auth.background.drain()  # the mail goes out after the answer
    assert smtp.to("r2@example.test") == []


async def test_an_expired_link_is_refused(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r3")
    token = await reset_link(auth, smtp, "r3", "Blue Heron")
    clock.advance(minutes=30)
    assert await auth.reset.complete_reset(token, NEW_PASSWORD, ip=IP, directory=directory) == InvalidToken()
    assert isinstance(await auth.signin.sign_in("user.r3", PASSWORD, ip=IP), SignedIn)


async def test_rejected_password_keeps_the_link_and_changes_nothing(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r4")
    token = await reset_link(auth, smtp, "r4", "blue heron")
    rejected = await auth.reset.complete_reset(token, "Lopez-07041984", ip=IP, directory=directory)
    assert rejected == PasswordRejected((PasswordProblem.CONTAINS_NAME, PasswordProblem.CONTAINS_BIRTH_DATE))
    with pytest.raises(InvalidInput):
        await auth.reset.complete_reset(token, 12345, ip=IP, directory=directory)
    assert isinstance(await auth.signin.sign_in("user.r4", PASSWORD, ip=IP), SignedIn)
    assert (
        await auth.reset.complete_reset(token, NEW_PASSWORD, ip=IP, directory=directory) == PasswordChanged()
    )


async def test_a_link_dies_when_the_password_changes_another_way(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r5")
    first = await reset_link(auth, smtp, "r5", "blue heron")
    second = await reset_link(auth, smtp, "r5", "blue heron")
    assert (
        await auth.reset.complete_reset(second, NEW_PASSWORD, ip=IP, directory=directory) == PasswordChanged()
    )
    assert await auth.reset.complete_reset(first, "yet-another-password-5", ip=IP, directory=directory) == (
        InvalidToken()
    )


async def test_reset_never_bypasses_two_factor(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    secret, _ = await with_totp(auth, directory, clock, "r6")
    token = await reset_link(auth, smtp, "r6", "blue heron")
    assert await auth.reset.complete_reset(token, NEW_PASSWORD, ip=IP, directory=directory) == InvalidCode(4)
    wrong = await auth.reset.complete_reset(token, NEW_PASSWORD, "000000", ip=IP, directory=directory)
    assert wrong == InvalidCode(3)
    code = code_at(secret, clock.now())
    assert await auth.reset.complete_reset(token, NEW_PASSWORD, code, ip=IP, directory=directory) == (
        PasswordChanged()
    )
    clock.advance(seconds=30)
    challenge = await auth.signin.sign_in("user.r6", NEW_PASSWORD, ip=IP)
    assert isinstance(challenge, TwoFactorRequired)  # two-factor is still on after the reset


async def test_reset_requests_are_rate_limited(
    make_auth: Callable[..., Auth], directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    auth = make_auth(reset_per_account_per_hour=2)
    await active_account(auth, directory, clock, key="r7")
    for _ in range(2):
        assert await auth.reset.request_reset("user.r7", "wrong answer", ip=IP) == RequestAccepted()
        await auth.background.drain()  # the mail goes out after the answer
    limited = await auth.reset.request_reset("user.r7", "blue heron", ip="198.51.100.7")
    assert isinstance(limited, RateLimited) and limited.retry_after > 0
    assert smtp.to("r7@example.test") == []


async def test_username_recovery_mails_the_username_and_answers_alike_otherwise(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r8", email_address="family.r8@example.test")
    answer = await auth.reset.recover_username(
        " Family.R8@Example.test ", "1984-07-04", ip=IP, directory=directory
    )
    await auth.background.drain()  # the mail goes out after the answer
    assert answer == RequestAccepted()
    assert "user.r8" in smtp.last_body("family.r8@example.test")
    count = len(smtp.to("family.r8@example.test"))
    answer = await auth.reset.recover_username(
        "family.r8@example.test", date(1990, 1, 1), ip=IP, directory=directory
    )
    await auth.background.drain()  # the mail goes out after the answer
    assert answer == RequestAccepted()
    answer = await auth.reset.recover_username(
        "stranger@example.test", date(1984, 7, 4), ip=IP, directory=directory
    )
    await auth.background.drain()  # the mail goes out after the answer
    assert answer == RequestAccepted()
    assert len(smtp.to("family.r8@example.test")) == count
    assert smtp.to("stranger@example.test") == []
    for bad in ("not-an-email", "", None, "a@b.c" + "x" * 300):
        with pytest.raises(InvalidInput):
            await auth.reset.recover_username(bad, "1984-07-04", ip=IP, directory=directory)
    for bad_date in ("04/07/1984", "2999-01-01", 19840704, None):
        with pytest.raises(InvalidInput):
            await auth.reset.recover_username("family.r8@example.test", bad_date, ip=IP, directory=directory)


async def test_uniform_response_time_for_requests(
    make_auth: Callable[..., Auth], directory: FakeDirectory, clock: ManualClock
) -> None:
    auth = make_auth(uniform_response_seconds=0.2)
    await active_account(auth, directory, clock, key="r9")
    timings = []
    for answer in ("blue heron", "wrong"):
        started = time.monotonic()
        await auth.reset.request_reset("user.r9", answer, ip=IP)
        timings.append(time.monotonic() - started)
        await auth.background.drain()  # the mail goes out after the answer
    # The floor is the property (a match and a miss both take at least this long); no upper bound is
    # asserted, since wall-clock ceilings fail on a busy machine.
    assert all(t >= 0.2 for t in timings)


async def test_sessions_created_before_a_reset_are_gone_after_it(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="r10")
    tokens = []
    for _ in range(2):
        signed = await auth.signin.sign_in("user.r10", PASSWORD, ip=IP)
        assert isinstance(signed, SignedIn)
        tokens.append(signed.token)
    await auth.reset.request_reset("user.r10", "blue heron", ip=IP)
    await auth.background.drain()  # the mail goes out after the answer
    await auth.reset.complete_reset(
        smtp.last_token("r10@example.test"), NEW_PASSWORD, ip=IP, directory=directory
    )
    assert [type(await auth.sessions.resolve(t)) for t in tokens] == [ExpiredSession, ExpiredSession]
    after = await auth.signin.sign_in("user.r10", NEW_PASSWORD, ip=IP)
    assert isinstance(after, SignedIn)
    assert isinstance(await auth.sessions.resolve(after.token), ActiveSession)
    assert after.expires_at == clock.now() + timedelta(minutes=15)
