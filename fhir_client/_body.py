"""Turning an upstream HTTP answer into FHIR JSON or a typed error.

Whatever the upstream sends (an HTML error page from a proxy, truncated JSON, a 2 GB body, a JSON array), the
result is a parsed object or an error of the ``FhirError`` hierarchy, never a crash of the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ._errors import (
    FhirBadRequest,
    FhirConflict,
    FhirForbidden,
    FhirGone,
    FhirNotFound,
    FhirPreconditionFailed,
    FhirResponseError,
    FhirServerError,
    FhirStatusError,
    OutcomeIssue,
)
from ._transport import Headers, Response

FHIR_JSON = "application/fhir+json"
_JSON_TYPES = frozenset({FHIR_JSON, "application/json"})

STATUS_ERRORS: dict[int, type[FhirStatusError]] = {
    400: FhirBadRequest,
    401: FhirForbidden,
    403: FhirForbidden,
    404: FhirNotFound,
    409: FhirConflict,
    410: FhirGone,
    412: FhirPreconditionFailed,
    422: FhirBadRequest,
}


@dataclass(frozen=True, slots=True)
class ErrorContext:
    """What an error may say about the call: no ids, no query values."""

    method: str
    resource_type: str | None
    request_id: str | None

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for the ``FhirError`` constructors."""
        return {"method": self.method, "resource_type": self.resource_type, "request_id": self.request_id}


@dataclass(frozen=True, slots=True)
class Reply:
    """A parsed upstream answer: status, headers and the JSON object (``None`` for an empty body)."""

    status: int
    headers: Headers
    body: dict[str, Any] | None


async def read_capped(response: Response, limit: int, context: ErrorContext) -> bytes:
    """Read a streamed body, refusing it as soon as it grows past ``limit`` bytes (after decompression)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FhirResponseError("FHIR response body too large", **context.fields())
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise FhirResponseError("FHIR response body too large", **context.fields())
        chunks.append(chunk)
    return b"".join(chunks)


def parse_reply(status: int, headers: Headers, content: bytes, context: ErrorContext) -> Reply:
    """Parse a body as FHIR JSON.

    A success must be FHIR JSON (or empty). An error answer that is not JSON (an HTML page from a proxy) is
    kept as "no body": the status alone then decides the error.

    Raises:
        FhirResponseError: A success answer that is not a JSON object of the FHIR media types.
    """
    ok = status < 400
    if not content.strip():
        return Reply(status, headers, None)
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES:
        if ok:
            raise FhirResponseError("FHIR server answered with a non-FHIR content type", **context.fields())
        return Reply(status, headers, None)
    try:
        parsed = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        if not ok:
            return Reply(status, headers, None)
        raise FhirResponseError("FHIR server answered with malformed JSON", **context.fields()) from exc
    if not isinstance(parsed, dict):
        if not ok:
            return Reply(status, headers, None)
        raise FhirResponseError("FHIR server answered with JSON that is not an object", **context.fields())
    return Reply(status, headers, parsed)


def outcome_issues(body: Any) -> tuple[OutcomeIssue, ...]:
    """The issues of an ``OperationOutcome`` (empty for anything else)."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ()
    issues = []
    for issue in body.get("issue") or ():
        if isinstance(issue, dict):
            diagnostics = issue.get("diagnostics")
            issues.append(
                OutcomeIssue(
                    severity=str(issue.get("severity", "error")),
                    code=str(issue.get("code", "unknown")),
                    diagnostics=diagnostics if isinstance(diagnostics, str) else None,
                )
            )
    return tuple(issues)


def status_error(status: int, issues: tuple[OutcomeIssue, ...], context: ErrorContext) -> FhirStatusError:
    """The typed error for an error status; its message names method, type and status only."""
    error = STATUS_ERRORS.get(status)
    if error is None:
        error = FhirServerError if status >= 500 else FhirStatusError
    subject = f"{context.method} {context.resource_type}" if context.resource_type else context.method
    return error(
        f"FHIR {subject} failed with status {status}",
        status_code=status,
        issues=issues,
        **context.fields(),
    )


__all__ = [
    "FHIR_JSON",
    "STATUS_ERRORS",
    "ErrorContext",
    "Reply",
    "outcome_issues",
    "parse_reply",
    "read_capped",
    "status_error",
]
