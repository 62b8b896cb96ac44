"""The GraphQL endpoint: Strawberry's ASGI view with one typed context per request."""

from __future__ import annotations

import json

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

import access
import auth
from fhir_client import FhirClient
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode
from resolvers.viewer import SessionState
from schema import PortalSchema

from .errors import error_response
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
        self.cursor_key = settings.cursor_secret()
        self.practice = settings.practice_rules()

    def decode_json(self, data: str | bytes) -> object:
        """Parse a request body; bytes that are not UTF-8 are malformed JSON (400), not a crash (500)."""
        try:
            return super().decode_json(data)
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError("request body is not UTF-8", "", 0) from exc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request; transport-level refusals leave as GraphQL-shaped JSON with a code."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            # Strawberry's reasons are fixed texts about the request's form (method, content type, JSON).
            code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_USER_INPUT
            response = error_response(exc.status_code, exc.reason, code)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        """Build the context of one request from the app's shared clients (lifespan state).

        The session lookup comes from ``SessionMiddleware``; mutations set or clear the cookie through
        ``add_header`` on Strawberry's sub-response, which is merged into the final response.
        """
        root: FhirClient = request.state.fhir
        service: auth.Auth = request.state.auth
        shared_access: access.Access = request.state.access
        state = request.scope.get("state", {})
        request_id: str = state.get("request_id", "")
        session: SessionState = state.get("session") or SessionState()

        def add_header(name: str, value: str) -> None:
            if isinstance(response, Response):
                response.headers.append(name, value)

        return RequestContext(
            request_id=request_id,
            # Shares the pool, breaker and credentials; has this request's own loaders and call counter.
            _fhir=root.for_request(request_id),
            development=self.settings.development,
            auth=service,
            access=shared_access,
            idempotency=request.state.idempotency,
            practice=self.practice,
            session=session,
            # The socket's address, or the client's as a trusted proxy forwarded it (create_app).
            client_ip=request.client.host if request.client else None,
            secure_cookie=self.settings.cookie_secure,
            admin=self.settings.is_admin_key(request.headers.get("x-admin-key")),
            add_header=add_header,
            cursor_key=self.cursor_key,
            payments=request.state.payments,
        )
