"""The gateway's one error vocabulary: every code a client can see, and the mapping of failures onto them.

Two kinds of codes, both defined here and nowhere else:

- ``ErrorCode``, the ``extensions.code`` of a GraphQL error: something went wrong that the operation could
  not turn into an answer (no session, bad input, the EHR down). Every error a client sees carries one,
  whether it comes from a resolver, the HTTP layer (``error_document``) or the schema's masking.
- ``ProblemCode``, the ``code`` of a ``Problem``: an expected failure that a mutation answers as data in
  its result union (wrong password, slot taken, key reused). The schema exposes it as the ``ProblemCode``
  enum; ``resolvers/problems.py`` has the shared problem values.

A ``PublicError`` carries a message written for the client (no PHI, no upstream text) and an ``ErrorCode``.
Anything else raised while resolving is unexpected and is masked by the schema as INTERNAL.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from redis.exceptions import RedisError

from auth import InvalidInput, NotPermitted, PatientAlreadyEnrolled
from fhir_client import (
    FhirConflict,
    FhirError,
    FhirInvalidResource,
    FhirPreconditionFailed,
    FhirStatusError,
    FhirTransportError,
)


class ErrorCode(StrEnum):
    """``extensions.code`` of GraphQL errors."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    """No session, or one that was signed out, rotated or forged: sign in."""
    SESSION_EXPIRED = "SESSION_EXPIRED"
    """The session timed out (idle or absolute): say so, then sign in again."""
    FORBIDDEN = "FORBIDDEN"
    """Signed in, but this viewer may not do this (a read-only proxy writing, a setup-only session)."""
    NOT_FOUND = "NOT_FOUND"
    """No such record, or one outside the viewer's access: the same answer for both."""
    BAD_USER_INPUT = "BAD_USER_INPUT"
    """The document, a variable or an argument is malformed or out of range; nothing was done."""
    CONFLICT = "CONFLICT"
    """Someone else changed it meanwhile, or a request with the same idempotency key is still running."""
    RATE_LIMITED = "RATE_LIMITED"
    """Too many requests; try later."""
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    """The EHR or the session store cannot be reached now; retrying later may work."""
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    """The EHR refused or failed the request; ``extensions.issues`` has its sanitized OperationOutcome."""
    INTERNAL = "INTERNAL"
    """A bug of the gateway: the message is masked and the request id is in the log."""


class ProblemCode(StrEnum):
    """``code`` of the ``Problem`` results of mutations (expected failures, answered as data)."""

    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CREDENTIALS_EXPIRED = "CREDENTIALS_EXPIRED"
    LOCKED = "LOCKED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CODE = "INVALID_CODE"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - a code, not a secret
    PASSWORD_REJECTED = "PASSWORD_REJECTED"  # noqa: S105 - a code, not a secret
    IDENTITY_NOT_VERIFIED = "IDENTITY_NOT_VERIFIED"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    USERNAME_UNAVAILABLE = "USERNAME_UNAVAILABLE"
    NOT_PERMITTED = "NOT_PERMITTED"
    REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    OUTSIDE_BOOKING_WINDOW = "OUTSIDE_BOOKING_WINDOW"
    TOO_MANY_UPCOMING = "TOO_MANY_UPCOMING"
    NOT_CANCELLABLE = "NOT_CANCELLABLE"
    CHECK_IN_NOT_OPEN = "CHECK_IN_NOT_OPEN"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    INVALID_ANSWERS = "INVALID_ANSWERS"
    RECIPIENT_UNAVAILABLE = "RECIPIENT_UNAVAILABLE"
    THREAD_CLOSED = "THREAD_CLOSED"
    ALREADY_REQUESTED = "ALREADY_REQUESTED"
    NOT_RENEWABLE = "NOT_RENEWABLE"
    REFILL_REQUEST_CLOSED = "REFILL_REQUEST_CLOSED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    AMOUNT_EXCEEDS_BALANCE = "AMOUNT_EXCEEDS_BALANCE"
    INVALID_AMOUNT = "INVALID_AMOUNT"


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


class Conflict(PublicError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.CONFLICT)


class WriteConflict(Conflict):
    """The EHR refused a write made with ``If-Match``: the record changed since it was read (409/412).

    The guard raises it for every write; a feature that expects it (a Slot taken meanwhile) answers a domain
    ``Problem`` instead, and anywhere else it reaches the client as CONFLICT.
    """

    def __init__(self) -> None:
        super().__init__("The record changed meanwhile. Reload and try again.")


def error_document(message: str, code: ErrorCode, **extensions: Any) -> dict[str, Any]:
    """A GraphQL response with one error and no data: what the HTTP layer answers when GraphQL never ran."""
    return {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}


def public_error_for(exc: BaseException) -> PublicError | None:
    """Translate a failure into what the client may see; ``None`` if it is unexpected (masked as INTERNAL)."""
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
        return Conflict("This patient already has a portal account.")
    if isinstance(exc, FhirTransportError):
        return PublicError(
            "The health record system is not reachable right now.", ErrorCode.UPSTREAM_UNAVAILABLE
        )
    if isinstance(exc, FhirConflict | FhirPreconditionFailed):
        # A version conflict: the record changed meanwhile. Features that expect one answer a Problem
        # instead (the guard raises WriteConflict); anywhere else the client may simply try again.
        return Conflict("The record changed meanwhile. Reload and try again.")
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
