"""Access scope end to end: viewer.patients, patient(id) for proxies, the 18th-birthday rule, revocation."""

from __future__ import annotations

import hashlib

from tests.integration.gateway.access_support import AccessPortal

PATIENTS = "{ viewer { patients { accessLevel relationship capabilities patient { id birthDate } } } }"
PATIENT = "query P($id: ID!) { patient(id: $id) { id } }"
REVOKE = (
    """mutation R($id: ID!) { revokeProxy(proxyId: $id) { __typename ... on ProxyRevoked { proxyId } } }"""
)


async def test_viewer_patients_lists_self_then_current_grants(access: AccessPortal) -> None:
    f = access.family
    rows = (await access.gql(PATIENTS, token=await access.token("pat"))).data("viewer")["patients"]
    levels = {row["patient"]["id"]: (row["accessLevel"], row["relationship"]) for row in rows}
    assert rows[0]["patient"]["id"] == f.patient("pat") and rows[0]["accessLevel"] == "SELF"
    assert set(rows[0]["capabilities"]) >= {"READ", "MANAGE_PROXIES", "PAY", "REFILL"}
    # The teen and the renewed adult child count; the child who turned 18 on an old grant does not.
    assert levels == {
        f.patient("pat"): ("SELF", None),
        f.patient("teen"): ("SCHEDULING_MESSAGING", "MTH"),
        f.patient("renewed"): ("READ_ONLY", "MTH"),
    }


async def test_proxy_levels_and_capabilities(access: AccessPortal) -> None:
    f = access.family
    for key, level, caps in (
        ("ro", "READ_ONLY", ["READ"]),
        # REFILL by the practice's rule (PORTAL_REFILL_LEVELS, default SELF and SCHEDULING_MESSAGING).
        ("sm", "SCHEDULING_MESSAGING", ["MESSAGE", "READ", "REFILL", "SCHEDULE"]),
    ):
        rows = (await access.gql(PATIENTS, token=await access.token(key))).data("viewer")["patients"]
        assert [(r["patient"]["id"], r["accessLevel"]) for r in rows] == [
            (f.patient(key), "SELF"),
            (f.patient("pat"), level),
        ]
        assert sorted(rows[1]["capabilities"]) == caps


async def test_scope_costs_two_upstream_requests_and_is_cached(access: AccessPortal) -> None:
    token = await access.token("sm")
    access.recorder.clear()
    await access.gql(PATIENTS, token=token)
    scope_calls = [r.url for r in access.recorder.requests if "/Person" in r.url or "/Consent" in r.url]
    assert len(scope_calls) == 2, scope_calls
    # Patients of the whole scope in one request.
    assert len(access.recorder.requests) == 3, [r.url for r in access.recorder.requests]
    access.recorder.clear()
    await access.gql(PATIENTS, token=token)
    assert [r.url for r in access.recorder.requests if "/Person" in r.url or "/Consent" in r.url] == []
    # Cached per session for at most 60 s.
    session_id = hashlib.sha256(token.encode()).hexdigest()
    ttl = await access.portal.redis.ttl(f"{access.portal.settings.auth_key_prefix}scope:{session_id}")
    assert 0 < ttl <= 60


async def test_revoked_and_unrelated_viewers_get_null_without_an_upstream_call(access: AccessPortal) -> None:
    f = access.family
    for key in ("rv", "un"):
        token = await access.token(key)
        await access.gql(PATIENTS, token=token)  # warm the scope
        access.recorder.clear()
        reply = await access.gql(PATIENT, {"id": f.patient("pat")}, token=token)
        assert reply.body == {"data": {"patient": None}}
        assert access.recorder.requests == []


async def test_revocation_applies_on_the_very_next_request(access: AccessPortal) -> None:
    f = access.family
    proxy = await access.token("sm")
    assert (await access.gql(PATIENT, {"id": f.patient("pat")}, token=proxy)).data("patient") is not None
    patient = await access.token("pat")
    reply = await access.gql(REVOKE, {"id": f.rp("sm", "pat")}, token=patient)
    assert reply.data("revokeProxy") == {"__typename": "ProxyRevoked", "proxyId": f.rp("sm", "pat")}
    assert (await access.gql(PATIENT, {"id": f.patient("pat")}, token=proxy)).body == {
        "data": {"patient": None}
    }
    rows = (await access.gql(PATIENTS, token=proxy)).data("viewer")["patients"]
    assert [r["accessLevel"] for r in rows] == ["SELF"]


async def test_a_proxy_cannot_revoke_and_nobody_revokes_anothers_grant(access: AccessPortal) -> None:
    f = access.family
    for key in ("ro", "un"):
        reply = await access.gql(REVOKE, {"id": f.rp("ro", "pat")}, token=await access.token(key))
        assert reply.codes == ["NOT_FOUND"]
