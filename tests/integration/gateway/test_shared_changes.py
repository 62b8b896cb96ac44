"""Shared resources change only through the table of declared changes (``access.SHARED_CHANGES``), inside a
patient's own transaction, with ``If-Match``; a stale version is a typed conflict and writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from access import SHARED_CHANGES, Capability, SharedChange
from fhir_client import Entry, Resource
from resolvers.errors import ErrorCode, Forbidden, WriteConflict
from resolvers.guard import PatientGuard, SharedUpdate
from tests.integration.gateway.access_support import AccessPortal, MakeContext


def _slot(fhir_base_url: str, status: str) -> Resource:
    """A Slot of the test's own on a fixture Schedule, written straight to HAPI."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    slot = {
        "resourceType": "Slot",
        "id": f"slot-t{uuid.uuid4().hex[:10]}",
        "schedule": {"reference": "Schedule/sched-drlee"},
        "status": status,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=20)).isoformat(),
    }
    reply = httpx.put(f"{fhir_base_url}/Slot/{slot['id']}", json=slot, timeout=20)
    assert reply.status_code in (200, 201), reply.text
    return Resource(reply.json())


def _put(fhir_base_url: str, resource: dict[str, Any]) -> None:
    reply = httpx.put(
        f"{fhir_base_url}/{resource['resourceType']}/{resource['id']}", json=resource, timeout=20
    )
    assert reply.status_code == 200, reply.text


def _current(fhir_base_url: str, resource_type: str, resource_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{fhir_base_url}/{resource_type}/{resource_id}", timeout=20).json()
    return body


def _appointment(patient_id: str, slot: Resource, marker: str) -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "identifier": [{"system": "urn:test", "value": marker}],
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "start": slot.get("start"),
        "end": slot.get("end"),
        "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
    }


def _appointments(fhir_base_url: str, marker: str) -> int:
    bundle = httpx.get(
        f"{fhir_base_url}/Appointment", params={"identifier": f"urn:test|{marker}"}, timeout=20
    )
    return len(bundle.json().get("entry", []))


async def _scheduling_guard(context_for: MakeContext, access: AccessPortal) -> PatientGuard:
    return await (await context_for("pat")).guard(access.family.patient("pat"), Capability.SCHEDULE)


@pytest.mark.parametrize("change", SHARED_CHANGES, ids=lambda change: change.operation)
async def test_every_declared_change_goes_through_with_the_patients_write(
    access: AccessPortal, context_for: MakeContext, fhir_base_url: str, change: SharedChange
) -> None:
    slot = _slot(fhir_base_url, change.before)
    guard = await _scheduling_guard(context_for, access)
    marker = uuid.uuid4().hex
    results = await guard.transaction(
        [Entry.create(_appointment(guard.patient_id, slot, marker))],
        shared=[guard.shared_update(change.operation, slot)],
    )
    assert [r.status for r in results] == [201, 200]
    stored = _current(fhir_base_url, "Slot", slot.id)
    assert stored[change.element] == change.after
    assert stored["meta"]["versionId"] != slot.version_id
    assert _appointments(fhir_base_url, marker) == 1


async def test_a_stale_version_is_a_conflict_and_writes_nothing(
    access: AccessPortal, context_for: MakeContext, fhir_base_url: str
) -> None:
    slot = _slot(fhir_base_url, "free")
    guard = await _scheduling_guard(context_for, access)
    booking = guard.shared_update("bookAppointment", slot)
    # Someone else takes the slot after we read it.
    _put(fhir_base_url, {**slot.data, "status": "busy"})
    marker = uuid.uuid4().hex
    with pytest.raises(WriteConflict) as caught:
        await guard.transaction(
            [Entry.create(_appointment(guard.patient_id, slot, marker))], shared=[booking]
        )
    assert caught.value.code == ErrorCode.CONFLICT
    assert _appointments(fhir_base_url, marker) == 0  # the Appointment of the failed transaction is not there


async def test_undeclared_changes_are_refused_before_anything_is_sent(
    access: AccessPortal, context_for: MakeContext, fhir_base_url: str
) -> None:
    free = _slot(fhir_base_url, "free")
    guard = await _scheduling_guard(context_for, access)
    mine = Entry.create(_appointment(guard.patient_id, free, uuid.uuid4().hex))
    change = guard.shared_update("bookAppointment", free).change
    refused: list[Any] = [
        lambda: guard.shared_update("requestRefill", free),  # no change declared for the operation
        lambda: guard.shared_update("bookAppointment", Resource({**free.data, "resourceType": "Schedule"})),
        lambda: guard.shared_update("cancelAppointment", free),  # the slot is not in the start state
    ]
    for attempt in refused:
        with pytest.raises(ValueError):
            attempt()
    altered = [
        # Another element changed along with the status.
        SharedUpdate(change, free, {**free.data, "status": "busy", "start": "2030-01-01T09:00:00+00:00"}),
        # Another value than the declared one.
        SharedUpdate(change, free, {**free.data, "status": "busy-tentative"}),
        # A change made up outside the table.
        SharedUpdate(
            SharedChange("bookAppointment", Capability.SCHEDULE, "Slot", "comment", "", "x"), free, free.data
        ),
        # No version read: the change could not carry If-Match.
        SharedUpdate(
            change,
            Resource({k: v for k, v in free.data.items() if k != "meta"}),
            {**free.data, "status": "busy"},
        ),
    ]
    for update in altered:
        with pytest.raises(ValueError):
            await guard.transaction([mine], shared=[update])
    # A shared change never goes alone, and a Slot never goes as a plain write.
    with pytest.raises(ValueError):
        await guard.transaction([], shared=[guard.shared_update("bookAppointment", free)])
    with pytest.raises(ValueError):
        await guard.transaction(
            [mine, Entry.update({**free.data, "status": "busy"}, if_match=free.version_id)]
        )
    with pytest.raises(ValueError):
        await guard.update({**free.data, "status": "busy"}, if_match=free.version_id)
    # The declared change needs the capability it is declared with.
    reader = await (await context_for("pat")).guard(access.family.patient("pat"), Capability.READ)
    with pytest.raises((Forbidden, ValueError)):
        await reader.transaction([mine], shared=[reader.shared_update("bookAppointment", free)])
    assert _current(fhir_base_url, "Slot", free.id)["status"] == "free"
    assert _current(fhir_base_url, "Slot", free.id)["meta"]["versionId"] == free.version_id
