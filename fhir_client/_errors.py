"""Errors raised at the FHIR boundary.

Every failure of an upstream FHIR call is one of these; nothing else escapes ``fhir_client``::

    FhirError
    ├── FhirTransportError          the request did not complete (connect, read, dropped connection)
    │   ├── FhirTimeout             a timeout or the per-operation deadline passed
    │   ├── FhirUnavailable         the circuit breaker is open: the EHR is known to be down
    │   └── FhirAuthError           no upstream credentials could be obtained (SMART token endpoint failed)
    ├── FhirInvalidResource         a resource to write failed R4B validation; nothing was sent
    ├── FhirResponseError           the answer is not usable FHIR (HTML page, bad JSON, too large)
    └── FhirStatusError             the server answered with an error status and (usually) an OperationOutcome
        ├── FhirBadRequest          400, 422: the request or resource is invalid
        ├── FhirForbidden           401, 403
        ├── FhirNotFound            404
        ├── FhirGone                410: deleted
        ├── FhirConflict            409: version conflict (stale If-Match) or duplicate
        ├── FhirPreconditionFailed  412: conditional operation matched more than one resource
        └── FhirServerError         5xx

Messages are fixed texts plus method, resource type and status: never ids, query values or upstream
diagnostics, which can carry PHI. The OperationOutcome issues travel separately in ``issues`` for callers
that decide what to show.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutcomeIssue:
    """One ``OperationOutcome.issue``: severity, code and (unsanitized) diagnostics."""

    severity: str
    code: str
    diagnostics: str | None = None

    @property
    def is_error(self) -> bool:
        """Whether the severity is ``error`` or ``fatal`` (the action failed or the data is invalid)."""
        return self.severity in ("error", "fatal")


class FhirError(Exception):
    """Base class of every error raised by ``fhir_client``.

    Attributes:
        method: HTTP method of the failed request.
        resource_type: The FHIR resource type addressed, when known.
        request_id: The gateway request id the call was made for, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        resource_type: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.resource_type = resource_type
        self.request_id = request_id


class FhirTransportError(FhirError):
    """The request did not complete: connection refused, reset or dropped."""


class FhirTimeout(FhirTransportError):
    """A connect/read/write/pool timeout, or the per-operation deadline, passed."""


class FhirUnavailable(FhirTransportError):
    """The circuit breaker is open; the request was not sent."""


class FhirAuthError(FhirTransportError):
    """The SMART token endpoint could not be reached or refused the gateway; the FHIR request was not sent.

    Attributes:
        status_code: The token endpoint's HTTP status, if it answered.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message, method="POST", request_id=request_id)
        self.status_code = status_code


class FhirInvalidResource(FhirError):
    """A resource given to a write failed validation against its ``fhir.resources.R4B`` model.

    Attributes:
        problems: ``"<location>: <error type>"`` per validation error; never the offending values.
    """

    def __init__(
        self, message: str, *, problems: tuple[str, ...] = (), resource_type: str | None = None
    ) -> None:
        super().__init__(message, resource_type=resource_type)
        self.problems = problems


class FhirResponseError(FhirError):
    """The upstream answer is not usable FHIR JSON (wrong content type, malformed, oversized)."""


class FhirStatusError(FhirError):
    """The server answered with an error status.

    Attributes:
        status_code: The HTTP status.
        issues: The OperationOutcome issues from the body, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        issues: tuple[OutcomeIssue, ...] = (),
        method: str = "",
        resource_type: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, method=method, resource_type=resource_type, request_id=request_id)
        self.status_code = status_code
        self.issues = issues


class FhirBadRequest(FhirStatusError):
    """400 or 422: the request or the resource sent is invalid."""


class FhirForbidden(FhirStatusError):
    """401 or 403: the upstream refused the gateway's credentials."""


class FhirNotFound(FhirStatusError):
    """404: no such resource (or type)."""


class FhirGone(FhirStatusError):
    """410: the resource was deleted."""


class FhirConflict(FhirStatusError):
    """409: a version conflict (stale ``If-Match``) or another conflicting write."""


class FhirPreconditionFailed(FhirStatusError):
    """412: a conditional operation's criteria matched more than one resource."""


class FhirServerError(FhirStatusError):
    """5xx: the server failed."""
