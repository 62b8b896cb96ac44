"""Liveness (``/healthz``) and readiness (``/readyz``: Redis and FHIR answer, the audit queue has room)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse

from fhir_client import FhirClient

from .audit import AuditWriter

logger = logging.getLogger("gateway.health")


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 when Redis and the FHIR server both answer within the readiness timeout, else 503."""
    timeout: float = request.app.state.settings.readiness_timeout
    fhir: FhirClient = request.state.fhir
    redis_ok, fhir_ok = await asyncio.gather(
        _redis_ready(request.state.redis, timeout), fhir.ping(within=timeout)
    )
    checks = {"redis": "ok" if redis_ok else "unavailable", "fhir": "ok" if fhir_ok else "unavailable"}
    body: dict[str, object] = {"checks": checks}
    audit_ok = True
    if redis_ok:
        backlog = await _audit_backlog(request.state.audit_writer, timeout)
        if backlog is not None:
            # Back-pressure: over the bound the gateway refuses PHI access; a load balancer should look away.
            audit_ok = backlog["queued"] < backlog["limit"]
            checks["audit"] = "ok" if audit_ok else "backlogged"
            body["audit"] = backlog
    ready = redis_ok and fhir_ok and audit_ok
    body["status"] = "ok" if ready else "unavailable"
    return JSONResponse(body, status_code=200 if ready else 503)


async def _audit_backlog(writer: AuditWriter, limit: float) -> dict[str, int] | None:
    try:
        async with asyncio.timeout(limit):
            return await writer.backlog()
    except Exception as exc:  # readiness reports; it never fails itself
        logger.warning("audit backlog unknown", extra={"error_class": type(exc).__name__})
        return None


async def _redis_ready(redis: Redis, limit: float) -> bool:
    try:
        async with asyncio.timeout(limit):
            return bool(await redis.ping())
    except Exception as exc:  # any failure means "not ready"; the class is enough for the log
        logger.warning("redis not ready", extra={"error_class": type(exc).__name__})
        return False
