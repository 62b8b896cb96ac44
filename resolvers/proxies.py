"""Proxy invitations and revocation (docs/access.md): an adult patient invites an adult by email, the
invitee accepts while signed in, and the patient revokes a grant.

FHIR: the invitation writes a RelatedPerson (``patient`` = the inviter) and a ``proposed`` Consent naming it
(one transaction, both validated as R4B); acceptance links the invitee's Person to the RelatedPerson and turns
the Consent ``active``; revocation makes the Consent ``inactive`` and ends the RelatedPerson. The token is
single-use in the sense that it binds to the first account that accepts (a retry by that account answers the
same; anyone else gets INVALID_TOKEN); Redis holds only its hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from access import Capability, Level, age_on, parse_date, shapes
from auth import InvalidToken, MailMessage
from fhir_client import AnyOf, Entry

from .context import RequestContext
from .errors import BadUserInput
from .guard import NotInScope
from .idempotency import WriteMarker, idempotent
from .ids import created_id, fhir_id
from .problems import IdempotencyKeyReused, NotPermitted


@dataclass(frozen=True, slots=True)
class ProxyInvited:
    related_person_id: str
    consent_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ProxyAccepted:
    patient_id: str
    level: str


@dataclass(frozen=True, slots=True)
class ProxyRevoked:
    related_person_id: str


async def invite_proxy(
    ctx: RequestContext, email: str, level: str, relationship: str | None, idempotency_key: str
) -> ProxyInvited | NotPermitted | IdempotencyKeyReused:
    """Invite an adult by email to act for the viewer (SELF only: MANAGE_PROXIES); idempotent per key.

    Raises:
        PublicError: BAD_USER_INPUT for a malformed email, level, relationship code or key; as ``guard``.
    """
    address = email.strip()
    if len(address) > 254 or address.count("@") != 1 or "." not in address.split("@")[1] or " " in address:
        raise BadUserInput("email: not an email address")
    grant_level = Level(level)
    if grant_level == Level.SELF:
        raise BadUserInput("accessLevel: choose READ_ONLY or SCHEDULING_MESSAGING")
    if relationship is not None and (not relationship.isalpha() or len(relationship) > 10):
        raise BadUserInput("relationship: a v3 RoleCode such as SPS or FRND")
    code = (relationship or "O").upper()
    arguments = {"email": address.lower(), "level": grant_level.value, "relationship": code}
    return await idempotent(
        ctx,
        "inviteProxy",
        idempotency_key,
        arguments,
        (ProxyInvited, NotPermitted),
        lambda marker: _invite(ctx, address, grant_level, code, marker),
    )


async def _invite(
    ctx: RequestContext, address: str, grant_level: Level, code: str, marker: WriteMarker
) -> ProxyInvited | NotPermitted:
    viewer, _ = await ctx.scope()
    guard = await ctx.guard(viewer.account.patient_id, Capability.MANAGE_PROXIES)
    patient = await guard.patient()
    today = ctx.auth.clock.now().date()
    if patient is None or not _adult(patient.get("birthDate"), today):
        return NotPermitted("Only an adult patient can invite a proxy online; ask the office.")
    rp_url, consent_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    related = shapes.related_person(
        patient_id=guard.patient_id,
        relationship=code,
        start=today,
        telecom=[{"system": "email", "value": address}],
        identifier=[marker.identifier],
    )
    consent = shapes.proxy_consent(
        patient_id=guard.patient_id,
        actor=rp_url,
        level=grant_level.value,
        start=today,
        status="proposed",
        dateTime=ctx.auth.clock.now().isoformat(),
        policyRule={"text": "Portal proxy invitation"},
        identifier=[marker.identifier],
    )
    # Conditional creates: a retry after an attempt whose answer was lost finds what that attempt wrote.
    results = await guard.transaction(
        [
            Entry.create(related, full_url=rp_url, if_none_exist=marker.criteria),
            Entry.create(consent, full_url=consent_url, if_none_exist=marker.criteria),
        ]
    )
    rp_id, consent_id = (created_id(result.location) for result in results)
    ticket = await ctx.access.invitations.issue(
        {
            "patient_id": guard.patient_id,
            "related_person_id": rp_id,
            "consent_id": consent_id,
            "level": grant_level.value,
        }
    )
    body = (
        f"You have been invited to act as a proxy in the {ctx.auth.settings.practice_name} patient portal.\n"
        f"Sign in (or create your account) and enter this invitation code: {ticket.token}\n"
        f"The code expires on {ticket.expires_at:%Y-%m-%d}.\n"
    )
    await ctx.auth.mailer.send(MailMessage(to=address, subject="Proxy access invitation", body=body))
    ctx.auth.events.emit("proxy.invited", account_id=viewer.account.id, level=grant_level.value)
    return ProxyInvited(related_person_id=rp_id, consent_id=consent_id, expires_at=ticket.expires_at)


async def accept_proxy_invitation(
    ctx: RequestContext, token: str
) -> ProxyAccepted | NotPermitted | InvalidToken:
    """Accept an invitation as the signed-in viewer; a retry by the same viewer answers the same."""
    viewer, _ = await ctx.scope()
    ticket = await ctx.access.invitations.peek(token)
    if ticket is None:
        return InvalidToken()
    payload = dict(ticket.payload)
    if payload["patient_id"] == viewer.account.patient_id:
        return NotPermitted("You cannot be your own proxy.")
    if viewer.account.person_id is None:
        return NotPermitted("Your account is not linked to the practice's records yet; ask the office.")
    own = await (await ctx.guard(viewer.account.patient_id, Capability.READ)).patient()
    if own is None or not _adult(own.get("birthDate"), ctx.auth.clock.now().date()):
        return NotPermitted("Only an adult can be a proxy through the portal; ask the office.")
    if await ctx.access.invitations.claim(token, viewer.account.id) is None:
        return InvalidToken()  # another account accepted it first
    access = ctx.invitation_access(
        person_id=viewer.account.person_id,
        patient_id=payload["patient_id"],
        related_person_id=payload["related_person_id"],
        consent_id=payload["consent_id"],
    )
    if not await access.accept():
        return InvalidToken()
    await ctx.access.scopes.invalidate_all()
    ctx.forget_scope()
    ctx.auth.events.emit("proxy.accepted", account_id=viewer.account.id)
    return ProxyAccepted(patient_id=payload["patient_id"], level=payload["level"])


async def revoke_proxy(ctx: RequestContext, related_person_id: str) -> ProxyRevoked:
    """End a grant on the viewer's own record: Consents inactive, RelatedPerson ended; applies at once.

    Raises:
        PublicError: NOT_FOUND when the RelatedPerson is not one of the viewer's own proxies.
    """
    wanted = fhir_id(related_person_id)
    viewer, _ = await ctx.scope()
    guard = await ctx.guard(viewer.account.patient_id, Capability.MANAGE_PROXIES)
    related = await guard.read("RelatedPerson", wanted)
    if related is None:
        raise NotInScope()
    today = ctx.auth.clock.now().date()
    consents = await guard.search(
        "Consent", {"actor": f"RelatedPerson/{wanted}", "status": AnyOf("active", "proposed")}, count=100
    )
    entries = [
        Entry.update(shapes.ended_consent(c.data, today), if_match=c.version_id) for c in consents.matches
    ]
    if related.get("active") is not False:
        entries.append(
            Entry.update(shapes.ended_related_person(related.data, today), if_match=related.version_id)
        )
    if entries:
        await guard.transaction(entries)
    await ctx.access.scopes.invalidate_all()
    ctx.forget_scope()
    ctx.auth.events.emit("proxy.revoked", account_id=viewer.account.id, consents=len(consents.matches))
    return ProxyRevoked(related_person_id=wanted)


def _adult(birth_date: Any, today: date) -> bool:
    born = parse_date(birth_date)
    return born is not None and age_on(born, today) >= 18
