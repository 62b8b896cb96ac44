"""Proxy invitation round trip: invite by email, accept (idempotently), the grant works, revoke ends it."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, new_key

INVITE = """
mutation I($email: String!, $level: ProxyAccessLevel!, $key: String!) {
  inviteProxy(email: $email, accessLevel: $level, relationship: "FRND", idempotencyKey: $key) {
    __typename ... on ProxyInvited { proxyId expiresAt } ... on Problem { code message }
  }
}
"""
ACCEPT = """
mutation A($token: String!) {
  acceptProxyInvitation(token: $token) {
    __typename ... on ProxyInvitationAccepted { patientId accessLevel } ... on Problem { code }
  }
}
"""
REVOKE = "mutation R($id: ID!) { revokeProxy(proxyId: $id) { __typename } }"
PATIENTS = "{ viewer { patients { accessLevel patient { id } } } }"


async def test_invitation_round_trip(access: AccessPortal, smtp: SmtpSink, fhir_base_url: str) -> None:
    f = access.family
    email = f"{f.run}-invitee@example.test"
    inviter = await access.token("un")
    invited = (
        await access.gql(INVITE, {"email": email, "level": "SCHEDULING_MESSAGING", "key": new_key()}, inviter)
    ).data("inviteProxy")
    assert invited["__typename"] == "ProxyInvited", invited
    proxy_id = invited["proxyId"]
    match = re.search(r"invitation code: (\S+)", smtp.last_body(email))
    assert match is not None
    token = match.group(1)
    # Redis holds only the hash of the code.
    async for key in access.portal.redis.scan_iter(match=access.portal.settings.auth_key_prefix + "*"):
        assert token.encode() not in key

    async with httpx.AsyncClient(base_url=fhir_base_url, timeout=20) as fhir:
        consents = (await fhir.get("Consent", params={"actor": f"RelatedPerson/{proxy_id}"})).json()
        assert [e["resource"]["status"] for e in consents["entry"]] == ["proposed"]

        # The inviter cannot accept their own invitation; nothing counts until the invitee accepts.
        own = (await access.gql(ACCEPT, {"token": token}, inviter)).data("acceptProxyInvitation")
        assert own == {"__typename": "NotPermitted", "code": "NOT_PERMITTED"}
        invitee = await access.token("ro")
        rows = (await access.gql(PATIENTS, token=invitee)).data("viewer")["patients"]
        assert f.patient("un") not in {r["patient"]["id"] for r in rows}

        accepted = {
            "__typename": "ProxyInvitationAccepted",
            "patientId": f.patient("un"),
            "accessLevel": "SCHEDULING_MESSAGING",
        }
        assert (await access.gql(ACCEPT, {"token": token}, invitee)).data("acceptProxyInvitation") == accepted
        # A retry answers the same and writes nothing more; someone else with the code gets INVALID_TOKEN.
        person_before = (await fhir.get(f"Person/{f.person('ro')}")).json()["meta"]["versionId"]
        assert (await access.gql(ACCEPT, {"token": token}, invitee)).data("acceptProxyInvitation") == accepted
        assert (await fhir.get(f"Person/{f.person('ro')}")).json()["meta"]["versionId"] == person_before
        other = (await access.gql(ACCEPT, {"token": token}, await access.token("sm"))).data(
            "acceptProxyInvitation"
        )
        assert other == {"__typename": "InvalidToken", "code": "INVALID_TOKEN"}

        consents = (await fhir.get("Consent", params={"actor": f"RelatedPerson/{proxy_id}"})).json()
        assert [e["resource"]["status"] for e in consents["entry"]] == ["active"]
        links = (await fhir.get(f"Person/{f.person('ro')}")).json()["link"]
        assert {"reference": f"RelatedPerson/{proxy_id}"} in [link["target"] for link in links]

    rows = (await access.gql(PATIENTS, token=invitee)).data("viewer")["patients"]
    assert {"accessLevel": "SCHEDULING_MESSAGING", "patient": {"id": f.patient("un")}} in rows

    assert (await access.gql(REVOKE, {"id": proxy_id}, inviter)).data("revokeProxy") == {
        "__typename": "ProxyRevoked"
    }
    rows = (await access.gql(PATIENTS, token=invitee)).data("viewer")["patients"]
    assert f.patient("un") not in {r["patient"]["id"] for r in rows}
    # The used code does not bring the grant back.
    again = (await access.gql(ACCEPT, {"token": token}, invitee)).data("acceptProxyInvitation")
    assert again == {"__typename": "InvalidToken", "code": "INVALID_TOKEN"}


async def test_invitations_need_manage_proxies_and_valid_input(access: AccessPortal) -> None:
    f = access.family
    bad = await access.gql(
        INVITE, {"email": "not-an-email", "level": "READ_ONLY", "key": new_key()}, await access.token("pat")
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    assert (
        await access.gql(
            INVITE, {"email": "a@b.test", "level": "SELF", "key": new_key()}, await access.token("pat")
        )
    ).codes == ["BAD_USER_INPUT"]
    garbage = await access.gql(ACCEPT, {"token": "nonsense"}, await access.token("pat"))
    assert garbage.data("acceptProxyInvitation") == {"__typename": "InvalidToken", "code": "INVALID_TOKEN"}
    # A minor cannot invite online (pediatric grants are made by the office).
    teen = await access.portal.account("teen", patient_id=f.patient("teen"))
    issued = await access.portal.auth.sessions.create(teen.id)
    minor = await access.gql(
        INVITE, {"email": "a@b.test", "level": "READ_ONLY", "key": new_key()}, issued.token
    )
    assert minor.data("inviteProxy")["__typename"] == "NotPermitted"


async def test_a_code_belongs_to_the_first_account_that_claims_it(access: AccessPortal) -> None:
    invites = access.portal.access.invitations
    issued = await invites.issue({"patient_id": "p"})
    first, second = await asyncio.gather(
        invites.claim(issued.token, "acc_a"), invites.claim(issued.token, "acc_b")
    )
    assert (first is None) != (second is None)
    owner = "acc_a" if first is not None else "acc_b"
    other = "acc_b" if owner == "acc_a" else "acc_a"
    assert await invites.claim(issued.token, owner) is not None  # retries by the owner
    assert await invites.claim(issued.token, other) is None
    assert await invites.claim("not-a-code", owner) is None
    access.portal.clock.advance(days=8)
    assert await invites.claim(issued.token, owner) is None  # expired
