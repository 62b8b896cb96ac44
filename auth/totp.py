"""TOTP (RFC 6238, via pyotp) and recovery codes: the pure parts, with the time passed in.

- Secrets: 160 random bits (``pyotp.random_base32()``, 32 base32 characters; RFC 4226 recommends 160), from
  the OS CSPRNG (ASVS 5.0 6.5.3).
- Codes: 6 digits, 30-second steps, SHA-1: what every authenticator app supports. One step of clock drift
  either way is accepted (``valid_window=1``), and ``match_counter`` returns *which* step matched so the
  caller can refuse that step and every earlier one afterwards (replay protection, ASVS 5.0 6.5.1).
- Recovery codes: 10 per enrollment, 24 base32 characters each (120 bits) shown as six groups of four. With
  at least 112 bits a plain SHA-256 may store them (ASVS 5.0 6.5.2); the account id is mixed in so equal codes
  of two accounts hash differently.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp

DIGITS = 6
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_CHARS = 24
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account_name: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI for a QR code (issuer = the practice name, shown in the app)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account_name, issuer_name=issuer
    )


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at ``when`` (for tests and for the enrollment screen's self-check)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(when)


def match_counter(secret: str, code: str, when: datetime, *, after: int = -1) -> int | None:
    """The time step whose code ``code`` is, within one step of ``when``, and later than ``after``.

    Args:
        secret: The base32 secret.
        code: What the user typed (spaces are ignored).
        when: The server's current time (never a client-provided time, ASVS 5.0 6.5.8).
        after: The last step already used; it and earlier steps are refused.

    Returns:
        The matched step, or ``None``.
    """
    code = code.replace(" ", "")
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(when)
    for counter in (current - 1, current, current + 1):
        # Compare every candidate in constant time; the comparison order does not depend on the code.
        if counter > after and hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def new_recovery_codes() -> list[str]:
    """Ten fresh recovery codes, formatted ``abcd-efgh-ijkl-mnop-qrst-uvwx``."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_BASE32) for _ in range(_RECOVERY_CHARS))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_CHARS, 4)))
    return codes


def recovery_code_hash(account_id: str, code: str) -> str:
    """The stored form of a recovery code (case, spaces and dashes ignored)."""
    normalized = re.sub(r"[\s-]", "", code).lower()
    return hashlib.sha256(f"{account_id}:{normalized}".encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    """Whether ``code`` is shaped like a recovery code rather than a 6-digit TOTP code."""
    return len(re.sub(r"[\s-]", "", code)) == _RECOVERY_CHARS
