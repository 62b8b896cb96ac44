"""The gate every field of a patient's record passes: nothing shows before the Patient read says it may.

``patient(id)`` answers right after the scope check, so that the Patient read and the searches of the fields
below go upstream together (one batch). ``ShownOnly`` keeps the answer what it was when the read came first:
nothing of a record whose Patient is missing, deleted or hidden from the viewer (NOT_FOUND, and the patient
is null). A section of the record (``Patient.billing``) carries the same record and gates its own fields, so
its searches go upstream with the read too instead of after it.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition


class ShownOnly(FieldExtension):
    """A field answers only once its source's Patient read (``source._record``) shows the record."""

    async def resolve_async(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        result = await next_(source, info, **kwargs)
        if getattr(result, "_record", None) is not source._record:  # a section gates its own fields
            await source._record.value()
        return result


def gate(cls: type) -> None:
    """Put ``ShownOnly`` on every field of ``cls`` (a type with a ``_record``), so that a field added later
    cannot forget it (tests/unit/schema/test_patient_gate.py)."""
    for field in get_object_definition(cls, strict=True).fields:
        field.extensions.append(ShownOnly())
