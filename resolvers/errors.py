"""Errors a client may see, and the mapping of upstream failures onto them.

A ``PublicError`` carries a message written for the client (no PHI, no upstream text) and one of the
``extensions.code`` values of DESIGN.md section 7. Anything else raised while resolving is unexpected and
is masked by the schema.
"""

from __future__ import annotations

from enum import StrEnum

from redis.exceptions import RedisError

from auth import InvalidInput, NotPermitted, PatientAlreadyEnrolled
from fhir_client import FhirError, FhirInvalidResource, FhirStatusError, FhirTransportError


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    INTERNAL = "INTERNAL"


class PublicError(Exception):
    """An error whose message and code are safe to show to the client."""

    def __init__(self, message: str, code: ErrorCode, *, issues: tuple[dict[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        # Sanitized OperationOutcome issues (severity and code only; diagnostics may carry PHI).
        self.issues = issues


class BadUserInput(PublicError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.BAD_USER_INPUT)


class Forbidden(PublicError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.FORBIDDEN)


def public_error_for(exc: BaseException) -> PublicError | None:
    """Translate an upstream failure into what the client may see; ``None`` if it is not one."""
    if isinstance(exc, PublicError):
        return exc
    if isinstance(exc, InvalidInput):
        # auth names arguments in snake_case; the client typed them in camelCase.
        head, *rest = exc.field.split("_")
        name = head + "".join(part.title() for part in rest)
        return BadUserInput(f"{name}: {exc.reason}")
    if isinstance(exc, RedisError):
        return PublicError("The sign-in service is not reachable right now.", ErrorCode.UPSTREAM_UNAVAILABLE)
    if isinstance(exc, NotPermitted):
        return Forbidden(str(exc))
    if isinstance(exc, PatientAlreadyEnrolled):
        return PublicError("This patient already has a portal account.", ErrorCode.CONFLICT)
    if isinstance(exc, FhirTransportError):
        return PublicError(
            "The health record system is not reachable right now.", ErrorCode.UPSTREAM_UNAVAILABLE
        )
    if isinstance(exc, FhirStatusError):
        issues = tuple({"severity": i.severity, "code": i.code} for i in exc.issues)
        return PublicError(
            "The health record system could not complete the request.",
            ErrorCode.UPSTREAM_ERROR,
            issues=issues,
        )
    if isinstance(exc, FhirInvalidResource):
        return None  # the gateway built an invalid resource: our bug, so INTERNAL
    if isinstance(exc, FhirError):
        return PublicError("The health record system sent an unusable answer.", ErrorCode.UPSTREAM_ERROR)
    return None
