"""Secure messaging, the reading side: threads (header Communications), their messages, parties, attachments,
and whom a patient may write to (docs/messaging.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from resolvers import messages
from resolvers.context import RequestContext
from resolvers.message_values import MessageAttachmentValue, MessageValue, PartyValue, ThreadValue
from resolvers.messages import RecipientValue

from .connection import Connection, build, selects
from .datatypes import CodeableConcept, concepts

Info = strawberry.Info[RequestContext, None]


@strawberry.enum(description="Which threads to list.")
class MessageFolder(Enum):
    INBOX = strawberry.enum_value("INBOX", description="Threads with a message to the patient.")
    SENT = strawberry.enum_value("SENT", description="Threads with a message from the patient or a proxy.")
    ALL = strawberry.enum_value("ALL", description="Every thread.")


@strawberry.enum(description="What kind of party a Communication sender or recipient reference names.")
class MessagePartyKind(Enum):
    PATIENT = strawberry.enum_value("PATIENT", description="The patient (Patient).")
    PROXY = strawberry.enum_value("PROXY", description="A proxy writing for the patient (RelatedPerson).")
    PRACTITIONER = strawberry.enum_value("PRACTITIONER", description="A clinician (Practitioner[Role]).")
    CARE_TEAM = strawberry.enum_value("CARE_TEAM", description="The patient's care team (CareTeam).")
    POOL = strawberry.enum_value("POOL", description="A shared inbox of the practice (front desk, ...).")
    ORGANIZATION = strawberry.enum_value("ORGANIZATION", description="The practice itself (Organization).")
    OTHER = strawberry.enum_value("OTHER", description="Anything else the EHR names.")


@strawberry.enum(description="Whether a thread takes replies (the header Communication.status).")
class MessageThreadStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="in-progress (or not yet closed): replies welcome.")
    CLOSED = strawberry.enum_value("CLOSED", description="completed, stopped or not-done: start a new one.")


@strawberry.enum(description="Whom a new message may be addressed to.")
class MessageRecipientKind(Enum):
    CARE_TEAM = strawberry.enum_value("CARE_TEAM", description="The whole care team (CareTeam).")
    CARE_TEAM_MEMBER = strawberry.enum_value("CARE_TEAM_MEMBER", description="One member of it.")
    POOL = strawberry.enum_value("POOL", description="A shared inbox the practice defines.")


@strawberry.type(
    description="A sender or recipient of a message (a Communication.sender/recipient Reference)."
)
class MessageParty:
    kind: MessagePartyKind = strawberry.field(description="What the reference names.")
    id: strawberry.ID = strawberry.field(description="The FHIR id of what the reference names.")
    reference: str = strawberry.field(description="The FHIR reference, Type/id.")
    _value: strawberry.Private[PartyValue]

    @strawberry.field(
        description="Reference.display, else the name of what it names (looked up only when selected)."
    )
    async def name(self) -> str | None:
        return await self._value.name()

    @classmethod
    def from_value(cls, value: PartyValue) -> MessageParty:
        return cls(
            kind=MessagePartyKind(value.kind),
            id=strawberry.ID(value.id),
            reference=value.reference,
            _value=value,
        )


@strawberry.type(
    description="A file of a message (Communication.payload.contentAttachment, stored as a Binary)."
)
class MessageAttachment:
    id: strawberry.ID = strawberry.field(
        description="The Binary's id: download with GET /attachments (docs/messaging.md)."
    )
    title: str | None = strawberry.field(description="Attachment.title: the file's name.")
    content_type: str | None = strawberry.field(description="Attachment.contentType.")
    size: int | None = strawberry.field(description="Attachment.size in bytes.")

    @classmethod
    def from_value(cls, value: MessageAttachmentValue) -> MessageAttachment:
        return cls(
            id=strawberry.ID(value.id), title=value.title, content_type=value.content_type, size=value.size
        )


@strawberry.type(description="One message of a thread (a Communication partOf the thread's header).")
class Message:
    id: strawberry.ID = strawberry.field(description="Communication.id.")
    thread_id: strawberry.ID = strawberry.field(description="The header it is partOf.")
    in_response_to_id: strawberry.ID | None = strawberry.field(
        description="Communication.inResponseTo: the message this one answers."
    )
    sender: MessageParty | None = strawberry.field(description="Communication.sender.")
    recipients: list[MessageParty] = strawberry.field(description="Communication.recipient.")
    sent: str | None = strawberry.field(description="Communication.sent (FHIR dateTime).")
    received: str | None = strawberry.field(
        description="Communication.received (FHIR dateTime): when its recipient opened it."
    )
    text: str = strawberry.field(
        description=(
            "Communication.payload.contentString, exactly as written: plain text (show it as text, never as "
            "HTML); several strings are joined by a blank line."
        )
    )
    attachments: list[MessageAttachment] = strawberry.field(
        description="Communication.payload.contentAttachment entries stored as Binary."
    )
    from_patient: bool = strawberry.field(
        description="Sent by the patient or a proxy (the sender is a Patient or RelatedPerson)."
    )
    read: bool = strawberry.field(
        description="Whether the patient's side has read it: what they wrote is read; a message from the "
        "practice is read once it has Communication.received (markThreadRead)."
    )

    @classmethod
    def from_value(cls, value: MessageValue) -> Message:
        return cls(
            id=strawberry.ID(value.id),
            thread_id=strawberry.ID(value.thread_id),
            in_response_to_id=strawberry.ID(value.in_response_to) if value.in_response_to else None,
            sender=MessageParty.from_value(value.sender) if value.sender else None,
            recipients=[MessageParty.from_value(p) for p in value.recipients],
            sent=value.sent,
            received=value.received,
            text=value.text,
            attachments=[MessageAttachment.from_value(a) for a in value.attachments],
            from_patient=value.from_patient_side,
            read=value.read,
        )


@strawberry.type(description="A conversation: a header Communication (no partOf) and the messages partOf it.")
class MessageThread:
    id: strawberry.ID = strawberry.field(description="The header Communication.id (pass it as threadId).")
    patient_id: strawberry.ID = strawberry.field(
        description="Communication.subject: the patient it is about."
    )
    topic: str | None = strawberry.field(description="The header's Communication.topic.text.")
    category: list[CodeableConcept] = strawberry.field(
        description="The header's Communication.category (urn:portal-gateway:message-topic)."
    )
    status: MessageThreadStatus = strawberry.field(description="The header's Communication.status.")
    last_activity: str | None = strawberry.field(
        description="The header's Communication.sent: when the thread last had a message (the list order)."
    )
    participants: list[MessageParty] = strawberry.field(
        description="Everyone the header and the messages name as sender or recipient."
    )
    messages: list[Message] = strawberry.field(description="Its messages the viewer may see, oldest first.")
    last_message: Message | None = strawberry.field(description="The newest of them.")
    message_count: int = strawberry.field(description="How many messages the viewer may see.")
    unread_count: int = strawberry.field(description="Messages from the practice not yet read (no received).")

    @classmethod
    def from_value(cls, value: ThreadValue) -> MessageThread:
        shown = [Message.from_value(m) for m in value.messages]
        return cls(
            id=strawberry.ID(value.id),
            patient_id=strawberry.ID(value.patient_id),
            topic=value.topic,
            category=concepts(value.category),
            status=MessageThreadStatus.CLOSED if value.closed else MessageThreadStatus.OPEN,
            last_activity=value.last_activity,
            participants=[MessageParty.from_value(p) for p in value.participants],
            messages=shown,
            last_message=shown[-1] if shown else None,
            message_count=len(shown),
            unread_count=value.unread_count,
        )


@strawberry.type(
    description="Someone a patient may write to: their CareTeam, a member of it, or a practice pool."
)
class MessageRecipient:
    kind: MessageRecipientKind = strawberry.field(description="Which of the three.")
    id: strawberry.ID = strawberry.field(
        description="The CareTeam or member (Practitioner) id, or the pool code (MessageRecipientInput)."
    )
    name: str | None = strawberry.field(
        description="CareTeam.name, the member's HumanName, or the pool's name."
    )

    @classmethod
    def from_value(cls, value: RecipientValue) -> MessageRecipient:
        return cls(kind=MessageRecipientKind(value.kind), id=strawberry.ID(value.id), name=value.name)


FOLDER = "INBOX, SENT or ALL (default)."
UNREAD = "Only threads with a message to the patient not yet read."


async def message_threads(
    info: Info,
    patient_id: str,
    folder: MessageFolder,
    unread_only: bool,
    first: int | None,
    after: str | None,
) -> Connection[MessageThread]:
    """``Patient.messageThreads``: one page of threads, newest activity first."""
    page = await messages.list_threads(
        info.context,
        patient_id,
        messages.Folder(folder.name),
        unread_only,
        first=first,
        after=after,
        total=selects(info, "totalCount"),
    )
    return build(page, MessageThread.from_value)


async def message_recipients(info: Info, patient_id: str) -> list[MessageRecipient]:
    """``Patient.messageRecipients``."""
    return [MessageRecipient.from_value(r) for r in await messages.recipients(info.context, patient_id)]


FolderArgument = Annotated[MessageFolder, strawberry.argument(description=FOLDER)]
UnreadArgument = Annotated[bool, strawberry.argument(description=UNREAD)]
