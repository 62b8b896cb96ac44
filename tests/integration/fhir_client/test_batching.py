"""Batching against the real HAPI server: N reads in one request, searches of one tick in one batch."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from fhir_client import ClientOptions, FhirClient

pytestmark = pytest.mark.integration


async def test_fifty_reads_of_one_type_cost_one_request(client: FhirClient, seed) -> None:
    missing = [f"missing-{uuid.uuid4().hex[:12]}" for _ in range(5)]
    ids = seed.observation_ids + missing
    assert len(ids) == 50
    loader = client.loader("Observation")
    results = await asyncio.gather(*(loader.load(resource_id) for resource_id in ids))
    assert [r.id if r else None for r in results] == seed.observation_ids + [None] * 5
    assert client.calls.calls == 1
    # asked again in the same request: answered from the loader, no new call; duplicates collapse too
    again = await loader.load_many([seed.observation_ids[0]] * 3)
    assert {r.id for r in again if r} == {seed.observation_ids[0]}
    assert client.calls.calls == 1


@pytest.mark.parametrize("bundle", [True, False])
async def test_chunks_when_more_ids_than_chunk(
    http: httpx.AsyncClient, fhir_base_url: str, seed, bundle: bool
) -> None:
    options = ClientOptions(loader_chunk_size=20, batch_gets=bundle)
    client = FhirClient(http, fhir_base_url, options=options)
    loaded = await client.loader("Observation").load_many(seed.observation_ids)
    assert [r.id for r in loaded if r] == seed.observation_ids
    # 45 ids in chunks of 20: three searches, sent as one batch or as three requests.
    assert client.calls.by_interaction == ({"batch": 1} if bundle else {"search": 3})


async def test_independent_searches_of_one_tick_share_a_batch(client: FhirClient, seed) -> None:
    observations, patients, practitioners = await asyncio.gather(
        client.search("Observation", {"subject": seed.patient}, count=10, total=True),
        client.search("Patient", {"_id": seed.patient_id}),
        client.search("Practitioner", {"_id": seed.practitioner_id}),
    )
    assert client.calls.calls == 1 and client.calls.by_interaction == {"batch": 1}
    assert observations.total == 45 and len(observations.matches) == 10
    assert [r.id for r in patients.matches] == [seed.patient_id]
    assert [r.id for r in practitioners.matches] == [seed.practitioner_id]
    second = await client.next_page(observations)  # the batched page's next link works like any other
    assert second is not None and len(second.matches) == 10
