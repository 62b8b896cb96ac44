"""The access log: who viewed or changed the patient's record through the portal (FHIR AuditEvent)."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.access_log import AccessEntryValue


@strawberry.enum(description="Who acted (AuditEvent.agent, the requestor).")
class AccessActorKind(Enum):
    PATIENT = strawberry.enum_value("PATIENT", description="The patient themself.")
    PROXY = strawberry.enum_value("PROXY", description="Someone with proxy access (a RelatedPerson).")
    STAFF = strawberry.enum_value("STAFF", description="Practice staff, when the EHR records their access.")
    OTHER = "OTHER"


@strawberry.enum(description="What was done (AuditEvent.action).")
class AccessAction(Enum):
    VIEWED = "VIEWED"
    CREATED = "CREATED"
    CHANGED = "CHANGED"
    DELETED = "DELETED"


@strawberry.type(description="Who acted, as the patient knows them.")
class AccessActor:
    kind: AccessActorKind
    name: str | None = strawberry.field(
        description="A proxy's name (RelatedPerson.name), or staff's display."
    )
    relationship: str | None = strawberry.field(description="A proxy's v3 RoleCode (MTH, SPS, ...).")
    relationship_display: str | None


@strawberry.type(description="One access to the record (one FHIR AuditEvent).")
class AccessLogEntry:
    id: strawberry.ID
    recorded: str | None = strawberry.field(description="AuditEvent.recorded (an instant).")
    actor: AccessActor
    action: AccessAction
    resource_types: list[str] = strawberry.field(
        description="The kinds of record involved (Observation, Appointment, ...; AuditEvent.entity)."
    )
    succeeded: bool = strawberry.field(description="AuditEvent.outcome is success.")

    @classmethod
    def from_value(cls, v: AccessEntryValue) -> AccessLogEntry:
        actor = AccessActor(
            kind=AccessActorKind(v.actor.kind),
            name=v.actor.name,
            relationship=v.actor.relationship,
            relationship_display=v.actor.relationship_display,
        )
        return cls(
            id=strawberry.ID(v.id),
            recorded=v.recorded,
            actor=actor,
            action=AccessAction(v.action),
            resource_types=list(v.resource_types),
            succeeded=v.succeeded,
        )
