"""What clients and logs see when resolving fails. Upstream faults a real HAPI cannot produce on demand
(a crash inside the gateway, refused connections, HTML error pages) are injected at the transport."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from gateway.settings import Settings
from schema import build_schema
from tests.unit.schema.support import context

SECRET = "Jane Q Example born 1961-02-03"
QUERY = '{ patient(id: "pat-1") { id name { family } } }'


async def _execute(handler: Callable[[httpx.Request], httpx.Response]) -> list[dict[str, object]]:
    signed_in = context(handler, development=True, signed_in_as="pat-1", request_id="req-123")
    result = await build_schema(Settings(environment="development")).execute(QUERY, context_value=signed_in)
    assert result.data == {"patient": None}
    return [{"message": e.message, "extensions": e.extensions, "path": e.path} for e in result.errors or []]


async def test_unexpected_error_is_masked_and_logged_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(SECRET)

    with caplog.at_level(logging.INFO, logger="gateway.graphql"):
        errors = await _execute(crash)
    # The Patient read runs beside the fields, which wait for it: the first of them reports its failure.
    assert errors == [
        {"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}, "path": ["patient", "id"]}
    ]
    records = [r for r in caplog.records if r.name == "gateway.graphql"]
    assert records, "the unexpected error must be logged"
    assert records[0].__dict__["error_class"] == "RuntimeError"
    assert records[0].__dict__["request_id"] == "req-123"
    for record in records:
        assert SECRET not in record.getMessage()
        assert all(SECRET not in str(value) for value in record.__dict__.values())


async def test_unreachable_upstream_is_upstream_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    errors = await _execute(refuse)
    assert [e["extensions"] for e in errors] == [{"code": "UPSTREAM_UNAVAILABLE"}]


async def test_html_error_page_is_upstream_error_without_its_text() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, html=f"<html><body>Bad gateway {SECRET}</body></html>")

    errors = await _execute(html)
    assert [e["extensions"] for e in errors] == [{"code": "UPSTREAM_ERROR"}]
    assert SECRET not in str(errors)


async def test_operation_outcome_issues_are_kept_without_diagnostics() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "processing", "diagnostics": SECRET}],
    }

    def server_error(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json=outcome, headers={"content-type": "application/fhir+json"})

    errors = await _execute(server_error)
    assert errors[0]["extensions"] == {
        "code": "UPSTREAM_ERROR",
        "issues": [{"severity": "error", "code": "processing"}],
    }
    assert SECRET not in str(errors)


@pytest.mark.parametrize("status", [409, 412])
async def test_version_conflicts_are_conflict_not_upstream_error(status: int) -> None:
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "conflict"}]}

    def conflict(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=outcome, headers={"content-type": "application/fhir+json"})

    errors = await _execute(conflict)
    assert [e["extensions"]["code"] for e in errors] == ["CONFLICT"]
