"""Free text a patient types (a message, a subject, a visit reason, a note, an answer): one set of rules.

FHIR strings may not hold control characters other than tab and line breaks (R4 "string": no code points
below 32 except U+0009, U+000A, U+000D), and a lone surrogate is not text at all. Anything else a keyboard
or an emoji picker produces (joiners, right-to-left marks, any script) is the patient's and goes through.
"""

from __future__ import annotations

import unicodedata

from .errors import BadUserInput

_BREAKS = "\t\n\r"


def required_text(name: str, value: str, limit: int, *, blank: str, one_line: bool = False) -> str:
    """The text exactly as given, or ``BadUserInput`` naming ``name``.

    Args:
        name: The argument, for the error.
        value: What the client sent.
        limit: The most characters (code points) allowed.
        blank: What to ask for when the text is empty or white space only.
        one_line: Refuse line breaks and tabs (a subject line).

    Raises:
        BadUserInput: Blank, too long, or with a character FHIR strings may not hold.
    """
    if not value.strip():
        raise BadUserInput(f"{name}: {blank}")
    return _checked(name, value, limit, one_line=one_line)


def optional_text(name: str, value: str | None, limit: int, *, one_line: bool = False) -> str | None:
    """The text trimmed, ``None`` when missing or blank, or ``BadUserInput`` as ``required_text``."""
    if value is None or not value.strip():
        return None
    return _checked(name, value.strip(), limit, one_line=one_line)


def _checked(name: str, value: str, limit: int, *, one_line: bool) -> str:
    if len(value) > limit:
        raise BadUserInput(f"{name}: at most {limit} characters")
    allowed = "" if one_line else _BREAKS
    for char in value:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            raise BadUserInput(f"{name}: contains a control character or a broken one; remove it")
    return value
