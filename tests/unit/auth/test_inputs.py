"""Input validation: clear typed errors for empty, huge, wrong-typed and non-text input."""

from __future__ import annotations

from datetime import date

import pytest

from auth import InvalidInput
from auth.inputs import birth_date, canonical_email, canonical_username, fold, phone_digits, secret, text

FULLWIDTH_USER12 = "\uff35\uff53\uff45\uff52\uff11\uff12"  # folds to "user12" under NFKC


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("Ana.Lopez", "ana.lopez"), ("  MARIA_G+portal@x ", "maria_g+portal@x"), (FULLWIDTH_USER12, "user12")],
)
def test_usernames_are_folded(raw: str, canonical: str) -> None:
    assert canonical_username(raw) == canonical


@pytest.mark.parametrize("raw", ["ab", "x" * 65, "has space", "-leading", "emoji🙂", "", None, 7, b"bytes"])
def test_bad_usernames(raw: object) -> None:
    with pytest.raises(InvalidInput) as info:
        canonical_username(raw)
    assert info.value.field == "username"


def test_text_rejects_wrong_types_empty_huge_controls_and_surrogates() -> None:
    assert text("fine", "f", max_length=4) == "fine"
    assert text("", "f", max_length=4, allow_empty=True) == ""
    for bad, reason in [
        (None, "must be a string"),
        (3.5, "must be a string"),
        ("", "must not be empty"),
        ("x" * 5, "at most 4"),
        ("a\x00b", "control"),
        ("bad\udcff", "not valid Unicode"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            text(bad, "f", max_length=4)
    with pytest.raises(InvalidInput):
        secret("p" * 1025, "password")


def test_emails_dates_phones_and_folding() -> None:
    assert canonical_email(" Ana@Example.TEST ") == "ana@example.test"
    for bad in ("ana", "ana@", "@x.y", "a b@c.d", "a@b@c.d", "a@" + "b" * 260 + ".com"):
        with pytest.raises(InvalidInput):
            canonical_email(bad)
    assert birth_date("1984-07-04") == date(1984, 7, 4) == birth_date(date(1984, 7, 4))
    for bad_date in ("07/04/1984", "1984-13-01", "1899-12-31", "9999-01-01", 1984, None, "x" * 5000):
        with pytest.raises(InvalidInput):
            birth_date(bad_date)
    assert phone_digits("+1 (937) 555-0110") == "9375550110" == phone_digits("937.555.0110")
    with pytest.raises(InvalidInput):
        phone_digits("555-0110")
    assert fold("  Blue\tHERON ") == "blue heron"
