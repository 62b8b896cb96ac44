"""TOTP two-factor end to end: enrollment, sign-in, replay protection, recovery codes, disabling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from auth import (
    ActiveSession,
    Auth,
    ExpiredSession,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    Locked,
    ManualClock,
    NotPermitted,
    SessionLevel,
    SignedIn,
    TotpDisabled,
    TotpEnabled,
    TotpEnrollment,
    TwoFactorRequired,
    TwoFactorSetupRequired,
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

IP = "203.0.113.20"


async def test_enrollment_gives_an_otpauth_uri_and_ten_recovery_codes(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    signed = await signed_in(auth, directory, clock, "t1")
    started = await auth.two_factor.begin(signed.token)
    assert isinstance(started, TotpEnrollment)
    uri = urlparse(started.uri)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["issuer"] == ["CommuniCare Test Clinic"]
    assert await auth.two_factor.confirm(signed.token, "000000") == InvalidCode(attempts_left=1)
    confirmed = await auth.two_factor.confirm(signed.token, code_at(started.secret, clock.now()))
    assert isinstance(confirmed, TotpEnabled)
    assert len(set(confirmed.recovery_codes)) == 10
    found = await auth.sessions.resolve(confirmed.token)
    assert isinstance(found, ActiveSession) and found.session.two_factor
    assert "turned on" in smtp.last_body("t1@example.test")
    with pytest.raises(NotPermitted):
        await auth.two_factor.begin(confirmed.token)


async def test_sign_in_with_totp_and_a_replayed_code_is_refused(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    secret, _ = await with_totp(auth, directory, clock, "t2")
    challenge = await auth.signin.sign_in("user.t2", PASSWORD, ip=IP)
    assert isinstance(challenge, TwoFactorRequired)
    assert challenge.expires_at == clock.now() + timedelta(minutes=5)
    code = code_at(secret, clock.now())
    signed = await auth.signin.complete_two_factor(challenge.challenge_token, code, ip=IP)
    assert isinstance(signed, SignedIn)
    assert await auth.signin.complete_two_factor(challenge.challenge_token, code, ip=IP) == InvalidToken()
    # The same code on a fresh challenge, within its 30 seconds: a replay, refused (ASVS 5.0 6.5.1).
    again = await auth.signin.sign_in("user.t2", PASSWORD, ip=IP)
    assert isinstance(again, TwoFactorRequired)
    assert await auth.signin.complete_two_factor(again.challenge_token, code, ip=IP) == InvalidCode(4)
    clock.advance(seconds=30)
    fresh = code_at(secret, clock.now())
    assert isinstance(await auth.signin.complete_two_factor(again.challenge_token, fresh, ip=IP), SignedIn)


async def test_a_recovery_code_works_exactly_once(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    _, confirmed = await with_totp(auth, directory, clock, "t3")
    code = confirmed.recovery_codes[3]
    first = await auth.signin.sign_in("user.t3", PASSWORD, ip=IP)
    assert isinstance(first, TwoFactorRequired)
    assert isinstance(
        await auth.signin.complete_two_factor(first.challenge_token, code.upper(), ip=IP), SignedIn
    )
    second = await auth.signin.sign_in("user.t3", PASSWORD, ip=IP)
    assert isinstance(second, TwoFactorRequired)
    assert await auth.signin.complete_two_factor(second.challenge_token, code, ip=IP) == InvalidCode(4)
    other = confirmed.recovery_codes[4].replace("-", " ")
    assert isinstance(await auth.signin.complete_two_factor(second.challenge_token, other, ip=IP), SignedIn)


async def test_wrong_codes_burn_the_challenge_and_count_towards_the_lock(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    secret, _ = await with_totp(auth, directory, clock, "t4")
    challenge = await auth.signin.sign_in("user.t4", PASSWORD, ip=IP)
    assert isinstance(challenge, TwoFactorRequired)
    answers = [
        await auth.signin.complete_two_factor(challenge.challenge_token, "123456", ip=IP) for _ in range(4)
    ]
    assert answers[:3] == [InvalidCode(4), InvalidCode(3), InvalidCode(2)]
    assert answers[3] == Locked(clock.now() + timedelta(minutes=30))
    right = code_at(secret, clock.now())
    assert await auth.signin.complete_two_factor(challenge.challenge_token, right, ip=IP) == InvalidToken()


async def test_disable_needs_the_password_and_ends_other_sessions(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    _, confirmed = await with_totp(auth, directory, clock, "t5")
    assert await auth.two_factor.disable(confirmed.token, "not-my-password-at-all") == InvalidCredentials()
    disabled = await auth.two_factor.disable(confirmed.token, PASSWORD)
    assert isinstance(disabled, TotpDisabled)
    assert isinstance(await auth.sessions.resolve(confirmed.token), ExpiredSession)
    assert isinstance(await auth.sessions.resolve(disabled.token), ActiveSession)
    assert isinstance(await auth.signin.sign_in("user.t5", PASSWORD, ip=IP), SignedIn)
    assert "turned off" in smtp.last_body("t5@example.test")
    assert await auth.two_factor.disable("not-a-token", PASSWORD) == InvalidToken()


async def test_required_totp_setup_session_becomes_full_and_cannot_be_disabled(
    make_auth: Callable[..., Auth], directory: FakeDirectory, clock: ManualClock
) -> None:
    auth = make_auth(require_totp=True)
    await active_account(auth, directory, clock, key="t6")
    setup = await auth.signin.sign_in("user.t6", PASSWORD, ip=IP)
    assert isinstance(setup, TwoFactorSetupRequired)
    restricted = await auth.sessions.resolve(setup.token)
    assert isinstance(restricted, ActiveSession) and restricted.session.level == SessionLevel.TOTP_SETUP
    started = await auth.two_factor.begin(setup.token)
    assert isinstance(started, TotpEnrollment)
    confirmed = await auth.two_factor.confirm(setup.token, code_at(started.secret, clock.now()))
    assert isinstance(confirmed, TotpEnabled)
    found = await auth.sessions.resolve(confirmed.token)
    assert isinstance(found, ActiveSession) and found.session.level == SessionLevel.FULL
    with pytest.raises(NotPermitted):
        await auth.two_factor.disable(confirmed.token, PASSWORD)
