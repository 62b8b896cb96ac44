"""Acting for a patient in a mutation: the capability check that answers ``NotPermitted`` as data.

Queries let ``ctx.guard`` raise (FORBIDDEN, NOT_FOUND). A mutation answers a patient in scope whose access
level lacks the capability with its ``NotPermitted`` problem instead, decided from the cached scope before any
upstream request; a patient outside the scope is still NOT_FOUND, exactly like a missing one.
"""

from __future__ import annotations

from access import Capability

from .context import RequestContext
from .errors import Forbidden
from .guard import PatientGuard
from .problems import NotPermitted

_DOING = {
    Capability.SCHEDULE: "booking, changing or checking in for appointments",
    Capability.MESSAGE: "sending messages",
    Capability.REFILL: "requesting prescription renewals",
    Capability.PAY: "paying bills",
    Capability.MANAGE_PROXIES: "managing proxy access",
    Capability.ACCOUNT: "changing the account",
}


async def acting_for(
    ctx: RequestContext, patient_id: str, capability: Capability
) -> PatientGuard | NotPermitted:
    """The guard for ``patient_id`` with ``capability``, or ``NotPermitted`` when the level lacks it.

    Raises:
        PublicError: NOT_FOUND for a patient outside the scope; BAD_USER_INPUT for a malformed id; as
            ``require_viewer`` without a viewer.
    """
    try:
        return await ctx.guard(patient_id, capability)
    except Forbidden:
        doing = _DOING.get(capability, "this")
        return NotPermitted(f"Your access to this patient's record does not include {doing}.")
