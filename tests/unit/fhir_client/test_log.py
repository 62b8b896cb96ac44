"""One log line per upstream call, without ids or query values unless PHI logging is on; the counters."""

from __future__ import annotations

import logging

import httpx
import pytest

from fhir_client import CallCounter, FhirServerError


async def test_one_line_per_call_without_phi(fake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fhir_client")
    client = fake.client(lambda request: fake.json(fake.searchset()))
    await client.search("Observation", {"patient": "secret-patient", "code:text": "secret-code"})
    records = [record for record in caplog.records if record.name == "fhir_client"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "secret" not in message
    fields = records[0].fhir  # type: ignore[attr-defined]
    assert fields["method"] == "GET" and fields["interaction"] == "search" and fields["type"] == "Observation"
    assert fields["status"] == 200 and fields["request_id"] == "req-7" and fields["ms"] >= 0
    assert "url" not in fields


async def test_phi_logging_is_a_setting(fake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fhir_client")
    client = fake.client(
        lambda request: fake.json(fake.patient("dev-id")), options=fake.options(log_phi=True)
    )
    await client.read("Patient", "dev-id")
    assert "Patient/dev-id" in caplog.records[-1].fhir["url"]  # type: ignore[attr-defined]


async def test_each_attempt_is_logged_and_failures_warn(fake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fhir_client")
    client = fake.client(lambda request: httpx.Response(503))
    with pytest.raises(FhirServerError):
        await client.read("Patient", "p1")
    lines = [record for record in caplog.records if record.name == "fhir_client"]
    assert [record.fhir["attempt"] for record in lines] == [1, 2, 3]  # type: ignore[attr-defined]
    assert {record.levelno for record in lines} == {logging.WARNING}


async def test_per_client_and_process_counters(fake) -> None:
    metrics = CallCounter()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Patient"):
            return fake.json(fake.searchset())
        return fake.json(fake.patient())

    root = fake.client(handler, metrics=metrics)
    first, second = root.for_request("a"), root.for_request("b")
    await first.read("Patient", "p1")
    await second.read("Patient", "p1")
    await second.search("Patient")
    assert (first.calls.calls, second.calls.calls, root.calls.calls) == (1, 2, 0)
    assert metrics.calls == 3 and metrics.by_interaction == {"read": 2, "search": 1}
    assert fake.requests[0].headers["x-request-id"] == "a"
