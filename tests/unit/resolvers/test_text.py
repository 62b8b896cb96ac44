"""Free text from patients: one rule for messages, subjects, visit reasons, pharmacy notes and answers."""

from __future__ import annotations

import pytest

from resolvers.booking import reason_text
from resolvers.check_in import Answer, checked_answers
from resolvers.errors import BadUserInput
from resolvers.text import optional_text, required_text

# What keyboards and emoji pickers produce: a joined family emoji, a skin tone, right-to-left text with its
# mark, a line separator, combining accents, a non-breaking space.
SHALOM = "\u200f\u05e9\u05dc\u05d5\u05dd"  # Hebrew, after a right-to-left mark
TYPED = ["👨\u200d👩\u200d👧 ok", "👋🏽", SHALOM, "one\u2028two", "e\u0301", "10\u00a0mg"]
# What FHIR strings may not hold: C0 and C1 controls (other than tab and line breaks), DEL, a lone surrogate.
REFUSED = ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"]


@pytest.mark.parametrize("text", TYPED)
def test_what_patients_type_goes_through_unchanged(text: str) -> None:
    assert required_text("text", text, 100, blank="write a message") == text
    assert optional_text("pharmacyNote", f"  {text}  ", 100) == text  # trimmed, nothing else
    assert reason_text(text) == text
    assert checked_answers([Answer("q1", text)]) == [Answer("q1", text)]


@pytest.mark.parametrize("text", REFUSED)
def test_control_characters_are_input_errors_wherever_text_is_taken(text: str) -> None:
    with pytest.raises(BadUserInput, match="text: contains a control character"):
        required_text("text", text, 100, blank="write a message")
    with pytest.raises(BadUserInput, match="pharmacyNote: contains a control character"):
        optional_text("pharmacyNote", text, 100)
    with pytest.raises(BadUserInput, match="reason: contains a control character"):
        reason_text(text)
    with pytest.raises(BadUserInput, match=r"answers\.text: contains a control character"):
        checked_answers([Answer("q1", text)])


def test_line_breaks_are_text_except_on_one_line() -> None:
    assert required_text("text", "a\r\n\tb", 10, blank="write") == "a\r\n\tb"
    with pytest.raises(BadUserInput, match="topic: contains a control character"):
        required_text("topic", "two\nlines", 10, blank="give it a subject", one_line=True)


def test_blank_and_long_text() -> None:
    assert optional_text("reason", None, 5) is None
    assert optional_text("reason", " \n ", 5) is None
    with pytest.raises(BadUserInput, match="text: write a message"):
        required_text("text", " \n ", 5, blank="write a message")
    with pytest.raises(BadUserInput, match="reason: at most 5 characters"):
        optional_text("reason", "x" * 6, 5)
    with pytest.raises(BadUserInput, match="reason: say briefly"):
        reason_text("  ", required=True)
