"""The GraphQL endpoint: Strawberry's ASGI view with one typed context per request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

import access
import auth
from fhir_client import FhirClient
from resolvers.audit import AuditTrail
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode
from resolvers.practice import PracticeRules
from resolvers.timings import CURRENT, phase
from resolvers.viewer import SessionState
from schema import PortalSchema

from .devtools import graphiql_page
from .errors import error_response
from .metrics import Metrics
from .settings import Settings


class GraphQLView(GraphQL[RequestContext, None]):
    """Serves ``/graphql``; GraphiQL and queries over GET only in development.

    Args:
        schema: The schema from ``build_schema``.
        settings: The gateway settings.
        metrics: Where operations are counted and timed (``/metrics``).
    """

    def __init__(self, schema: PortalSchema, settings: Settings, *, metrics: Metrics | None = None) -> None:
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
        self.metrics = metrics

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the gateway's own local assets (development only; no CDN)."""
        return graphiql_page()

    def encode_json(self, data: object) -> str | bytes:
        """Serialize an answer with orjson; timed as the ``serialize`` phase when Server-Timing is on.

        orjson is several times faster than the standard library on a page of results (docs/performance.md).
        """
        with phase("serialize"):
            return orjson.dumps(data)

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

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: Any,
        context: RequestContext,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        """Run the operation; count and time it by its name, and its errors by code (``/metrics``)."""
        started = time.perf_counter()
        result = await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )
        if self.metrics is not None and not isinstance(result, list):
            # The operation that ran, as the parsed document says (schema/operation.py); a document that
            # did not parse is labelled by the name the request gave, of type "unknown".
            seen = context.operation
            name = seen.name if seen else getattr(request_data, "operation_name", None)
            codes = [
                str((error.extensions or {}).get("code", "INTERNAL"))
                for error in getattr(result, "errors", None) or ()
            ]
            self.metrics.observe_operation(
                self.metrics.operation_label(name),
                seen.type if seen else "unknown",
                time.perf_counter() - started,
                codes,
            )
        return result

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        """Build the context of one request from the app's shared clients (lifespan state).

        The session lookup comes from ``SessionMiddleware``; mutations set or clear the cookie through
        ``add_header`` on Strawberry's sub-response, which is merged into the final response.
        """

        def add_header(name: str, value: str) -> None:
            if isinstance(response, Response):
                response.headers.append(name, value)

        return request_context(request, self.settings, self.practice, self.cursor_key, add_header=add_header)


def request_context(
    request: Request | WebSocket,
    settings: Settings,
    practice: PracticeRules,
    cursor_key: bytes,
    *,
    add_header: Callable[[str, str], None] | None = None,
) -> RequestContext:
    """The ``RequestContext`` of one request, for ``/graphql`` and ``/attachments`` alike.

    It gets its own FHIR client over the shared pool, the session the middleware resolved, and the app's
    services from lifespan state.
    """
    root: FhirClient = request.state.fhir
    service: auth.Auth = request.state.auth
    shared_access: access.Access = request.state.access
    state = request.scope.get("state", {})
    request_id: str = state.get("request_id", "")
    session: SessionState = state.get("session") or SessionState()
    # The socket's address, or the client's as a trusted proxy forwarded it (create_app).
    client_ip = request.client.host if request.client else None
    # Shares the pool, breaker and credentials; has this request's own loaders and call counter.
    fhir = root.for_request(request_id)
    if (timings := CURRENT.get()) is not None:
        timings.upstream = fhir.calls
    return RequestContext(
        request_id=request_id,
        _fhir=fhir,
        development=settings.development,
        auth=service,
        access=shared_access,
        idempotency=request.state.idempotency,
        practice=practice,
        audit=AuditTrail(request.state.audit, request_id, service.events.ip_hash(client_ip)),
        session=session,
        client_ip=client_ip,
        secure_cookie=settings.cookie_secure,
        admin=settings.is_admin_key(request.headers.get("x-admin-key")),
        add_header=add_header or (lambda name, value: None),
        cursor_key=cursor_key,
        payments=request.state.payments,
    )
