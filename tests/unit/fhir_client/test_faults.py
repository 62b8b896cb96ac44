"""Upstream answers a real server gives only when something is broken: every one is a typed FhirError."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fhir_client import (
    FhirConflict,
    FhirError,
    FhirGone,
    FhirNotFound,
    FhirResponseError,
    FhirServerError,
    FhirStatusError,
    FhirTimeout,
    FhirTransportError,
    RetryPolicy,
)


async def test_read_timeout_is_fhir_timeout(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = fake.client(handler, options=fake.options(retry=RetryPolicy(attempts=1)))
    with pytest.raises(FhirTimeout) as caught:
        await client.read("Patient", "p1")
    assert caught.value.method == "GET" and caught.value.resource_type == "Patient"
    assert caught.value.request_id == "req-7"


async def test_connect_error_is_transport_error(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(FhirTransportError) as caught:
        await fake.client(handler).read("Patient", "p1")
    assert not isinstance(caught.value, FhirTimeout)


async def test_deadline_bounds_a_hanging_server(fake) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        raise AssertionError("not reached")

    client = fake.client(handler, options=fake.options(deadline=0.05))
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FhirTimeout):
        await client.read("Patient", "p1")
    assert loop.time() - started < 1.0


async def test_500_with_operation_outcome_keeps_issues(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.outcome("exception"), 500))
    with pytest.raises(FhirServerError) as caught:
        await client.read("Patient", "p1")
    error = caught.value
    assert error.status_code == 500
    assert [(issue.severity, issue.code) for issue in error.issues] == [("error", "exception")]
    assert error.issues[0].diagnostics is not None


async def test_5xx_without_body(fake) -> None:
    client = fake.client(lambda request: httpx.Response(500))
    with pytest.raises(FhirServerError) as caught:
        await client.read("Patient", "p1")
    assert caught.value.issues == ()


async def test_html_error_page_from_a_proxy(fake) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    client = fake.client(
        lambda request: httpx.Response(502, content=page, headers={"content-type": "text/html"})
    )
    with pytest.raises(FhirServerError) as caught:
        await client.read("Patient", "p1")
    assert caught.value.status_code == 502 and caught.value.issues == ()


@pytest.mark.parametrize(
    ("content", "content_type", "match"),
    [
        (b"<html><body>Please log in</body></html>", "text/html", "content type"),
        (
            b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/></Patient>',
            "application/fhir+xml",
            "content type",
        ),
        (
            b'{"resourceType": "Patient", "id": "p1", "name": [{"fam',
            "application/fhir+json",
            "malformed JSON",
        ),
        (b"[1, 2, 3]", "application/fhir+json", "not an object"),
        (b'{"resourceType": "Observation", "id": "p1"}', "application/fhir+json", "another resource type"),
    ],
    ids=["html", "xml", "truncated-json", "json-array", "wrong-type"],
)
async def test_unusable_success_bodies(fake, content: bytes, content_type: str, match: str) -> None:
    client = fake.client(
        lambda request: httpx.Response(200, content=content, headers={"content-type": content_type})
    )
    with pytest.raises(FhirResponseError, match=match):
        await client.read("Patient", "p1")


async def test_oversized_body_declared(fake) -> None:
    client = fake.client(
        lambda request: httpx.Response(
            200, content=b"{}", headers={"content-type": "application/fhir+json", "content-length": "999999"}
        ),
        options=fake.options(max_body_bytes=1000),
    )
    with pytest.raises(FhirResponseError, match="too large"):
        await client.read("Patient", "p1")


async def test_oversized_body_streamed_without_length(fake) -> None:
    async def chunks():
        for _ in range(100):
            yield b" " * 100

    client = fake.client(
        lambda request: httpx.Response(
            200, content=chunks(), headers={"content-type": "application/fhir+json"}
        ),
        options=fake.options(max_body_bytes=1000),
    )
    with pytest.raises(FhirResponseError, match="too large"):
        await client.read("Patient", "p1")


@pytest.mark.parametrize(
    ("status", "error"), [(404, FhirNotFound), (410, FhirGone), (409, FhirConflict), (418, FhirStatusError)]
)
async def test_status_maps_to_its_error(fake, status: int, error: type[FhirError]) -> None:
    client = fake.client(lambda request: fake.json(fake.outcome(), status))
    with pytest.raises(error) as caught:
        await client.read("Patient", "p1")
    assert type(caught.value) is error


async def test_error_messages_carry_no_ids_or_query_values(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.outcome(), 400))
    messages = []
    for call in (
        client.read("Patient", "secret-id"),
        client.search("Observation", {"patient": "secret-id", "code:text": "secret value"}),
        client.delete("Patient", "secret-id"),
    ):
        with pytest.raises(FhirError) as caught:
            await call
        messages.append(str(caught.value))
    for message in messages:
        assert "secret" not in message
    assert messages[0] == "FHIR GET Patient failed with status 400"


async def test_malformed_ids_are_refused_before_sending(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.patient()))
    for bad in ("../Observation", "a/b", "x?y=1", "", "a" * 65):
        with pytest.raises(ValueError) as caught:
            await client.read("Patient", bad)
        assert str(caught.value) == "malformed id"
    assert fake.requests == []
