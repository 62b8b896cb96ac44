"""Upload tickets: a file uploaded for a message may be attached only by its uploader, for its patient.

An upload (``gateway/attachments.py``) stores the file in FHIR as a Binary of the patient and records a
ticket here, keyed by account and Binary id, with what the message's Attachment will say of it (type, size,
title, SHA-1). ``sendMessage`` and ``replyToMessage`` accept only attachment ids that have a ticket of the
same account for the same patient, so nobody can attach (and then download through their own message) a
Binary they did not upload, whatever ids they guess; a ticket of another account or patient answers exactly
like a missing one. Tickets hold no file content and expire after ``lifetime`` (default 24 hours); the
Binary of an upload that was never sent stays in the EHR, unreferenced.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta

from auth import Keys, Redis, text

LIFETIME = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file, as its message's Attachment will describe it.

    Attributes:
        id: The Binary's id.
        patient_id: The patient it was uploaded for (the Binary's ``securityContext``).
        content_type: The type recognised from its bytes.
        size: Its size in bytes.
        title: The name the uploader gave it.
        sha1: Base64 SHA-1 of the bytes (FHIR ``Attachment.hash``).
        created: When it was uploaded (FHIR dateTime).
    """

    id: str
    patient_id: str
    content_type: str
    size: int
    title: str
    sha1: str
    created: str


class Uploads:
    """Records and finds upload tickets.

    Args:
        redis: The shared Redis client.
        prefix: The gateway's Redis key prefix.
        lifetime: How long an upload may be attached.
    """

    def __init__(self, redis: Redis, prefix: str, lifetime: timedelta = LIFETIME) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._seconds = max(1, int(lifetime.total_seconds()))

    async def record(self, account_id: str, upload: Upload) -> None:
        """Remember that ``account_id`` uploaded ``upload``."""
        value = json.dumps(asdict(upload), separators=(",", ":"))
        await self._redis.set(self._keys("upload", account_id, upload.id), value, ex=self._seconds)

    async def find(self, account_id: str, patient_id: str, ids: Sequence[str]) -> list[Upload | None]:
        """The tickets of ``ids``, in order, in one ``MGET``.

        Returns:
            One entry per id: ``None`` unless this account uploaded it for ``patient_id`` within the ticket
            lifetime, whether it exists for someone else or not at all.
        """
        if not ids:
            return []
        replies = await self._redis.mget([self._keys("upload", account_id, i) for i in ids])
        found: list[Upload | None] = []
        for reply in replies:
            raw = text(reply)
            upload = Upload(**json.loads(raw)) if raw else None
            found.append(upload if upload is not None and upload.patient_id == patient_id else None)
        return found
