"""Prescriptions: MedicationRequest with its drug (Medication), dosage and dispense request."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from resolvers import medications as rx

from .datatypes import CodeableConcept, Period, Provider, Quantity, Range, Ratio, concept, concepts, period
from .datatypes import provider as provider_of
from .datatypes import quantity as quantity_of

NotRenewableReason = strawberry.enum(
    rx.NotRenewableReason,
    name="NotRenewableReason",
    description=(
        "Why a renewal of a prescription cannot be requested now: NOT_ACTIVE (MedicationRequest.status is "
        "not active), NOT_AN_ORDER (MedicationRequest.intent is not an order), ALREADY_REQUESTED (a renewal "
        "Task focusing on it is still open), NOT_PERMITTED (the viewer's access, at this practice)."
    ),
)


@strawberry.enum(description="Which prescriptions to list.")
class MedicationListStatus(Enum):
    ACTIVE = strawberry.enum_value(
        "ACTIVE", description="Only active orders (MedicationRequest.status active)."
    )
    ALL = strawberry.enum_value(
        "ALL", description="Every order: active, on hold, stopped, completed, cancelled (never in error)."
    )


@strawberry.enum(description="MedicationRequest.status (entered-in-error and draft orders are never shown).")
class MedicationRequestStatus(Enum):
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    STOPPED = "stopped"
    UNKNOWN = "unknown"


@strawberry.type(description="An ingredient of a medication (Medication.ingredient).")
class MedicationIngredient:
    item: CodeableConcept | None = strawberry.field(description="Medication.ingredient.itemCodeableConcept.")
    strength: Ratio | None = strawberry.field(
        description="Medication.ingredient.strength, e.g. 70 mg / tablet."
    )
    is_active: bool | None = strawberry.field(description="Medication.ingredient.isActive.")


@strawberry.type(
    description=(
        "The drug of a prescription: the order's own code (MedicationRequest.medicationCodeableConcept, id "
        "null) or the Medication resource it references (MedicationRequest.medicationReference)."
    )
)
class Medication:
    id: strawberry.ID | None = strawberry.field(description="Medication.id; null when coded in the order.")
    code: CodeableConcept | None = strawberry.field(
        description="The drug, RxNorm as a rule (Medication.code)."
    )
    form: CodeableConcept | None = strawberry.field(description="Medication.form: tablet, inhaler, cream...")
    ingredient: list[MedicationIngredient] = strawberry.field(description="Medication.ingredient.")

    @classmethod
    def from_value(cls, v: rx.MedicationValue) -> Medication:
        return cls(
            id=strawberry.ID(v.id) if v.id else None,
            code=concept(v.code),
            form=concept(v.form),
            ingredient=[
                MedicationIngredient(
                    item=concept(i.item),
                    strength=Ratio.from_value(i.strength) if i.strength else None,
                    is_active=i.is_active,
                )
                for i in v.ingredients
            ],
        )


@strawberry.type(description="How to take it (MedicationRequest.dosageInstruction, a FHIR Dosage).")
class Dosage:
    text: str | None = strawberry.field(description="The instructions as written (Dosage.text).")
    patient_instruction: str | None = strawberry.field(description="Dosage.patientInstruction.")
    dose: Quantity | None = strawberry.field(description="Dosage.doseAndRate.doseQuantity, e.g. 1 tablet.")
    dose_range: Range | None = strawberry.field(description="Dosage.doseAndRate.doseRange, e.g. 1-2 tablets.")
    route: CodeableConcept | None = strawberry.field(description="Dosage.route, e.g. oral (SNOMED CT).")
    frequency: int | None = strawberry.field(
        description="Dosage.timing.repeat.frequency: times per period (2 with period 1 d = twice a day)."
    )
    period: Decimal | None = strawberry.field(description="Dosage.timing.repeat.period.")
    period_max: Decimal | None = strawberry.field(
        description="Dosage.timing.repeat.periodMax (every 4 to 6 hours: period 4, periodMax 6)."
    )
    period_unit: str | None = strawberry.field(
        description="Dosage.timing.repeat.periodUnit (UCUM: s, min, h, d, wk, mo, a)."
    )
    timing_code: CodeableConcept | None = strawberry.field(description="Dosage.timing.code (BID, QD...).")
    as_needed: bool | None = strawberry.field(description="Dosage.asNeeded[x]: take only when needed.")
    as_needed_for: CodeableConcept | None = strawberry.field(description="Dosage.asNeededCodeableConcept.")

    @classmethod
    def from_value(cls, v: rx.DosageValue) -> Dosage:
        return cls(
            text=v.text,
            patient_instruction=v.patient_instruction,
            dose=quantity_of(v.dose),
            dose_range=Range.from_value(v.dose_range) if v.dose_range else None,
            route=concept(v.route),
            frequency=v.frequency,
            period=v.period,
            period_max=v.period_max,
            period_unit=v.period_unit,
            timing_code=concept(v.timing_code),
            as_needed=v.as_needed,
            as_needed_for=concept(v.as_needed_for),
        )


@strawberry.type(description="What the pharmacy may dispense (MedicationRequest.dispenseRequest).")
class DispenseRequest:
    quantity: Quantity | None = strawberry.field(description="dispenseRequest.quantity per fill.")
    number_of_repeats_allowed: int | None = strawberry.field(
        description="dispenseRequest.numberOfRepeatsAllowed: refills after the first fill."
    )
    validity_period: Period | None = strawberry.field(
        description="dispenseRequest.validityPeriod: when the prescription may be filled."
    )
    expected_supply_duration: Quantity | None = strawberry.field(
        description="dispenseRequest.expectedSupplyDuration: days one fill lasts."
    )

    @classmethod
    def from_value(cls, v: rx.DispenseRequestValue) -> DispenseRequest:
        return cls(
            quantity=quantity_of(v.quantity),
            number_of_repeats_allowed=v.number_of_repeats_allowed,
            validity_period=period(v.validity_period),
            expected_supply_duration=quantity_of(v.expected_supply_duration),
        )


@strawberry.type(description="A prescription (FHIR MedicationRequest, intent order).")
class MedicationRequest:
    id: strawberry.ID = strawberry.field(description="MedicationRequest.id.")
    status: MedicationRequestStatus = strawberry.field(description="MedicationRequest.status.")
    intent: str = strawberry.field(description="MedicationRequest.intent (order, original-order...).")
    status_reason: CodeableConcept | None = strawberry.field(
        description="MedicationRequest.statusReason, e.g. why it was stopped."
    )
    category: list[CodeableConcept] = strawberry.field(
        description="MedicationRequest.category (community...)."
    )
    authored_on: str | None = strawberry.field(description="MedicationRequest.authoredOn (FHIR dateTime).")
    dosage_instruction: list[Dosage] = strawberry.field(description="MedicationRequest.dosageInstruction.")
    dispense_request: DispenseRequest | None = strawberry.field(
        description="MedicationRequest.dispenseRequest: quantity, refills allowed, validity."
    )
    prior_prescription_id: strawberry.ID | None = strawberry.field(
        description="MedicationRequest.priorPrescription: the order this one replaces (a renewal's original)."
    )
    renewable: bool = strawberry.field(
        description=(
            "Whether requestRefill would be accepted now: an active order (status, intent), no renewal "
            "request waiting (a Task focusing on it), and the viewer's access includes renewals."
        )
    )
    not_renewable_reason: NotRenewableReason | None = strawberry.field(  # type: ignore[valid-type]
        description="Why renewable is false (null when it is true)."
    )
    open_refill_request_id: strawberry.ID | None = strawberry.field(
        description="The renewal request (Task) still waiting for the prescriber, if any."
    )
    _value: strawberry.Private[rx.MedicationRequestValue]

    @strawberry.field(
        description=(
            "The drug: coded in the order, or the referenced Medication (included with the page; no request "
            "per order)."
        )
    )
    async def medication(self) -> Medication | None:
        found = await self._value.medication()
        return Medication.from_value(found) if found else None

    @strawberry.field(description="Who prescribed it (MedicationRequest.requester; included with the page).")
    async def prescriber(self) -> Provider | None:
        found = await self._value.prescriber()
        return provider_of(found) if found else None

    @classmethod
    def from_value(cls, v: rx.MedicationRequestValue) -> MedicationRequest:
        return cls(
            id=strawberry.ID(v.id),
            status=MedicationRequestStatus(v.status),
            intent=v.intent,
            status_reason=concept(v.status_reason),
            category=concepts(v.category),
            authored_on=v.authored_on,
            dosage_instruction=[Dosage.from_value(d) for d in v.dosage_instruction],
            dispense_request=DispenseRequest.from_value(v.dispense_request) if v.dispense_request else None,
            prior_prescription_id=strawberry.ID(v.prior_prescription_id) if v.prior_prescription_id else None,
            renewable=v.renewable,
            not_renewable_reason=v.not_renewable_reason,
            open_refill_request_id=(
                strawberry.ID(v.open_refill_request_id) if v.open_refill_request_id else None
            ),
            _value=v,
        )
