"""The query root."""

from __future__ import annotations

import strawberry

from resolvers.context import RequestContext
from resolvers.errors import Forbidden
from resolvers.patient import get_patient

from .patient import Patient

Info = strawberry.Info[RequestContext, None]


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "One patient by FHIR id; null when there is none. Until sign-in exists this field answers only "
            "in the development environment; elsewhere it is FORBIDDEN."
        )
    )
    async def patient(self, info: Info, id: strawberry.ID) -> Patient | None:
        if not info.context.development:
            raise Forbidden("patient(id) is available only in development until sign-in exists")
        value = await get_patient(info.context, id)
        return Patient.from_value(value) if value else None
