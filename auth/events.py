"""Security events: one structured log record per authentication-relevant event (ASVS 5.0 16.3.1-16.3.3).

Records go to the logger ``auth.security`` at INFO (WARNING for locks and rate-limit hits) with the fields
``event``, ``account_id`` and ``ip_hash`` plus event-specific ones. No PHI and nothing that identifies a
person outside the portal: no usernames (people pick their names or emails), no names, birth dates, emails,
phone numbers, tokens or passwords. The account id is an opaque random id; the client IP is logged only as a
keyed hash (HMAC-SHA256, truncated), which correlates attempts from one address without storing the address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

LOGGER_NAME = "auth.security"
_WARNINGS = frozenset({"account.locked", "ratelimit.hit", "signin.refused_locked"})

EventValue = str | int | float | bool | None


class SecurityEvents:
    """Writes security events.

    Args:
        ip_hash_key: The HMAC key for client IPs (a deployment secret; at least 16 bytes).
        logger: Where records go (default: ``logging.getLogger("auth.security")``).
    """

    def __init__(self, ip_hash_key: bytes, logger: logging.Logger | None = None) -> None:
        if len(ip_hash_key) < 16:
            raise ValueError("ip_hash_key must be at least 16 bytes")
        self._key = ip_hash_key
        self._log = logger or logging.getLogger(LOGGER_NAME)

    def ip_hash(self, ip: str | None) -> str | None:
        """The keyed hash of a client IP (16 hex characters), or ``None``."""
        if not ip:
            return None
        return hmac.new(self._key, ip.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]

    def emit(
        self, event: str, *, account_id: str | None = None, ip: str | None = None, **fields: EventValue
    ) -> None:
        """Log one security event.

        Args:
            event: A dotted name such as ``signin.failure`` (see docs/auth.md for the list).
            account_id: The opaque account id, when one is known.
            ip: The client IP; only its keyed hash is logged.
            **fields: Event details. Callers pass codes and counts only, never PHI.
        """
        level = logging.WARNING if event in _WARNINGS else logging.INFO
        extra: dict[str, EventValue] = {"event": event, "account_id": account_id, "ip_hash": self.ip_hash(ip)}
        extra.update(fields)
        self._log.log(level, event, extra=extra)
