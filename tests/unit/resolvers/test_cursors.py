"""Cursors: opaque, signed, bound to the session and the patient; anything else is BAD_USER_INPUT."""

from __future__ import annotations

import pytest

from resolvers.cursors import CursorCodec
from resolvers.errors import BadUserInput, ErrorCode

KEY = b"k" * 32


def test_round_trip_within_the_session_and_patient() -> None:
    codec = CursorCodec(KEY, "session-a")
    cursor = codec.encode("pat-1", {"offset": 40, "next": "https://fhir/x?_getpages=abc"})
    assert "session-a" not in cursor
    payload = {"offset": 40, "next": "https://fhir/x?_getpages=abc", "p": "pat-1"}
    assert codec.decode_for("pat-1", cursor) == payload
    assert codec.decode(cursor) == payload  # the session check alone, before the patient is known


def test_replay_from_another_session_is_rejected() -> None:
    cursor = CursorCodec(KEY, "session-a").encode("pat-1", {"offset": 20})
    with pytest.raises(BadUserInput) as caught:
        CursorCodec(KEY, "session-b").decode_for("pat-1", cursor)
    assert caught.value.code == ErrorCode.BAD_USER_INPUT


def test_cursor_for_another_patient_or_key_is_rejected() -> None:
    cursor = CursorCodec(KEY, "session-a").encode("pat-1", {"offset": 20})
    with pytest.raises(BadUserInput):
        CursorCodec(KEY, "session-a").decode_for("pat-2", cursor)
    with pytest.raises(BadUserInput):
        CursorCodec(b"z" * 32, "session-a").decode_for("pat-1", cursor)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2],
        lambda c: c.replace("v2.", "v1.", 1),
        lambda c: c + ".x",
        lambda c: "v2.!!!.???",
        lambda c: "",
        lambda c: "v2." + "A" * 5000 + ".x",
    ],
)
def test_altered_or_malformed_cursors_are_rejected(mangle: object) -> None:
    codec = CursorCodec(KEY, "session-a")
    cursor = codec.encode("pat-1", {"offset": 20})
    with pytest.raises(BadUserInput):
        codec.decode_for("pat-1", mangle(cursor))  # type: ignore[operator]


def test_altered_payload_fails_the_signature() -> None:
    codec = CursorCodec(KEY, "session-a")
    _, _body, mac = codec.encode("pat-1", {"offset": 20}).split(".")
    other = codec.encode("pat-1", {"offset": 9999}).split(".")[1]
    with pytest.raises(BadUserInput):
        codec.decode_for("pat-1", f"v2.{other}.{mac}")


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CursorCodec(b"short", "s")
