"""The password policy: length in code points after NFKC, common list, personal data, no composition rules."""

from __future__ import annotations

from datetime import date

import pytest

from auth.policy import MAX_LENGTH, MIN_LENGTH, PasswordProblem, check_password, common_passwords

P = PasswordProblem


def test_the_shipped_list_has_at_least_ten_thousand_folded_entries() -> None:
    common = common_passwords()
    assert len(common) >= 10_000
    assert {"password", "123456", "qwerty123456", "1qaz2wsx3edc"} <= common
    assert all(entry == entry.casefold().strip() and entry for entry in common)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",  # spaces allowed
        "lowercaseonlylongenough",  # no composition rules
        "ñandú-pingüino-bajo",  # Unicode allowed
        "🙂🙃🙂🙃🙂🙃🙂🙃🙂🙃🙂🙃",  # emoji count as one character each
        "a1!" * 42 + "zz",  # exactly 128
    ],
)
def test_acceptable_passwords(password: str) -> None:
    assert check_password(password) == []


def test_length_is_counted_in_code_points_after_nfkc() -> None:
    assert check_password("a" * (MIN_LENGTH - 1) + "q") == []  # 12
    assert check_password("strong-pw-1") == [P.TOO_SHORT]  # 11
    # U+FB01 (the "fi" ligature) normalizes to two characters: 11 typed characters, 12 after NFKC.
    assert check_password("\ufb01sh-tank-red") == []
    assert check_password("b" * MAX_LENGTH) == []
    assert check_password("b" * (MAX_LENGTH + 1)) == [P.TOO_LONG]
    assert check_password("") == [P.TOO_SHORT]


@pytest.mark.parametrize(
    "password",
    ["qwerty123456", "QWERTY123456", "1QAZ2WSX3EDC", "Password2024!", "  monkey!!1234", "dragondragon"],
)
def test_common_padded_and_repeated_common_passwords_are_refused(password: str) -> None:
    assert P.COMMON in check_password(password)


def test_names_username_and_birth_date_are_refused() -> None:
    names = ("Ana María", "Lopez-Garcia", "Jo")
    assert check_password("mylopezfamily2024", names=names) == [P.CONTAINS_NAME]
    assert check_password("i-love-MARÍA-forever", names=names) == [P.CONTAINS_NAME]
    assert check_password("jo-jo-jo-jo-jo-jo", names=names) == []  # parts under 3 characters are ignored
    assert check_password("xx-ana.lopez99-xx", username="ana.lopez99") == [P.CONTAINS_NAME]


@pytest.mark.parametrize(
    "password",
    [
        "born-1984-07-04-here",
        "born19840704here",
        "born07041984here",
        "born07/04/1984here",
        "born04071984here",
        "born04.07.1984here",
        "born7/4/1984-here!",
        "born070484-here!!",
    ],
)
def test_birth_date_in_any_usual_format_is_refused(password: str) -> None:
    assert check_password(password, birth_date=date(1984, 7, 4)) == [P.CONTAINS_BIRTH_DATE]


def test_every_reason_is_reported_together() -> None:
    problems = check_password("lopez", names=("Lopez",))
    assert problems == [P.TOO_SHORT, P.CONTAINS_NAME]


def test_control_characters_and_lone_surrogates_are_refused() -> None:
    assert check_password("tab\tinside-password") == [P.INVALID_CHARACTERS]
    assert check_password("surrogate-\udcff-password") == [P.INVALID_CHARACTERS]


@pytest.mark.parametrize("value", [None, 123, b"bytes-password-x", ["list"]])
def test_wrong_types_raise(value: object) -> None:
    with pytest.raises(TypeError):
        check_password(value)
