"""Proxy access: the viewer's patients with their access level and capabilities."""

from __future__ import annotations

from enum import Enum

import strawberry

from access import Capability as CapabilityValue
from resolvers.access import PatientAccessValue
from resolvers.patient import PatientRecord

from .patient import Patient

Capability = strawberry.enum(CapabilityValue, description="What the viewer may do for a patient.")


@strawberry.enum(description="How the viewer may act for a patient.")
class AccessLevel(Enum):
    SELF = "SELF"
    SCHEDULING_MESSAGING = "SCHEDULING_MESSAGING"
    READ_ONLY = "READ_ONLY"


@strawberry.enum(description="The access level a patient may grant a proxy.")
class ProxyAccessLevel(Enum):
    SCHEDULING_MESSAGING = "SCHEDULING_MESSAGING"
    READ_ONLY = "READ_ONLY"


@strawberry.type(description="A patient the viewer may act for: self, or someone who granted access.")
class PatientAccess:
    patient: Patient | None = strawberry.field(description="Null only if the record is gone from the EHR.")
    access_level: AccessLevel
    relationship: str | None = strawberry.field(
        description="v3 RoleCode code of the viewer to the patient (e.g. MTH, SPS); null for SELF."
    )
    relationship_display: str | None
    capabilities: list[Capability]  # type: ignore[valid-type]

    @classmethod
    def from_value(cls, value: PatientAccessValue) -> PatientAccess:
        return cls(
            patient=Patient.from_record(PatientRecord.known(value.patient)) if value.patient else None,
            access_level=AccessLevel(value.level),
            relationship=value.relationship,
            relationship_display=value.relationship_display,
            capabilities=list(value.capabilities),
        )
