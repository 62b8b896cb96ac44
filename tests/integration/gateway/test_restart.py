"""A Redis restart with AOF persistence, under a running gateway: what the gateway keeps in Redis survives.

Accounts and sessions, idempotency records and the queued audit notes (pending payments, when billing keeps
them, live in the same Redis the same way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx

from fhir_client import FhirClient
from gateway.audit import AuditWriter
from resolvers.audit import AuditQueue
from tests.integration.gateway.family import Family
from tests.integration.gateway.portal import Portal
from tests.support.servers import RedisServer

StartPortal = Callable[..., AbstractAsyncContextManager[Portal]]
INVITE = (
    'mutation($key: String!) { inviteProxy(email: "restart@example.test", accessLevel: READ_ONLY, '
    "idempotencyKey: $key) { __typename ... on ProxyInvited { proxyId } } }"
)


async def test_sessions_idempotency_and_audit_notes_survive_a_redis_restart(
    start_portal: StartPortal, aof_redis: RedisServer, family: Family, fhir_base_url: str
) -> None:
    async with start_portal(redis=aof_redis.url) as portal:
        account = await portal.account(
            "pat", patient_id=family.patient("pat"), person_id=family.person("pat")
        )
        token = await portal.signed_in("user.pat")
        first = await portal.gql(INVITE, {"key": "restart-key-1"}, token=token)
        proxy = first.data("inviteProxy")["proxyId"]
        stream = portal.settings.auth_key_prefix + "audit"
        queued = await portal.redis.xlen(stream)
        assert queued >= 2

        await aof_redis.stop()  # SIGTERM: Redis writes its AOF and exits, as a service manager stops it
        assert await asyncio.to_thread(lambda: any(Path(aof_redis.folder).rglob("*.aof")))
        down = await portal.client.post(
            "/graphql",
            json={"query": "{ viewer { account { id } } }"},
            headers={"cookie": f"{portal.cookie}={token}"},
        )
        assert down.status_code == 503  # no Redis: nobody is signed in (fail closed)
        await aof_redis.start()

        again = await portal.gql("{ viewer { account { id } } }", token=token)
        assert again.data("viewer")["account"]["id"] == account.id  # the session survived
        replay = await portal.gql(INVITE, {"key": "restart-key-1"}, token=token)
        assert replay.data("inviteProxy")["proxyId"] == proxy  # the idempotency record survived
        assert await portal.redis.xlen(stream) >= queued  # the queued audit notes too
        async with httpx.AsyncClient(timeout=30) as http:
            writer = AuditWriter(
                FhirClient(http, fhir_base_url), AuditQueue(portal.redis, portal.settings.auth_key_prefix)
            )
            assert await writer.run_once() >= queued
