"""Secure messaging, the reading side (docs/messaging.md): a patient's threads, one thread by id, the unread
count, and whom the patient may write to.

The thread list is one FHIR search of headers (``part-of:missing=true``, newest activity first) with the
messages of each ``_revinclude``d, so a page of threads with their latest messages is one request; paging
rides on the server's stored search like every list (``resolvers/paging.py``). Folders and ``unreadOnly``
are pushed into that search as ``_has`` reverse chains and checked again on what the guard let through.
Everything comes through the guard, so proxies never see restricted messages, and under the teen rule a
proxy sees neither the messages the teen sent nor the threads the teen started (their header is the teen's
message), in lists, counts and attachments alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from access import COMPARTMENT, DIRECTORY_TYPES, Capability
from fhir_client import AnyOf, Resource, SearchParams

from . import paging, records
from .context import RequestContext
from .guard import DirectoryReader, NotInScope, PatientGuard
from .message_values import (
    ENTERED_IN_ERROR,
    ThreadValue,
    by_sent,
    from_patient_side,
    group_messages,
    is_message,
    reference_type,
    thread_of,
    thread_value,
)
from .references import PractitionerValue
from .values import HumanNameValue, human_names

HAS = "_has:Communication:part-of:"
MAX_PAGES = 10  # of 100 messages: a thread (or a backlog of unread ones) longer than this is cut, counted

MESSAGE_THREADS = paging.ListSpec(
    "messageThreads",
    "Communication",
    {"part-of:missing": "true", "status:not": ENTERED_IN_ERROR},
    ("-sent",),
    revinclude=("Communication:part-of",),
)


class Folder(StrEnum):
    INBOX = "INBOX"
    SENT = "SENT"
    ALL = "ALL"


@dataclass(frozen=True, slots=True)
class RecipientValue:
    """Someone the patient may write to: their care team, a member of it, or one of the practice's pools.

    Attributes:
        kind: CARE_TEAM, CARE_TEAM_MEMBER or POOL.
        id: The CareTeam's or member's FHIR id, or the pool's code (what ``sendMessage`` takes).
        name: What the portal shows.
        reference: The FHIR reference the message is addressed to.
    """

    kind: str
    id: str
    name: str | None
    reference: str


class GuardNames:
    """Names of parties whose references carry no ``display``: through the guard (patient compartment) or
    the directory, batched per type by the request's loaders."""

    def __init__(self, guard: PatientGuard, directory: DirectoryReader, pools: Mapping[str, str]) -> None:
        self._guard = guard
        self._directory = directory
        self.pools = pools

    async def of(self, reference: str) -> str | None:
        kind, rid = reference_type(reference), reference.rpartition("/")[2]
        resource: Resource | None = None
        if kind == "Patient":
            resource = await self._guard.patient() if rid == self._guard.patient_id else None
        elif kind in COMPARTMENT:
            resource = await self._guard.load(kind, rid)
        elif kind in DIRECTORY_TYPES:
            resource = await self._directory.read(kind, rid)
        return _name(resource) if resource is not None else None


def names_for(ctx: RequestContext, guard: PatientGuard) -> GuardNames:
    """The name lookup of one request and patient (pools named as the practice calls them)."""
    pools = {pool.reference: pool.name for pool in ctx.practice.message_pools}
    return GuardNames(guard, ctx.directory_reader(), pools)


async def list_threads(
    ctx: RequestContext,
    patient_id: str,
    folder: Folder,
    unread_only: bool,
    *,
    first: int | None,
    after: str | None,
    total: bool,
) -> paging.Connection[ThreadValue]:
    """One page of the patient's threads, the one with the newest message first, with all their messages.

    Folders: INBOX has the threads with a message to the patient (``recipient`` = the Patient); SENT those
    with a message from the patient or one of their proxies; ALL every thread. ``unread_only`` keeps the
    threads with a message to the patient not yet read. Upstream: one search (SENT: one more, the
    patient's RelatedPersons, whose messages count as the patient's).
    """
    guard = await ctx.guard(patient_id, Capability.READ)
    senders = await patient_side(guard) if folder == Folder.SENT else ()
    if folder == Folder.SENT and not senders:
        return paging.Connection((), False, 0 if total else None)
    query = MESSAGE_THREADS.query(_filters(guard.patient_id, folder, unread_only, senders))
    page = await paging.fetch(guard, await ctx.cursors(), query, first=first, after=after, want_total=total)
    names = names_for(ctx, guard)
    grouped = group_messages([edge.resource for edge in page.edges], page.included)

    def make(header: Resource) -> ThreadValue | None:
        thread = thread_value(header, grouped[header.id], guard.patient_id, names, names.pools)
        return thread if _matches(thread, folder, unread_only, senders) else None

    return page.convert(make)


async def get_thread(ctx: RequestContext, thread_id: str) -> ThreadValue | None:
    """One thread by its header's id, with all its messages; ``None`` when missing, not a thread header, or
    outside the viewer's scope (the same answer). Upstream: the header (one search over the scope's
    compartments) and its messages."""
    found = await ctx.find("Communication", thread_id)
    if found is None:
        return None
    guard, header = found.guard, found.resource
    if thread_of(header) is not None or header.get("status") == ENTERED_IN_ERROR:
        return None
    names = names_for(ctx, guard)
    messages = await thread_messages(guard, header.id)
    return thread_value(header, messages, guard.patient_id, names, names.pools)


async def thread_messages(guard: PatientGuard, thread_id: str) -> list[Resource]:
    """Every message of a thread the viewer may see (one search; more pages only past 100 messages)."""
    params: SearchParams = {
        "part-of": f"Communication/{thread_id}",
        "status:not": ENTERED_IN_ERROR,
    }
    page = await guard.search("Communication", params, count=paging.MAX_FIRST, sort=["sent"])
    found = list(page.matches)
    for _ in range(MAX_PAGES - 1):
        following = await guard.next_page(page) if page.has_next else None
        if following is None:
            break
        page = following
        found += page.matches
    return found


async def thread_with_messages(guard: PatientGuard, thread_id: str) -> tuple[Resource, list[Resource]]:
    """The header and its visible messages, oldest first, in one search; NOT_FOUND unless a thread."""
    page = await guard.search(
        "Communication",
        {"_id": thread_id, "part-of:missing": "true", "status:not": ENTERED_IN_ERROR},
        count=1,
        revinclude=["Communication:part-of"],
    )
    if not page.matches:
        raise NotInScope()
    header = page.matches[0]
    messages = [m for m in group_messages([header], page.included)[header.id] if is_message(m)]
    if not messages and is_message(header):
        messages = [header]  # a lone Communication is its own thread
    return header, by_sent(messages)


async def unread_count(ctx: RequestContext, patient_id: str) -> int:
    """Messages from the practice to the patient not yet read, in threads the viewer may see.

    One search (``recipient`` = the Patient, ``received`` missing) with the threads' headers included, so
    that a message whose thread is hidden from the viewer (the teen rule) is not counted either.
    """
    guard = await ctx.guard(patient_id, Capability.READ)
    params: SearchParams = {
        "recipient": f"Patient/{guard.patient_id}",
        "received:missing": "true",
        "status:not": ENTERED_IN_ERROR,
    }
    page = await guard.search(
        "Communication", params, count=paging.MAX_FIRST, include=["Communication:part-of"]
    )
    count = 0
    for _ in range(MAX_PAGES):
        # A header the practice has not opened is a match itself, and then not repeated among the includes.
        headers = {
            r.id
            for r in (*page.matches, *page.included)
            if r.resource_type == "Communication" and r.get("status") != ENTERED_IN_ERROR
        }
        count += sum(
            1
            for message in page.matches
            if is_message(message)
            and not from_patient_side(message)
            and ((thread := thread_of(message)) is None or thread in headers)
        )
        following = await guard.next_page(page) if page.has_next else None
        if following is None:
            break
        page = following
    return count


async def recipients(ctx: RequestContext, patient_id: str) -> list[RecipientValue]:
    """Whom the patient may write to: each active care team, its members, and the practice's pools.

    Upstream: one search (the care teams with their members included).
    """
    found: dict[str, RecipientValue] = {}
    for team in await records.care_teams(ctx, patient_id):
        found.setdefault(
            f"CareTeam/{team.id}", RecipientValue("CARE_TEAM", team.id, team.name, f"CareTeam/{team.id}")
        )
        for participant in team.participant:
            member = participant.member
            kind = "Practitioner" if isinstance(member, PractitionerValue) else "Organization"
            name = _human(member.names) if isinstance(member, PractitionerValue) else member.name
            found.setdefault(
                f"{kind}/{member.id}",
                RecipientValue("CARE_TEAM_MEMBER", member.id, name, f"{kind}/{member.id}"),
            )
    for pool in ctx.practice.message_pools:
        found.setdefault(pool.reference, RecipientValue("POOL", pool.code, pool.name, pool.reference))
    return list(found.values())


async def patient_side(guard: PatientGuard) -> tuple[str, ...]:
    """Who writes for the patient: the patient (unless the teen rule hides what they send) and every
    RelatedPerson of theirs (proxies, past ones too)."""
    page = await guard.search("RelatedPerson", count=paging.MAX_FIRST)
    proxies = tuple(f"RelatedPerson/{related.id}" for related in page.matches)
    own = () if guard.grant.hide_sent_messages else (f"Patient/{guard.patient_id}",)
    return own + proxies


def _filters(patient_id: str, folder: Folder, unread_only: bool, senders: Sequence[str]) -> SearchParams:
    params: dict[str, str | AnyOf] = {}
    if folder == Folder.INBOX or unread_only:
        params[HAS + "recipient"] = f"Patient/{patient_id}"
    if folder == Folder.SENT:
        params[HAS + "sender"] = AnyOf(*senders)
    if unread_only:
        # Separate _has parameters may match different messages: what comes back is checked again (_matches).
        params[HAS + "status"] = "in-progress"
    return params


def _matches(thread: ThreadValue, folder: Folder, unread_only: bool, senders: Sequence[str]) -> bool:
    if folder == Folder.INBOX and not any(m.addressed_to_patient for m in thread.messages):
        return False
    if folder == Folder.SENT and not any(m.sender and m.sender.reference in senders for m in thread.messages):
        return False
    return not unread_only or thread.unread_count > 0


def _name(resource: Resource) -> str | None:
    name = resource.get("name")
    return name if isinstance(name, str) else _human(human_names(name))


def _human(names: Sequence[HumanNameValue]) -> str | None:
    for name in names:
        if name.text:
            return name.text
        joined = " ".join(part for part in (*name.given, name.family or "") if part)
        if joined:
            return joined
    return None
