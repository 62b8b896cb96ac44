"""Sign-in end to end over real Redis: uniform failures, lockout, rate limits, sessions, security events."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from auth import (
    ActiveSession,
    Auth,
    ExpiredSession,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    Locked,
    ManualClock,
    PasswordChanged,
    PasswordProblem,
    PasswordRejected,
    RateLimited,
    SignedIn,
)
from tests.integration.auth.helpers import PASSWORD, FakeDirectory, SmtpSink, active_account, signed_in

pytestmark = pytest.mark.integration

IP = "203.0.113.10"


async def test_right_password_signs_in_with_a_new_session(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    account = await active_account(auth, directory, clock, key="s1")
    first = await auth.signin.sign_in("User.S1", PASSWORD, ip=IP)  # usernames are case-insensitive
    second = await auth.signin.sign_in("user.s1", PASSWORD, ip=IP, practice_code="cadjcd")
    assert isinstance(first, SignedIn) and isinstance(second, SignedIn)
    assert first.token != second.token and first.account_id == account.id
    assert first.expires_at == clock.now() + timedelta(minutes=15)
    found = await auth.sessions.resolve(first.token)
    assert isinstance(found, ActiveSession) and found.session.account_id == account.id


async def test_unknown_user_and_wrong_password_get_the_same_answer(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    await active_account(auth, directory, clock, key="s2")
    unknown = await auth.signin.sign_in("nobody.here", PASSWORD, ip=IP)
    wrong = await auth.signin.sign_in("user.s2", "not-the-password-at-all", ip=IP)
    bad_code = await auth.signin.sign_in("user.s2", PASSWORD, ip=IP, practice_code="WRONG")
    assert unknown == wrong == bad_code == InvalidCredentials()


async def test_four_failures_lock_and_the_fifth_right_password_is_refused(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    account = await active_account(auth, directory, clock, key="s3")
    with caplog.at_level(logging.INFO, logger="auth.security"):
        answers = [await auth.signin.sign_in("user.s3", f"wrong-password-{i}", ip=IP) for i in range(4)]
        fifth = await auth.signin.sign_in("user.s3", PASSWORD, ip=IP)
    assert answers[:3] == [InvalidCredentials()] * 3
    until = clock.now() + timedelta(minutes=30)
    assert answers[3] == Locked(until) and fifth == Locked(until)
    events = [r.__dict__ for r in caplog.records if r.name == "auth.security"]
    assert [e["event"] for e in events] == ["signin.failure"] * 4 + [
        "account.locked",
        "signin.refused_locked",
    ]
    assert all(e["account_id"] == account.id and e["ip_hash"] and e["ip_hash"] != IP for e in events)
    logged = json.dumps([{k: str(v) for k, v in e.items()} for e in events])
    for secret in ("user.s3", PASSWORD, "s3@example.test", IP, "Lopez", "1984"):
        assert secret not in logged
    clock.advance(minutes=30)
    assert isinstance(await auth.signin.sign_in("user.s3", PASSWORD, ip=IP), SignedIn)


async def test_unknown_and_real_usernames_lock_alike_and_only_the_owner_is_mailed(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, smtp: SmtpSink
) -> None:
    await active_account(auth, directory, clock, key="s12")
    real = [await auth.signin.sign_in("user.s12", f"wrong-password-{i}", ip=IP) for i in range(5)]
    other_ip = "198.51.100.12"  # past the per-address limit of IP, which is not what this is about
    unknown = [await auth.signin.sign_in("user.nobody12", f"wrong-{i}-pass", ip=other_ip) for i in range(5)]
    until = clock.now() + timedelta(minutes=30)
    assert real == unknown == [InvalidCredentials()] * 3 + [Locked(until)] * 2
    assert await auth.signin.sign_in("user.s12", PASSWORD, ip=other_ip) == Locked(until)
    await auth.background.drain()  # the owner's mail goes out after the answer
    assert "locked" in smtp.last_body("s12@example.test")


async def test_staff_unlock_lifts_the_lock(auth: Auth, directory: FakeDirectory, clock: ManualClock) -> None:
    account = await active_account(auth, directory, clock, key="s4")
    for i in range(4):
        await auth.signin.sign_in("user.s4", f"wrong-password-{i}", ip=IP)
    assert await auth.staff.unlock(account.id)
    assert isinstance(await auth.signin.sign_in("user.s4", PASSWORD, ip=IP), SignedIn)


async def test_a_success_resets_the_consecutive_count(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    await active_account(auth, directory, clock, key="s5")
    for _ in range(2):
        for i in range(3):
            assert await auth.signin.sign_in("user.s5", f"wrong-{i}-password", ip=IP) == InvalidCredentials()
        assert isinstance(await auth.signin.sign_in("user.s5", PASSWORD, ip=IP), SignedIn)


async def test_disabled_account_answers_like_a_wrong_password_and_its_sessions_end(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    signed = await signed_in(auth, directory, clock, "s6")
    await auth.staff.disable(signed.account_id)
    assert isinstance(await auth.sessions.resolve(signed.token), ExpiredSession)
    assert await auth.signin.sign_in("user.s6", PASSWORD, ip=IP) == InvalidCredentials()
    await auth.staff.enable(signed.account_id)
    assert isinstance(await auth.signin.sign_in("user.s6", PASSWORD, ip=IP), SignedIn)


async def test_sign_in_is_rate_limited_per_ip(
    make_auth: Callable[..., Auth], directory: FakeDirectory, clock: ManualClock
) -> None:
    auth = make_auth(signin_per_ip_per_minute=3)
    await active_account(auth, directory, clock, key="s7")
    clock.set(clock.now().replace(second=0))
    for _ in range(3):
        assert await auth.signin.sign_in("nobody.at.all", PASSWORD, ip=IP) == InvalidCredentials()
    assert await auth.signin.sign_in("user.s7", PASSWORD, ip=IP) == RateLimited(60)
    assert isinstance(await auth.signin.sign_in("user.s7", PASSWORD, ip="198.51.100.2"), SignedIn)
    clock.advance(minutes=1)
    assert isinstance(await auth.signin.sign_in("user.s7", PASSWORD, ip=IP), SignedIn)


async def test_sign_out_and_sign_out_everywhere(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    await active_account(auth, directory, clock, key="s9")
    tokens = []
    for _ in range(3):
        result = await auth.signin.sign_in("user.s9", PASSWORD, ip=IP)
        assert isinstance(result, SignedIn)
        tokens.append(result.token)
    assert await auth.signin.sign_out(tokens[0])
    assert isinstance(await auth.sessions.resolve(tokens[0]), ExpiredSession)
    assert isinstance(await auth.sessions.resolve(tokens[1]), ActiveSession)
    assert await auth.signin.sign_out_everywhere(tokens[1]) == 2
    assert all(
        isinstance(found, ExpiredSession) for found in [await auth.sessions.resolve(t) for t in tokens]
    )
    assert await auth.signin.sign_out_everywhere(tokens[1]) == 0


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (None, PASSWORD),
        (42, PASSWORD),
        ("", PASSWORD),
        ("user.s10", ""),
        ("user.s10", None),
        ("user.s10", b"bytes-are-not-text"),
        ("x" * 10_000, PASSWORD),
        ("user.s10", "p" * 100_000),
        ("user\x00.s10", PASSWORD),
        ("user.s10", "pass\udcffword-abcdef"),
        ("us er", PASSWORD),
    ],
)
async def test_bad_input_is_a_typed_error_and_changes_nothing(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, username: object, password: object
) -> None:
    account = await active_account(auth, directory, clock, key="s10")
    with pytest.raises(InvalidInput):
        await auth.signin.sign_in(username, password, ip=IP)
    state = await auth.signin._d.lockout.state(account.username)
    assert state.failures == 0
    decision = await auth.signin._d.limits.hit(auth.signin._d.rules.signin_ip, IP)
    assert decision.count == 1


async def test_change_password_rotates_this_session_and_ends_the_others(
    auth: Auth, directory: FakeDirectory, clock: ManualClock
) -> None:
    await active_account(auth, directory, clock, key="s11")
    mine = await auth.signin.sign_in("user.s11", PASSWORD, ip=IP)
    other = await auth.signin.sign_in("user.s11", PASSWORD, ip=IP)
    assert isinstance(mine, SignedIn) and isinstance(other, SignedIn)
    new = "orchid-granite-wander-58"
    assert await auth.credentials.change_password(mine.token, "wrong-current-pass", new, directory) == (
        InvalidCredentials()
    )
    rejected = await auth.credentials.change_password(mine.token, PASSWORD, "password1234", directory)
    assert rejected == PasswordRejected((PasswordProblem.COMMON,))
    changed = await auth.credentials.change_password(mine.token, PASSWORD, new, directory)
    assert isinstance(changed, PasswordChanged) and changed.token
    assert isinstance(await auth.sessions.resolve(changed.token), ActiveSession)
    assert isinstance(await auth.sessions.resolve(mine.token), ExpiredSession)
    assert isinstance(await auth.sessions.resolve(other.token), ExpiredSession)
    assert isinstance(await auth.signin.sign_in("user.s11", new, ip=IP), SignedIn)
    assert await auth.credentials.change_password(mine.token, new, PASSWORD, directory) == InvalidToken()
