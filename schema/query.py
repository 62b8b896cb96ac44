"""The query root."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.account import current_viewer
from resolvers.appointments import get_appointment
from resolvers.billing import get_statement
from resolvers.context import RequestContext
from resolvers.messages import get_thread
from resolvers.patient import open_patient
from resolvers.slots import available_slots

from .account import Viewer
from .appointments import Appointment, AvailableSlot, VisitType
from .billing import Statement
from .connection import Connection, build, selects
from .messages import MessageThread
from .patient import Patient

Info = strawberry.Info[RequestContext, None]


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "Who is signed in. Without a session this is UNAUTHENTICATED; after the idle or absolute "
            "timeout it is SESSION_EXPIRED."
        )
    )
    async def viewer(self, info: Info) -> Viewer:
        return Viewer(value=await current_viewer(info.context))

    @strawberry.field(
        description=(
            "One patient by FHIR id: the viewer's own record or one they are a proxy for. Null when missing "
            "or outside the viewer's access (the same answer, so existence is not revealed)."
        )
    )
    async def patient(self, info: Info, id: strawberry.ID) -> Patient | None:
        # Asked for together with the Patient, the general practitioners cost no second request.
        record = await open_patient(info.context, id, practitioners=selects(info, "generalPractitioner"))
        return Patient.from_record(record) if record else None

    @strawberry.field(
        description=(
            "One appointment of the viewer's own or a patient they act for, by FHIR id. Null when missing or "
            "outside the viewer's access (the same answer)."
        )
    )
    async def appointment(self, info: Info, id: strawberry.ID) -> Appointment | None:
        value = await get_appointment(info.context, id)
        return Appointment.from_value(value) if value else None

    @strawberry.field(
        description=(
            "One statement (FHIR Invoice) of the viewer's own or a patient they act for, by id. Null when "
            "missing or outside the viewer's access (the same answer)."
        )
    )
    async def statement(self, info: Info, id: strawberry.ID) -> Statement | None:
        value = await get_statement(info.context, id)
        return Statement.from_value(value) if value else None

    @strawberry.field(
        description=(
            "Free times that can be booked (FHIR Slot of the practice's Schedules), soonest first, for a "
            "signed-in viewer. The window `from`..`to` is at most 90 days and not in the past."
        )
    )
    async def available_slots(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        practitioner_id: strawberry.ID | None = None,
        service_type: Annotated[
            VisitType | None, strawberry.argument(description="The kind of visit (Slot.appointmentType).")
        ] = None,
        location_id: strawberry.ID | None = None,
        first: Annotated[int | None, strawberry.argument(description="Page size: 1 to 100 (default 20).")] = (
            20
        ),
        after: str | None = None,
    ) -> Connection[AvailableSlot]:
        page = await available_slots(
            info.context,
            practitioner_id=practitioner_id,
            visit_type=service_type.value if service_type else None,
            location_id=location_id,
            start=from_,
            end=to,
            first=first,
            after=after,
            total=selects(info, "totalCount"),
        )
        return build(page, AvailableSlot.from_value)

    @strawberry.field(
        description=(
            "One message thread by its header Communication id, with all its messages. Null when missing or "
            "outside the viewer's access (the same answer, so existence is not revealed)."
        )
    )
    async def message_thread(self, info: Info, id: strawberry.ID) -> MessageThread | None:
        value = await get_thread(info.context, id)
        return MessageThread.from_value(value) if value else None
