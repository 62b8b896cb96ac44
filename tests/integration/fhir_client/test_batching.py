"""Batching against the real HAPI server: N reads in one request, searches of one tick in one batch."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from fhir_client import FhirClient, ReadLoader, SearchBatcher

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


async def test_chunks_when_more_ids_than_chunk(client: FhirClient, seed) -> None:
    loader = client.loader("Observation")
    await asyncio.gather(*(loader.load(i) for i in seed.observation_ids[:10]))
    assert client.calls.calls == 1
    small = ReadLoader(client, "Observation", chunk_size=20)
    loaded = await small.load_many(seed.observation_ids)
    assert all(loaded) and client.calls.calls == 1 + 3


async def test_independent_searches_of_one_tick_share_a_batch(client: FhirClient, seed) -> None:
    batcher = SearchBatcher(client)
    observations, patients, practitioners = await asyncio.gather(
        batcher.search("Observation", {"subject": seed.patient}, count=10, total=True),
        batcher.search("Patient", {"_id": seed.patient_id}),
        batcher.search("Practitioner", {"_id": seed.practitioner_id}),
    )
    assert client.calls.calls == 1 and client.calls.by_interaction == {"batch": 1}
    assert observations.total == 45 and len(observations.matches) == 10
    assert [r.id for r in patients.matches] == [seed.patient_id]
    assert [r.id for r in practitioners.matches] == [seed.practitioner_id]
    second = await client.next_page(observations)  # the batched page's next link works like any other
    assert second is not None and len(second.matches) == 10
