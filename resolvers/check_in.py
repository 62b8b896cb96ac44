"""Online check-in before a visit (docs/appointments.md).

Open from ``check_in_opens_days`` before the visit until it starts. It records the answers to the practice's
pre-visit Questionnaire as a QuestionnaireResponse and a completed Task focused on the Appointment (code
``urn:portal-gateway:task|pre-visit-check-in``, its output the response), in one transaction. It does not set
the Appointment ``arrived``: the front desk does that in the EHR when the patient is there.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from access import Capability
from fhir_client import Entry, Resource

from . import paging
from .appointments import (
    _HOPS,
    CHECK_IN_CODE,
    TASK_CODES,
    AppointmentValue,
    appointment_value,
    check_in_task,
    check_in_window,
    instant,
)
from .context import RequestContext
from .errors import BadUserInput
from .guard import NotInScope, PatientGuard
from .idempotency import WriteMarker, idempotent
from .ids import created_id, fhir_id
from .permits import acting_for
from .problems import IdempotencyKeyReused, NotPermitted
from .text import optional_text
from .values import objects, string

MAX_ANSWERS = 30
MAX_TEXT = 2000
_LINK_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer as the client sent it: text for string and text questions, ``yes`` for yes/no ones."""

    question_id: str
    text: str | None = None
    yes: bool | None = None


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    question_id: str
    problem: str


@dataclass(frozen=True, slots=True)
class CheckedIn:
    appointment: AppointmentValue


@dataclass(frozen=True, slots=True)
class CheckInNotOpen:
    opens_at: datetime | None
    closes_at: datetime | None
    message: str = "Online check-in is not open for this appointment."


@dataclass(frozen=True, slots=True)
class AlreadyCheckedIn:
    message: str = "You have already checked in for this appointment."


@dataclass(frozen=True, slots=True)
class InvalidAnswers:
    problems: tuple[AnswerProblem, ...]
    message: str = "Some answers need another look."


CheckInResult = CheckedIn | CheckInNotOpen | AlreadyCheckedIn | InvalidAnswers | NotPermitted


def checked_answers(answers: Sequence[Answer]) -> list[Answer]:
    """The answers, trimmed, of a sane shape (what they answer is checked against the Questionnaire later).

    Raises:
        BadUserInput: Too many answers, a malformed question id, or a text too long or with a control
            character.
    """
    if len(answers) > MAX_ANSWERS:
        raise BadUserInput(f"answers: at most {MAX_ANSWERS}")
    out = []
    for answer in answers:
        if not _LINK_ID.fullmatch(answer.question_id):
            raise BadUserInput("answers.questionId: not a question id")
        text = optional_text("answers.text", answer.text, MAX_TEXT)
        out.append(Answer(answer.question_id, text, answer.yes))
    return out


async def check_in(
    ctx: RequestContext,
    patient_id: str,
    appointment_id: str,
    answers: Sequence[Answer],
    *,
    confirm_demographics: bool,
    idempotency_key: str,
) -> CheckInResult | IdempotencyKeyReused:
    """``checkIn``: answer the pre-visit questions for a visit within its check-in window."""
    wanted, given = fhir_id(appointment_id), checked_answers(answers)
    arguments = {
        "patient": fhir_id(patient_id),
        "appointment": wanted,
        "answers": [[a.question_id, a.text, a.yes] for a in given],
        "demographics": confirm_demographics,
    }

    async def work(marker: WriteMarker) -> CheckInResult:
        guard = await acting_for(ctx, patient_id, Capability.SCHEDULE)
        if isinstance(guard, NotPermitted):
            return guard
        found, questionnaire = await asyncio.gather(
            guard.search("Appointment", {"_id": wanted}, count=1, **_HOPS),
            ctx.directory_reader().read("Questionnaire", ctx.practice.check_in_questionnaire),
        )
        appointment = next(iter(found.matches), None)
        if appointment is None:
            raise NotInScope()
        now, index = ctx.auth.clock.now(), paging.index(found.included)
        tasks = [r for r in found.included if r.resource_type == "Task" and check_in_task(r)]
        if tasks:
            return _done(appointment, index, now, ctx) if marker.retried else AlreadyCheckedIn()
        start = instant(appointment.get("start"))
        opens, closes = check_in_window(start, ctx.practice) if start is not None else (None, None)
        if (
            appointment.get("status") != "booked"
            or opens is None
            or closes is None
            or not opens <= now < closes
        ):
            return CheckInNotOpen(opens_at=opens, closes_at=closes)
        if questionnaire is None:
            raise ValueError("the practice's check-in Questionnaire is missing")  # a setup error: INTERNAL
        items, problems = _response_items(questionnaire, given)
        if problems:
            return InvalidAnswers(problems=tuple(problems))
        response_url = f"urn:uuid:{uuid.uuid4()}"
        response = _response(guard, questionnaire, items, now, marker)
        task = _task(guard, appointment, response_url, confirm_demographics, now, marker)
        written = await guard.transaction(
            [
                Entry.create(response, full_url=response_url, if_none_exist=marker.criteria),
                Entry.create(task, if_none_exist=marker.criteria),
            ]
        )
        task_id = created_id(written[1].location)
        index[f"Task/{task_id}"] = Resource({**task, "id": task_id})
        return _done(appointment, index, now, ctx)

    results = (CheckedIn, CheckInNotOpen, AlreadyCheckedIn, InvalidAnswers, NotPermitted)
    return await idempotent(ctx, "checkIn", idempotency_key, arguments, results, work)


def _response_items(
    questionnaire: Resource, answers: Sequence[Answer]
) -> tuple[list[dict[str, Any]], list[AnswerProblem]]:
    questions = {string(q.get("linkId")): q for q in objects(questionnaire.get("item"))}
    by_id = {a.question_id: a for a in answers}
    problems = [
        AnswerProblem(a.question_id, "no such question") for a in answers if a.question_id not in questions
    ]
    if len(by_id) < len(answers):
        problems.append(AnswerProblem("", "a question is answered twice"))
    items: list[dict[str, Any]] = []
    for link, question in questions.items():
        if link is None:
            continue
        answer, kind = by_id.get(link), question.get("type")
        value = _value(kind, answer)
        if isinstance(value, str):
            problems.append(AnswerProblem(link, value))
            continue
        if value is None:
            if question.get("required") is True:
                problems.append(AnswerProblem(link, "an answer is required"))
            continue
        items.append({"linkId": link, "text": string(question.get("text")), "answer": [value]})
    return items, problems


def _value(kind: Any, answer: Answer | None) -> dict[str, Any] | str | None:
    """The FHIR answer of one question, a problem (as text), or ``None`` for no answer."""
    if answer is None or (answer.text in (None, "") and answer.yes is None):
        return None
    if kind == "boolean":
        return (
            {"valueBoolean": answer.yes}
            if answer.yes is not None and answer.text is None
            else "answer yes or no"
        )
    if kind in ("string", "text"):
        return {"valueString": answer.text} if answer.text and answer.yes is None else "answer in words"
    return "this question cannot be answered online"


def _response(
    guard: PatientGuard,
    questionnaire: Resource,
    items: list[dict[str, Any]],
    now: datetime,
    marker: WriteMarker,
) -> dict[str, Any]:
    url, version = string(questionnaire.get("url")), string(questionnaire.get("version"))
    canonical = f"{url}|{version}" if url and version else (url or questionnaire.reference)
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": marker.identifier,
        "questionnaire": canonical,
        "status": "completed",
        "subject": {"reference": f"Patient/{guard.patient_id}"},
        "authored": now.isoformat(),
        "author": _acting(guard),
        "item": items,
    }


def _task(
    guard: PatientGuard,
    appointment: Resource,
    response_url: str,
    demographics_confirmed: bool,
    now: datetime,
    marker: WriteMarker,
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "identifier": [marker.identifier],
        "status": "completed",
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODES, "code": CHECK_IN_CODE, "display": "Pre-visit check-in"}]},
        "focus": {"reference": appointment.reference},
        "for": {"reference": f"Patient/{guard.patient_id}"},
        "authoredOn": now.isoformat(),
        "lastModified": now.isoformat(),
        "requester": _acting(guard),
        "input": [
            {"type": {"text": "Demographics confirmed"}, "valueBoolean": demographics_confirmed},
        ],
        "output": [{"type": {"text": "Pre-visit answers"}, "valueReference": {"reference": response_url}}],
    }
    if not demographics_confirmed:
        task["note"] = [{"text": "The patient reports that their contact details or address have changed."}]
    return task


def _acting(guard: PatientGuard) -> dict[str, str]:
    return {"reference": guard.grant.actor}


def _done(
    appointment: Resource, index: Mapping[str, Resource], now: datetime, ctx: RequestContext
) -> CheckedIn:
    value = appointment_value(appointment, index, now, ctx.practice)
    if value is None:  # pragma: no cover - an appointment in error is never open for check-in
        raise ValueError("not showable")
    return CheckedIn(value)
