"""Development tools: GraphiQL from local files under a CSP of 'self', its tabs; nothing in production."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.devtools.routes import ASSETS
from tests.support.servers import running_gateway
from tests.support.settings import gateway_settings


@pytest.fixture
async def dev(fhir_base_url: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings("development", fhir_base_url, redis_url)
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        yield client


async def test_graphiql_loads_only_the_gateways_own_files(dev: httpx.AsyncClient) -> None:
    page = await dev.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    csp = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'none'" and csp["connect-src"] == "'self'"
    assert "<script>" not in page.text and "<style" not in page.text  # nothing inline
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith(("/devtools/", "data:")) for s in sources), sources
    for source in sources:
        if source.startswith("/devtools/"):
            asset = await dev.get(source)
            assert asset.status_code == 200, source
    assert set(ASSETS) >= {s.removeprefix("/devtools/") for s in sources if s.startswith("/devtools/")}


async def test_the_default_tabs_are_the_example_operations(dev: httpx.AsyncClient) -> None:
    setup = (await dev.get("/devtools/setup.json")).json()
    queries = [tab["query"] for tab in setup["tabs"]]
    assert "mutation SignIn" in queries[0] and "query Me" in queries[0]
    assert any("query UpcomingAppointments" in q for q in queries[1:])
    assert setup["demo"]["username"] == "maria.lopez"


async def test_unknown_files_and_production_get_nothing(
    dev: httpx.AsyncClient, fhir_base_url: str, redis_url: str
) -> None:
    assert (await dev.get("/devtools/..%2Fsettings.py")).status_code == 404
    assert (await dev.get("/devtools/package.json")).status_code == 404
    settings = gateway_settings("production", fhir_base_url, redis_url)
    async with running_gateway(settings) as base, httpx.AsyncClient(base_url=base, timeout=15) as prod:
        for path in ("/devtools/graphiql.js", "/devtools/setup.json", "/portal"):
            assert (await prod.get(path)).status_code == 404, path
