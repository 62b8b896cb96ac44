"""The audit trail of PHI access and change, recorded at the guard (docs/audit.md).

Every read, search and write a ``PatientGuard`` makes is noted in the request's ``AuditTrail``; the schema's
``AuditFlush`` extension puts the request's notes on a durable Redis stream before the answer leaves, and
the gateway's writer (``gateway/audit.py``) turns them into FHIR AuditEvents (IHE BALP style) in batches. So
no feature writes audit code, a slow EHR never holds up a request, and no answer leaves whose access is not
queued.
AuditEvents themselves are never audited (reading the access log would audit itself forever).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from redis.asyncio import Redis

from .errors import ErrorCode, PublicError

AUDIT_TYPE = "AuditEvent"
INTERACTIONS = {
    "read": "R",
    "search-type": "E",
    "create": "C",
    "update": "U",
    "transaction": "E",
}
"""FHIR restful interaction -> AuditEvent.action (R read, E execute, C create, U update)."""
OUTCOME_OK, OUTCOME_FAILED = "0", "8"
MAX_REFS = 100


@dataclass(frozen=True, slots=True)
class AuditNote:
    """One PHI access of one request: who, for which patient, what, how it ended."""

    recorded: str
    account_id: str
    acting_as: str
    patient_id: str
    interaction: str
    outcome: str
    refs: tuple[str, ...] = ()
    query: str | None = None
    request_id: str | None = None
    ip_hash: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "t": self.recorded,
                "a": self.account_id,
                "w": self.acting_as,
                "p": self.patient_id,
                "i": self.interaction,
                "o": self.outcome,
                "r": list(self.refs),
                "q": self.query,
                "rid": self.request_id,
                "ip": self.ip_hash,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> AuditNote:
        data = json.loads(text)
        return cls(
            recorded=data["t"],
            account_id=data["a"],
            acting_as=data["w"],
            patient_id=data["p"],
            interaction=data["i"],
            outcome=data["o"],
            refs=tuple(data.get("r") or ()),
            query=data.get("q"),
            request_id=data.get("rid"),
            ip_hash=data.get("ip"),
        )


class AuditQueue:
    """The durable Redis stream of audit notes (``<prefix>audit``), shared by every gateway process.

    Args:
        redis: The shared Redis client.
        prefix: The gateway's Redis key prefix.
        limit: The most notes that may wait; past it the gateway refuses PHI access (fail closed).
    """

    GROUP = "writers"

    def __init__(self, redis: Redis, prefix: str, *, limit: int = 100_000) -> None:
        self.redis = redis
        self.key = f"{prefix}audit"
        self.limit = limit
        # Part of every AuditEvent id, so two deployments writing to one EHR never collide.
        self.tag = hashlib.sha256(self.key.encode()).hexdigest()[:8]

    async def put(self, notes: Iterable[AuditNote]) -> None:
        """Append notes (one round trip); raises when Redis cannot take them."""
        pipe = self.redis.pipeline(transaction=False)
        for note in notes:
            pipe.xadd(self.key, {"n": note.to_json()})
        await pipe.execute()

    async def length(self) -> int:
        """How many notes wait (written or not, until acknowledged)."""
        return int(await self.redis.xlen(self.key))


@dataclass(slots=True)
class AuditTrail:
    """The audit notes of one request (built per request by the gateway; the guard adds to it).

    Attributes:
        queue: Where ``flush`` puts them.
        request_id: The request's id, recorded with each note.
        ip_hash: The client address as a keyed hash (as in security events).
    """

    queue: AuditQueue | None
    request_id: str | None = None
    ip_hash: str | None = None
    notes: list[AuditNote] = field(default_factory=list)
    _room: asyncio.Future[bool] | None = None

    async def check_room(self) -> None:
        """Refuse PHI access while the queue is over its bound (checked once per request, however many fields
        ask at the same time).

        Raises:
            PublicError: UPSTREAM_UNAVAILABLE: the audit trail cannot take more records now (fail closed).
        """
        if self.queue is None:
            return
        room = self._room
        if room is None:
            room = self._room = asyncio.ensure_future(self._has_room(self.queue))
        try:
            has_room = await asyncio.shield(room)
        except Exception:
            if self._room is room:
                self._room = None  # Redis failed: the next access asks again
            raise
        if not has_room:
            raise PublicError(
                "The portal cannot record access right now. Please try again later.",
                ErrorCode.UPSTREAM_UNAVAILABLE,
            )

    @staticmethod
    async def _has_room(queue: AuditQueue) -> bool:
        return await queue.length() < queue.limit

    def note(
        self,
        *,
        account_id: str,
        acting_as: str,
        patient_id: str,
        interaction: str,
        outcome: str = OUTCOME_OK,
        refs: Iterable[str] = (),
        query: str | None = None,
    ) -> None:
        """Record one access (kept in memory until ``flush``)."""
        self.notes.append(
            AuditNote(
                recorded=datetime.now(UTC).isoformat(timespec="milliseconds"),
                account_id=account_id,
                acting_as=acting_as,
                patient_id=patient_id,
                interaction=interaction,
                outcome=outcome,
                refs=tuple(dict.fromkeys(refs))[:MAX_REFS],
                query=query,
                request_id=self.request_id,
                ip_hash=self.ip_hash,
            )
        )

    async def flush(self) -> None:
        """Queue the notes; raises when Redis cannot take them (the caller withholds the answer then)."""
        if self.notes and self.queue is not None:
            await self.queue.put(self.notes)
        self.notes = []


def audit_event(note: AuditNote, *, resource_id: str) -> dict[str, Any]:
    """The FHIR AuditEvent (IHE BALP style: a RESTful operation on a patient's data) of one note."""
    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{note.patient_id}"},
            "type": _coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
            "role": _coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
        }
    ]
    entities += [
        {
            "what": {"reference": ref},
            "type": _coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
        }
        for ref in note.refs
        if ref != f"Patient/{note.patient_id}"
    ]
    if note.query:
        entities.append(
            {
                "type": _coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"
                ),
                "role": _coding("http://terminology.hl7.org/CodeSystem/object-role", "24", "Query"),
                "query": base64.b64encode(note.query.encode()).decode(),
            }
        )
    details = [{"type": "request-id", "valueString": note.request_id}] if note.request_id else []
    if details:
        entities[0]["detail"] = details
    user: dict[str, Any] = {
        "who": {"reference": note.acting_as},
        "altId": note.account_id,
        "requestor": True,
        "type": {"coding": [_coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "PAT", "patient")]}
        if note.acting_as.startswith("Patient/")
        else {"coding": [_coding("http://terminology.hl7.org/CodeSystem/v3-RoleClass", "AGNT", "agent")]},
    }
    if note.ip_hash:
        user["network"] = {"address": note.ip_hash, "type": "5"}  # 5: a URI-like identifier (here a hash)
    return {
        "resourceType": AUDIT_TYPE,
        "id": resource_id,
        "type": _coding(
            "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"
        ),
        "subtype": [_coding("http://hl7.org/fhir/restful-interaction", note.interaction, note.interaction)],
        "action": INTERACTIONS.get(note.interaction, "E"),
        "recorded": note.recorded,
        "outcome": note.outcome,
        "agent": [
            user,
            {
                "who": {"display": "portal-gateway"},
                "requestor": False,
                "type": {
                    "coding": [
                        _coding("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application")
                    ]
                },
            },
        ],
        "source": {
            "observer": {"display": "portal-gateway"},
            "type": [
                _coding(
                    "http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"
                )
            ],
        },
        "entity": entities,
    }


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def query_text(resource_type: str, pairs: Iterable[tuple[str, str]]) -> str:
    """A search as the audit records it: ``Type?name=value&...`` (paging controls left out)."""
    kept = [(k, v) for k, v in pairs if k not in ("_count", "_total")]
    return f"{resource_type}?{urlencode(kept)}" if kept else resource_type
