"""Sending one FHIR operation: auth header, breaker, deadline, retries, body cap, log line, counters.

Every upstream call of ``fhir_client`` goes through :meth:`Sender.send`, so each of these rules holds for all
of them. The retry rules are in ``fhir_client._retry``, the breaker in ``fhir_client._breaker``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ._auth import UpstreamAuth
from ._body import FHIR_JSON, ErrorContext, Reply, outcome_issues, parse_reply, read_capped, status_error
from ._breaker import CircuitBreaker
from ._errors import FhirAuthError, FhirError, FhirTimeout, FhirTransportError, FhirUnavailable
from ._log import CallCounter, log_call
from ._options import ClientOptions
from ._retry import RETRY_STATUSES, parse_retry_after, retry_safe
from ._transport import AsyncClient, Response, TimeoutException, TransportError


@dataclass(frozen=True, slots=True)
class Call:
    """One FHIR operation to send.

    Attributes:
        method: HTTP method.
        url: Absolute URL (a next link is used as it is).
        interaction: For logs and counters: ``read``, ``search``, ``create``, ...
        resource_type: The resource type addressed, if any.
        params: Query parameters, in order (repeats allowed).
        content: The request body.
        headers: Extra request headers (content type, ``If-Match``, ``Prefer``, ...).
        retry_safe: Override of the method/header rule of ``fhir_client._retry`` (read-only batches).
    """

    method: str
    url: str
    interaction: str
    resource_type: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_safe: bool | None = None


class Sender:
    """Sends calls for one ``FhirClient``; shares the HTTP client, breaker and auth with its siblings."""

    def __init__(
        self,
        http: AsyncClient,
        options: ClientOptions,
        breaker: CircuitBreaker,
        auth: UpstreamAuth,
        counters: tuple[CallCounter, ...],
        request_id: str | None,
    ) -> None:
        self.http = http
        self.options = options
        self.breaker = breaker
        self.auth = auth
        self.counters = counters
        self.request_id = request_id

    async def send(self, call: Call) -> Reply:
        """Send ``call``, retrying where safe, and return the successful answer.

        Raises:
            FhirStatusError: The final answer had an error status (a subclass per status).
            FhirTimeout: A timeout, or the operation deadline passed.
            FhirUnavailable: The breaker is open.
            FhirTransportError: The server could not be reached.
            FhirResponseError: The answer was not usable FHIR JSON.
        """
        context = ErrorContext(call.method, call.resource_type, self.request_id)
        policy = self.options.retry
        safe = call.retry_safe if call.retry_safe is not None else retry_safe(call.method, call.headers)
        clock = asyncio.get_running_loop().time
        deadline = clock() + self.options.deadline
        attempt = 0
        reauthorized = False
        while True:
            attempt += 1
            retry_after: float | None = None
            error: FhirError
            try:
                reply = await self._attempt(call, context, deadline - clock(), attempt)
            except (FhirUnavailable, FhirAuthError):
                raise  # nothing reached the EHR: an open breaker, or the token endpoint failed
            except FhirTransportError as exc:
                error = exc
            else:
                if reply.status == 401 and not reauthorized and self.auth.invalidate():
                    reauthorized = True  # a revoked or expired token: fetch a new one, once
                    continue
                if reply.status < 400:
                    return reply
                error = status_error(reply.status, outcome_issues(reply.body), context)
                if reply.status not in RETRY_STATUSES:
                    raise error
                retry_after = parse_retry_after(reply.headers.get("retry-after"))
            delay = policy.delay(attempt, retry_after)
            if not safe or attempt >= policy.attempts or clock() + delay >= deadline:
                raise error
            await policy.sleep(delay)

    async def _attempt(self, call: Call, context: ErrorContext, remaining: float, attempt: int) -> Reply:
        if remaining <= 0:
            raise FhirTimeout("FHIR operation deadline passed", **context.fields())
        headers = {"Accept": FHIR_JSON, **call.headers}
        authorization = await self.auth.authorization(self.http)
        if authorization:
            headers["Authorization"] = authorization
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        if not self.breaker.allow():
            raise FhirUnavailable("FHIR server unavailable (circuit open)", **context.fields())
        request = self.http.build_request(
            call.method,
            call.url,
            params=call.params or None,
            content=call.content,
            headers=headers,
            timeout=self.options.timeout,
        )
        started = time.perf_counter()
        status: int | str = "cancelled"
        try:
            async with asyncio.timeout(remaining):
                response = await self.http.send(request, stream=True)
                status = response.status_code
                content = await self._read(response, context)
        except (TimeoutError, TimeoutException) as exc:
            status = "timeout"
            raise FhirTimeout("FHIR request timed out", **context.fields()) from exc
        except TransportError as exc:
            status = "transport-error"
            raise FhirTransportError("FHIR server unreachable", **context.fields()) from exc
        finally:
            self._settle(call, status, (time.perf_counter() - started) * 1000, attempt, str(request.url))
        return parse_reply(response.status_code, response.headers, content, context)

    async def _read(self, response: Response, context: ErrorContext) -> bytes:
        try:
            return await read_capped(response, self.options.max_body_bytes, context)
        finally:
            await response.aclose()

    def _settle(self, call: Call, status: int | str, elapsed_ms: float, attempt: int, url: str) -> None:
        """Tell the breaker, count and log one call that was sent."""
        failed = not isinstance(status, int) or status >= 500
        if status == "cancelled":
            self.breaker.release()  # no verdict on the server; let another call probe
        elif failed:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        for counter in self.counters:
            counter.record(
                call.interaction, failed=failed, elapsed_ms=elapsed_ms, resource_type=call.resource_type
            )
        log_call(
            method=call.method,
            interaction=call.interaction,
            resource_type=call.resource_type,
            status=status,
            elapsed_ms=elapsed_ms,
            attempt=attempt,
            request_id=self.request_id,
            url=url if self.options.log_phi else None,
        )


__all__ = ["Call", "Sender"]
