"""No PHI leaves without its access queued for audit: when the queue cannot take the notes, the answer is
withheld (executed on the schema, FHIR faked at the transport, the audit queue faulted)."""

from __future__ import annotations

import dataclasses

import httpx
from redis.exceptions import ConnectionError as RedisConnectionError

from gateway.settings import Settings
from resolvers.audit import AuditNote, AuditQueue, AuditTrail
from schema import build_schema
from tests.unit.schema.support import context

PATIENT = {"resourceType": "Patient", "id": "pat-1", "name": [{"family": "Test"}], "birthDate": "1980-01-01"}


def fhir(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/Patient/pat-1"):
        return httpx.Response(200, json=PATIENT, headers={"content-type": "application/fhir+json"})
    raise AssertionError(f"unexpected upstream call {request.url.path}")


class Queue(AuditQueue):
    """A queue over no Redis: it keeps what it is given, or fails like a Redis that went away."""

    def __init__(self, *, broken: bool) -> None:
        self.broken, self.taken, self.limit = broken, [], 100

    async def put(self, notes: object) -> None:
        if self.broken:
            raise RedisConnectionError("gone")
        self.taken.extend(notes)  # type: ignore[call-overload]

    async def length(self) -> int:
        return 0


async def _run(queue: Queue) -> tuple[object, list[str]]:
    ctx = dataclasses.replace(
        context(fhir, development=False, signed_in_as="pat-1"), audit=AuditTrail(queue, "req-1")
    )
    result = await build_schema(Settings(environment="test")).execute(
        '{ patient(id: "pat-1") { id birthDate } }', context_value=ctx
    )
    return result.data, [str((e.extensions or {}).get("code")) for e in result.errors or []]


async def test_the_read_is_noted_and_queued() -> None:
    queue = Queue(broken=False)
    data, codes = await _run(queue)
    assert data == {"patient": {"id": "pat-1", "birthDate": "1980-01-01"}} and codes == []
    (note,) = queue.taken
    assert isinstance(note, AuditNote)
    assert (note.patient_id, note.interaction, note.refs, note.request_id) == (
        "pat-1",
        "read",
        ("Patient/pat-1",),
        "req-1",
    )


async def test_an_answer_whose_notes_cannot_be_queued_is_withheld() -> None:
    data, codes = await _run(Queue(broken=True))
    assert data is None and codes == ["UPSTREAM_UNAVAILABLE"]
