"""patient(id) end to end: read from the real HAPI server for a signed-in demo account, and only its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio

from fixtures.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from gateway import Settings
from gateway.accounts import seed_demo_accounts
from tests.support.servers import running_gateway
from tests.support.settings import gateway_settings

QUERY = """
query Patient($id: ID!) {
  patient(id: $id) { id name { use family given } birthDate gender identifier { system value } }
}
"""
SIGN_IN = """
mutation SignIn($username: String!, $password: String!) {
  signIn(username: $username, password: $password, bearer: true) { __typename ... on SignedIn { token } }
}
"""


@pytest.fixture
async def settings(fhir_base_url: str, redis_url: str, practice: dict[str, int]) -> AsyncIterator[Settings]:
    """Development settings with the demo accounts seeded under a key prefix of this test's own."""
    # Every demo account signs in from one address within a minute.
    settings = gateway_settings("development", fhir_base_url, redis_url, signin_per_ip_per_minute=100)
    yield settings
    client = redis.asyncio.Redis.from_url(redis_url)
    keys = [k async for k in client.scan_iter(match=settings.auth_key_prefix + "*", count=500)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    report = await seed_demo_accounts(settings)
    assert len(report.created) == len(DEMO_ACCOUNTS)
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


async def _token(client: httpx.AsyncClient, username: str) -> str:
    response = await client.post(
        "/graphql", json={"query": SIGN_IN, "variables": {"username": username, "password": DEMO_PASSWORD}}
    )
    result = response.json()["data"]["signIn"]
    assert result["__typename"] == "SignedIn", result
    token: str = result["token"]
    return token


async def _patient(client: httpx.AsyncClient, patient_id: Any, token: str | None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": QUERY, "variables": {"id": patient_id}}, headers=headers
    )
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


async def test_every_demo_account_reads_its_own_patient_as_in_hapi(
    gateway: httpx.AsyncClient, fhir_base_url: str
) -> None:
    async with httpx.AsyncClient(timeout=15) as fhir:
        for account in DEMO_ACCOUNTS:
            resource = (await fhir.get(f"{fhir_base_url}/Patient/{account.patient_id}")).json()
            body = await _patient(gateway, account.patient_id, await _token(gateway, account.username))
            assert "errors" not in body
            assert body["data"]["patient"] == _expected(resource)


async def test_another_patient_answers_null_like_a_missing_one(gateway: httpx.AsyncClient) -> None:
    first, second = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]
    token = await _token(gateway, first.username)
    assert await _patient(gateway, second.patient_id, token) == {"data": {"patient": None}}
    assert await _patient(gateway, "pat-nobody-here", token) == {"data": {"patient": None}}


async def test_patient_needs_a_signed_in_viewer(gateway: httpx.AsyncClient) -> None:
    body = await _patient(gateway, DEMO_ACCOUNTS[0].patient_id, None)
    assert body["data"] == {"patient": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "bad_id", ["", "../Observation", "a" * 65, "pat 1", "pat/1", "💥", "pat-1?_format=xml"]
)
async def test_malformed_id_is_bad_user_input(gateway: httpx.AsyncClient, bad_id: str) -> None:
    token = await _token(gateway, DEMO_ACCOUNTS[0].username)
    body = await _patient(gateway, bad_id, token)
    assert body["data"] == {"patient": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_wrong_typed_argument_is_bad_user_input(gateway: httpx.AsyncClient) -> None:
    body = await _patient(gateway, {"nested": 1}, None)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_seeding_is_idempotent_and_development_only(settings: Settings) -> None:
    first = await seed_demo_accounts(settings)
    again = await seed_demo_accounts(settings)
    assert again.created == ()
    assert set(again.existing) == set(first.created) == {a.username for a in DEMO_ACCOUNTS}
    with pytest.raises(ValueError, match="development"):
        await seed_demo_accounts(settings.model_copy(update={"environment": "test"}))
