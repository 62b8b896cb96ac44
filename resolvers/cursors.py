"""Pagination cursors: opaque to clients, HMAC-signed, bound to the session and the patient.

``v2.<base64url(JSON payload)>.<base64url(HMAC-SHA256(key, "v2" | session id | payload))>``, where the payload
holds the patient (``p``) beside the list's own position (e.g. the upstream paging link or an offset). The
session check needs no patient, so the schema can refuse a foreign cursor before anything runs, wherever the
connection is; the patient is checked when the page is fetched. A cursor from another session, for another
patient, altered or truncated is answered BAD_USER_INPUT. The payload is signed, not encrypted: it must carry
nothing the viewer may not see.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from .errors import BadUserInput

_VERSION = "v2"
_MAX_LENGTH = 4096


class CursorCodec:
    """Encodes and checks cursors for one session.

    Args:
        key: The server's cursor secret (>= 32 bytes).
        session_id: The session the cursors are bound to.
    """

    def __init__(self, key: bytes, session_id: str) -> None:
        if len(key) < 32:
            raise ValueError("the cursor key must be at least 32 bytes")
        self._key = key
        self._session_id = session_id

    def encode(self, patient_id: str, payload: Mapping[str, Any]) -> str:
        """A cursor for ``payload`` within a list of ``patient_id``."""
        body = json.dumps({**payload, "p": patient_id}, separators=(",", ":"), sort_keys=True).encode()
        return f"{_VERSION}.{_b64(body)}.{_b64(self._mac(body))}"

    def decode_for(self, patient_id: str, cursor: str) -> dict[str, Any]:
        """The payload of a cursor this session made for ``patient_id``.

        Raises:
            BadUserInput: The cursor is malformed, altered, or from another session or patient.
        """
        payload = self.decode(cursor)
        if payload.get("p") != patient_id:
            raise _invalid()
        return payload

    def decode(self, cursor: str) -> dict[str, Any]:
        """The payload of a cursor this session made (for any patient).

        Raises:
            BadUserInput: The cursor is malformed, altered, or from another session.
        """
        parts = cursor.split(".") if len(cursor) <= _MAX_LENGTH else []
        if len(parts) != 3 or parts[0] != _VERSION:
            raise _invalid()
        try:
            body, mac = _unb64(parts[1]), _unb64(parts[2])
        except (binascii.Error, ValueError):
            raise _invalid() from None
        if not hmac.compare_digest(mac, self._mac(body)):
            raise _invalid()
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise _invalid()
        return payload

    def _mac(self, body: bytes) -> bytes:
        message = b"\0".join([_VERSION.encode(), self._session_id.encode(), body])
        return hmac.new(self._key, message, hashlib.sha256).digest()


def _invalid() -> BadUserInput:
    return BadUserInput("after: not a cursor of this list")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
