"""Secure messaging, the writing side (docs/messaging.md): ``sendMessage``, ``replyToMessage``,
``markThreadRead``.

Each checks its input first (BAD_USER_INPUT, nothing read or written), then runs once per idempotency key:
the capability (MESSAGE: SELF and SCHEDULING_MESSAGING; a READ_ONLY proxy gets ``NotPermitted`` before any
upstream request), the attachments (upload tickets of this account and patient), then one transaction. A
proxy's message has the proxy's RelatedPerson as sender and the patient as subject. Every send answers with
the urgent-care notice and the date a reply can be expected (business days in the practice's time zone),
which is also the due date of the routing Task the office gets.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from access import Capability, Upload
from fhir_client import Entry

from . import message_shapes as shapes
from .context import RequestContext
from .errors import BadUserInput, WriteConflict
from .guard import PatientGuard
from .idempotency import WriteMarker, idempotent
from .ids import fhir_id
from .message_values import (
    CLOSED,
    answering,
    from_patient_side,
)
from .messages import RecipientValue, recipients, thread_with_messages
from .permits import acting_for
from .problems import IdempotencyKeyReused, NotPermitted
from .values import objects


@dataclass(frozen=True, slots=True)
class MessageSent:
    thread_id: str
    message_id: str
    expected_reply_by: date
    urgent_care_notice: str


@dataclass(frozen=True, slots=True)
class ThreadMarkedRead:
    thread_id: str
    marked: int


@dataclass(frozen=True, slots=True)
class RecipientUnavailable:
    """The care team or member named is not (or no longer) the patient's: nothing was sent."""

    message: str = "This recipient is not part of the patient's care team. Choose another one."


@dataclass(frozen=True, slots=True)
class ThreadClosed:
    """The practice closed the thread: replies go into a new message."""

    message: str = "This conversation is closed. Start a new message instead."


@dataclass(frozen=True, slots=True)
class Recipient:
    """Exactly one of: the whole care team, one member of it (Practitioner id), a pool's code."""

    care_team: str | None = None
    care_team_member: str | None = None
    pool: str | None = None


R = TypeVar("R")
SendResult = MessageSent | NotPermitted | RecipientUnavailable | IdempotencyKeyReused
ReplyResult = MessageSent | NotPermitted | ThreadClosed | IdempotencyKeyReused


async def send_message(
    ctx: RequestContext,
    patient_id: str,
    recipient: Recipient,
    topic: str,
    text: str,
    category: str,
    attachment_ids: Sequence[str],
    idempotency_key: str,
) -> SendResult:
    """Start a thread with a first message and route it to the office (idempotent per key).

    Raises:
        PublicError: BAD_USER_INPUT for bad input; NOT_FOUND for a patient outside the scope.
    """
    rules = ctx.practice
    wanted = _checked_recipient(ctx, recipient)
    ids = shapes.checked_attachment_ids(attachment_ids, rules.message_max_attachments)
    arguments = {
        "patientId": fhir_id(patient_id),
        "recipient": wanted,
        "topic": shapes.checked_topic(topic),
        "text": shapes.checked_text(text, rules.message_max_characters),
        "category": category,
        "attachmentIds": ids,
    }

    async def work(marker: WriteMarker) -> MessageSent | NotPermitted | RecipientUnavailable:
        guard = await acting_for(ctx, patient_id, Capability.MESSAGE)
        if isinstance(guard, NotPermitted):
            return guard
        files = await _uploads(ctx, guard, ids)
        to = await _resolve(ctx, guard, wanted)
        if to is None:
            return RecipientUnavailable()
        out = shapes.Outgoing.now(ctx, guard, marker)
        owner = {"reference": to.reference, **({"display": to.name} if to.name else {})}
        categories = shapes.category(category)
        thread_url = f"urn:uuid:{uuid.uuid4()}"
        thread = shapes.part(marker, "thread")
        first = shapes.header(
            patient_id=guard.patient_id,
            sender=out.sender,
            recipient=owner,
            topic=topic,
            categories=categories,
            now=out.at,
            marker=thread.identifier,
        )
        entries = [
            Entry.create(first, full_url=thread_url, if_none_exist=thread.criteria),
            *out.message_and_task(thread_url, None, owner, categories, text, files),
        ]
        results = await guard.transaction(entries)
        return _sent(out, shapes.created_id(results[0].location), shapes.created_id(results[1].location))

    return await idempotent(
        ctx,
        "sendMessage",
        idempotency_key,
        arguments,
        (MessageSent, NotPermitted, RecipientUnavailable),
        work,
    )


async def reply_to_message(
    ctx: RequestContext,
    patient_id: str,
    thread_id: str,
    text: str,
    attachment_ids: Sequence[str],
    idempotency_key: str,
) -> ReplyResult:
    """Add a message to an open thread, in response to its latest one (idempotent per key).

    Raises:
        PublicError: BAD_USER_INPUT for bad input; NOT_FOUND for a thread missing or outside the scope.
    """
    rules = ctx.practice
    ids = shapes.checked_attachment_ids(attachment_ids, rules.message_max_attachments)
    arguments = {
        "patientId": fhir_id(patient_id),
        "threadId": fhir_id(thread_id),
        "text": shapes.checked_text(text, rules.message_max_characters),
        "attachmentIds": ids,
    }

    async def work(marker: WriteMarker) -> MessageSent | NotPermitted | ThreadClosed:
        guard = await acting_for(ctx, patient_id, Capability.MESSAGE)
        if isinstance(guard, NotPermitted):
            return guard
        files = await _uploads(ctx, guard, ids)

        async def once() -> MessageSent | ThreadClosed:
            header, messages = await thread_with_messages(guard, thread_id)
            if header.get("status") in CLOSED:
                return ThreadClosed()
            to = answering(header, messages)
            if to is None:  # nobody at the practice to answer it: treated like a closed thread
                return ThreadClosed()
            out = shapes.Outgoing.now(ctx, guard, marker)
            previous = f"Communication/{messages[-1].id}" if messages else None
            categories = list(objects(header.get("category")))
            entries = out.message_and_task(
                f"Communication/{header.id}", previous, to, categories, text, files
            )
            moved = Entry.update({**header.data, "sent": out.at}, if_match=header.version_id)
            results = await guard.transaction([*entries, moved])
            return _sent(out, header.id, shapes.created_id(results[0].location))

        # The header changed meanwhile (another reply, the office closing it): read it again, once.
        return await _twice(once)

    return await idempotent(
        ctx, "replyToMessage", idempotency_key, arguments, (MessageSent, NotPermitted, ThreadClosed), work
    )


async def mark_thread_read(
    ctx: RequestContext, patient_id: str, thread_id: str, idempotency_key: str
) -> ThreadMarkedRead | NotPermitted | IdempotencyKeyReused:
    """Set ``received`` (status ``completed``) on every message from the practice not yet read.

    Needs MESSAGE: a READ_ONLY proxy does not change what the patient sees as new. The messages are updated
    with ``If-Match`` in one transaction; when one changed meanwhile, the thread is read again once.

    Raises:
        PublicError: BAD_USER_INPUT for bad ids; NOT_FOUND for a thread missing or outside the scope.
    """
    arguments = {"patientId": fhir_id(patient_id), "threadId": fhir_id(thread_id)}

    async def work(marker: WriteMarker) -> ThreadMarkedRead | NotPermitted:
        guard = await acting_for(ctx, patient_id, Capability.MESSAGE)
        if isinstance(guard, NotPermitted):
            return guard

        async def once() -> ThreadMarkedRead:
            header, messages = await thread_with_messages(guard, thread_id)
            unread = [m for m in messages if not from_patient_side(m) and m.get("received") is None]
            if unread:
                now = shapes.stamp(ctx)
                await guard.transaction(
                    [
                        Entry.update(
                            {**m.data, "received": now, "status": "completed"}, if_match=m.version_id
                        )
                        for m in unread
                    ]
                )
            return ThreadMarkedRead(header.id, len(unread))

        return await _twice(once)

    return await idempotent(
        ctx, "markThreadRead", idempotency_key, arguments, (ThreadMarkedRead, NotPermitted), work
    )


def _checked_recipient(ctx: RequestContext, recipient: Recipient) -> dict[str, str]:
    given = {
        name: value
        for name, value in (
            ("careTeam", recipient.care_team),
            ("careTeamMember", recipient.care_team_member),
            ("pool", recipient.pool),
        )
        if value is not None
    }
    if len(given) != 1:
        raise BadUserInput("recipient: give exactly one of careTeam, careTeamMember and pool")
    ((name, value),) = given.items()
    if name == "pool":
        if ctx.practice.pool(value) is None:
            raise BadUserInput("recipient.pool: not one of the practice's pools (see messageRecipients)")
    else:
        fhir_id(value)
    return given


async def _resolve(ctx: RequestContext, guard: PatientGuard, wanted: dict[str, str]) -> RecipientValue | None:
    ((name, value),) = wanted.items()
    pool = ctx.practice.pool(value) if name == "pool" else None
    if pool is not None:
        return RecipientValue("POOL", pool.code, pool.name, pool.reference)
    kind = "CARE_TEAM" if name == "careTeam" else "CARE_TEAM_MEMBER"
    found = await recipients(ctx, guard.patient_id)
    return next((r for r in found if r.kind == kind and r.id == value), None)


async def _uploads(ctx: RequestContext, guard: PatientGuard, ids: Sequence[str]) -> list[Upload]:
    viewer, _ = await ctx.scope()
    found = await ctx.access.uploads.find(viewer.account.id, guard.patient_id, ids)
    if any(upload is None for upload in found):
        # Another account's or patient's upload answers exactly like one that does not exist.
        raise BadUserInput("attachmentIds: no such upload (upload the file first; uploads last 24 hours)")
    return [upload for upload in found if upload is not None]


def _sent(out: shapes.Outgoing, thread_id: str, message_id: str) -> MessageSent:
    return MessageSent(thread_id, message_id, out.due, out.notice)


async def _twice(attempt: Callable[[], Awaitable[R]]) -> R:
    """Run ``attempt``; once more when its write met a version changed meanwhile (it reads afresh)."""
    try:
        return await attempt()
    except WriteConflict:
        return await attempt()
