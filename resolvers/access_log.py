"""``patient.accessLog``: who viewed or changed the patient's record through the portal, newest first.

Read from the AuditEvents the gateway writes (docs/audit.md), through the guard like any list, for the patient
themself only (SELF). Proxies appear by name and relationship (their RelatedPerson, loaded in one batch).
Access by staff in the EHR appears only when the EHR records AuditEvents for it; HAPI does not on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from access import Capability, shapes
from fhir_client import Resource

from . import paging
from .context import RequestContext
from .values import human_names, objects, string

ACCESS_LOG = paging.ListSpec("access-log", "AuditEvent", {}, ("-date",))
ACTIONS = {"R": "VIEWED", "E": "VIEWED", "C": "CREATED", "U": "CHANGED", "D": "DELETED"}


@dataclass(frozen=True, slots=True)
class ActorValue:
    kind: str
    name: str | None
    relationship: str | None
    relationship_display: str | None


@dataclass(frozen=True, slots=True)
class AccessEntryValue:
    id: str
    recorded: str | None
    actor: ActorValue
    action: str
    resource_types: tuple[str, ...]
    succeeded: bool


async def access_log(
    ctx: RequestContext, patient_id: str, *, first: int | None, after: str | None, total: bool
) -> paging.Connection[AccessEntryValue]:
    """One page of the patient's access log (SELF only: FORBIDDEN for proxies)."""
    guard = await ctx.guard(patient_id, Capability.ACCOUNT)
    page = await paging.fetch(
        guard, await ctx.cursors(), ACCESS_LOG.query(), first=first, after=after, want_total=total
    )
    proxies = {
        ref
        for edge in page.edges
        if (ref := _requestor(edge.resource)) is not None and ref.startswith("RelatedPerson/")
    }
    loaded = await asyncio.gather(
        *(guard.load("RelatedPerson", ref.rpartition("/")[2]) for ref in sorted(proxies))
    )
    related = {r.reference: r for r in loaded if r is not None}
    return page.convert(lambda event: entry_value(event, patient_id, related))


def entry_value(event: Resource, patient_id: str, related: Mapping[str, Resource]) -> AccessEntryValue:
    """One AuditEvent as a line of the access log."""
    who = _requestor(event) or ""
    refs = [
        ref
        for entity in objects(event.get("entity"))
        if isinstance(ref := _reference(entity.get("what")), str) and ref != f"Patient/{patient_id}"
    ]
    queries = [string(e.get("query")) for e in objects(event.get("entity")) if e.get("query")]
    types = {ref.partition("/")[0] for ref in refs}
    if not types and queries:
        types |= {"record"}
    return AccessEntryValue(
        id=event.id,
        recorded=string(event.get("recorded")),
        actor=_actor(who, patient_id, related, event),
        action=ACTIONS.get(string(event.get("action")) or "", "VIEWED"),
        resource_types=tuple(sorted(types)),
        succeeded=event.get("outcome") == "0",
    )


def _actor(who: str, patient_id: str, related: Mapping[str, Resource], event: Resource) -> ActorValue:
    if who == f"Patient/{patient_id}":
        return ActorValue("PATIENT", None, None, None)
    proxy = related.get(who)
    if proxy is not None:
        code, display = shapes.relationship(proxy.data)
        names = human_names(proxy.get("name"))
        name = " ".join([*names[0].given, names[0].family or ""]).strip() if names else None
        return ActorValue("PROXY", name or None, code, display)
    if who.startswith("RelatedPerson/"):
        return ActorValue("PROXY", None, None, None)
    if who.startswith(("Practitioner/", "PractitionerRole/")):
        return ActorValue("STAFF", _display(event), None, None)
    return ActorValue("OTHER", _display(event), None, None)


def _requestor(event: Resource) -> str | None:
    for agent in objects(event.get("agent")):
        if agent.get("requestor") is True:
            return _reference(agent.get("who"))
    return None


def _display(event: Resource) -> str | None:
    for agent in objects(event.get("agent")):
        if agent.get("requestor") is True:
            who = agent.get("who")
            return string(who.get("display")) if isinstance(who, Mapping) else None
    return None


def _reference(value: Any) -> str | None:
    reference = value.get("reference") if isinstance(value, Mapping) else None
    return reference if isinstance(reference, str) else None
