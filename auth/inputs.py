"""Validation and canonical forms of what users type: usernames, emails, free text, dates, phone numbers.

Every check raises ``InvalidInput`` (a ``ValueError``) before anything is read or written, so bad input never
changes state. Strings are rejected when they are not ``str``, empty, longer than their cap, or contain lone
surrogates (what a non-UTF-8 byte sequence decodes to with ``surrogateescape``) or control characters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .errors import InvalidInput

USERNAME_MIN = 3
USERNAME_MAX = 64
EMAIL_MAX = 254
# A generous cap for anything typed into a sign-in form: far above the password policy's 128 code points, far
# below what would make argon2 or NFKC normalization expensive.
SECRET_MAX = 1024

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@+\-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def text(value: object, field: str, *, max_length: int, allow_empty: bool = False) -> str:
    """Check that ``value`` is a clean string of at most ``max_length`` code points.

    Args:
        value: What the caller passed.
        field: The argument name, for the error.
        max_length: Longest accepted length in code points.
        allow_empty: Accept ``""``.

    Returns:
        The string, unchanged.

    Raises:
        InvalidInput: Not a string, empty, too long, or containing surrogates or control characters.
    """
    if not isinstance(value, str):
        raise InvalidInput(field, f"must be a string, not {type(value).__name__}")
    if not value and not allow_empty:
        raise InvalidInput(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InvalidInput(field, "is not valid Unicode text")
        if category == "Cc":
            raise InvalidInput(field, "must not contain control characters")
    return value


def secret(value: object, field: str) -> str:
    """Check a typed secret (password, answer, code): a clean string up to ``SECRET_MAX`` code points."""
    return text(value, field, max_length=SECRET_MAX)


def canonical_username(value: object, field: str = "username") -> str:
    """The form a username is stored and compared in: NFKC, case-folded, trimmed.

    Usernames are case-insensitive (docs/auth.md), so ``Ana.Lopez`` and ``ana.lopez`` are one name.

    Raises:
        InvalidInput: Not 3..64 characters of ``a-z 0-9 . _ @ + -`` (after folding), starting with a letter
            or digit.
    """
    raw = text(value, field, max_length=USERNAME_MAX * 2)
    folded = unicodedata.normalize("NFKC", raw).casefold().strip()
    if not USERNAME_MIN <= len(folded) <= USERNAME_MAX:
        raise InvalidInput(field, f"must be {USERNAME_MIN} to {USERNAME_MAX} characters")
    if not _USERNAME.fullmatch(folded):
        raise InvalidInput(
            field, "may contain only letters, digits and . _ @ + -, starting with a letter or digit"
        )
    return folded


def canonical_email(value: object, field: str = "email") -> str:
    """An email address trimmed and lower-cased (how it is indexed for username recovery).

    Raises:
        InvalidInput: Not something shaped like ``local@domain.tld`` of at most 254 characters.
    """
    raw = text(value, field, max_length=EMAIL_MAX * 2).strip().lower()
    if len(raw) > EMAIL_MAX or not _EMAIL.fullmatch(raw):
        raise InvalidInput(field, "is not an email address")
    return raw


def birth_date(value: object, field: str = "birth_date") -> date:
    """A birth date given as a ``date`` or an ISO ``YYYY-MM-DD`` string.

    Raises:
        InvalidInput: Anything else, or a date in the future or before 1900.
    """
    if isinstance(value, str):
        try:
            value = date.fromisoformat(text(value, field, max_length=10))
        except ValueError:
            raise InvalidInput(field, "must be a date as YYYY-MM-DD") from None
    if not isinstance(value, date) or not date(1900, 1, 1) <= value <= date.today():
        raise InvalidInput(field, "must be a date between 1900 and today")
    return value


def phone_digits(value: object, field: str = "phone") -> str:
    """The last ten digits of a phone number (NANP numbers with or without ``+1``, spaces, dashes...).

    Raises:
        InvalidInput: Fewer than ten digits.
    """
    digits = "".join(ch for ch in text(value, field, max_length=40) if ch.isascii() and ch.isdigit())
    if len(digits) < 10:
        raise InvalidInput(field, "must have at least ten digits")
    return digits[-10:]


def fold(value: str) -> str:
    """NFKC, case-folded, with runs of whitespace collapsed: how security answers and names are compared."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
