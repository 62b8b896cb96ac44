"""Appointments without servers: reading FHIR defensively, check-in state and answers, the calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fhir_client import Resource
from resolvers.appointments import CheckInState, appointment_value, instant
from resolvers.calendar import calendar_file
from resolvers.check_in import Answer, _response_items, checked_answers
from resolvers.errors import BadUserInput
from resolvers.practice import PracticeRules

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
RULES = PracticeRules()


def _appointment(
    status: str = "booked", start: datetime | None = NOW + timedelta(days=2), **extra: object
) -> Resource:
    data: dict[str, object] = {"resourceType": "Appointment", "id": "a1", "status": status, **extra}
    if start is not None:
        data |= {"start": start.isoformat(), "end": (start + timedelta(minutes=30)).isoformat()}
    return Resource(data)


def test_check_in_opens_three_days_ahead_until_the_start() -> None:
    def state(start: datetime, status: str = "booked") -> CheckInState:
        value = appointment_value(_appointment(status, start), {}, NOW, RULES)
        assert value is not None
        return value.check_in.state

    assert state(NOW + timedelta(days=4)) == CheckInState.NOT_OPEN
    assert state(NOW + timedelta(days=2)) == CheckInState.OPEN
    assert state(NOW - timedelta(minutes=1)) == CheckInState.CLOSED
    assert state(NOW + timedelta(days=1), "arrived") == CheckInState.ARRIVED
    assert state(NOW + timedelta(days=1), "cancelled") == CheckInState.CLOSED


def test_odd_fhir_reads_as_absent_and_entered_in_error_is_never_shown() -> None:
    assert appointment_value(_appointment("entered-in-error"), {}, NOW, RULES) is None
    odd = _appointment(participant="nonsense", slot=[{"reference": 7}], requestedPeriod=[{"start": 3}, "x"])
    value = appointment_value(odd, {}, NOW, RULES)
    assert value is not None and value.clinician is None and value.slot_id is None
    assert instant("2026-12-02") is None and instant("2026-12-02T09:00:00") is None  # no time, no zone
    assert instant("2026-12-02T09:00:00-05:00") == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


QUESTIONNAIRE = Resource(
    {
        "resourceType": "Questionnaire",
        "item": [
            {"linkId": "reason", "type": "string", "required": True, "text": "Why?"},
            {"linkId": "changed", "type": "boolean", "required": True, "text": "Changed?"},
            {"linkId": "detail", "type": "text", "required": False, "text": "What?"},
        ],
    }
)


def test_answers_are_checked_against_the_questionnaire() -> None:
    items, problems = _response_items(
        QUESTIONNAIRE, [Answer("reason", "Cough"), Answer("changed", yes=False)]
    )
    assert problems == [] and [i["linkId"] for i in items] == ["reason", "changed"]
    items, problems = _response_items(
        QUESTIONNAIRE, [Answer("changed", text="no"), Answer("colour", "blue"), Answer("detail", yes=True)]
    )
    assert {(p.question_id, p.problem) for p in problems} == {
        ("colour", "no such question"),
        ("changed", "answer yes or no"),
        ("detail", "answer in words"),
        ("reason", "an answer is required"),
    }


def test_answer_shapes_are_bad_input_before_anything_else() -> None:
    with pytest.raises(BadUserInput):
        checked_answers([Answer("../x", "a")])
    with pytest.raises(BadUserInput):
        checked_answers([Answer("reason", "x" * 2001)])
    with pytest.raises(BadUserInput):
        checked_answers([Answer(f"q{n}", "a") for n in range(31)])
    assert checked_answers([Answer("reason", "  Cough  ")]) == [Answer("reason", "Cough")]


def test_the_calendar_file_says_when_and_where_and_nothing_clinical() -> None:
    booked = appointment_value(
        _appointment(reasonCode=[{"text": "Painful rash"}], appointmentType={"text": "Dermatology"}),
        {},
        NOW,
        RULES,
    )
    assert booked is not None
    text = calendar_file(booked, NOW)
    assert text is not None
    assert "BEGIN:VEVENT" in text and "DTSTART:20261204T150000Z" in text
    assert "Appointment at Maple Grove Family Medicine" in text
    assert "rash" not in text.lower() and "Dermatology" not in text
    request = appointment_value(_appointment("proposed", None), {}, NOW, RULES)
    assert request is not None and calendar_file(request, NOW) is None
