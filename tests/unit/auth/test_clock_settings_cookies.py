"""The manual clock, the settings' checks and the cookie helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth import (
    AuthSettings,
    ManualClock,
    SystemClock,
    clear_cookie,
    cookie_name,
    set_cookie,
    token_from_headers,
)
from auth.tokens import new_token


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 1, 1, 12, 0))  # naive means UTC
    assert clock.now() == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert clock.advance(minutes=16) == datetime(2026, 1, 1, 12, 16, tzinfo=UTC)
    assert clock.advance(timedelta(hours=1), seconds=1).hour == 13
    with pytest.raises(ValueError, match="forward"):
        clock.advance(minutes=-1)
    assert SystemClock().now().tzinfo is UTC


def test_defaults_are_the_designed_numbers() -> None:
    settings = AuthSettings()
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (15, 12)
    assert (settings.lockout_threshold, settings.lockout_minutes) == (4, 30)
    assert (settings.invite_hours, settings.reset_minutes) == (72, 30)
    assert settings.idle_timeout == timedelta(minutes=15) and settings.absolute_lifetime == timedelta(
        hours=12
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"session_idle_minutes": 0},
        {"lockout_threshold": 0},
        {"lockout_minutes": -1},
        {"session_idle_minutes": 13 * 60},
        {"reset_url_template": "https://portal/reset"},
        {"practice_code": ""},
        {"argon2_memory_kib": 4},
    ],
)
def test_nonsensical_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AuthSettings(**overrides)  # type: ignore[arg-type]


def test_cookie_flags_and_names() -> None:
    token = new_token()
    assert set_cookie(token, secure=True) == (
        f"__Host-portal_session={token}; Path=/; HttpOnly; SameSite=Strict; Secure"
    )
    assert set_cookie(token, secure=False) == f"portal_session={token}; Path=/; HttpOnly; SameSite=Strict"
    assert "Max-Age=0" in clear_cookie(secure=True) and cookie_name(secure=True).startswith("__Host-")


def test_token_from_bearer_header_or_cookie() -> None:
    token = new_token()
    assert token_from_headers(cookie=None, authorization=f"Bearer {token}", secure=True) == token
    assert (
        token_from_headers(cookie=f"a=b; __Host-portal_session={token}", authorization=None, secure=True)
        == token
    )
    assert token_from_headers(cookie=f"portal_session={token}", authorization=None, secure=True) is None
    assert token_from_headers(cookie=None, authorization="Basic abc", secure=True) is None
    assert token_from_headers(cookie='x="unterminated', authorization=None, secure=False) is None
    assert token_from_headers(cookie=None, authorization=None, secure=False) is None
