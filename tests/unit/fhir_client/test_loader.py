"""Loader behaviour a real server cannot show on demand: a failing batch, and what is never sent.

The happy paths (50 reads in one request, missing ids as None, batched searches) run against HAPI in
tests/integration/fhir_client/test_batching.py.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fhir_client import FhirServerError, RetryPolicy


async def test_a_failed_batch_fails_every_waiting_caller_and_is_not_cached(fake) -> None:
    broken = True

    def handler(request: httpx.Request) -> httpx.Response:
        if broken:
            return httpx.Response(500)
        return fake.json(fake.patient("a"))  # one id alone is a read

    client = fake.client(handler, options=fake.options(retry=RetryPolicy(attempts=1)))
    loader = client.loader("Patient")
    results = await asyncio.gather(loader.load("a"), loader.load("b"), return_exceptions=True)
    assert all(isinstance(result, FhirServerError) for result in results)
    assert fake.requests[0].url.params["_id"] == "a,b"  # two ids: one search
    broken = False
    assert (await loader.load("a")) is not None
    assert len(fake.requests) == 2


async def test_malformed_ids_load_as_none_without_a_request(fake) -> None:
    client = fake.client(lambda request: fake.json(fake.searchset()))
    assert await client.loader("Patient").load_many(["../x", "a b"]) == [None, None]
    assert fake.requests == []


async def test_chunks_and_dedupes(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["_id"].split(",")
        return fake.json(fake.searchset(*((fake.patient(i), "match") for i in ids)))

    client = fake.client(handler, options=fake.options(loader_chunk_size=10, batch_gets=False))
    ids = [f"p{n}" for n in range(25)]
    loaded = await client.loader("Patient").load_many(ids + ids)
    assert [r.id for r in loaded if r] == ids + ids
    assert len(fake.requests) == 3


async def test_cancelled_caller_does_not_cancel_the_others(fake) -> None:
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return fake.json(fake.patient("a"))

    loader = fake.client(handler).loader("Patient")
    first = asyncio.ensure_future(loader.load("a"))
    second = asyncio.ensure_future(loader.load("a"))
    await asyncio.sleep(0.01)
    first.cancel()
    release.set()
    assert (await second) is not None
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_failed_entry_of_a_batch_fails_its_caller_only(fake) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ok = {"resource": fake.searchset((fake.patient(), "match")), "response": {"status": "200 OK"}}
        bad = {"response": {"status": "400 Bad Request", "outcome": fake.outcome("invalid")}}
        return fake.json({"resourceType": "Bundle", "type": "batch-response", "entry": [ok, bad]})

    client = fake.client(handler)
    good, failed = await asyncio.gather(
        client.search("Patient", {"name": "x"}),
        client.search("Observation", {"bogus": "y"}),
        return_exceptions=True,
    )
    assert not isinstance(good, BaseException) and [r.id for r in good.matches] == ["p1"]
    assert getattr(failed, "status_code", None) == 400
    assert len(fake.requests) == 1 and fake.requests[0].method == "POST"
    # One call upstream; what it held is counted by type, the failed entry too.
    assert client.calls.calls == 1 and client.calls.batched == {"Patient": 1, "Observation": 1}
