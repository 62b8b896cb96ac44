"""Proxy invitation, acceptance and revocation: inputs, results and their unions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import proxies

from .access import AccessLevel
from .results import InvalidToken, Problem, ProblemCode


@strawberry.type(description="The invitation was recorded in the EHR (proposed) and mailed to the invitee.")
class ProxyInvited:
    proxy_id: strawberry.ID = strawberry.field(description="The RelatedPerson id (pass it to revokeProxy).")
    expires_at: datetime


@strawberry.type(description="You can now act for this patient (see viewer.patients).")
class ProxyInvitationAccepted:
    patient_id: strawberry.ID
    access_level: AccessLevel


@strawberry.type(description="The grant ended; it stops working on the proxy's very next request.")
class ProxyRevoked:
    proxy_id: strawberry.ID


@strawberry.type(description="Not allowed here (e.g. a minor's record, or your own invitation).")
class NotPermitted(Problem):
    message: str
    code: ProblemCode = ProblemCode.NOT_PERMITTED


InviteProxyResult = Annotated[ProxyInvited | NotPermitted, strawberry.union("InviteProxyResult")]
AcceptProxyInvitationResult = Annotated[
    ProxyInvitationAccepted | NotPermitted | InvalidToken, strawberry.union("AcceptProxyInvitationResult")
]
RevokeProxyResult = Annotated[ProxyRevoked | NotPermitted, strawberry.union("RevokeProxyResult")]


def invited(value: proxies.ProxyInvited | proxies.ProxyNotPermitted) -> ProxyInvited | NotPermitted:
    """The GraphQL result of ``inviteProxy``."""
    if isinstance(value, proxies.ProxyNotPermitted):
        return NotPermitted(message=value.message)
    return ProxyInvited(proxy_id=strawberry.ID(value.related_person_id), expires_at=value.expires_at)


def accepted(
    value: proxies.ProxyAccepted | proxies.ProxyNotPermitted | proxies.InvitationInvalid,
) -> ProxyInvitationAccepted | NotPermitted | InvalidToken:
    """The GraphQL result of ``acceptProxyInvitation``."""
    if isinstance(value, proxies.ProxyNotPermitted):
        return NotPermitted(message=value.message)
    if isinstance(value, proxies.InvitationInvalid):
        return InvalidToken(message=value.message)
    return ProxyInvitationAccepted(
        patient_id=strawberry.ID(value.patient_id), access_level=AccessLevel(value.level)
    )
