"""The circuit breaker opens after N consecutive failures, fails fast, and closes after a good probe."""

from __future__ import annotations

import httpx
import pytest

from fhir_client import CircuitBreaker, FhirServerError, FhirTransportError, FhirUnavailable, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_state_machine_with_an_injected_clock() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after=30, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_success()  # the count is of consecutive failures
    for _ in range(3):
        breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == "half-open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else waits for it
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_released_probe_lets_another_caller_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)


async def test_client_fails_fast_while_open_and_recovers(fake) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after=10, clock=clock)
    healthy = False

    def handler(request: httpx.Request) -> httpx.Response:
        if healthy:
            return fake.json(fake.patient())
        raise httpx.ConnectError("refused", request=request)

    client = fake.client(handler, breaker=breaker, options=fake.options(retry=RetryPolicy(attempts=1)))
    for _ in range(3):
        with pytest.raises(FhirTransportError) as caught:
            await client.read("Patient", "p1")
        assert not isinstance(caught.value, FhirUnavailable)
    assert breaker.state == "open"
    sent = len(fake.requests)
    with pytest.raises(FhirUnavailable):
        await client.read("Patient", "p1")
    assert len(fake.requests) == sent  # nothing was sent
    assert client.calls.calls == sent

    clock.now += 10
    healthy = True
    assert (await client.read("Patient", "p1")).id == "p1"  # the probe
    assert breaker.state == "closed"


async def test_5xx_counts_as_failure_and_4xx_as_success(fake) -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=Clock())
    status = 500

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status)

    client = fake.client(handler, breaker=breaker)
    with pytest.raises(FhirServerError):
        await client.read("Patient", "p1")
    status = 404
    with pytest.raises(Exception):  # noqa: B017 - the 404 itself is not the point here
        await client.read("Patient", "p1")
    status = 500
    with pytest.raises(FhirServerError):
        await client.read("Patient", "p1")
    assert breaker.state == "closed"  # the 404 in between reset the count


async def test_open_breaker_stops_retries_of_the_same_operation(fake) -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=Clock())
    client = fake.client(lambda request: httpx.Response(503), breaker=breaker)
    with pytest.raises(FhirUnavailable):
        await client.read("Patient", "p1")
    assert len(fake.requests) == 2


async def test_siblings_share_the_breaker(fake) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=Clock())
    root = fake.client(lambda request: httpx.Response(500), breaker=breaker)
    with pytest.raises(FhirServerError):
        await root.for_request("req-8").read("Patient", "p1")
    with pytest.raises(FhirUnavailable) as caught:
        await root.for_request("req-9").read("Patient", "p1")
    assert caught.value.request_id == "req-9"
