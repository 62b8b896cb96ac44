"""Messaging settings: pools, text limit and reply promise reach the practice rules; bad pools refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import Settings


def test_defaults_are_the_issue_promises() -> None:
    rules = Settings().practice_rules()
    assert (rules.message_max_characters, rules.message_max_attachments) == (10_000, 5)
    assert rules.message_reply_business_days == 2
    assert rules.attachment_max_bytes == 5 * 1024 * 1024
    assert {pool.code for pool in rules.message_pools} == {"front-desk", "billing", "nurse-line"}
    assert "9-1-1" in rules.urgent_care_notice


def test_pools_come_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PORTAL_MESSAGE_POOLS", '[{"code": "refills", "name": "Refill desk", "reference": "Organization/o1"}]'
    )
    monkeypatch.setenv("PORTAL_MESSAGE_MAX_CHARACTERS", "2000")
    rules = Settings().practice_rules()
    pool = rules.pool("refills")
    assert pool is not None and (pool.name, pool.reference) == ("Refill desk", "Organization/o1")
    assert rules.pool("front-desk") is None and rules.message_max_characters == 2000


@pytest.mark.parametrize(
    "pools",
    [
        [{"code": "a", "name": "A", "reference": "Patient/p1"}],  # a patient is no shared inbox
        [{"code": "Front Desk", "name": "A", "reference": "Organization/o1"}],
        [{"code": "a", "name": "A", "reference": "Organization/o1"}] * 2,
    ],
)
def test_bad_pools_are_refused(pools: list[dict[str, str]]) -> None:
    with pytest.raises(ValidationError):
        Settings(message_pools=pools)  # type: ignore[arg-type]
