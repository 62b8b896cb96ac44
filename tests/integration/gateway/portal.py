"""A GraphQL-over-HTTP client for the gateway tests, and the operations they send."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis

from access import Access
from auth import Account, AccountStatus, Auth, ManualClock, cookie_name
from auth.inputs import fold
from auth.passwords import PasswordHasher
from gateway import Settings
from tests.support.servers import GatewayProcess, gateway_process

ADMIN_KEY = "staff-key-for-tests-only-0123456789"
ADMIN_KEY_SHA256 = hashlib.sha256(ADMIN_KEY.encode()).hexdigest()
PASSWORD = "violet-harbor-lantern-42"
ANSWER = "Blue Heron"
CHEAP = PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)

SIGN_IN = """
mutation SignIn($username: String!, $password: String!, $practiceCode: String, $bearer: Boolean! = false) {
  signIn(username: $username, password: $password, practiceCode: $practiceCode, bearer: $bearer) {
    __typename
    ... on Problem { code message }
    ... on SignedIn { expiresAt token }
    ... on TwoFactorRequired { challengeToken }
    ... on TwoFactorSetupRequired { expiresAt token }
    ... on PasswordChangeRequired { enrollmentToken }
    ... on Locked { until }
  }
}
"""
VIEWER = "{ viewer { account { id username twoFactorEnabled patientId } session { expiresAt "
VIEWER += "absoluteExpiresAt idleTimeoutSeconds level } } }"


async def fixture_patient(fhir_base_url: str, patient_id: str = "pat-priya-patel") -> tuple[str, str]:
    """A fixture Patient's email and birth date, read from HAPI (for username recovery)."""
    async with httpx.AsyncClient(timeout=15) as fhir:
        patient = (await fhir.get(f"{fhir_base_url}/Patient/{patient_id}")).json()
    email = next(t["value"] for t in patient["telecom"] if t["system"] == "email")
    return email, patient["birthDate"]


@dataclass
class Reply:
    """One GraphQL response."""

    response: httpx.Response

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.response.json()
        return body

    def data(self, field: str) -> Any:
        """``data[field]``, asserting there were no errors."""
        assert "errors" not in self.body, self.body
        return self.body["data"][field]

    @property
    def codes(self) -> list[str]:
        return [error["extensions"]["code"] for error in self.body.get("errors", [])]

    @property
    def set_cookies(self) -> list[str]:
        return self.response.headers.get_list("set-cookie")


@dataclass
class Portal:
    """The gateway under test, plus a side door to its Redis state (same key prefix, same clock)."""

    client: httpx.AsyncClient
    settings: Settings
    auth: Auth
    access: Access
    redis: Redis
    clock: ManualClock

    @property
    def cookie(self) -> str:
        return cookie_name(secure=self.settings.cookie_secure)

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        bearer: str | None = None,
        background: bool = False,
        admin_key: str | None = None,
    ) -> Reply:
        """POST one operation; ``token`` goes in the session cookie, ``bearer`` in ``Authorization``."""
        headers: dict[str, str] = {}
        if token is not None:
            headers["cookie"] = f"{self.cookie}={token}"
        if bearer is not None:
            headers["authorization"] = f"Bearer {bearer}"
        if background:
            headers["x-background-request"] = "1"
        if admin_key is not None:
            headers["x-admin-key"] = admin_key
        # Raw bytes, so a test can send what no well-behaved client would (non-ASCII tokens).
        raw = {name: value.encode() for name, value in headers.items()}
        # ASCII-escaped JSON, so a lone surrogate (what a lenient decoder makes of non-UTF-8) can be sent.
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        raw["content-type"] = b"application/json"
        response = await self.client.post("/graphql", content=body, headers=raw)
        assert response.status_code == 200, response.text
        return Reply(response)

    def cookie_token(self, reply: Reply) -> str:
        """The session token the response set as the cookie."""
        for header in reply.set_cookies:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if name == self.cookie and value:
                return value
        raise AssertionError(f"no session cookie in {reply.set_cookies}")

    async def sign_in(self, username: str, password: str = PASSWORD, **extra: Any) -> Reply:
        return await self.gql(SIGN_IN, {"username": username, "password": password, **extra})

    async def signed_in(self, username: str, password: str = PASSWORD) -> str:
        """Sign in and return the cookie's session token."""
        reply = await self.sign_in(username, password)
        assert reply.data("signIn")["__typename"] == "SignedIn", reply.body
        return self.cookie_token(reply)

    async def account(
        self,
        key: str,
        *,
        patient_id: str | None = None,
        email: str | None = None,
        password: str = PASSWORD,
        person_id: str | None = None,
    ) -> Account:
        """An ACTIVE account ``user.<key>`` created straight in the store (for flows after enrollment)."""
        account = Account(
            id=f"acc_{key}",
            username=f"user.{key}",
            patient_id=patient_id or f"pat-test-{key}",
            person_id=person_id,
            email=email or f"{key}@example.test",
            password_hash=CHEAP.hash_sync(password),
            status=AccountStatus.ACTIVE,
            created_at=self.clock.now(),
            security_question="Favourite bird?",
            security_answer_hash=CHEAP.hash_sync(fold(ANSWER)),
        )
        return await self.auth.accounts.create(account)

    async def keys(self, *, counters: bool = True) -> dict[bytes, bytes | None]:
        """Every Redis key of this gateway with a digest of its value (to prove nothing changed).

        Args:
            counters: Include the rate-limit counters (every well-formed attempt counts, by design).
        """
        found: dict[bytes, bytes | None] = {}
        rate = (self.settings.auth_key_prefix + "rate:").encode()
        async for key in self.redis.scan_iter(match=self.settings.auth_key_prefix + "*", count=500):
            if not counters and key.startswith(rate):
                continue
            dumped = await self.redis.dump(key)
            found[key] = hashlib.sha256(dumped).digest() if dumped else None
        return found


@asynccontextmanager
async def second_process(
    portal: Portal, smtp_port: int, *, workers: int = 1, **update: Any
) -> AsyncIterator[tuple[Portal, GatewayProcess]]:
    """``portal``'s settings (with ``update``, mail to the sink on ``smtp_port``) served by another gateway
    process (``workers`` of them under one supervisor): its own pools and caches, the same Redis and HAPI.
    The Portal and the process. It runs on the real clock, whatever ``portal.clock`` says."""
    settings = portal.settings.model_copy(
        update={"mail_smtp_port": smtp_port, "mail_smtp_security": "none", **update}
    )
    async with (
        gateway_process(settings, workers=workers) as process,
        httpx.AsyncClient(base_url=process.url, timeout=60) as client,
    ):
        yield Portal(client, settings, portal.auth, portal.access, portal.redis, portal.clock), process
