"""The changes a patient operation may make to shared directory resources, declared in one table.

A patient's write travels through the guard bound to that patient, and the guard refuses anything outside the
patient's compartment. Some operations must also change a shared resource in the same FHIR transaction, so
that a race has exactly one winner and a failure leaves nothing half-written: booking turns a Slot from
``free`` to ``busy``. Each such change is declared here, with the operation, the capability it needs, the
resource type, the one element it changes and the values before and after; the guard applies nothing else,
always with ``If-Match`` on the version it read and always beside a write in the patient's compartment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .scope import Capability


@dataclass(frozen=True, slots=True)
class SharedChange:
    """One declared change: ``operation`` sets one element of a shared resource from one value to another.

    Attributes:
        operation: The mutation that makes it (``bookAppointment``).
        capability: What the viewer needs for the patient (the guard's capability).
        resource_type: The shared type changed.
        element: The top-level element changed.
        before: Its value the change starts from.
        after: Its value after.
    """

    operation: str
    capability: Capability
    resource_type: str
    element: str
    before: str
    after: str

    def apply(self, resource: Mapping[str, Any]) -> dict[str, Any]:
        """``resource`` with this change made (the guard checks it again before sending).

        Raises:
            ValueError: ``resource`` is not of the type, or its element is not ``before``.
        """
        if resource.get("resourceType") != self.resource_type or resource.get(self.element) != self.before:
            raise ValueError(
                f"{self.operation}: not a {self.resource_type} with {self.element} {self.before}"
            )
        return {**resource, self.element: self.after}


SHARED_CHANGES: tuple[SharedChange, ...] = (
    SharedChange("bookAppointment", Capability.SCHEDULE, "Slot", "status", "free", "busy"),
    SharedChange("cancelAppointment", Capability.SCHEDULE, "Slot", "status", "busy", "free"),
)
"""Every change of a shared resource the gateway makes. Anything else stays refused by the guard."""


def declared(operation: str, resource_type: str) -> SharedChange:
    """The declared change of ``resource_type`` by ``operation``.

    Raises:
        ValueError: None is declared (a programming error: add it to ``SHARED_CHANGES`` on purpose).
    """
    for change in SHARED_CHANGES:
        if (change.operation, change.resource_type) == (operation, resource_type):
            return change
    raise ValueError(f"{operation} may not change a {resource_type}")
