"""Liveness (``/healthz``) and readiness (``/readyz``: Redis and the FHIR server both answer)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import JSONResponse

from fhir_client import FhirClient

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
    ready = redis_ok and fhir_ok
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )


async def _redis_ready(redis: Redis, limit: float) -> bool:
    try:
        async with asyncio.timeout(limit):
            return bool(await redis.ping())
    except Exception as exc:  # any failure means "not ready"; the class is enough for the log
        logger.warning("redis not ready", extra={"error_class": type(exc).__name__})
        return False
