"""Medications: the patient's prescriptions (FHIR MedicationRequest) with their drug, dosage, dispense
request and prescriber, and whether a renewal may be requested (docs/medications.md).

A page of orders is one search: ``_include`` brings the referenced Medications and the prescribers (both
directory types), ``_revinclude=Task:focus`` the renewal requests of the page's orders, so ``renewable`` is
known without a request per order. What the page did not include goes through the per-request loaders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from access import Capability
from fhir_client import AnyOf, Resource

from . import datatypes as dt
from . import paging
from .context import RequestContext
from .guard import PatientGuard
from .paging import Connection
from .references import PerformerValue, References
from .values import objects, string

# The project's code system of Task codes, shared with online check-in (resolvers/appointments.py).
RENEWAL_SYSTEM = "urn:portal-gateway:task"
RENEWAL = f"{RENEWAL_SYSTEM}|renewal"
"""The search token of a renewal request's ``Task.code``."""
OPEN = frozenset({"draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold"})
"""Task statuses of a renewal request the prescriber has not decided yet."""
ORDER_INTENTS = ("order", "original-order", "reflex-order", "filler-order", "instance-order")
STATUSES = frozenset({"active", "on-hold", "cancelled", "completed", "stopped", "unknown"})
"""MedicationRequest statuses shown (``entered-in-error`` and ``draft`` never are)."""


class NotRenewableReason(StrEnum):
    """Why a renewal of an order cannot be requested now."""

    NOT_ACTIVE = "NOT_ACTIVE"
    """The order is not active (stopped, completed, cancelled, on hold)."""
    NOT_AN_ORDER = "NOT_AN_ORDER"
    """Not a prescription (a plan or proposal)."""
    ALREADY_REQUESTED = "ALREADY_REQUESTED"
    """A renewal request for it is still waiting for the prescriber."""
    NOT_PERMITTED = "NOT_PERMITTED"
    """The viewer's access to this patient does not include requesting renewals."""


@dataclass(frozen=True, slots=True)
class IngredientValue:
    item: dt.CodeableConceptValue | None
    strength: dt.RatioValue | None
    is_active: bool | None


@dataclass(frozen=True, slots=True)
class MedicationValue:
    """The drug of an order: coded inline (``id`` None) or a Medication resource."""

    id: str | None
    code: dt.CodeableConceptValue | None
    form: dt.CodeableConceptValue | None
    ingredients: tuple[IngredientValue, ...]


@dataclass(frozen=True, slots=True)
class DosageValue:
    text: str | None
    patient_instruction: str | None
    dose: dt.QuantityValue | None
    dose_range: dt.RangeValue | None
    route: dt.CodeableConceptValue | None
    frequency: int | None
    period: Decimal | None
    period_max: Decimal | None
    period_unit: str | None
    timing_code: dt.CodeableConceptValue | None
    as_needed: bool | None
    as_needed_for: dt.CodeableConceptValue | None


@dataclass(frozen=True, slots=True)
class DispenseRequestValue:
    quantity: dt.QuantityValue | None
    number_of_repeats_allowed: int | None
    validity_period: dt.PeriodValue | None
    expected_supply_duration: dt.QuantityValue | None


@dataclass(frozen=True, slots=True)
class MedicationRequestValue:
    id: str
    status: str
    intent: str
    status_reason: dt.CodeableConceptValue | None
    category: tuple[dt.CodeableConceptValue, ...]
    authored_on: str | None
    dosage_instruction: tuple[DosageValue, ...]
    dispense_request: DispenseRequestValue | None
    prior_prescription_id: str | None
    not_renewable_reason: NotRenewableReason | None
    open_refill_request_id: str | None
    medication_code: dt.CodeableConceptValue | None
    medication_ref: str | None
    prescriber_refs: tuple[str, ...]
    refs: References

    @property
    def renewable(self) -> bool:
        return self.not_renewable_reason is None

    async def medication(self) -> MedicationValue | None:
        """The drug: the inline code, or the referenced Medication (page includes, else one batched read)."""
        if self.medication_ref is None:
            code = self.medication_code
            return MedicationValue(None, code, None, ()) if code is not None else None
        found = await self.refs.many((self.medication_ref,), medication_value)
        return found[0] if found else None

    async def prescriber(self) -> PerformerValue | None:
        """Who wrote the order (``requester``), when a Practitioner or Organization."""
        found = await self.refs.performers(self.prescriber_refs)
        return found[0] if found else None


def is_renewal(resource: Resource) -> bool:
    """Whether ``resource`` is a renewal request (a Task with the renewal code)."""
    if resource.resource_type != "Task":
        return False
    concept = dt.concept(resource.get("code"))
    return concept is not None and any(
        c.system == RENEWAL_SYSTEM and c.code == "renewal" for c in concept.coding
    )


def order_problem(resource: Resource) -> NotRenewableReason | None:
    """What of the order itself stands against a renewal (its status and intent)."""
    if resource.get("status") != "active":
        return NotRenewableReason.NOT_ACTIVE
    if resource.get("intent") not in ORDER_INTENTS:
        return NotRenewableReason.NOT_AN_ORDER
    return None


def ref_id(reference: str, resource_type: str) -> str | None:
    """The id of ``Type/id`` (relative or absolute) when it is of ``resource_type``."""
    kind, _, rid = reference.rpartition("/")
    return rid if kind.rpartition("/")[2] == resource_type and rid else None


def focus_id(task: Resource) -> str | None:
    """The MedicationRequest a renewal request is for."""
    refs = dt.references(task.get("focus"))
    return ref_id(refs[0], "MedicationRequest") if refs else None


def medication_value(resource: Resource) -> MedicationValue | None:
    if resource.resource_type != "Medication":
        return None
    ingredients = tuple(
        IngredientValue(
            dt.concept(item.get("itemCodeableConcept")),
            dt.ratio(item.get("strength")),
            item.get("isActive") if isinstance(item.get("isActive"), bool) else None,
        )
        for item in objects(resource.get("ingredient"))
    )
    return MedicationValue(
        resource.id, dt.concept(resource.get("code")), dt.concept(resource.get("form")), ingredients
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dosage(item: Mapping[str, Any]) -> DosageValue:
    timing = _mapping(item.get("timing"))
    repeat = _mapping(timing.get("repeat"))
    rate = next(objects(item.get("doseAndRate")), {})
    as_needed = item.get("asNeededBoolean")
    as_needed_for = dt.concept(item.get("asNeededCodeableConcept"))
    return DosageValue(
        text=string(item.get("text")),
        patient_instruction=string(item.get("patientInstruction")),
        dose=dt.quantity(rate.get("doseQuantity")),
        dose_range=dt.range_(rate.get("doseRange")),
        route=dt.concept(item.get("route")),
        frequency=dt.integer(repeat.get("frequency")),
        period=dt.decimal(repeat.get("period")),
        period_max=dt.decimal(repeat.get("periodMax")),
        period_unit=string(repeat.get("periodUnit")),
        timing_code=dt.concept(timing.get("code")),
        # An as-needed reason implies as needed (FHIR asNeeded[x]).
        as_needed=as_needed if isinstance(as_needed, bool) else (True if as_needed_for else None),
        as_needed_for=as_needed_for,
    )


def _dispense(value: Any) -> DispenseRequestValue | None:
    if not isinstance(value, Mapping):
        return None
    return DispenseRequestValue(
        quantity=dt.quantity(value.get("quantity")),
        number_of_repeats_allowed=dt.integer(value.get("numberOfRepeatsAllowed")),
        validity_period=dt.period(value.get("validityPeriod")),
        expected_supply_duration=dt.quantity(value.get("expectedSupplyDuration")),
    )


def shown(resource: Resource) -> bool:
    """Whether an order is listed: a prescription (intent), not in error or a draft."""
    return resource.get("status") in STATUSES and resource.get("intent") in ORDER_INTENTS


class Orders:
    """The orders of one page, with what they need: references, and the page's renewal requests.

    Args:
        refs: References of the page (its includes, then the loaders).
        tasks: What came with the page; its renewal requests (Tasks of code renewal) are kept.
        may_request: The viewer's access includes ``REFILL`` (at this practice).
    """

    def __init__(self, refs: References, tasks: Iterable[Resource], may_request: bool) -> None:
        self.refs = refs
        self.may_request = may_request
        self.open: dict[str, str] = {}
        for task in sorted(tasks, key=lambda t: t.id):
            order = focus_id(task)
            if order is not None and is_renewal(task) and task.get("status") in OPEN:
                self.open.setdefault(order, task.id)

    def value(self, resource: Resource) -> MedicationRequestValue | None:
        """The order as shown, or ``None`` when it is not listed."""
        status, intent = resource.get("status"), resource.get("intent")
        if not isinstance(status, str) or not isinstance(intent, str) or status not in STATUSES:
            return None
        open_request = self.open.get(resource.id)
        reason = order_problem(resource)
        if reason is None and open_request is not None:
            reason = NotRenewableReason.ALREADY_REQUESTED
        if reason is None and not self.may_request:
            reason = NotRenewableReason.NOT_PERMITTED
        medication = dt.references(resource.get("medicationReference"))
        prior = dt.references(resource.get("priorPrescription"))
        return MedicationRequestValue(
            id=resource.id,
            status=status,
            intent=intent,
            status_reason=dt.concept(resource.get("statusReason")),
            category=dt.concepts(resource.get("category")),
            authored_on=string(resource.get("authoredOn")),
            dosage_instruction=tuple(_dosage(item) for item in objects(resource.get("dosageInstruction"))),
            dispense_request=_dispense(resource.get("dispenseRequest")),
            prior_prescription_id=ref_id(prior[0], "MedicationRequest") if prior else None,
            not_renewable_reason=reason,
            open_refill_request_id=open_request,
            medication_code=dt.concept(resource.get("medicationCodeableConcept")),
            medication_ref=medication[0] if medication else None,
            prescriber_refs=dt.references(resource.get("requester")),
            refs=self.refs,
        )


def orders_of(ctx: RequestContext, guard: PatientGuard, included: Iterable[Resource]) -> Orders:
    """The ``Orders`` of a page whose ``included`` resources hold its renewal requests and references."""
    resources = tuple(included)
    refs = References(guard, ctx.directory_reader(), paging.index(resources))
    may_request = Capability.REFILL in ctx.practice.capabilities(guard.grant)
    return Orders(refs, resources, may_request)


MEDICATIONS = paging.ListSpec(
    "medications",
    "MedicationRequest",
    {"intent": AnyOf(*ORDER_INTENTS), "status:not": ["entered-in-error", "draft"]},
    ("-authoredon",),
    include=("MedicationRequest:medication", "MedicationRequest:requester"),
    revinclude=("Task:focus",),
    keep=shown,
)


async def medications_page(
    ctx: RequestContext,
    patient_id: str,
    *,
    active_only: bool,
    first: int | None,
    after: str | None,
    total: bool,
) -> Connection[MedicationRequestValue]:
    """One page of the patient's prescriptions (only the active ones, or all), newest first."""
    guard = await ctx.guard(patient_id, Capability.READ)
    query = MEDICATIONS.query({"status": "active"} if active_only else None)
    page = await paging.fetch(guard, await ctx.cursors(), query, first=first, after=after, want_total=total)
    return page.convert(orders_of(ctx, guard, page.included).value)
