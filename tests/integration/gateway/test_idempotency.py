"""Idempotency keys against the real gateway, HAPI and Redis.

One write per key: in sequence, at the same moment through two gateway processes, and after a first attempt
that failed upstream, before or after HAPI wrote.

The mutation used is ``inviteProxy`` (a RelatedPerson and a Consent in one transaction); every feature's
mutation goes through the same ``resolvers.idempotency.idempotent``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from resolvers.idempotency import IdempotencyStore
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.portal import Reply, second_process

INVITE = """
mutation I($email: String!, $level: ProxyAccessLevel!, $key: String!) {
  inviteProxy(email: $email, accessLevel: $level, idempotencyKey: $key) {
    __typename ... on ProxyInvited { proxyId expiresAt } ... on Problem { code message }
  }
}
"""


async def _proxies(fhir_base_url: str, patient_id: str) -> list[dict[str, Any]]:
    """The RelatedPersons and Consents on the patient's record, as HAPI has them."""
    async with httpx.AsyncClient(base_url=fhir_base_url, timeout=20) as fhir:
        found = []
        for kind in ("RelatedPerson", "Consent"):
            bundle = (await fhir.get(kind, params={"patient": f"Patient/{patient_id}", "_count": 50})).json()
            found += [entry["resource"] for entry in bundle.get("entry", [])]
        return found


def _invited(reply: Reply) -> dict[str, Any]:
    body = reply.body
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["inviteProxy"]
    return result


async def test_the_same_key_twice_in_sequence_writes_once(access: AccessPortal, fhir_base_url: str) -> None:
    patient = access.family.patient("un")
    before = len(await _proxies(fhir_base_url, patient))
    token, key = await access.token("un"), new_key()
    variables = {"email": "friend@example.test", "level": "READ_ONLY", "key": key}
    first = _invited(await access.gql(INVITE, variables, token))
    assert first["__typename"] == "ProxyInvited"
    access.recorder.clear()
    again = _invited(await access.gql(INVITE, variables, token))
    assert again == first
    assert not [r for r in access.recorder.requests if r.method != "GET"]  # nothing written the second time
    assert len(await _proxies(fhir_base_url, patient)) == before + 2  # one RelatedPerson, one Consent


async def test_the_same_key_with_other_arguments_is_refused_and_writes_nothing(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = access.family.patient("un")
    token, key = await access.token("un"), new_key()
    first = {"email": "friend@example.test", "level": "READ_ONLY", "key": key}
    assert _invited(await access.gql(INVITE, first, token))["__typename"] == "ProxyInvited"
    written = len(await _proxies(fhir_base_url, patient))
    access.recorder.clear()
    other = _invited(await access.gql(INVITE, first | {"level": "SCHEDULING_MESSAGING"}, token))
    assert other["__typename"] == "IdempotencyKeyReused" and other["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert access.recorder.requests == []
    assert len(await _proxies(fhir_base_url, patient)) == written
    # Keys are per account: another account may use the same key for its own request.
    elsewhere = _invited(await access.gql(INVITE, first, await access.token("pat")))
    assert elsewhere["__typename"] == "ProxyInvited" and elsewhere["proxyId"] != other.get("proxyId")


async def test_the_same_key_at_the_same_moment_through_two_gateway_processes_writes_once(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink
) -> None:
    patient = access.family.patient("un")
    before = len(await _proxies(fhir_base_url, patient))
    token, key = await access.token("un"), new_key()
    variables = {"email": "friend@example.test", "level": "READ_ONLY", "key": key}
    async with second_process(access.portal, smtp.port) as (second, _):
        replies = await asyncio.gather(
            *(gateway.gql(INVITE, variables, token=token) for gateway in (access.portal, second) * 4)
        )
    answers = [_invited(reply) for reply in replies]
    assert {a["__typename"] for a in answers} == {"ProxyInvited"}
    assert len({a["proxyId"] for a in answers}) == 1
    assert len(await _proxies(fhir_base_url, patient)) == before + 2


async def test_a_key_whose_first_attempt_failed_before_hapi_wrote_can_be_retried(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = access.family.patient("un")
    before = len(await _proxies(fhir_base_url, patient))
    token, key = await access.token("un"), new_key()
    variables = {"email": "friend@example.test", "level": "READ_ONLY", "key": key}
    access.recorder.refuse_next("POST")  # the transaction never reaches HAPI
    failed = await access.gql(INVITE, variables, token)
    assert failed.codes == ["UPSTREAM_ERROR"], failed.body
    assert len(await _proxies(fhir_base_url, patient)) == before
    # The failed attempt binds the key to its request: other arguments are refused, the same go through.
    other = _invited(await access.gql(INVITE, variables | {"level": "SCHEDULING_MESSAGING"}, token))
    assert other["__typename"] == "IdempotencyKeyReused"
    retried = _invited(await access.gql(INVITE, variables, token))
    assert retried["__typename"] == "ProxyInvited"
    assert len(await _proxies(fhir_base_url, patient)) == before + 2


async def test_a_key_whose_first_attempt_lost_hapis_answer_finds_what_it_wrote(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = access.family.patient("un")
    before = len(await _proxies(fhir_base_url, patient))
    token, key = await access.token("un"), new_key()
    variables = {"email": "friend@example.test", "level": "READ_ONLY", "key": key}
    access.recorder.lose_next_answer("POST")  # HAPI writes both, the gateway hears a 502
    failed = await access.gql(INVITE, variables, token)
    assert failed.codes == ["UPSTREAM_ERROR"], failed.body
    written = await _proxies(fhir_base_url, patient)
    assert len(written) == before + 2  # the first attempt did write
    retried = _invited(await access.gql(INVITE, variables, token))
    assert retried["__typename"] == "ProxyInvited"
    after = await _proxies(fhir_base_url, patient)
    assert len(after) == before + 2  # and the retry found it instead of writing again
    assert retried["proxyId"] in {r["id"] for r in after if r["resourceType"] == "RelatedPerson"}


@pytest.mark.parametrize("key", ["short", "x" * 65, "spaces are out", "ümlaut-key", ""])
async def test_malformed_keys_are_bad_input_and_claim_nothing(access: AccessPortal, key: str) -> None:
    token = await access.token("un")
    before = await access.portal.keys(counters=False)
    access.recorder.clear()
    reply = await access.gql(
        INVITE, {"email": "friend@example.test", "level": "READ_ONLY", "key": key}, token
    )
    assert reply.codes == ["BAD_USER_INPUT"]
    assert access.recorder.requests == []
    assert await access.portal.keys(counters=False) == before


async def test_a_duplicate_waits_for_the_first_then_conflicts_and_a_dead_claim_expires(
    access: AccessPortal,
) -> None:
    # The store itself, on the real Redis: a claim held by a request that never finishes (a dead process).
    store = IdempotencyStore(
        access.portal.redis,
        access.portal.settings.auth_key_prefix,
        lease=timedelta(milliseconds=400),
        wait=timedelta(milliseconds=100),
    )
    key = store.key("acc_x", new_key())
    assert await store.claim(key, "first", "fp") is False
    held = await store.claim(key, "second", "fp")
    assert held is not None and held.state == "pending"
    assert await store.finish(key, "second", "T", "{}") is False  # only the owner may finish
    await asyncio.sleep(0.6)
    assert await store.claim(key, "second", "fp") is False  # the dead claim's lease ran out
    assert await store.finish(key, "second", "T", '{"a":1}')
    done = await store.claim(key, "third", "fp")
    assert done is not None and (done.state, done.value) == ("done", '{"a":1}')
    await store.release(key, "third", wrote=False)  # not the owner: the result stays
    assert (await store.claim(key, "fourth", "fp")) == done


async def test_a_failed_attempt_that_may_have_written_binds_the_key_to_its_request(
    access: AccessPortal,
) -> None:
    store = IdempotencyStore(access.portal.redis, access.portal.settings.auth_key_prefix)
    key = store.key("acc_y", new_key())
    assert await store.claim(key, "first", "fp") is False
    await store.release(key, "first", wrote=True)  # the EHR did not answer: a write may have happened
    other = await store.claim(key, "second", "other-fp")
    assert other is not None and not isinstance(other, bool) and other.state == "failed"
    assert await store.claim(key, "third", "fp") is True  # the same request takes over, told it is a retry
    await store.release(key, "third", wrote=False)  # an input error: nothing was written, the key is free
    assert await store.claim(key, "fourth", "other-fp") is False
