"""The first slice end to end: patient(id) read from the real HAPI server through fhir_client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from fixtures import build_practice
from gateway import Settings
from tests.support.servers import running_gateway

QUERY = """
query Patient($id: ID!) {
  patient(id: $id) { id name { use family given } birthDate gender identifier { system value } }
}
"""


@pytest.fixture
async def gateway(
    fhir_base_url: str, redis_url: str, practice: dict[str, int]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(environment="development", fhir_base_url=fhir_base_url, redis_url=redis_url)  # type: ignore[arg-type]
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


async def _patient(client: httpx.AsyncClient, patient_id: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": QUERY, "variables": {"id": patient_id}})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _expected(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": resource["id"],
        "name": [
            {"use": n.get("use"), "family": n.get("family"), "given": n.get("given", [])}
            for n in resource["name"]
        ],
        "birthDate": resource["birthDate"],
        "gender": resource["gender"].upper(),
        "identifier": [
            {"system": i.get("system"), "value": i.get("value")} for i in resource.get("identifier", [])
        ],
    }


async def test_every_fixture_patient_reads_as_in_hapi(gateway: httpx.AsyncClient, fhir_base_url: str) -> None:
    ids = [r["id"] for r in build_practice(date.today()) if r["resourceType"] == "Patient"]
    assert len(ids) >= 12
    async with httpx.AsyncClient(timeout=15) as fhir:
        patients = [(await fhir.get(f"{fhir_base_url}/Patient/{pid}")).json() for pid in ids]
    for resource in patients:
        body = await _patient(gateway, resource["id"])
        assert "errors" not in body
        assert body["data"]["patient"] == _expected(resource)


async def test_unknown_id_is_null_without_error(gateway: httpx.AsyncClient) -> None:
    assert await _patient(gateway, "pat-nobody-here") == {"data": {"patient": None}}


@pytest.mark.parametrize(
    "bad_id", ["", "../Observation", "a" * 65, "pat 1", "pat/1", "💥", "pat-1?_format=xml"]
)
async def test_malformed_id_is_bad_user_input(gateway: httpx.AsyncClient, bad_id: str) -> None:
    body = await _patient(gateway, bad_id)
    assert body["data"] == {"patient": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_wrong_typed_argument_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/graphql", json={"query": QUERY, "variables": {"id": {"nested": 1}}})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


async def test_outside_development_patient_is_forbidden(fhir_base_url: str, redis_url: str) -> None:
    settings = Settings(environment="production", fhir_base_url=fhir_base_url, redis_url=redis_url)  # type: ignore[arg-type]
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base) as client:
        body = await _patient(client, "pat-maria-lopez")
    assert body["data"] == {"patient": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
