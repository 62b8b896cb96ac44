"""``FhirClient.ping`` reports the server as it is now and never touches the circuit breaker."""

from __future__ import annotations

import httpx

from fhir_client import CircuitBreaker


async def test_ping_true_only_for_a_capability_answer(fake) -> None:  # type: ignore[no-untyped-def]
    client = fake.client(lambda request: fake.json({"resourceType": "CapabilityStatement"}))
    assert await client.ping(within=1.0) is True
    assert fake.requests[-1].url.path == "/fhir/metadata"
    assert client.calls.calls == 0, "readiness probes are not upstream calls of a request"

    assert await fake.client(lambda request: fake.json(fake.outcome(), status=500)).ping(within=1.0) is False


async def test_ping_false_when_unreachable_and_breaker_untouched(fake) -> None:  # type: ignore[no-untyped-def]
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    breaker = CircuitBreaker(failure_threshold=1)
    client = fake.client(refuse, breaker=breaker)
    for _ in range(3):
        assert await client.ping(within=1.0) is False
    assert breaker.state == "closed", "ping failures must not open the breaker"
