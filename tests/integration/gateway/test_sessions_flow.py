"""Sessions through GraphQL over HTTP: cookie and bearer, idle and absolute expiry, background requests,
extendSession, sign-out, sign-out everywhere, forged and replayed tokens."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from tests.integration.gateway.conftest import StartPortal
from tests.integration.gateway.portal import PASSWORD, VIEWER, Portal
from tests.support.logs import logged_text

SIGN_OUT = "mutation { signOut { sessionsEnded } }"
SIGN_OUT_EVERYWHERE = "mutation { signOutEverywhere { sessionsEnded } }"
EXTEND = "mutation { extendSession { expiresAt idleTimeoutSeconds } }"


async def test_viewer_needs_a_session(portal: Portal) -> None:
    reply = await portal.gql(VIEWER)
    assert reply.codes == ["UNAUTHENTICATED"]
    assert reply.body["data"] is None


async def test_viewer_shows_account_and_session_expiry(portal: Portal) -> None:
    account = await portal.account("ana")
    token = await portal.signed_in("user.ana")
    viewer = (await portal.gql(VIEWER, token=token)).data("viewer")
    assert viewer["account"] == {
        "id": account.id,
        "username": "user.ana",
        "twoFactorEnabled": False,
        "patientId": account.patient_id,
    }
    session = viewer["session"]
    assert session["idleTimeoutSeconds"] == 15 * 60
    assert session["level"] == "FULL"
    expires = datetime.fromisoformat(session["expiresAt"])
    assert (expires - portal.clock.now()).total_seconds() == 15 * 60
    absolute = datetime.fromisoformat(session["absoluteExpiresAt"])
    assert (absolute - portal.clock.now()).total_seconds() == 12 * 3600


async def test_cookie_flags_outside_development(portal: Portal) -> None:
    await portal.account("ana")
    reply = await portal.sign_in("user.ana")
    assert reply.data("signIn")["token"] is None, "browsers get the token only in the cookie"
    [cookie] = reply.set_cookies
    assert cookie.startswith("__Host-portal_session=")
    flags = {part.strip() for part in cookie.split(";")[1:]}
    assert flags == {"Path=/", "HttpOnly", "SameSite=Strict", "Secure"}


async def test_cookie_in_development_has_the_plain_name(start_portal: StartPortal) -> None:
    async with start_portal("development") as portal:
        await portal.account("ana")
        reply = await portal.sign_in("user.ana")
        [cookie] = reply.set_cookies
        assert cookie.startswith("portal_session=")
        assert "Secure" not in cookie
        assert {"HttpOnly", "SameSite=Strict"} <= {part.strip() for part in cookie.split(";")}
        token = portal.cookie_token(reply)
        assert (await portal.gql(VIEWER, token=token)).data("viewer")["account"]["username"] == "user.ana"


async def test_bearer_clients_get_the_token_in_the_body_and_no_cookie(portal: Portal) -> None:
    await portal.account("ana")
    reply = await portal.sign_in("user.ana", bearer=True)
    token = reply.data("signIn")["token"]
    assert token and not reply.set_cookies
    viewer = (await portal.gql(VIEWER, bearer=token)).data("viewer")
    assert viewer["account"]["username"] == "user.ana"


async def test_idle_timeout_slides_and_then_expires(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    for _ in range(3):  # 14 minutes between requests, three times: sliding, never idle for 15
        portal.clock.advance(minutes=14)
        assert (await portal.gql(VIEWER, token=token)).codes == []
    portal.clock.advance(minutes=15)
    expired = await portal.gql(VIEWER, token=token)
    assert expired.codes == ["SESSION_EXPIRED"]
    assert any(c.startswith("__Host-portal_session=;") and "Max-Age=0" in c for c in expired.set_cookies)
    assert (await portal.gql(VIEWER, token=token)).codes == ["SESSION_EXPIRED"], "stays expired"


async def test_background_requests_do_not_extend_the_idle_window(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    portal.clock.advance(minutes=10)
    assert (await portal.gql(VIEWER, token=token, background=True)).codes == []
    portal.clock.advance(minutes=6)
    assert (await portal.gql(VIEWER, token=token)).codes == ["SESSION_EXPIRED"]


async def test_extend_session_restarts_the_idle_window(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    portal.clock.advance(minutes=10)
    # Even from a background request, extendSession is the user's explicit "keep me signed in".
    extended = (await portal.gql(EXTEND, token=token, background=True)).data("extendSession")
    assert (datetime.fromisoformat(extended["expiresAt"]) - portal.clock.now()).total_seconds() == 900
    portal.clock.advance(minutes=14)
    assert (await portal.gql(VIEWER, token=token)).codes == []


async def test_absolute_lifetime_ends_an_active_session(start_portal: StartPortal) -> None:
    async with start_portal(session_absolute_hours=1) as portal:
        await portal.account("ana")
        token = await portal.signed_in("user.ana")
        for _ in range(4):
            portal.clock.advance(minutes=14)
            assert (await portal.gql(VIEWER, token=token)).codes == []
        portal.clock.advance(minutes=5)  # 61 minutes after sign-in, 5 after the last request
        assert (await portal.gql(VIEWER, token=token)).codes == ["SESSION_EXPIRED"]


async def test_sign_out_ends_the_session_server_side(portal: Portal) -> None:
    await portal.account("ana")
    token = await portal.signed_in("user.ana")
    reply = await portal.gql(SIGN_OUT, token=token)
    assert reply.data("signOut") == {"sessionsEnded": 1}
    assert any("Max-Age=0" in cookie for cookie in reply.set_cookies)
    # Replaying the signed-out token is like presenting a forged one.
    assert (await portal.gql(VIEWER, token=token)).codes == ["UNAUTHENTICATED"]
    assert (await portal.gql(SIGN_OUT, token=token)).data("signOut") == {"sessionsEnded": 0}


async def test_sign_out_everywhere_ends_every_session(portal: Portal) -> None:
    await portal.account("ana")
    laptop, phone = await portal.signed_in("user.ana"), await portal.signed_in("user.ana")
    other = await portal.account("ben")
    bens = await portal.signed_in(other.username)
    assert (await portal.gql(SIGN_OUT_EVERYWHERE, token=laptop)).data("signOutEverywhere") == {
        "sessionsEnded": 2
    }
    for token in (laptop, phone):
        assert (await portal.gql(VIEWER, token=token)).codes == ["UNAUTHENTICATED"]
    assert (await portal.gql(VIEWER, token=bens)).codes == [], "another account's session is untouched"
    assert (await portal.gql(SIGN_OUT_EVERYWHERE)).codes == ["UNAUTHENTICATED"]


async def test_forged_and_malformed_tokens_are_unauthenticated(portal: Portal) -> None:
    await portal.account("ana")
    real = await portal.signed_in("user.ana")
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for token in (forged, "x" * 43, "short", "💥" * 10, "a" * 5000):
        assert (await portal.gql(VIEWER, token=token)).codes == ["UNAUTHENTICATED"], token[:10]
        assert (await portal.gql(VIEWER, bearer=token)).codes == ["UNAUTHENTICATED"], token[:10]
    assert (await portal.gql(VIEWER, token=real)).codes == []


async def test_tokens_and_passwords_never_reach_the_log(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    await portal.account("ana")
    with caplog.at_level(logging.DEBUG):
        token = await portal.signed_in("user.ana")
        await portal.gql(VIEWER, token=token)
        await portal.sign_in("user.ana", "wrong-password-for-the-log")
        await portal.gql(SIGN_OUT, token=token)
    # httpcore's DEBUG wire trace is this test's own client reading the Set-Cookie header.
    records = [r for r in caplog.records if not r.name.startswith("httpcore")]
    assert {"gateway.access", "auth.security"} <= {r.name for r in records}
    for record in records:
        text = logged_text(record)
        for secret in (token, PASSWORD, "wrong-password-for-the-log"):
            assert secret not in text, record.name
