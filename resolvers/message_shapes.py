"""What the gateway writes for a patient's message (docs/messaging.md), and the checks of its input.

A new thread is three resources in one transaction: the header Communication (topic, category, status
``in-progress``, participants, no payload), the message Communication (``partOf`` the header, the text and
the attachments as payload, status ``in-progress`` until the practice opens it) and the routing Task for the
office (``focus`` = the message, ``owner`` = the recipient, due date as ``restriction.period.end``). A reply
is the message and its Task, plus the header's ``sent`` moved to now (with ``If-Match``), which keeps the
thread list ordered by the newest message. Each created resource carries its own marker identifier, derived
from the request's idempotency marker, so a retried request creates none of them twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from access import Upload
from fhir_client import Entry

from .context import RequestContext
from .errors import BadUserInput
from .guard import PatientGuard
from .idempotency import WriteMarker
from .ids import fhir_id
from .text import required_text

MESSAGE_TOPIC_SYSTEM = "urn:portal-gateway:message-topic"
TASK_SYSTEM = "urn:portal-gateway:task"
ROUTING = {"system": TASK_SYSTEM, "code": "message-routing", "display": "Answer a patient message"}
MAX_TOPIC = 200
# The schema's MessageCategory names -> urn:portal-gateway:message-topic codes and displays.
CATEGORIES = {
    "NON_URGENT_MEDICAL": ("non-urgent-medical", "Non-urgent medical question"),
    "TEST_RESULTS": ("test-results", "Test results"),
    "MEDICATION": ("medication", "Medication question"),
    "SCHEDULING": ("scheduling", "Scheduling"),
    "BILLING": ("billing", "Billing question"),
}

Json = dict[str, Any]


def part(marker: WriteMarker, name: str) -> WriteMarker:
    """The marker of one of the resources a request creates (each needs its own ``If-None-Exist``)."""
    return WriteMarker(f"{marker.value}-{name}", marker.retried)


def checked_text(text: str, limit: int) -> str:
    """The message text, unchanged, or BAD_USER_INPUT: blank, longer than ``limit`` characters, or with
    characters FHIR strings may not hold (controls other than tab and line breaks; lone surrogates)."""
    return required_text("text", text, limit, blank="write a message")


def checked_topic(topic: str) -> str:
    """A new thread's subject line: one line of at most 200 characters."""
    return required_text("topic", topic, MAX_TOPIC, blank="give the message a subject", one_line=True)


def checked_attachment_ids(ids: Sequence[str], limit: int) -> tuple[str, ...]:
    """Attachment ids: at most ``limit``, each a FHIR id, none twice."""
    if len(ids) > limit:
        raise BadUserInput(f"attachmentIds: at most {limit} files per message")
    if len(set(ids)) != len(ids):
        raise BadUserInput("attachmentIds: each file once")
    try:
        return tuple(fhir_id(i) for i in ids)
    except BadUserInput:
        raise BadUserInput("attachmentIds: not an attachment id") from None


def category(code_name: str) -> list[Json]:
    """The Communication.category of a schema MessageCategory name."""
    code, display = CATEGORIES[code_name]
    return [{"coding": [{"system": MESSAGE_TOPIC_SYSTEM, "code": code, "display": display}], "text": display}]


def header(
    *,
    patient_id: str,
    sender: Json,
    recipient: Json,
    topic: str,
    categories: list[Json],
    now: str,
    marker: Json,
) -> Json:
    """A new thread's header Communication."""
    return {
        "resourceType": "Communication",
        "identifier": [marker],
        "status": "in-progress",
        "category": list(categories),
        "priority": "routine",
        "subject": {"reference": f"Patient/{patient_id}"},
        "topic": {"text": topic},
        "sent": now,
        "sender": sender,
        "recipient": [recipient],
    }


def message(
    *,
    patient_id: str,
    thread: str,
    previous: str | None,
    sender: Json,
    recipient: Json,
    categories: Sequence[Any],
    text: str,
    files: Sequence[Upload],
    now: str,
    marker: Json,
) -> Json:
    """A message Communication from the patient's side: the text exactly as given, then the files."""
    payload: list[Json] = [{"contentString": text}]
    payload += [
        {
            "contentAttachment": {
                "contentType": f.content_type,
                "url": f"Binary/{f.id}",
                "size": f.size,
                "hash": f.sha1,
                "title": f.title,
                "creation": f.created,
            }
        }
        for f in files
    ]
    resource: Json = {
        "resourceType": "Communication",
        "identifier": [marker],
        "partOf": [{"reference": thread}],
        "status": "in-progress",
        "category": list(categories),
        "priority": "routine",
        "subject": {"reference": f"Patient/{patient_id}"},
        "sent": now,
        "sender": sender,
        "recipient": [recipient],
        "payload": payload,
    }
    if previous is not None:
        resource["inResponseTo"] = [{"reference": previous}]
    return resource


def routing_task(
    *, patient_id: str, message_ref: str, sender: Json, owner: Json, due: date, now: str, marker: Json
) -> Json:
    """The office's Task to answer a patient's message by ``due`` (2 business days by default)."""
    return {
        "resourceType": "Task",
        "identifier": [marker],
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": {"coding": [ROUTING], "text": ROUTING["display"]},
        "focus": {"reference": message_ref},
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": now,
        "requester": sender,
        "owner": owner,
        "restriction": {"period": {"end": due.isoformat()}},
    }


def stamp(ctx: RequestContext, moment: datetime | None = None) -> str:
    """A FHIR dateTime of now (or ``moment``) with the practice's offset, as the EHR's own times are."""
    return ctx.practice.local(moment or ctx.auth.clock.now()).isoformat(timespec="seconds")


def created_id(location: str | None) -> str:
    """The id in a transaction entry's ``response.location`` (``Type/id/_history/n``)."""
    parts = (location or "").split("/")
    if "_history" in parts:
        return parts[parts.index("_history") - 1]
    if len(parts) >= 2 and parts[-1]:
        return parts[-1]
    raise ValueError("the server did not say where it created the resource")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One patient-side message about to be written: when, by whom, due when, and its markers."""

    guard: PatientGuard
    marker: WriteMarker
    at: str
    due: date
    notice: str
    sender: dict[str, str]

    @classmethod
    def now(cls, ctx: RequestContext, guard: PatientGuard, marker: WriteMarker) -> Outgoing:
        """A message written now by the viewer (the patient, or the proxy's RelatedPerson)."""
        rules, moment = ctx.practice, ctx.auth.clock.now()
        grant = guard.grant
        if grant.is_proxy and not grant.related_person_id:
            raise ValueError("a proxy grant without its RelatedPerson")  # never attribute it to the patient
        sender = grant.actor
        return cls(
            guard,
            marker,
            stamp(ctx, moment),
            rules.business_days_after(moment, rules.message_reply_business_days),
            rules.urgent_care_notice,
            {"reference": sender},
        )

    def message_and_task(
        self,
        thread: str,
        previous: str | None,
        to: dict[str, str],
        categories: Sequence[Any],
        text: str,
        files: Sequence[Upload],
    ) -> list[Entry]:
        """The message (``partOf`` ``thread``) and its routing Task, created once per idempotency key."""
        url = f"urn:uuid:{uuid.uuid4()}"
        mine, task = part(self.marker, "message"), part(self.marker, "task")
        patient = self.guard.patient_id
        written = message(
            patient_id=patient,
            thread=thread,
            previous=previous,
            sender=self.sender,
            recipient=to,
            categories=categories,
            text=text,
            files=files,
            now=self.at,
            marker=mine.identifier,
        )
        routing = routing_task(
            patient_id=patient,
            message_ref=url,
            sender=self.sender,
            owner=to,
            due=self.due,
            now=self.at,
            marker=task.identifier,
        )
        return [
            Entry.create(written, full_url=url, if_none_exist=mine.criteria),
            Entry.create(routing, if_none_exist=task.criteria),
        ]
