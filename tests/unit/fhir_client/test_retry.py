"""Retries happen only where a replay cannot write twice, with jittered backoff inside the deadline."""

from __future__ import annotations

import httpx
import pytest

from fhir_client import Entry, FhirServerError, FhirStatusError, FhirTimeout, FhirTransportError, RetryPolicy
from fhir_client._retry import retry_safe

OBSERVATION = {"resourceType": "Observation", "status": "final", "code": {"text": "glucose"}}


def failing_then(fake, ok: httpx.Response, failures: int, status: int = 503):
    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) <= failures:
            return httpx.Response(status)
        return ok

    return handler


async def test_get_is_retried_until_it_succeeds(fake) -> None:
    client = fake.client(failing_then(fake, fake.json(fake.patient()), failures=2))
    resource = await client.read("Patient", "p1")
    assert resource.id == "p1"
    assert len(fake.requests) == 3
    assert client.calls.calls == 3 and client.calls.failures == 2
    # full jitter with random() == 1.0: the ceilings 0.1 and 0.2 of the first two retries
    assert fake.delays == [0.1, 0.2]


@pytest.mark.parametrize(("status", "attempts"), [(503, 3), (502, 3), (504, 3), (429, 3), (500, 1), (400, 1)])
async def test_which_statuses_a_get_retries(fake, status: int, attempts: int) -> None:
    # 500 is not retried: HAPI's 500s come from deterministic faults; a replay only adds load.
    client = fake.client(lambda request: httpx.Response(status))
    with pytest.raises(FhirStatusError):
        await client.read("Patient", "p1")
    assert len(fake.requests) == attempts


async def test_get_is_retried_after_a_timeout(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return fake.json(fake.patient())

    assert (await fake.client(handler).read("Patient", "p1")).id == "p1"
    assert len(fake.requests) == 2


async def test_plain_post_is_never_retried(fake) -> None:
    client = fake.client(failing_then(fake, fake.json({**OBSERVATION, "id": "o1"}, 201), failures=1))
    with pytest.raises(FhirServerError):
        await client.create(OBSERVATION)
    assert len(fake.requests) == 1


async def test_plain_post_is_not_retried_after_a_timeout(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(FhirTimeout):
        await fake.client(handler).create(OBSERVATION)
    assert len(fake.requests) == 1


async def test_transaction_is_never_retried(fake) -> None:
    client = fake.client(lambda request: httpx.Response(503))
    with pytest.raises(FhirServerError):
        await client.transaction([Entry.create(OBSERVATION)])
    assert len(fake.requests) == 1


async def test_conditional_create_is_retried(fake) -> None:
    client = fake.client(failing_then(fake, fake.json({**OBSERVATION, "id": "o1"}, 201), failures=1))
    result = await client.create(OBSERVATION, if_none_exist={"identifier": "urn:test|1"})
    assert result.created and len(fake.requests) == 2
    assert fake.requests[0].headers["if-none-exist"] == "identifier=urn%3Atest%7C1"


async def test_update_with_if_match_is_retried(fake) -> None:
    stored = {**OBSERVATION, "id": "o1", "meta": {"versionId": "3"}}
    client = fake.client(failing_then(fake, fake.json(stored), failures=1))
    result = await client.update({**OBSERVATION, "id": "o1"}, if_match="2")
    assert result.resource.version_id == "3" and len(fake.requests) == 2
    assert fake.requests[-1].headers["if-match"] == 'W/"2"'


async def test_patch_only_retried_with_if_match(fake) -> None:
    ops = [{"op": "replace", "path": "/status", "value": "amended"}]
    client = fake.client(lambda request: httpx.Response(503))
    with pytest.raises(FhirServerError):
        await client.patch("Observation", "o1", ops)
    assert len(fake.requests) == 1
    with pytest.raises(FhirServerError):
        await client.patch("Observation", "o1", ops, if_match="1")
    assert len(fake.requests) == 1 + 3


async def test_retry_after_is_honoured_within_max_delay(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            return httpx.Response(429, headers={"retry-after": "1.5"})
        return fake.json(fake.patient())

    await fake.client(handler).read("Patient", "p1")
    assert fake.delays == [1.5]


async def test_no_retry_when_the_backoff_would_pass_the_deadline(fake) -> None:
    options = fake.options(deadline=0.5, retry=RetryPolicy(base_delay=1.0, max_delay=1.0, random=lambda: 1.0))
    client = fake.client(lambda request: httpx.Response(503), options=options)
    with pytest.raises(FhirServerError):
        await client.read("Patient", "p1")
    assert len(fake.requests) == 1


async def test_connect_errors_of_a_get_exhaust_attempts(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(FhirTransportError):
        await fake.client(handler).read("Patient", "p1")
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("method", "headers", "safe"),
    [
        ("GET", {}, True),
        ("HEAD", {}, True),
        ("PUT", {}, True),
        ("DELETE", {}, True),
        ("POST", {}, False),
        ("POST", {"If-None-Exist": "identifier=x"}, True),
        ("PATCH", {}, False),
        ("PATCH", {"if-match": 'W/"1"'}, True),
    ],
)
def test_retry_safety_rule(method: str, headers: dict[str, str], safe: bool) -> None:
    assert retry_safe(method, headers) is safe


def test_backoff_is_full_jitter_and_capped() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=0.3, random=lambda: 0.5)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.05, 0.1, 0.15, 0.15]
    assert RetryPolicy(max_delay=2.0, random=lambda: 0.0).delay(1, retry_after=60) == 2.0
