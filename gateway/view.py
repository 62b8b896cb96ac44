"""The GraphQL endpoint: Strawberry's ASGI view with one typed context per request."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from fhir_client import FhirClient
from resolvers.context import RequestContext
from schema import PortalSchema

from .settings import Settings


class GraphQLView(GraphQL[RequestContext, None]):
    """Serves ``/graphql``; GraphiQL and queries over GET only in development.

    Args:
        schema: The schema from ``build_schema``.
        settings: The gateway settings.
    """

    def __init__(self, schema: PortalSchema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.development else None,
            # Outside development, GET would put PHI-bearing variables into URLs and logs, and invite CSRF.
            allow_queries_via_get=settings.development,
            multipart_uploads_enabled=False,
        )
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        """Build the context of one request from the app's shared clients (lifespan state)."""
        http: httpx.AsyncClient = request.state.http
        request_id: str = request.scope.get("state", {}).get("request_id", "")
        return RequestContext(
            request_id=request_id,
            fhir=FhirClient(http, self.settings.fhir_base, request_id=request_id),
            development=self.settings.development,
        )
