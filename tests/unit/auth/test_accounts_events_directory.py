"""Account records, security events without PHI, the FHIR mapping of the directory, the public API."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from fhir.resources.R4B.consent import Consent

import auth
from auth import Account, AccountStatus, ConsentAcceptance
from auth.directory import consent_resource, identity_from_patient
from auth.events import SecurityEvents

NOW = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)


def test_account_round_trips_through_json_and_hides_secrets_in_repr() -> None:
    account = Account(
        id="acc_1",
        username="ana.lopez",
        patient_id="pat-ana",
        email="ana@example.test",
        password_hash="$argon2id$secret-hash",
        status=AccountStatus.ACTIVE,
        created_at=NOW,
        password_changed_at=NOW,
        security_answer_hash="$argon2id$answer",
        totp_secret="JBSWY3DPEHPK3PXP",
        recovery_code_hashes=("h1", "h2"),
    )
    assert Account.from_json(account.to_json()) == account
    assert Account.from_json({**account.to_json(), "added_later": 1}) == account
    shown = repr(account)
    assert (
        "secret-hash" not in shown and "JBSWY3" not in shown and "answer" not in shown and "h1" not in shown
    )


def test_security_events_carry_no_ip_and_a_stable_keyed_hash(caplog: pytest.LogCaptureFixture) -> None:
    events = SecurityEvents(b"0123456789abcdef")
    with caplog.at_level(logging.INFO, logger="auth.security"):
        events.emit("signin.failure", account_id="acc_1", ip="203.0.113.9", reason="bad_password")
        events.emit("account.locked", account_id="acc_1", ip="203.0.113.9")
    first, second = (r.__dict__ for r in caplog.records)
    assert first["event"] == "signin.failure" and first["reason"] == "bad_password"
    assert first["ip_hash"] == second["ip_hash"] != SecurityEvents(b"another-key-16by").ip_hash("203.0.113.9")
    assert len(first["ip_hash"]) == 16 and "203.0.113.9" not in str(first)
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.WARNING]
    with pytest.raises(ValueError):
        SecurityEvents(b"short")


def test_identity_is_read_defensively_from_patient_json() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "pat-ana",
        "birthDate": "1984-07-04",
        "name": [{"given": ["Ana", "María"], "family": "Lopez"}, {"text": "no parts"}, "junk"],
        "telecom": [
            {"system": "phone", "value": "+1-937-555-0110"},
            {"system": "email", "value": " Ana@Example.TEST "},
            {"system": "phone", "value": "555"},
            {"system": "fax", "value": "937-555-0199"},
            {"value": 12},
        ],
    }
    identity = identity_from_patient("pat-ana", patient)
    assert identity.birth_date == date(1984, 7, 4)
    assert identity.phones == ("9375550110",) and identity.emails == ("ana@example.test",)
    assert identity.names == ("Ana", "María", "Lopez")
    assert "1984" not in repr(identity)
    partial = identity_from_patient("p", {"birthDate": "1984", "telecom": "nonsense", "name": None})
    assert (partial.birth_date, partial.phones, partial.names) == (None, (), ())


def test_consent_resource_is_valid_r4() -> None:
    acceptance = ConsentAcceptance("pat-ana", "acc_1", NOW, "https://clinic.test/consent-form|v3,2026")
    resource = consent_resource(acceptance)
    Consent.model_validate(resource)  # the same R4B model fhir_client validates writes with
    value = resource["identifier"][0]["value"]
    assert "|" not in value and "," not in value and value.startswith("acc_1.")
    assert resource["patient"] == {"reference": "Patient/pat-ana"}


def test_public_api_is_exported_and_complete() -> None:
    for name in auth.__all__:
        assert getattr(auth, name) is not None
    assert sorted(auth.__all__) == auth.__all__
