"""Searches against the real HAPI server: paging, include splitting, totals, _elements, typed parameters."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_client import AnyOf, FhirBadRequest, FhirClient, ge, lt

pytestmark = pytest.mark.integration


def by_run(seed) -> dict[str, object]:
    return {"identifier": f"urn:portal-gateway:test:{seed.run}|", "subject": seed.patient}


async def test_paging_across_three_pages_without_duplicates(client: FhirClient, seed) -> None:
    first = await client.search("Observation", {"subject": seed.patient}, count=20, sort=["_id"])
    sizes, ids = [], []
    async for page in client.pages(first):
        sizes.append(len(page.matches))
        ids.extend(resource.id for resource in page.matches)
    assert sizes == [20, 20, 5]
    assert len(ids) == len(set(ids)) == 45
    assert set(ids) == set(seed.observation_ids)
    assert client.calls.by_interaction == {"search": 1, "page": 2}


async def test_include_results_are_split_by_mode(client: FhirClient, seed) -> None:
    page = await client.search(
        "Observation", {"subject": seed.patient}, count=5, include=["Observation:performer"]
    )
    assert len(page.matches) == 5 and all(r.resource_type == "Observation" for r in page.matches)
    assert [r.reference for r in page.included] == [f"Practitioner/{seed.practitioner_id}"]


async def test_revinclude(client: FhirClient, seed) -> None:
    page = await client.search(
        "Patient", {"_id": seed.patient_id}, revinclude=["Observation:subject"], count=100
    )
    assert [r.id for r in page.matches] == [seed.patient_id]
    assert len([r for r in page.included if r.resource_type == "Observation"]) == 45


async def test_total_only_when_asked(client: FhirClient, seed) -> None:
    assert (await client.search("Observation", {"subject": seed.patient}, count=5)).total is None
    assert (await client.search("Observation", {"subject": seed.patient}, count=5, total=True)).total == 45


async def test_elements_pass_through(client: FhirClient, seed) -> None:
    page = await client.search("Observation", {"subject": seed.patient}, count=3, elements=["status", "code"])
    resource = page.matches[0]
    assert "status" in resource.data and "code" in resource.data
    assert "valueQuantity" not in resource.data and "performer" not in resource.data


async def test_typed_parameters(client: FhirClient, seed) -> None:
    # observation n is dated 2024-(1 + n % 12)-..: January..March are months 1..3
    first_quarter = await client.search(
        "Observation",
        {"subject": seed.patient, "date": [ge(date(2024, 1, 1)), lt(date(2024, 4, 1))]},
        count=100,
    )
    expected = len([n for n in range(45) if n % 12 < 3])
    assert len(first_quarter.matches) == expected
    text = await client.search(
        "Observation", {"subject": seed.patient, "code:text": "gluc"}, count=1, total=True
    )
    assert text.total == 45
    either = await client.search(
        "Observation",
        {
            "identifier": AnyOf(
                f"urn:portal-gateway:test:{seed.run}|obs-1", f"urn:portal-gateway:test:{seed.run}|obs-2"
            )
        },
        total=True,
    )
    assert either.total == 2
    capped = await client.search("Observation", {"subject": seed.patient}, count=1000)
    assert len(capped.matches) == 45  # _count capped at 100, which covers all 45


async def test_unknown_parameter_is_bad_request(client: FhirClient) -> None:
    with pytest.raises(FhirBadRequest) as caught:
        await client.search("Observation", {"no-such-param": "x"}, count=1)
    assert caught.value.issues
