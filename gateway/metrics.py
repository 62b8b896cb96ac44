"""``/metrics`` in the Prometheus text format (``prometheus-client``), without PHI.

What is measured, and with which labels (every label value comes from a small fixed set or from the client's
own operation name, never from data):

- ``portal_graphql_operations_total{operation, type}`` and ``portal_graphql_operation_seconds{operation}``:
  GraphQL operations by their name (``anonymous`` when unnamed; names that are not plain GraphQL names, and
  names past the first ``MAX_OPERATION_NAMES``, count as ``other``, so a client cannot grow the series);
- ``portal_graphql_errors_total{code}``: errors by ``extensions.code`` (GraphQL results, HTTP-level errors);
- ``portal_http_requests_total{route, status}``: every response by route template and status;
- ``portal_fhir_requests_total{resource_type, interaction, outcome}`` and
  ``portal_fhir_request_seconds{resource_type}``: upstream calls (fed by ``fhir_client``'s process-wide
  ``CallCounter``; retries count, calls refused by an open breaker do not; a ``batch`` Bundle of the
  client's batched GETs is one call of type ``-``);
- ``portal_fhir_batched_total{resource_type, interaction, outcome}``: the GETs inside those Bundles, each by
  its own type, so that upstream calls by type add up with the series above;
- ``portal_active_sessions``: live sessions of every account (read from the session store when scraped:
  not ended, within both timeouts; the same in every process);
- ``portal_audit_queue_depth``: audit notes waiting to be written to the EHR (``AuditQueue.length``).

Each process keeps its own counters: with ``serve --workers N`` scrape each worker, or run one process per
host (docs/deployment.md). Outside development ``/metrics`` answers only clients in ``PORTAL_METRICS_ALLOW``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import auth
from auth.sessions import SessionStore
from fhir_client import CallCounter
from resolvers.audit import AuditQueue
from resolvers.errors import ErrorCode

from .errors import error_response

MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
# Upstream calls take milliseconds to seconds; GraphQL operations up to the FHIR deadline.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Metrics:
    """The gateway's metrics of one app (a registry of its own, so several apps in one process never mix)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._names: set[str] = set()
        self.operations = Counter(
            "portal_graphql_operations",
            "GraphQL operations by operation name and type.",
            ("operation", "type"),
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "portal_graphql_operation_seconds",
            "Time to execute a GraphQL operation, by operation name.",
            ("operation",),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "portal_graphql_errors", "Errors by extensions.code.", ("code",), registry=self.registry
        )
        self.http = Counter(
            "portal_http_requests",
            "HTTP responses by route and status.",
            ("route", "status"),
            registry=self.registry,
        )
        self.fhir_requests = Counter(
            "portal_fhir_requests",
            "Upstream FHIR requests by resource type, interaction and outcome (ok or failed).",
            ("resource_type", "interaction", "outcome"),
            registry=self.registry,
        )
        self.fhir_batched = Counter(
            "portal_fhir_batched",
            "Upstream FHIR GETs sent inside batch Bundles, by resource type, interaction and outcome.",
            ("resource_type", "interaction", "outcome"),
            registry=self.registry,
        )
        self.fhir_seconds = Histogram(
            "portal_fhir_request_seconds",
            "Upstream FHIR request time by resource type.",
            ("resource_type",),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.active_sessions = Gauge(
            "portal_active_sessions",
            "Live sessions (not ended, within the idle and absolute timeouts), all gateway processes.",
            registry=self.registry,
        )
        self.audit_queue = Gauge(
            "portal_audit_queue_depth",
            "Audit notes queued and not yet written to the EHR.",
            registry=self.registry,
        )
        self.upstream = _UpstreamCounter(self)

    def operation_label(self, name: str | None) -> str:
        """The ``operation`` label: the operation's name, bounded in form and in number."""
        if not name:
            return "anonymous"
        if not _NAME.match(name):
            return "other"
        if name not in self._names:
            if len(self._names) >= MAX_OPERATION_NAMES:
                return "other"
            self._names.add(name)
        return name

    def observe_operation(self, name: str, kind: str, seconds: float, codes: Iterable[str]) -> None:
        """Count one GraphQL operation, its time and its errors' codes."""
        self.operations.labels(name, kind).inc()
        self.operation_seconds.labels(name).observe(seconds)
        for code in codes:
            self.error(code)

    def error(self, code: str) -> None:
        """Count one error by its code (unknown codes count as INTERNAL)."""
        self.errors.labels(code if code in ErrorCode.__members__ else ErrorCode.INTERNAL.value).inc()

    async def render(self, sessions: SessionStore, audit: AuditQueue) -> bytes:
        """The exposition text, with the gauges read now from Redis."""
        self.active_sessions.set(await sessions.count_active())
        self.audit_queue.set(await audit.length())
        return generate_latest(self.registry)


class _UpstreamCounter(CallCounter):
    """``fhir_client``'s process-wide call counter, feeding the upstream metrics as well."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics

    def record(
        self, interaction: str, *, failed: bool, elapsed_ms: float, resource_type: str | None = None
    ) -> None:
        super().record(interaction, failed=failed, elapsed_ms=elapsed_ms, resource_type=resource_type)
        kind = resource_type or "-"
        outcome = "failed" if failed else "ok"
        self._metrics.fhir_requests.labels(kind, interaction, outcome).inc()
        self._metrics.fhir_seconds.labels(kind).observe(elapsed_ms / 1000)

    def record_entry(self, interaction: str, resource_type: str, *, failed: bool) -> None:
        super().record_entry(interaction, resource_type, failed=failed)
        outcome = "failed" if failed else "ok"
        self._metrics.fhir_batched.labels(resource_type, interaction, outcome).inc()


class MetricsMiddleware:
    """Counts every response by route template and status, and the code of HTTP-level errors.

    Args:
        app: The wrapped application.
        metrics: The app's metrics.
        routes: The paths served (anything else counts as ``other``: no client-chosen label values).
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: Sequence[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = frozenset(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            path = scope["path"]
            route = path if path in self.routes else _prefix(path)
            self.metrics.http.labels(route, str(status)).inc()
            # GraphQL errors answer 200 and are counted by the view; a status of 400 or more is an error of
            # the HTTP layer (a body too large, the session store down, a malformed request), any path.
            if status >= 400:
                self.metrics.error(_code_of(status))


def _prefix(path: str) -> str:
    # The development pages' files count by their folder; anything else unknown is "other".
    return next((p for p in ("/portal", "/devtools") if path.startswith(p + "/")), "other")


def _code_of(status: int) -> str:
    return {
        400: "BAD_USER_INPUT",
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        409: "CONFLICT",
        413: "BAD_USER_INPUT",
        429: "RATE_LIMITED",
        502: "UPSTREAM_ERROR",
        503: "UPSTREAM_UNAVAILABLE",
    }.get(status, "INTERNAL")


class MetricsEndpoint:
    """``GET /metrics``: open in development; outside it, only for clients in ``allow`` (else 403).

    Args:
        metrics: The app's metrics.
        development: Whether the gateway runs in development.
        allow: The networks allowed outside development (``PORTAL_METRICS_ALLOW``).
    """

    def __init__(self, metrics: Metrics, *, development: bool, allow: Sequence[Network]) -> None:
        self.metrics = metrics
        self.development = development
        self.allow = tuple(allow)

    def allowed(self, host: str | None) -> bool:
        """Whether a client at ``host`` may read the metrics."""
        if self.development:
            return True
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in network for network in self.allow)

    async def serve(self, request: Request) -> Response:
        """Serve the exposition, or refuse it (the route's endpoint)."""
        if not self.allowed(request.client.host if request.client else None):
            return error_response(403, "Metrics are not available to this address.", ErrorCode.FORBIDDEN)
        service: auth.Auth = request.state.auth
        body = await self.metrics.render(service.sessions, request.state.audit)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
