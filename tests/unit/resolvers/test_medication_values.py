"""Readers of prescriptions and renewal requests (no servers): malformed FHIR, renewability, states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fhir_client import Resource
from resolvers import datatypes as dt
from resolvers.errors import BadUserInput
from resolvers.medications import NotRenewableReason, Orders, focus_id, is_renewal, order_problem
from resolvers.refill_requests import RefillRequestState, new_order_ids, state_of
from resolvers.refills import request_refill

RENEWAL = {"coding": [{"system": "urn:portal-gateway:task", "code": "renewal"}]}


def _order(**fields: Any) -> Resource:
    return Resource(
        {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order"} | fields
    )


def _task(**fields: Any) -> Resource:
    base = {"resourceType": "Task", "id": "t", "status": "requested", "code": RENEWAL}
    return Resource(base | {"focus": {"reference": "MedicationRequest/rx"}} | fields)


def _orders(*tasks: Resource, may_request: bool = True) -> Orders:
    return Orders(None, tasks, may_request)  # type: ignore[arg-type]  # references are not read here


def test_renewability_follows_the_order_the_open_requests_and_the_viewer() -> None:
    assert order_problem(_order()) is None
    assert order_problem(_order(status="stopped")) == NotRenewableReason.NOT_ACTIVE
    assert order_problem(_order(intent="plan")) == NotRenewableReason.NOT_AN_ORDER
    value = _orders().value(_order())
    assert value is not None and value.renewable and value.open_refill_request_id is None
    waiting = _orders(_task(), _task(id="done", status="completed")).value(_order())
    assert waiting is not None
    assert (waiting.not_renewable_reason, waiting.open_refill_request_id) == (
        NotRenewableReason.ALREADY_REQUESTED,
        "t",
    )
    # A Task of another kind (a check-in) or about another order does not count.
    other = _task(code={"coding": [{"system": "urn:x", "code": "renewal"}]})
    elsewhere = _task(id="e", focus={"reference": "MedicationRequest/other"})
    assert (_orders(other, elsewhere).value(_order()) or value).renewable
    denied = _orders(may_request=False).value(_order())
    assert denied is not None and denied.not_renewable_reason == NotRenewableReason.NOT_PERMITTED
    stopped = _orders(may_request=False).value(_order(status="stopped"))
    assert stopped is not None and stopped.not_renewable_reason == NotRenewableReason.NOT_ACTIVE


def test_orders_are_read_defensively() -> None:
    assert _orders().value(_order(status="entered-in-error")) is None
    assert _orders().value(_order(status=3)) is None
    value = _orders().value(
        _order(
            dosageInstruction=[
                "not a dosage",
                {
                    "text": "2 puffs every 4 to 6 hours as needed",
                    "timing": {"repeat": {"frequency": 1, "period": 4, "periodMax": "6", "periodUnit": "h"}},
                    "asNeededCodeableConcept": {"text": "wheezing"},
                    "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "puff"}}],
                },
                {"timing": "daily", "doseAndRate": "x"},
            ],
            dispenseRequest={"numberOfRepeatsAllowed": True, "quantity": {"value": 1}},
            priorPrescription={"reference": "https://ehr.example/fhir/MedicationRequest/old"},
            medicationReference={"reference": "Medication/m1"},
        )
    )
    assert value is not None
    first, second = value.dosage_instruction
    assert (first.frequency, first.period, first.period_max, first.period_unit) == (
        1,
        Decimal(4),
        Decimal(6),
        "h",
    )
    assert first.as_needed is True and first.dose == dt.quantity({"value": 2, "unit": "puff"})
    assert (second.text, second.frequency, second.dose, second.as_needed) == (None, None, None, None)
    assert value.dispense_request is not None and value.dispense_request.number_of_repeats_allowed is None
    assert value.prior_prescription_id == "old" and value.medication_ref == "Medication/m1"


def test_request_states_and_references() -> None:
    assert is_renewal(_task()) and not is_renewal(_task(code={"text": "renewal"}))
    assert not is_renewal(Resource({"resourceType": "Communication", "id": "c", "code": RENEWAL}))
    assert focus_id(_task()) == "rx" and focus_id(_task(focus={"reference": "Appointment/a"})) is None
    states = {s: state_of(_task(status=s)) for s in ("requested", "accepted", "completed", "rejected")}
    assert states == {
        "requested": RefillRequestState.REQUESTED,
        "accepted": RefillRequestState.REQUESTED,
        "completed": RefillRequestState.APPROVED,
        "rejected": RefillRequestState.DENIED,
    }
    assert state_of(_task(status="cancelled")) == RefillRequestState.CANCELLED
    assert state_of(_task(status="entered-in-error")) is None and state_of(_task(status=None)) is None
    outputs = [
        {"valueReference": {"reference": "MedicationRequest/new"}},
        {"valueReference": {"reference": "Communication/c"}},
        {"valueString": "x"},
    ]
    assert new_order_ids(_task(output=outputs)) == ("new",)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("../x", "rx", None), "patientId must be"),
        (("pat", "rx?_format=xml", None), "medicationRequestId must be"),
        (("pat", "rx", "n" * 1001), "pharmacyNote: at most 1000"),
        (("pat", "rx", "escape\x1b[2J"), "pharmacyNote: contains a control character"),
    ],
)
async def test_bad_input_is_refused_before_anything_else(
    arguments: tuple[str, str, str | None], message: str
) -> None:
    # No context is needed: the input is checked before the viewer, the key or any upstream request.
    with pytest.raises(BadUserInput, match=message.replace("?", r"\?")):
        await request_refill(None, *arguments, "key-12345678")  # type: ignore[arg-type]
