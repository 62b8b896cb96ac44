"""The viewer: the signed-in account and its session."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from auth import Session as SessionValue
from resolvers.access import viewer_patients
from resolvers.context import RequestContext
from resolvers.viewer import Viewer as ViewerValue
from resolvers.viewer import require_viewer

from .access import PatientAccess

Info = strawberry.Info[RequestContext, None]


@strawberry.enum(description="What a session may do.")
class SessionLevel(Enum):
    FULL = "FULL"
    TOTP_SETUP = "TOTP_SETUP"


@strawberry.type(description="The signed-in portal account (no PHI: the person's record is `patient`).")
class Account:
    id: strawberry.ID
    username: str
    two_factor_enabled: bool
    patient_id: strawberry.ID = strawberry.field(description="The account holder's own FHIR Patient id.")


@strawberry.type(description="The current session, so a frontend can warn before it ends.")
class Session:
    expires_at: datetime = strawberry.field(
        description="When the session ends unless the user does something (idle or absolute limit)."
    )
    absolute_expires_at: datetime = strawberry.field(description="The end of its absolute lifetime.")
    idle_timeout_seconds: int
    level: SessionLevel

    @classmethod
    def from_value(cls, value: SessionValue) -> Session:
        return cls(
            expires_at=value.expires_at,
            absolute_expires_at=value.absolute_expires_at,
            idle_timeout_seconds=int(value.idle_timeout.total_seconds()),
            level=SessionLevel(value.level.value),
        )


@strawberry.type(description="Who is signed in. Asking for it without a session is UNAUTHENTICATED.")
class Viewer:
    value: strawberry.Private[ViewerValue]

    @strawberry.field(
        description="The account. A session that must first set up two-step verification gets FORBIDDEN."
    )
    async def account(self, info: Info) -> Account:
        await require_viewer(info.context)  # a TOTP_SETUP session may read `session` only
        account = self.value.account
        return Account(
            id=strawberry.ID(account.id),
            username=account.username,
            two_factor_enabled=account.totp_enabled,
            patient_id=strawberry.ID(account.patient_id),
        )

    @strawberry.field(
        description="The patients the viewer may act for: self first, then those who granted access."
    )
    async def patients(self, info: Info) -> list[PatientAccess]:
        return [PatientAccess.from_value(value) for value in await viewer_patients(info.context)]

    @strawberry.field
    def session(self) -> Session:
        return Session.from_value(self.value.session)
