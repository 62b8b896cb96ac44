"""Health record types: Condition, AllergyIntolerance, Immunization, CareTeam."""

from __future__ import annotations

import strawberry

from resolvers.records import AllergyValue, CareTeamValue, ConditionValue, ImmunizationValue

from .datatypes import CodeableConcept, Provider, concept, concepts, provider


@strawberry.type(
    description="A problem or diagnosis (FHIR Condition); entered-in-error ones are never shown."
)
class Condition:
    id: strawberry.ID
    clinical_status: CodeableConcept | None
    verification_status: CodeableConcept | None
    category: list[CodeableConcept]
    severity: CodeableConcept | None
    code: CodeableConcept | None
    onset_date_time: str | None
    abatement_date_time: str | None
    recorded_date: str | None

    @classmethod
    def from_value(cls, v: ConditionValue) -> Condition:
        return cls(
            id=strawberry.ID(v.id),
            clinical_status=concept(v.clinical_status),
            verification_status=concept(v.verification_status),
            category=concepts(v.category),
            severity=concept(v.severity),
            code=concept(v.code),
            onset_date_time=v.onset_date_time,
            abatement_date_time=v.abatement_date_time,
            recorded_date=v.recorded_date,
        )


@strawberry.type(description="A reaction to an allergen (AllergyIntolerance.reaction).")
class AllergyReaction:
    manifestation: list[CodeableConcept]
    severity: str | None
    description: str | None


@strawberry.type(description="An allergy or intolerance (FHIR AllergyIntolerance).")
class AllergyIntolerance:
    id: strawberry.ID
    clinical_status: CodeableConcept | None
    verification_status: CodeableConcept | None
    type: str | None
    category: list[str]
    criticality: str | None
    code: CodeableConcept | None
    reaction: list[AllergyReaction]
    onset_date_time: str | None
    recorded_date: str | None

    @classmethod
    def from_value(cls, v: AllergyValue) -> AllergyIntolerance:
        return cls(
            id=strawberry.ID(v.id),
            clinical_status=concept(v.clinical_status),
            verification_status=concept(v.verification_status),
            type=v.type,
            category=list(v.category),
            criticality=v.criticality,
            code=concept(v.code),
            reaction=[
                AllergyReaction(
                    manifestation=concepts(r.manifestation), severity=r.severity, description=r.description
                )
                for r in v.reaction
            ],
            onset_date_time=v.onset_date_time,
            recorded_date=v.recorded_date,
        )


@strawberry.type(description="A vaccination given or declined (FHIR Immunization).")
class Immunization:
    id: strawberry.ID
    status: str = strawberry.field(description="completed or not-done (entered-in-error is never shown).")
    vaccine_code: CodeableConcept | None
    occurrence_date_time: str | None
    primary_source: bool | None
    lot_number: str | None
    dose_number: int | None = strawberry.field(description="protocolApplied.doseNumberPositiveInt")

    @classmethod
    def from_value(cls, v: ImmunizationValue) -> Immunization:
        return cls(
            id=strawberry.ID(v.id),
            status=v.status,
            vaccine_code=concept(v.vaccine_code),
            occurrence_date_time=v.occurrence_date_time,
            primary_source=v.primary_source,
            lot_number=v.lot_number,
            dose_number=v.dose_number,
        )


@strawberry.type(description="A member of a care team and their role.")
class CareTeamParticipant:
    role: list[CodeableConcept]
    member: Provider


@strawberry.type(description="The people who care for the patient (FHIR CareTeam).")
class CareTeam:
    id: strawberry.ID
    name: str | None
    status: str | None
    participant: list[CareTeamParticipant]

    @classmethod
    def from_value(cls, v: CareTeamValue) -> CareTeam:
        return cls(
            id=strawberry.ID(v.id),
            name=v.name,
            status=v.status,
            participant=[
                CareTeamParticipant(role=concepts(p.role), member=provider(p.member)) for p in v.participant
            ],
        )
