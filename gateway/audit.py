"""The audit writer: moves audit notes from the Redis stream into the EHR as AuditEvents, in batches.

Every gateway process runs one, in a consumer group of the stream, so the notes are shared out between them.
A batch is one FHIR transaction of ``PUT AuditEvent/<id>`` with an id derived from the note's stream id: a
batch written twice (a crash between FHIR's answer and the acknowledgement) writes the same AuditEvents again,
never a second copy. A note is acknowledged, and removed, only after FHIR accepted its batch; a process that
dies with notes claimed leaves them pending, and another writer takes them over after ``claim_after``. While
the EHR is down the notes wait in Redis (AOF in production), and the writer tries again every round.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from typing import Any

from redis.exceptions import ResponseError

from fhir_client import Entry, FhirClient, FhirError
from resolvers.audit import AuditNote, AuditQueue, audit_event

log = logging.getLogger("gateway.audit")


class AuditWriter:
    """Writes queued audit notes to FHIR.

    Args:
        fhir: The root FHIR client.
        queue: The audit stream.
        batch: Notes per FHIR transaction.
        claim_after: Milliseconds after which another consumer's unacknowledged notes are taken over.
        consumer: This writer's name in the group (default: host and process id).
    """

    def __init__(
        self,
        fhir: FhirClient,
        queue: AuditQueue,
        *,
        batch: int = 50,
        claim_after: int = 60_000,
        consumer: str | None = None,
    ) -> None:
        self._fhir = fhir
        self._queue = queue
        self._batch = batch
        self._claim_after = claim_after
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self._grouped = False

    async def run_once(self) -> int:
        """Write what is waiting, batch by batch, until the stream is drained or FHIR fails.

        Returns:
            How many AuditEvents FHIR accepted.
        """
        await self._group()
        written = 0
        while True:
            entries = await self._next()
            if not entries:
                return written
            try:
                await self._write(entries)
            except FhirError as exc:  # the EHR is down or refused: the notes stay queued for the next round
                log.warning("audit batch not written", extra={"error_class": type(exc).__name__})
                return written
            ids = [entry_id for entry_id, _ in entries]
            await self._queue.redis.xack(self._queue.key, AuditQueue.GROUP, *ids)
            await self._queue.redis.xdel(self._queue.key, *ids)
            written += len(entries)

    async def backlog(self) -> dict[str, int]:
        """What waits: notes in the stream and notes claimed by a writer but not acknowledged."""
        queued = await self._queue.length()
        pending = 0
        with contextlib.suppress(ResponseError):  # no group yet: nothing pending
            summary = await self._queue.redis.xpending(self._queue.key, AuditQueue.GROUP)
            pending = int(summary.get("pending", 0)) if isinstance(summary, dict) else 0
        return {"queued": queued, "pending": pending, "limit": self._queue.limit}

    async def _group(self) -> None:
        if self._grouped:
            return
        try:
            await self._queue.redis.xgroup_create(self._queue.key, AuditQueue.GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._grouped = True

    async def _next(self) -> list[tuple[str, str]]:
        redis, key = self._queue.redis, self._queue.key
        # Notes a dead writer claimed and never acknowledged come first.
        claimed: Any = await redis.xautoclaim(
            key, AuditQueue.GROUP, self.consumer, self._claim_after, start_id="0-0", count=self._batch
        )
        messages = list(claimed[1]) if claimed else []
        if not messages:
            reply: Any = await redis.xreadgroup(
                AuditQueue.GROUP, self.consumer, {key: ">"}, count=self._batch
            )
            messages = list(reply[0][1]) if reply else []
        return [
            (_text(entry_id), _text(fields.get(b"n") or fields.get("n")))
            for entry_id, fields in messages
            if fields
        ]

    async def _write(self, entries: list[tuple[str, str]]) -> None:
        bundle = [
            Entry.update(audit_event(AuditNote.from_json(note), resource_id=self._resource_id(entry_id)))
            for entry_id, note in entries
        ]
        await self._fhir.transaction(bundle)

    def _resource_id(self, entry_id: str) -> str:
        return f"audit-{self._queue.tag}-{entry_id}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
