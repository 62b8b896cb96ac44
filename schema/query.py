"""The query root."""

from __future__ import annotations

import strawberry

from resolvers.account import current_viewer
from resolvers.context import RequestContext
from resolvers.messages import get_thread
from resolvers.patient import get_patient

from .account import Viewer
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
        value = await get_patient(info.context, id)
        return Patient.from_value(value) if value else None

    @strawberry.field(
        description=(
            "One message thread by its header Communication id, with all its messages. Null when missing or "
            "outside the viewer's access (the same answer, so existence is not revealed)."
        )
    )
    async def message_thread(self, info: Info, id: strawberry.ID) -> MessageThread | None:
        value = await get_thread(info.context, id)
        return MessageThread.from_value(value) if value else None
