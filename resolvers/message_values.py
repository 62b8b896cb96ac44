"""Secure messages read out of FHIR Communications: parties, messages and threads as plain values.

Pure: nothing here does I/O (the names of parties are looked up lazily through ``Names``). The FHIR shapes
are described in docs/messaging.md: a thread is a header Communication (no ``partOf``); its messages are the
Communications ``partOf`` it. A message's read receipt is ``received`` (status ``completed``). The patient's
side of a conversation is the patient and their proxies (``Patient`` and ``RelatedPerson`` senders); the
practice's side is everyone else (practitioners, the care team, shared inboxes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from fhir_client import Resource

from . import datatypes as dt
from .values import objects, string

PATIENT_SIDE = frozenset({"Patient", "RelatedPerson"})
CLOSED = frozenset({"completed", "stopped", "not-done"})
ENTERED_IN_ERROR = "entered-in-error"
KINDS = {
    "Patient": "PATIENT",
    "RelatedPerson": "PROXY",
    "Practitioner": "PRACTITIONER",
    "PractitionerRole": "PRACTITIONER",
    "CareTeam": "CARE_TEAM",
    "HealthcareService": "POOL",
    "Organization": "ORGANIZATION",
}


class Names(Protocol):
    """Looks up the name of a party whose reference has no ``display`` (``resolvers/messages.py``)."""

    async def of(self, reference: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PartyValue:
    """Who sent or received a message: a FHIR reference, its kind, and its name.

    Attributes:
        kind: PATIENT, PROXY, PRACTITIONER, CARE_TEAM, POOL, ORGANIZATION or OTHER.
        reference: ``Type/id``.
        display: ``Reference.display``, when the writer gave one.
    """

    kind: str
    reference: str
    display: str | None
    names: Names = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.reference.rpartition("/")[2]

    async def name(self) -> str | None:
        """The display of the reference, else the name of what it names (one batched read per type)."""
        return self.display if self.display else await self.names.of(self.reference)


@dataclass(frozen=True, slots=True)
class MessageAttachmentValue:
    """An attachment's metadata (``payload.contentAttachment``); the file comes from ``GET /attachments``."""

    id: str
    title: str | None
    content_type: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class MessageValue:
    id: str
    thread_id: str
    sent: str | None
    received: str | None
    text: str
    attachments: tuple[MessageAttachmentValue, ...]
    sender: PartyValue | None
    recipients: tuple[PartyValue, ...]
    from_patient_side: bool
    in_response_to: str | None
    addressed_to_patient: bool

    @property
    def read(self) -> bool:
        """For the patient's side: what they wrote is read; what the practice wrote is read once received."""
        return self.from_patient_side or self.received is not None


@dataclass(frozen=True, slots=True)
class ThreadValue:
    id: str
    patient_id: str
    topic: str | None
    category: tuple[dt.CodeableConceptValue, ...]
    closed: bool
    last_activity: str | None
    participants: tuple[PartyValue, ...]
    messages: tuple[MessageValue, ...]

    @property
    def last_message(self) -> MessageValue | None:
        return self.messages[-1] if self.messages else None

    @property
    def unread_count(self) -> int:
        return sum(1 for message in self.messages if not message.read)


def reference_type(reference: str) -> str:
    """``Patient`` of ``Patient/1`` (or of ``https://ehr/fhir/Patient/1``)."""
    return reference.rpartition("/")[0].rpartition("/")[2]


def from_patient_side(resource: Resource) -> bool:
    """Whether a Communication was sent by the patient or one of their proxies."""
    sender = dt.references(resource.get("sender"))
    return bool(sender) and reference_type(sender[0]) in PATIENT_SIDE


def thread_of(resource: Resource) -> str | None:
    """The header id a message is ``partOf`` (``None`` for a header)."""
    for ref in dt.references(resource.get("partOf")):
        if reference_type(ref) == "Communication":
            return ref.rpartition("/")[2]
    return None


def is_message(resource: Resource) -> bool:
    """A message (it has a payload), as opposed to a thread header; entered-in-error ones never count."""
    return bool(list(objects(resource.get("payload")))) and resource.get("status") != ENTERED_IN_ERROR


def patient_of_reply(resource: Resource) -> str | None:
    """The patient an unread practice message of a thread is for (the reply notice); else ``None``."""
    if resource.resource_type != "Communication" or thread_of(resource) is None:
        return None
    if from_patient_side(resource) or resource.get("received") is not None or not is_message(resource):
        return None
    subject = dt.references(resource.get("subject"))
    return subject[0].rpartition("/")[2] if subject and reference_type(subject[0]) == "Patient" else None


def parties(value: object, names: Names, pools: Mapping[str, str]) -> tuple[PartyValue, ...]:
    """The parties of a Reference or a list of them (pools: reference -> name of the practice's pools)."""
    items = [value] if isinstance(value, Mapping) else list(objects(value))
    found = []
    for item in items:
        reference = string(item.get("reference"))
        if reference is None:
            continue
        kind = "POOL" if reference in pools else KINDS.get(reference_type(reference), "OTHER")
        found.append(PartyValue(kind, reference, string(item.get("display")) or pools.get(reference), names))
    return tuple(found)


def message_value(
    resource: Resource, thread_id: str, patient_id: str, names: Names, pools: Mapping[str, str]
) -> MessageValue:
    """One message as shown (the text exactly as stored: several strings are joined by a blank line)."""
    payload = list(objects(resource.get("payload")))
    texts = [text for item in payload if (text := string(item.get("contentString"))) is not None]
    recipients = parties(resource.get("recipient"), names, pools)
    sender = parties(resource.get("sender"), names, pools)
    previous = dt.references(resource.get("inResponseTo"))
    return MessageValue(
        id=resource.id,
        thread_id=thread_id,
        sent=string(resource.get("sent")),
        received=string(resource.get("received")),
        text="\n\n".join(texts),
        attachments=tuple(a for item in payload if (a := _attachment(item.get("contentAttachment")))),
        sender=sender[0] if sender else None,
        recipients=recipients,
        from_patient_side=from_patient_side(resource),
        in_response_to=previous[0].rpartition("/")[2] if previous else None,
        addressed_to_patient=any(p.reference == f"Patient/{patient_id}" for p in recipients),
    )


def thread_value(
    header: Resource,
    messages: Iterable[Resource],
    patient_id: str,
    names: Names,
    pools: Mapping[str, str],
) -> ThreadValue:
    """A thread from its header and its visible messages (oldest first). A header that carries a payload
    itself (a lone Communication some EHRs write) is its own one message."""
    shown = [m for m in messages if is_message(m)]
    if not shown and is_message(header):
        shown = [header]
    values = tuple(message_value(m, header.id, patient_id, names, pools) for m in by_sent(shown))
    everyone = [*parties(header.get("sender"), names, pools), *parties(header.get("recipient"), names, pools)]
    for message in values:
        everyone += [*([message.sender] if message.sender else []), *message.recipients]
    seen: dict[str, PartyValue] = {}
    for party in everyone:
        seen.setdefault(party.reference, party)
    topic = header.get("topic")
    return ThreadValue(
        id=header.id,
        patient_id=patient_id,
        topic=string(topic.get("text")) if isinstance(topic, Mapping) else None,
        category=dt.concepts(header.get("category")),
        closed=header.get("status") in CLOSED,
        last_activity=string(header.get("sent")),
        participants=tuple(seen.values()),
        messages=values,
    )


def group_messages(headers: Sequence[Resource], included: Iterable[Resource]) -> dict[str, list[Resource]]:
    """The included messages of a page of headers, by header id."""
    wanted: dict[str, list[Resource]] = {header.id: [] for header in headers}
    for resource in included:
        thread = thread_of(resource) if resource.resource_type == "Communication" else None
        if thread in wanted:
            wanted[thread].append(resource)
    return wanted


def answering(header: Resource, messages: Sequence[Resource]) -> dict[str, str] | None:
    """Whom a patient's reply goes to: the practice's latest writer in the thread, else the practice's side
    of the header (who started it, or whom it was started for); ``None`` when it names nobody there."""
    candidates = [m.get("sender") for m in reversed(messages) if not from_patient_side(m)]
    candidates += [header.get("sender"), *objects(header.get("recipient"))]
    for item in candidates:
        reference = string(item.get("reference")) if isinstance(item, Mapping) else None
        if reference and reference_type(reference) not in PATIENT_SIDE:
            return {k: v for k, v in item.items() if k in ("reference", "display") and isinstance(v, str)}
    return None


def by_sent(resources: Iterable[Resource]) -> list[Resource]:
    """Messages oldest first: by ``sent`` as instants, then (for equal times) by their ``inResponseTo``
    chain, then by id."""
    found = list(resources)
    answers = {
        m.id: previous[0].rpartition("/")[2]
        for m in found
        if (previous := dt.references(m.get("inResponseTo")))
    }

    def depth(message_id: str) -> int:
        steps, seen = 0, {message_id}
        while (message_id := answers.get(message_id, "")) and message_id not in seen:
            seen.add(message_id)
            steps += 1
        return steps

    return sorted(found, key=lambda m: (_instant(m), depth(m.id), m.id))


def _attachment(value: object) -> MessageAttachmentValue | None:
    if not isinstance(value, Mapping):
        return None
    url = string(value.get("url"))
    if url is None or reference_type(url) != "Binary":
        return None  # only files stored in the EHR as Binary can be downloaded through the gateway
    size = value.get("size")
    return MessageAttachmentValue(
        id=url.rpartition("/")[2],
        title=string(value.get("title")),
        content_type=string(value.get("contentType")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def _instant(resource: Resource) -> datetime:
    """``sent`` as a UTC instant (writers use different offsets); unknown times first."""
    sent = string(resource.get("sent"))
    try:
        moment = datetime.fromisoformat(sent) if sent else datetime.min
    except ValueError:
        moment = datetime.min
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment
