"""The password policy (docs/auth.md; NIST 800-63B 5.1.1.2; ASVS 5.0 6.2.x).

- Length 12..128, counted in code points after NFKC normalization (ASVS 4.0.3 2.1.1 asks >= 12, 2.1.2 rejects
  > 128; NIST counts each Unicode code point as one character). No truncation.
- Not a common password (``data/common-passwords.txt``, 30,000 entries, compared case-insensitively), nor a
  common password padded with digits/punctuation at its ends ("Password2024!") or repeated
  ("monkeymonkey") (ASVS 5.0 6.2.4).
- Not containing the user's given or family name (parts of 3 or more characters), username, or birth date in
  any usual format (NIST 800-63B: "context-specific words").
- No composition rules, no expiry (ASVS 5.0 6.2.5, 6.2.10): any printable Unicode is allowed; only lone
  surrogates and control characters, which no keyboard types, are refused.

``check_password`` returns every reason that applies, so a form can show them together.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 128
_MIN_NAME_PART = 3
_DATA = Path(__file__).with_name("data") / "common-passwords.txt"
_EDGE = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\s./\-_,]")


class PasswordProblem(StrEnum):
    """Why a new password was refused."""

    TOO_SHORT = "TOO_SHORT"
    TOO_LONG = "TOO_LONG"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    COMMON = "COMMON"
    CONTAINS_NAME = "CONTAINS_NAME"
    CONTAINS_BIRTH_DATE = "CONTAINS_BIRTH_DATE"
    SAME_AS_TEMPORARY = "SAME_AS_TEMPORARY"
    """The temporary password cannot become the real one (ASVS 5.0 6.4.1); checked by enrollment."""


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped common-password list (loaded once, about 2 MB in memory)."""
    lines = _DATA.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password(
    password: object,
    *,
    names: Iterable[str] = (),
    username: str | None = None,
    birth_date: date | None = None,
) -> list[PasswordProblem]:
    """Check a new password against the policy.

    Args:
        password: The candidate, as typed.
        names: The user's given and family names (parts shorter than 3 characters are ignored).
        username: The account's username, also a context word.
        birth_date: The user's birth date.

    Returns:
        Every problem found, in a fixed order; empty when the password is acceptable.

    Raises:
        TypeError: ``password`` is not a string.
    """
    if not isinstance(password, str):
        raise TypeError(f"password must be a string, not {type(password).__name__}")
    problems: list[PasswordProblem] = []
    if any(unicodedata.category(ch) in ("Cs", "Cc") for ch in password):
        problems.append(PasswordProblem.INVALID_CHARACTERS)
        password = "".join(ch for ch in password if unicodedata.category(ch) not in ("Cs", "Cc"))
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) < MIN_LENGTH:
        problems.append(PasswordProblem.TOO_SHORT)
    elif len(normalized) > MAX_LENGTH:
        problems.append(PasswordProblem.TOO_LONG)
        return problems  # nothing more worth computing on an over-long input
    folded = normalized.casefold()
    if is_common(folded):
        problems.append(PasswordProblem.COMMON)
    if _contains_words(folded, [*names, *([username] if username else [])]):
        problems.append(PasswordProblem.CONTAINS_NAME)
    if birth_date is not None and _contains_date(folded, birth_date):
        problems.append(PasswordProblem.CONTAINS_BIRTH_DATE)
    return problems


def is_common(folded: str) -> bool:
    """Whether a case-folded password is common, padded-common or a repeated common password."""
    common = common_passwords()
    if folded in common:
        return True
    core = _EDGE.sub("", folded)
    if len(core) >= 4 and core in common:
        return True
    for size in range(4, len(folded) // 2 + 1):
        unit = folded[:size]
        if len(folded) % size == 0 and folded == unit * (len(folded) // size) and unit in common:
            return True
    return False


def _contains_words(folded: str, words: Iterable[str]) -> bool:
    for word in words:
        for part in re.split(r"[\s\-'.]+", unicodedata.normalize("NFKC", word).casefold()):
            if len(part) >= _MIN_NAME_PART and part in folded:
                return True
    return False


def _contains_date(folded: str, born: date) -> bool:
    # Compare on the password with separators removed, so 07/04/1990, 07-04-1990 and 07.04.1990 all become
    # 07041990 and match the digit-only forms below.
    compact = _SEPARATORS.sub("", folded)
    return any(form in compact for form in _date_forms(born))


def _date_forms(born: date) -> set[str]:
    yyyy, yy = f"{born.year:04d}", f"{born.year % 100:02d}"
    forms: set[str] = set()
    for mm in {f"{born.month:02d}", str(born.month)}:
        for dd in {f"{born.day:02d}", str(born.day)}:
            # YYYYMMDD, MMDDYYYY, DDMMYYYY, then two-digit-year forms only when zero-padded (fewer false hits)
            forms |= {yyyy + mm + dd, mm + dd + yyyy, dd + mm + yyyy}
    mm, dd = f"{born.month:02d}", f"{born.day:02d}"
    forms |= {yy + mm + dd, mm + dd + yy, dd + mm + yy}
    return forms
