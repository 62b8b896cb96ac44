"""Opaque bearer tokens (sessions, sign-in challenges, reset and enrollment links) and how they are stored.

A token is ``secrets.token_urlsafe(32)``: 256 bits from the OS CSPRNG, 43 URL-safe characters (ASVS 5.0 7.2.3
asks for at least 128 bits). Only its SHA-256 digest is ever written to Redis or logs, so a leaked database
or log line cannot be replayed as a token. A fast hash is right here (unlike passwords): the input has 256
bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh 256-bit URL-safe token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: object) -> str | None:
    """The hex SHA-256 of a well-formed token, or ``None`` for anything that cannot be one of ours.

    Malformed input (wrong type, length or alphabet: a forged or truncated token) never reaches Redis.
    """
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()
