"""Token formats, TOTP with a fixed clock, recovery codes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from auth import totp
from auth.tokens import new_token, token_digest

T0 = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_tokens_are_256_bit_urlsafe_and_stored_by_sha256() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    token = tokens.pop()
    assert len(token) == 43 and token_digest(token) == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("bad", [None, 1, b"x" * 43, "", "a" * 42, "a" * 44, "a" * 42 + "=", "a" * 42 + "é"])
def test_malformed_tokens_have_no_digest(bad: object) -> None:
    assert token_digest(bad) is None


def test_codes_match_within_one_step_and_not_beyond() -> None:
    now_code = totp.code_at(SECRET, T0)
    counter = totp.match_counter(SECRET, now_code, T0)
    assert counter == int(T0.timestamp()) // 30
    assert totp.match_counter(SECRET, now_code, T0 + timedelta(seconds=30)) == counter  # one step late: ok
    assert totp.match_counter(SECRET, now_code, T0 - timedelta(seconds=30)) == counter  # one step early: ok
    assert totp.match_counter(SECRET, now_code, T0 + timedelta(seconds=60)) is None
    assert totp.match_counter(SECRET, now_code[:3] + " " + now_code[3:], T0) == counter


def test_a_used_step_and_earlier_ones_are_refused() -> None:
    code = totp.code_at(SECRET, T0)
    counter = totp.match_counter(SECRET, code, T0)
    assert counter is not None
    assert totp.match_counter(SECRET, code, T0, after=counter) is None
    previous = totp.code_at(SECRET, T0 - timedelta(seconds=30))
    assert totp.match_counter(SECRET, previous, T0, after=counter) is None
    following = totp.code_at(SECRET, T0 + timedelta(seconds=30))
    assert totp.match_counter(SECRET, following, T0, after=counter) == counter + 1


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_never_match(bad: str) -> None:
    assert totp.match_counter(SECRET, bad, T0) is None


def test_secret_and_provisioning_uri() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32 and secret.isupper()
    uri = urlparse(totp.provisioning_uri(secret, account_name="ana.lopez", issuer="CommuniCare Clinic"))
    query = parse_qs(uri.query)
    assert uri.scheme == "otpauth" and unquote(uri.path) == "/CommuniCare Clinic:ana.lopez"
    assert query["secret"] == [secret] and query["issuer"] == ["CommuniCare Clinic"]


def test_recovery_codes_have_120_bits_and_hash_normalized() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert len(code) == 29 and code.count("-") == 5 and totp.looks_like_recovery_code(code)
    code = codes[0]
    digest = totp.recovery_code_hash("acc_1", code)
    assert totp.recovery_code_hash("acc_1", code.upper().replace("-", " ")) == digest
    assert totp.recovery_code_hash("acc_2", code) != digest
    assert not totp.looks_like_recovery_code("123456")
