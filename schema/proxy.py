"""Proxy invitation, acceptance and revocation: their results and unions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from resolvers import proxies

from .access import AccessLevel
from .outcomes import IdempotencyKeyReused, NotPermitted, Presented, presents
from .results import InvalidToken


@strawberry.type(description="The invitation was recorded in the EHR (proposed) and mailed to the invitee.")
@presents(proxies.ProxyInvited)
class ProxyInvited(Presented):
    proxy_id: strawberry.ID = strawberry.field(description="The RelatedPerson id (pass it to revokeProxy).")
    expires_at: datetime

    @classmethod
    def from_value(cls, value: proxies.ProxyInvited, token: str | None) -> ProxyInvited:
        return cls(proxy_id=strawberry.ID(value.related_person_id), expires_at=value.expires_at)


@strawberry.type(description="You can now act for this patient (see viewer.patients).")
@presents(proxies.ProxyAccepted)
class ProxyInvitationAccepted(Presented):
    patient_id: strawberry.ID
    access_level: AccessLevel

    @classmethod
    def from_value(cls, value: proxies.ProxyAccepted, token: str | None) -> ProxyInvitationAccepted:
        return cls(patient_id=strawberry.ID(value.patient_id), access_level=AccessLevel(value.level))


@strawberry.type(description="The grant ended; it stops working on the proxy's very next request.")
@presents(proxies.ProxyRevoked)
class ProxyRevoked(Presented):
    proxy_id: strawberry.ID

    @classmethod
    def from_value(cls, value: proxies.ProxyRevoked, token: str | None) -> Any:
        return cls(proxy_id=strawberry.ID(value.related_person_id))


InviteProxyResult = Annotated[
    ProxyInvited | NotPermitted | IdempotencyKeyReused, strawberry.union("InviteProxyResult")
]
AcceptProxyInvitationResult = Annotated[
    ProxyInvitationAccepted | NotPermitted | InvalidToken, strawberry.union("AcceptProxyInvitationResult")
]
RevokeProxyResult = Annotated[ProxyRevoked | NotPermitted, strawberry.union("RevokeProxyResult")]
