"""Secure messaging, the writing side: sendMessage, replyToMessage, markThreadRead, their inputs, results and
unions (docs/messaging.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers import messaging
from resolvers.context import RequestContext
from resolvers.errors import ProblemCode as ProblemCodeValue

from .common import FhirDate
from .outcomes import IdempotencyKeyReused, NotPermitted, Presented, Problem, ProblemCode, presents

Info = strawberry.Info[RequestContext, None]


@strawberry.enum(
    description="The topic of a new thread (Communication.category, urn:portal-gateway:message-topic)."
)
class MessageCategory(Enum):
    NON_URGENT_MEDICAL = strawberry.enum_value("NON_URGENT_MEDICAL", description="non-urgent-medical")
    TEST_RESULTS = strawberry.enum_value("TEST_RESULTS", description="test-results")
    MEDICATION = strawberry.enum_value("MEDICATION", description="medication")
    SCHEDULING = strawberry.enum_value("SCHEDULING", description="scheduling")
    BILLING = strawberry.enum_value("BILLING", description="billing")


@strawberry.input(
    one_of=True,
    description="Whom a new thread is for (exactly one; the choices are Patient.messageRecipients).",
)
class MessageRecipientInput:
    care_team: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The patient's CareTeam id (the whole team)."
    )
    care_team_member: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A member of that team (its Practitioner id)."
    )
    pool: str | None = strawberry.field(
        default=strawberry.UNSET, description="A shared inbox of the practice, by code (front-desk, ...)."
    )

    def value(self) -> messaging.Recipient:
        def given(item: Any) -> str | None:
            return None if item is strawberry.UNSET or item is None else str(item)

        return messaging.Recipient(given(self.care_team), given(self.care_team_member), given(self.pool))


@strawberry.type(
    description=(
        "The message was written to the EHR (a Communication, partOf its thread) and routed to the office "
        "(a Task due on expectedReplyBy). Show the urgent-care notice with it."
    )
)
@presents(messaging.MessageSent)
class MessageSent(Presented):
    thread_id: strawberry.ID = strawberry.field(description="The thread's header Communication id.")
    message_id: strawberry.ID = strawberry.field(description="The new message's Communication id.")
    expected_reply_by: FhirDate = strawberry.field(
        description="The routing Task's due date: 2 business days later in the practice's time zone."
    )
    urgent_care_notice: str = strawberry.field(description="Messages are not for urgent situations: say so.")

    @classmethod
    def from_value(cls, value: messaging.MessageSent, token: str | None) -> MessageSent:
        return cls(
            thread_id=strawberry.ID(value.thread_id),
            message_id=strawberry.ID(value.message_id),
            expected_reply_by=FhirDate(value.expected_reply_by.isoformat()),
            urgent_care_notice=value.urgent_care_notice,
        )


@strawberry.type(description="The thread's messages from the practice now have Communication.received.")
@presents(messaging.ThreadMarkedRead)
class ThreadMarkedRead(Presented):
    thread_id: strawberry.ID = strawberry.field(description="The thread's header Communication id.")
    marked_count: int = strawberry.field(description="Messages that were unread (0 when all were read).")

    @classmethod
    def from_value(cls, value: messaging.ThreadMarkedRead, token: str | None) -> ThreadMarkedRead:
        return cls(thread_id=strawberry.ID(value.thread_id), marked_count=value.marked)


@strawberry.type(
    description="The recipient is not (or no longer) on the patient's care team; nothing was sent."
)
@presents(messaging.RecipientUnavailable)
class RecipientUnavailable(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCodeValue.RECIPIENT_UNAVAILABLE  # type: ignore[valid-type]


@strawberry.type(description="The practice closed the thread (header status completed); start a new one.")
@presents(messaging.ThreadClosed)
class ThreadClosed(Problem, Presented):
    message: str
    code: ProblemCode = ProblemCodeValue.THREAD_CLOSED  # type: ignore[valid-type]


SendMessageResult = Annotated[
    MessageSent | NotPermitted | RecipientUnavailable | IdempotencyKeyReused,
    strawberry.union("SendMessageResult"),
]
ReplyToMessageResult = Annotated[
    MessageSent | NotPermitted | ThreadClosed | IdempotencyKeyReused, strawberry.union("ReplyToMessageResult")
]
MarkThreadReadResult = Annotated[
    ThreadMarkedRead | NotPermitted | IdempotencyKeyReused, strawberry.union("MarkThreadReadResult")
]

TEXT = "Plain text, stored exactly as given (at most 10,000 characters unless the practice sets otherwise)."
ATTACHMENTS = "Ids from POST /attachments (at most 5; uploaded by you for this patient in the last 24 hours)."
Text = Annotated[str, strawberry.argument(description=TEXT)]
AttachmentIds = Annotated[list[strawberry.ID] | None, strawberry.argument(description=ATTACHMENTS)]
Topic = Annotated[str, strawberry.argument(description="The thread's subject line (Communication.topic).")]
