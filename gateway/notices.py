"""The notifier: polls the EHR for the changes of ``resolvers.notices.NOTICES`` and mails the patients.

Polling rather than FHIR Subscriptions, so it works against any R4 server. Every gateway process may run it:
the watermark of each notice is shared in Redis, and a mail is sent once per resource and notice (``SET NX``),
so two processes never send the same mail twice. The first run starts from now (no mail for history). Mails
carry no PHI: a fixed sentence, the practice's name and where to sign in. Nothing of a resource is logged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from auth import AccountStore, Clock, Mailer, MailMessage, text
from fhir_client import FhirClient, FhirError, Resource, ge
from resolvers.notices import Notice

log = logging.getLogger("gateway.notices")
SENT_DAYS = 90
PAGES_PER_RUN = 10


class Notifier:
    """Mails patients about the changes ``notices`` describe.

    Args:
        fhir: The root FHIR client.
        redis: The shared Redis client.
        prefix: The gateway's Redis key prefix.
        accounts: The account store (the patient's account and its mail address).
        mailer: Where mail goes.
        clock: The time source.
        notices: What to watch.
        practice_name: Said in every mail.
        portal_url: Where the mail sends the patient.
    """

    def __init__(
        self,
        fhir: FhirClient,
        redis: Redis,
        prefix: str,
        accounts: AccountStore,
        mailer: Mailer,
        clock: Clock,
        notices: Sequence[Notice],
        *,
        practice_name: str,
        portal_url: str,
    ) -> None:
        self._fhir = fhir
        self._redis = redis
        self._prefix = prefix
        self._accounts = accounts
        self._mailer = mailer
        self._clock = clock
        self._notices = tuple(notices)
        self._practice = practice_name
        self._portal_url = portal_url

    async def run_once(self) -> int:
        """Look for new changes of every notice once; return how many mails were sent."""
        sent = 0
        for notice in self._notices:
            try:
                sent += await self._watch(notice)
            except FhirError as exc:  # the EHR is down: try again next time, from the same watermark
                log.warning(
                    "notices: EHR unavailable",
                    extra={"notice": notice.name, "error_class": type(exc).__name__},
                )
        return sent

    async def _watch(self, notice: Notice) -> int:
        mark = f"{self._prefix}notices:since:{notice.name}"
        since = text(await self._redis.get(mark))
        now = self._clock.now()
        if since is None:
            await self._redis.set(mark, now.isoformat(), nx=True)
            return 0
        start = datetime.fromisoformat(since)
        params = {**notice.params, "_lastUpdated": ge(start.astimezone(UTC))}
        page = await self._fhir.search(notice.resource_type, params, sort=["_lastUpdated"], count=100)
        newest, sent = start, 0
        async for current in self._fhir.pages(page, max_pages=PAGES_PER_RUN):
            for resource in current.matches:
                sent += await self._notify(notice, resource)
                newest = max(newest, _last_updated(resource) or newest)
        # Step back a little: servers stamp with milliseconds, and the dedupe makes a second look harmless.
        await self._redis.set(mark, max(start, newest - timedelta(seconds=1)).isoformat())
        return sent

    async def _notify(self, notice: Notice, resource: Resource) -> int:
        patient_id = notice.patient_of(resource)
        account = await self._accounts.by_patient(patient_id) if patient_id else None
        if account is None or not account.email:
            return 0
        once = f"{self._prefix}notices:sent:{notice.name}:{resource.resource_type}/{resource.id}"
        if not await self._redis.set(once, "1", nx=True, ex=SENT_DAYS * 86400):
            return 0
        subject = notice.subject.format(practice=self._practice)
        first = notice.body.format(practice=self._practice)
        body = f"{first}\nSign in to the patient portal to see it: {self._portal_url}\n"
        try:
            await self._mailer.send(MailMessage(to=account.email, subject=subject, body=body))
        except OSError:
            await self._redis.delete(once)  # not sent: the next round tries again
            raise
        log.info("notice sent", extra={"notice": notice.name, "account_id": account.id})
        return 1


def _last_updated(resource: Resource) -> datetime | None:
    meta = resource.get("meta")
    stamp = meta.get("lastUpdated") if isinstance(meta, dict) else None
    if not isinstance(stamp, str):
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(stamp)
    return None
