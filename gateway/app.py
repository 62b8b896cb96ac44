"""The Starlette application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypedDict

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import access
import auth
from fhir_client import (
    CallCounter,
    CircuitBreaker,
    ClientOptions,
    FhirClient,
    Limits,
    Timeout,
    auth_from_settings,
    make_http_client,
)
from resolvers.audit import AuditQueue
from resolvers.idempotency import IdempotencyStore
from resolvers.notices import NOTICES
from resolvers.pending_payments import PaymentServices
from schema import build_schema

from .attachments import AttachmentsEndpoint
from .audit import AuditWriter
from .devtools import devtools_routes as development_routes
from .health import healthz, readyz
from .logs import quiet_library_loggers
from .metrics import Metrics, MetricsEndpoint, MetricsMiddleware
from .middleware.body_limit import BodyLimitMiddleware
from .middleware.request_id import RequestIdMiddleware
from .middleware.security_headers import SecurityHeadersMiddleware
from .middleware.server_timing import ServerTimingMiddleware
from .middleware.session import SessionMiddleware
from .notices import Notifier
from .payments import payment_services, reconciler
from .periodic import Periodic
from .portal import portal_routes
from .settings import Settings
from .view import GraphQLView


class State(TypedDict):
    """What the lifespan shares with every request (``request.state``)."""

    fhir: FhirClient
    redis: Redis
    auth: auth.Auth
    access: access.Access
    idempotency: IdempotencyStore
    audit: AuditQueue
    audit_writer: AuditWriter
    payments: PaymentServices | None


@asynccontextmanager
async def services(
    settings: Settings,
    *,
    clock: auth.Clock | None = None,
    mailer: auth.Mailer | None = None,
    background: bool = True,
    upstream_metrics: CallCounter | None = None,
) -> AsyncIterator[State]:
    """Open the shared clients and the ``auth`` services; close them on exit (the app lifespan, the CLI).

    Args:
        settings: The gateway settings.
        clock: The time source of sessions and tickets (tests pass a ``ManualClock``).
        mailer: Where mail goes (default: what the settings describe, SMTP or the file outbox).
        background: Run the background work (notices, the audit writer, the payment reconciler); a CLI
            command that does one such pass itself says no.
        upstream_metrics: The process-wide counter every upstream call adds to (``/metrics``).

    Yields:
        The root ``FhirClient``, the Redis pool, ``Auth``, ``Access``, the idempotency store and the
        payment services (``None`` without a card processor).
    """
    # Before the first upstream call: httpx would log each request's URL, which names the patient.
    quiet_library_loggers(development=settings.development)
    timeout = Timeout(
        connect=settings.fhir_connect_timeout,
        read=settings.fhir_read_timeout,
        write=settings.fhir_read_timeout,
        pool=settings.fhir_pool_timeout,
    )
    limits = Limits(
        max_connections=settings.fhir_max_connections,
        max_keepalive_connections=settings.fhir_max_connections,
    )
    redis = Redis.from_url(
        str(settings.redis_url),
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
        # A connection that a Redis restart or failover closed is retried on a new one, a few times, quickly:
        # a restart then costs no request. Redis that stays down still fails the request (fail closed).
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        retry_on_error=[RedisConnectionError],
    )
    async with make_http_client(timeout=timeout, limits=limits) as http:
        fhir = FhirClient(
            http,
            settings.fhir_base,
            # Ids and search values appear in the upstream call log only in development.
            options=ClientOptions(
                timeout=timeout, deadline=settings.fhir_deadline, log_phi=settings.development
            ),
            auth=auth_from_settings(settings.fhir_auth_settings()),
            # One breaker per process, shared by every request (for_request keeps it).
            breaker=CircuitBreaker(
                failure_threshold=settings.fhir_breaker_failures,
                reset_after=settings.fhir_breaker_reset_seconds,
            ),
            metrics=upstream_metrics,
        )
        service = auth.build_auth(
            redis,
            settings.auth_settings(),
            mailer=mailer or settings.mailer(),
            ip_hash_key=settings.ip_hash_secret(),
            clock=clock,
        )
        shared_access = access.build_access(
            redis, settings.auth_key_prefix, service.clock, teen=settings.teen_policy()
        )
        idempotency = IdempotencyStore(
            redis,
            settings.auth_key_prefix,
            ttl=timedelta(hours=settings.idempotency_hours),
            # Longer than any request may take: the FHIR deadline plus the waits around it.
            lease=timedelta(seconds=settings.fhir_deadline * 2 + settings.idempotency_wait_seconds),
            wait=timedelta(seconds=settings.idempotency_wait_seconds),
        )
        notifier = Notifier(
            fhir.for_request("notices"),
            redis,
            settings.auth_key_prefix,
            service.accounts,
            service.mailer,
            service.clock,
            NOTICES,
            practice_name=settings.practice_name,
            portal_url=settings.portal_url,
        )
        audit = AuditQueue(redis, settings.auth_key_prefix, limit=settings.audit_queue_limit)
        writer = AuditWriter(fhir.for_request("audit"), audit, batch=settings.audit_batch_size)
        payments = payment_services(settings, redis)
        jobs: list[Periodic] = []
        if background and settings.notices_interval_seconds > 0 and NOTICES:
            jobs.append(Periodic("notices", notifier.run_once, settings.notices_interval_seconds))
        if background and settings.audit_interval_seconds > 0:
            jobs.append(Periodic("audit", writer.run_once, settings.audit_interval_seconds))
        if background and payments is not None and settings.payment_reconcile_interval_seconds > 0:
            finishing = reconciler(settings, payments, fhir, service)
            jobs.append(Periodic("payments", finishing.run_once, settings.payment_reconcile_interval_seconds))
        for job in jobs:
            job.start()
        try:
            yield {
                "fhir": fhir,
                "redis": redis,
                "auth": service,
                "access": shared_access,
                "idempotency": idempotency,
                "audit": audit,
                "audit_writer": writer,
                "payments": payments,
            }
        finally:
            for job in jobs:
                await job.stop()
            # Work accepted before shutdown (mail, reset and recovery lookups) still runs; it needs Redis.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settings.shutdown_grace_seconds):
                    await service.background.drain()
            await redis.aclose()


def create_app(
    settings: Settings, *, clock: auth.Clock | None = None, mailer: auth.Mailer | None = None
) -> Starlette:
    """Build the gateway ASGI app.

    The one HTTP client (connection pool to the FHIR server), the root ``FhirClient`` (whose circuit breaker
    and upstream credentials every request shares), the one Redis pool and the ``auth`` services over it live
    in the lifespan (``services``) and reach requests through lifespan state; nothing is module-global.

    Args:
        settings: The gateway settings.
        clock: The time source of sessions and tickets (tests pass a ``ManualClock``).
        mailer: Where mail goes (default: what the settings describe, SMTP or the file outbox).

    Returns:
        The application.

    Raises:
        ValueError: Outside development, a missing or weak secret or no SMTP server (refuse to start).
    """
    settings.check_startable()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with services(settings, clock=clock, mailer=mailer, upstream_metrics=metrics.upstream) as state:
            yield state

    view = GraphQLView(build_schema(settings), settings, metrics=metrics)
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", view, methods=["GET", "POST"]),
        Route("/attachments", AttachmentsEndpoint(settings), methods=["GET", "POST"]),
        Route(
            "/metrics",
            MetricsEndpoint(metrics, development=settings.development, allow=settings.metrics_allow).serve,
            methods=["GET"],
        ),
        # GraphiQL's local assets and the reference portal page: development only.
        *([*development_routes(), *portal_routes()] if settings.development else []),
    ]
    # Outermost, so that every later step sees the client's address: X-Forwarded-For is read only from the
    # trusted proxies, right to left, up to the first address that is not one of them (uvicorn's own code).
    trusted = [str(network) for network in settings.trusted_proxies]
    proxies = [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted else []
    app = Starlette(
        routes=routes,
        middleware=[
            *proxies,
            Middleware(MetricsMiddleware, metrics=metrics, routes=[route.path for route in routes]),
            Middleware(RequestIdMiddleware),
            *([Middleware(ServerTimingMiddleware)] if settings.timing else []),
            Middleware(SecurityHeadersMiddleware, development=settings.development),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                # Uploads have their own cap (docs/messaging.md); /graphql keeps max_body_bytes.
                larger={"/attachments": settings.attachment_max_bytes},
            ),
            Middleware(
                SessionMiddleware, secure_cookie=settings.cookie_secure, paths=("/graphql", "/attachments")
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
