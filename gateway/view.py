"""The GraphQL endpoint: Strawberry's ASGI view with one typed context per request."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; transport-level refusals leave as GraphQL-shaped JSON with a code."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            # Strawberry's reasons are fixed texts about the request's form (method, content type, JSON).
            code = "NOT_FOUND" if exc.status_code == 404 else "BAD_USER_INPUT"
            response = JSONResponse(
                {"errors": [{"message": exc.reason, "extensions": {"code": code}}]},
                status_code=exc.status_code,
            )
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        """Build the context of one request from the app's shared clients (lifespan state)."""
        root: FhirClient = request.state.fhir
        request_id: str = request.scope.get("state", {}).get("request_id", "")
        return RequestContext(
            request_id=request_id,
            # Shares the pool, breaker and credentials; has this request's own loaders and call counter.
            fhir=root.for_request(request_id),
            development=self.settings.development,
        )
