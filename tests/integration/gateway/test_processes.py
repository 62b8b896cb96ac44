"""Several gateway processes over one Redis: what one knows, the other knows at the next request.

Sessions, lockouts, rate limits, a revocation's scope invalidation and the audit queue, across the test's
in-process gateway and a second one as its own OS process; and ``serve --workers 2``.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from auth import ManualClock
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, StartAccess
from tests.integration.gateway.portal import second_process

PATIENT = "query($id: ID!) { patient(id: $id) { id } }"
REVOKE = "mutation R($id: ID!) { revokeProxy(proxyId: $id) { __typename } }"


async def one_window(clock: ManualClock) -> None:
    """Put the in-process gateway's clock on the real one (the other process's), early in a minute.

    Rate-limit windows are numbered from each process's clock: the counts of both meet only in one window.
    """
    seconds = datetime.now(UTC).second
    if seconds > 30:
        await asyncio.sleep(61 - seconds)
    clock.advance(datetime.now(UTC) - clock.now())


async def test_sessions_lockouts_rate_limits_scope_and_audit_hold_across_two_processes(
    start_access: StartAccess, smtp: SmtpSink
) -> None:
    async with (
        start_access(signin_per_ip_per_minute=8) as access,
        second_process(access.portal, smtp.port) as (b, _),
    ):
        a, f = access.portal, access.family
        await one_window(a.clock)
        # A session made by A's sign-in works on B.
        token = await a.signed_in("user.pat")
        assert (await b.gql("{ viewer { account { username } } }", token=token)).data("viewer")[
            "account"
        ] == {"username": "user.pat"}
        # Failures on both count toward one lock: the fourth, wherever it lands, locks the account, and then
        # the right password is refused on the other process too.
        answers = [
            (await gateway.sign_in("user.sm", "not-the-password-at-all")).data("signIn")["__typename"]
            for gateway in (a, b, a, b)
        ]
        assert answers == ["InvalidCredentials"] * 3 + ["Locked"]
        locked = await a.sign_in("user.sm")
        assert locked.data("signIn")["__typename"] == "Locked"
        # One address's sign-in budget (8 a minute) is spent across both: 6 so far, 2 more, then none.
        for gateway in (b, a):
            assert (await gateway.sign_in("user.un")).data("signIn")["__typename"] == "SignedIn"
        assert (await b.sign_in("user.un")).data("signIn")["__typename"] == "RateLimited"

        # A revocation on A takes effect on B at the proxy's next request (the scope cache is shared).
        spouse = await access.token("ro")
        seen = await b.gql(PATIENT, {"id": f.patient("pat")}, token=spouse)
        assert seen.data("patient") == {"id": f.patient("pat")}
        revoked = await a.gql(REVOKE, {"id": f.rp("ro", "pat")}, token=token)
        assert revoked.data("revokeProxy") == {"__typename": "ProxyRevoked"}
        gone = await b.gql(PATIENT, {"id": f.patient("pat")}, token=spouse)
        assert gone.data("patient") is None

        # Both processes queue their audit notes on the one stream.
        stream = a.settings.auth_key_prefix + "audit"
        before = await a.redis.xlen(stream)
        await a.gql(PATIENT, {"id": f.patient("pat")}, token=token)
        await b.gql(PATIENT, {"id": f.patient("pat")}, token=token)
        entries = await a.redis.xrange(stream)
        assert await a.redis.xlen(stream) == before + 2
        request_ids = {entry[1][b"n"].decode().split('"rid":"')[1].split('"')[0] for entry in entries[-2:]}
        assert len(request_ids) == 2


async def test_serve_with_two_workers(access: AccessPortal, smtp: SmtpSink) -> None:
    async with second_process(access.portal, smtp.port, workers=2) as (workers, process):
        token = await access.token("pat")
        for _ in range(6):
            reply = await workers.gql(PATIENT, {"id": access.family.patient("pat")}, token=token)
            assert reply.data("patient") == {"id": access.family.patient("pat")}
        # The process answers once one worker is up; the other may still be starting (a loaded machine).
        for _ in range(100):
            workers_started = set(re.findall(r"Started server process \[(\d+)\]", process.log_text()))
            if len(workers_started) == 2:
                break
            await asyncio.sleep(0.2)
        assert len(workers_started) == 2 and str(process.pid) not in workers_started
