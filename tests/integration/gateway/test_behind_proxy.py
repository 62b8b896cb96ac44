"""Behind a TLS proxy: the client address comes from X-Forwarded-For only through trusted proxies.

The tests reach the gateway from 127.0.0.1, so "behind a proxy" means PORTAL_TRUSTED_PROXIES names loopback
and the request carries the X-Forwarded-For a proxy would add. The sign-in limit per address is 3 per minute
here; every attempt uses a username of its own, so no account lock gets in the way.
"""

from __future__ import annotations

import itertools
import json
import logging

import pytest

from auth import SecurityEvents
from tests.integration.gateway.conftest import StartPortal
from tests.integration.gateway.portal import SIGN_IN, Portal
from tests.support.settings import IP_HASH_KEY

pytestmark = pytest.mark.integration

_names = itertools.count()


async def _sign_in(portal: Portal, forwarded: str | None) -> str:
    """One wrong sign-in (a new username each time) sent with ``X-Forwarded-For``; the answer's type."""
    headers = {"content-type": "application/json"}
    if forwarded is not None:
        headers["x-forwarded-for"] = forwarded
    body = {"query": SIGN_IN, "variables": {"username": f"user.x{next(_names)}", "password": "wrong" * 3}}
    response = await portal.client.post("/graphql", content=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.text
    kind: str = response.json()["data"]["signIn"]["__typename"]
    return kind


async def _answers(portal: Portal, forwarded: list[str | None]) -> list[str]:
    return [await _sign_in(portal, value) for value in forwarded]


async def test_through_a_trusted_proxy_each_client_has_its_own_limit(
    start_portal: StartPortal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="auth.security")
    async with start_portal(trusted_proxies="127.0.0.1/32, 10.0.0.0/8", signin_per_ip_per_minute=3) as portal:
        distinct = await _answers(portal, [f"203.0.113.{i}" for i in range(1, 6)])
        assert distinct == ["InvalidCredentials"] * 5, "five clients behind one proxy are five addresses"
        same = await _answers(portal, ["198.51.100.7"] * 4)
        assert same == ["InvalidCredentials"] * 3 + ["RateLimited"]
        # What a client writes itself comes first; the proxy appends the address it saw. Only that one counts,
        # and a chain of trusted proxies (10.x) is walked back to the first untrusted hop.
        spoofed = await _answers(portal, [f"192.0.2.{i}, 198.51.100.8, 10.1.2.3" for i in range(1, 5)])
        assert spoofed == ["InvalidCredentials"] * 3 + ["RateLimited"]

    hashes = SecurityEvents(IP_HASH_KEY.encode())
    failures = [r for r in caplog.records if getattr(r, "event", "") == "signin.failure"]
    seen = {getattr(r, "ip_hash", None) for r in failures}
    assert hashes.ip_hash("203.0.113.1") in seen, "security events record the client, not the proxy"
    assert hashes.ip_hash("127.0.0.1") not in seen


async def test_ipv6_clients_share_a_limit_per_64_bit_prefix(start_portal: StartPortal) -> None:
    async with start_portal(trusted_proxies="127.0.0.1/32", signin_per_ip_per_minute=3) as portal:
        one_prefix = await _answers(portal, [f"2001:db8:1:2::{i:x}" for i in range(1, 5)])
        assert one_prefix == ["InvalidCredentials"] * 3 + ["RateLimited"]
        prefixes = await _answers(portal, [f"2001:db8:1:{i:x}::1" for i in range(10, 15)])
        assert prefixes == ["InvalidCredentials"] * 5


@pytest.mark.parametrize("trusted", [None, "192.0.2.0/24"], ids=["no proxy configured", "another proxy"])
async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(
    start_portal: StartPortal, trusted: str | None
) -> None:
    overrides = {} if trusted is None else {"trusted_proxies": trusted}
    async with start_portal(signin_per_ip_per_minute=3, **overrides) as portal:
        answers = await _answers(portal, [f"203.0.113.{i}" for i in range(1, 5)])
        assert answers == ["InvalidCredentials"] * 3 + ["RateLimited"], "all four come from 127.0.0.1"
