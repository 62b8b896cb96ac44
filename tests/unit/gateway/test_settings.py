"""The auth knobs of the gateway settings, and the refusal to start unsafely outside development."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from access import Level
from auth import FileOutboxMailer, SmtpMailer
from gateway import create_app
from gateway.settings import DEVELOPMENT_IP_HASH_KEY, Settings

STRONG = "s" * 32


def _settings(**values: Any) -> Settings:
    return Settings(**values)


def test_defaults_are_the_portal_promises() -> None:
    auth = _settings().auth_settings()
    assert (auth.session_idle_minutes, auth.session_absolute_hours) == (15, 12)
    assert (auth.lockout_threshold, auth.lockout_minutes) == (4, 30)
    assert auth.require_totp is False
    assert auth.practice_code == "MGFM42"


def test_development_may_use_the_fixed_ip_hash_key() -> None:
    assert _settings(environment="development").ip_hash_secret() == DEVELOPMENT_IP_HASH_KEY.encode()


@pytest.mark.parametrize("key", [None, DEVELOPMENT_IP_HASH_KEY, "s" * 31])
@pytest.mark.parametrize("environment", ["test", "production"])
def test_outside_development_a_real_ip_hash_key_is_required(environment: str, key: str | None) -> None:
    settings = _settings(environment=environment, ip_hash_key=key, mail_smtp_host="smtp.clinic.test")
    with pytest.raises(ValueError, match="PORTAL_IP_HASH_KEY"):
        create_app(settings)


def test_production_needs_an_smtp_server() -> None:
    with pytest.raises(ValueError, match="SMTP"):
        create_app(_settings(environment="production", ip_hash_key=STRONG))
    create_app(_settings(environment="production", ip_hash_key=STRONG, mail_smtp_host="smtp.clinic.test"))


def test_mailer_follows_the_settings() -> None:
    assert isinstance(_settings().mailer(), FileOutboxMailer)
    assert isinstance(_settings(mail_smtp_host="smtp.clinic.test").mailer(), SmtpMailer)


def test_admin_key_compares_digests_and_is_off_when_unset() -> None:
    key = "staff-key-0123456789"
    settings = _settings(admin_key_sha256=hashlib.sha256(key.encode()).hexdigest().upper())
    assert settings.is_admin_key(key)
    assert not settings.is_admin_key(key + "x")
    assert not settings.is_admin_key(None)
    assert not _settings().is_admin_key(key)
    with pytest.raises(ValueError, match="admin_key_sha256"):
        _settings(admin_key_sha256="not-hex")


def test_cookie_is_secure_outside_development() -> None:
    assert _settings(environment="development").cookie_secure is False
    assert _settings(environment="test").cookie_secure is True


def test_out_of_range_values_are_refused() -> None:
    for values in ({"session_idle_minutes": 0}, {"lockout_threshold": 0}, {"reset_url_template": "x"}):
        with pytest.raises(ValueError):
            _settings(**values)


def test_trusted_proxies_are_comma_separated_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")
    assert [str(net) for net in Settings().trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "")
    assert Settings().trusted_proxies == []
    for wrong in ("*", "10.0.0.0/33", "proxy.example.test"):
        monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", wrong)
        with pytest.raises(ValueError, match="trusted_proxies"):
            Settings()


def test_refill_levels_reach_the_practice_rules_and_never_include_read_only() -> None:
    assert _settings().practice_rules().refill_levels == {Level.SELF, Level.SCHEDULING_MESSAGING}
    assert _settings(refill_levels=["SELF"]).practice_rules().refill_levels == {Level.SELF}
    assert _settings(refill_due_business_days=5).practice_rules().refill_due_business_days == 5
    with pytest.raises(ValueError):
        _settings(refill_levels=["READ_ONLY"])


def test_the_test_processor_never_takes_payments_in_production() -> None:
    assert _settings(environment="test").payment_processor_spec == "test"
    assert _settings(environment="development").payment_processor_spec == "test"
    assert _settings(environment="production").payment_processor_spec is None  # no online payments
    refused = _settings(
        environment="production",
        ip_hash_key=STRONG,
        mail_smtp_host="smtp.clinic.test",
        payment_processor="test",
    )
    with pytest.raises(ValueError, match="PORTAL_PAYMENT_PROCESSOR"):
        create_app(refused)
    real = _settings(environment="production", payment_processor="clinic_payments.stripe:make_processor")
    assert real.payment_processor_spec == "clinic_payments.stripe:make_processor"


def test_the_practice_rules_carry_the_billing_settings() -> None:
    rules = _settings(guarantor_proxies_pay=True, billing_currency="CAD").practice_rules()
    assert rules.guarantor_proxies_pay is True and rules.billing_currency == "CAD"
    with pytest.raises(ValueError):
        _settings(billing_currency="dollars")
