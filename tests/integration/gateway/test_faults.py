"""The gateway when the EHR hangs or is gone, and when the audit queue is full.

Coded errors with partial data and paths, a breaker that stops the waiting and lets the EHR back in, and
PHI withheld while its access cannot be queued for audit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from tests.integration.gateway.family import Family
from tests.integration.gateway.portal import Portal
from tests.support.servers import TcpRelay

StartPortal = Callable[..., AbstractAsyncContextManager[Portal]]
DASHBOARD = """
query($id: ID!) {
  viewer { account { id } }
  patient(id: $id) { id appointments { nodes { id } } results { nodes { id } } }
}
"""


async def test_an_ehr_that_hangs_gives_partial_data_then_the_breaker_stops_the_waiting(
    start_portal: StartPortal, fhir_relay: TcpRelay, fhir_base_url: str, family: Family
) -> None:
    base = fhir_relay.relayed(fhir_base_url)
    async with start_portal(
        fhir_base=base,
        fhir_read_timeout=0.5,
        fhir_deadline=1.0,
        fhir_breaker_failures=2,
        fhir_breaker_reset_seconds=1.0,
    ) as portal:
        account = await portal.account(
            "pat", patient_id=family.patient("pat"), person_id=family.person("pat")
        )
        token = (await portal.auth.sessions.create(account.id)).token
        variables = {"id": family.patient("pat")}
        assert "errors" not in (await portal.gql(DASHBOARD, variables, token=token)).body  # scope cached now

        await fhir_relay.stop()  # drops the pool's open connections; new ones are accepted and never answered
        fhir_relay.hold()
        await fhir_relay.start()
        hung = await portal.gql(DASHBOARD, variables, token=token)
        body = hung.body
        assert body["data"]["viewer"]["account"]["id"] == account.id  # what needs no EHR still answers
        assert body["data"]["patient"] is None
        assert {e["extensions"]["code"] for e in body["errors"]} == {"UPSTREAM_UNAVAILABLE"}
        assert all(e["path"][0] == "patient" for e in body["errors"])
        # The breaker is open now: the next requests fail at once, without a connection to the EHR.
        seen = fhir_relay.connections
        for _ in range(3):
            again = await portal.gql(DASHBOARD, variables, token=token)
            assert again.codes == ["UPSTREAM_UNAVAILABLE"]
        assert fhir_relay.connections == seen

        # The EHR is back; after reset_after one probe goes through and closes the breaker.
        fhir_relay.hold(False)
        await asyncio.sleep(1.1)
        for _ in range(20):
            recovered = await portal.gql(DASHBOARD, variables, token=token)
            if "errors" not in recovered.body:
                break
            await asyncio.sleep(0.2)
        assert "errors" not in recovered.body, recovered.body
        assert recovered.body["data"]["patient"]["id"] == family.patient("pat")


async def test_an_ehr_that_is_gone_is_upstream_unavailable_and_readiness_says_so(
    start_portal: StartPortal, fhir_relay: TcpRelay, fhir_base_url: str, family: Family
) -> None:
    base = fhir_relay.relayed(fhir_base_url)
    async with start_portal(fhir_base=base) as portal:
        account = await portal.account(
            "pat", patient_id=family.patient("pat"), person_id=family.person("pat")
        )
        token = (await portal.auth.sessions.create(account.id)).token
        assert "errors" not in (await portal.gql(DASHBOARD, {"id": family.patient("pat")}, token=token)).body
        await fhir_relay.stop()
        gone = await portal.gql(DASHBOARD, {"id": family.patient("pat")}, token=token)
        assert gone.body["data"]["viewer"] is not None and gone.codes == ["UPSTREAM_UNAVAILABLE"]
        ready = await portal.client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["fhir"] == "unavailable"


async def test_readiness_reports_the_audit_backlog(start_portal: StartPortal) -> None:
    async with start_portal(audit_queue_limit=10) as portal:
        ready = (await portal.client.get("/readyz")).json()
        assert ready["audit"]["limit"] == 10 and ready["checks"]["audit"] == "ok"
        stream = portal.settings.auth_key_prefix + "audit"
        for n in range(10):
            await portal.redis.xadd(stream, {"n": f"{n}"})
        full = await portal.client.get("/readyz")
        assert full.status_code == 503
        assert full.json()["checks"]["audit"] == "backlogged" and full.json()["audit"]["queued"] == 10


async def test_a_full_audit_queue_refuses_phi_access(start_portal: StartPortal, family: Family) -> None:
    async with start_portal(audit_queue_limit=10) as portal:
        account = await portal.account(
            "pat", patient_id=family.patient("pat"), person_id=family.person("pat")
        )
        token = (await portal.auth.sessions.create(account.id)).token
        stream = portal.settings.auth_key_prefix + "audit"
        for n in range(10):
            await portal.redis.xadd(stream, {"n": f"{n}"})
        refused = await portal.gql(DASHBOARD, {"id": family.patient("pat")}, token=token)
        assert refused.body["data"]["patient"] is None and refused.codes == ["UPSTREAM_UNAVAILABLE"]
        # What is not PHI is still served.
        assert refused.body["data"]["viewer"]["account"]["id"] == account.id


async def test_it_is_all_plain_http(fhir_relay: TcpRelay, fhir_base_url: str) -> None:
    # The relay used above really forwards (a guard against a test that passes because nothing connects).
    async with httpx.AsyncClient(timeout=5) as client:
        reply = await client.get(f"{fhir_relay.relayed(fhir_base_url)}/metadata", params={"_summary": "true"})
    assert reply.status_code == 200 and fhir_relay.connections >= 1


async def test_thirty_seconds_without_the_ehr_lose_no_audit_note_and_never_hold_a_patient_up(
    start_portal: StartPortal, fhir_relay: TcpRelay, fhir_base_url: str, family: Family
) -> None:
    base = fhir_relay.relayed(fhir_base_url)
    patient = family.patient("pat")
    async with (
        start_portal(
            fhir_base=base,
            fhir_read_timeout=0.5,
            fhir_deadline=1.0,
            fhir_breaker_failures=2,
            fhir_breaker_reset_seconds=1.0,
            audit_interval_seconds=5.0,  # the writer's next rounds fall in the outage
        ) as portal,
        httpx.AsyncClient(timeout=20) as ehr,
    ):
        account = await portal.account("pat", patient_id=patient, person_id=family.person("pat"))
        token = (await portal.auth.sessions.create(account.id)).token

        async def audited() -> int:
            found = await ehr.get(
                f"{fhir_base_url}/AuditEvent", params={"patient": f"Patient/{patient}", "_summary": "count"}
            )
            total: int = found.json()["total"]
            return total

        before = await audited()
        served = await portal.gql(DASHBOARD, {"id": patient}, token=token)  # its notes wait in the queue
        assert "errors" not in served.body, served.body
        await fhir_relay.stop()
        fhir_relay.hold()  # the EHR hangs: without the breaker every request would wait its deadline
        await fhir_relay.start()
        loop = asyncio.get_running_loop()
        waited: list[float] = []
        outage_ends = loop.time() + 30
        while loop.time() < outage_ends:
            started = loop.time()
            reply = await portal.gql(DASHBOARD, {"id": patient}, token=token)
            waited.append(loop.time() - started)
            assert reply.codes == ["UPSTREAM_UNAVAILABLE"], reply.body
            assert reply.body["data"]["viewer"]["account"]["id"] == account.id  # the session still works
            await asyncio.sleep(0.5)
        # Never longer than the deadline (plus the machine's slack). Between the breaker's probes (one a
        # second, each waiting its read timeout) requests fail at once, without a connection to the EHR.
        assert max(waited) < 1.0 + 1.5, waited
        assert sum(1 for seconds in waited if seconds < 0.25) >= len(waited) // 3, waited
        assert (await audited()) == before  # nothing could be written meanwhile
        fhir_relay.hold(False)
        deadline = loop.time() + 20
        while await audited() == before and loop.time() < deadline:
            await portal.gql(DASHBOARD, {"id": patient}, token=token)  # a request closes the breaker again
            await asyncio.sleep(1.0)
        assert await audited() > before  # the notes of the request before the outage arrived afterwards
