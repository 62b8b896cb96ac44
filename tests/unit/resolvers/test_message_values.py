"""Messages read out of Communications without a server: order, parties, read state, whom a reply goes to,
which messages the reply notice mails about, and the checks of what is uploaded."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_client import Resource
from gateway.attachments import disposition
from resolvers.attachments import checked_title, sniff
from resolvers.errors import BadUserInput
from resolvers.message_shapes import checked_attachment_ids, checked_text, checked_topic
from resolvers.message_values import answering, by_sent, patient_of_reply, thread_value

POOLS = {"HealthcareService/hs-front": "Front desk"}
PATIENT = {"reference": "Patient/p1"}
DOCTOR = {"reference": "Practitioner/d1", "display": "Dr. One"}


class NoNames:
    async def of(self, reference: str) -> str | None:
        return None


def _comm(rid: str, sender: dict[str, str], sent: str, **more: Any) -> Resource:
    return Resource(
        {
            "resourceType": "Communication",
            "id": rid,
            "subject": PATIENT,
            "sender": sender,
            "sent": sent,
            "payload": [{"contentString": f"text {rid}"}],
            **more,
        }
    )


def _message(
    rid: str, sender: dict[str, str], sent: str, previous: str | None = None, **more: Any
) -> Resource:
    chain = {"inResponseTo": [{"reference": f"Communication/{previous}"}]} if previous else {}
    return _comm(rid, sender, sent, partOf=[{"reference": "Communication/h"}], **chain, **more)


def test_messages_are_ordered_by_instant_then_by_their_chain() -> None:
    same = "2026-12-02T09:00:00-06:00"
    messages = [
        _message("c", PATIENT, same, previous="b"),
        _message("b", DOCTOR, "2026-12-02T15:00:00Z", previous="a"),  # the same instant as ``same``
        _message("a", PATIENT, "2026-12-02T08:59:00-06:00"),
        _message("z", DOCTOR, "2026-12-02T10:00:00-05:00", previous="c"),  # 15:00Z too, answers c
    ]
    assert [m.id for m in by_sent(messages)] == ["a", "b", "c", "z"]


def test_a_thread_reads_parties_read_state_and_a_lone_message() -> None:
    header = Resource(
        {
            "resourceType": "Communication",
            "id": "h",
            "status": "completed",
            "subject": PATIENT,
            "sender": PATIENT,
            "recipient": [{"reference": "HealthcareService/hs-front"}],
            "topic": {"text": "Bill"},
        }
    )
    messages = [
        _message(
            "a", PATIENT, "2026-12-01T10:00:00Z", recipient=[{"reference": "HealthcareService/hs-front"}]
        ),
        _message("b", DOCTOR, "2026-12-01T11:00:00Z", "a", recipient=[PATIENT]),
    ]
    thread = thread_value(header, messages, "p1", NoNames(), POOLS)
    assert thread.closed and thread.topic == "Bill" and thread.unread_count == 1
    assert [(p.kind, p.display) for p in thread.participants] == [
        ("PATIENT", None),
        ("POOL", "Front desk"),
        ("PRACTITIONER", "Dr. One"),
    ]
    first, answer = thread.messages
    assert first.read and first.from_patient_side and not first.addressed_to_patient
    assert not answer.read and answer.addressed_to_patient and answer.in_response_to == "a"
    lone = thread_value(_comm("x", DOCTOR, "2026-12-01T11:00:00Z"), [], "p1", NoNames(), POOLS)
    assert [m.id for m in lone.messages] == ["x"] and lone.messages[0].text == "text x"


def test_a_reply_goes_to_the_practices_latest_writer_else_to_the_practice_side_of_the_header() -> None:
    header = _comm("h", PATIENT, "2026-12-01T10:00:00Z", recipient=[{"reference": "CareTeam/t1"}])
    assert answering(header, []) == {"reference": "CareTeam/t1"}
    later = [_message("a", DOCTOR, "2026-12-01T11:00:00Z"), _message("b", PATIENT, "2026-12-01T12:00:00Z")]
    assert answering(header, later) == DOCTOR
    only_patients = _comm("h", PATIENT, "2026-12-01T10:00:00Z", recipient=[PATIENT])
    assert answering(only_patients, []) is None


def test_the_reply_notice_is_for_unread_practice_messages_of_a_thread() -> None:
    assert patient_of_reply(_message("a", DOCTOR, "2026-12-01T11:00:00Z")) == "p1"
    assert patient_of_reply(_message("a", DOCTOR, "2026-12-01T11:00:00Z", received="2026-12-01")) is None
    assert patient_of_reply(_message("a", PATIENT, "2026-12-01T11:00:00Z")) is None
    proxy = {"reference": "RelatedPerson/rp1"}
    assert patient_of_reply(_message("a", proxy, "2026-12-01T11:00:00Z")) is None
    assert patient_of_reply(_comm("h", DOCTOR, "2026-12-01T11:00:00Z")) is None  # no thread


def test_text_is_kept_exactly_and_limits_are_input_errors() -> None:
    text = "  <b>x</b> 👋🏽\r\n\t"
    assert checked_text(text, 100) is text
    for bad in ("", " \n ", "x" * 101, "a\x00b", "a\x1bb", "a\ud800b"):
        with pytest.raises(BadUserInput):
            checked_text(bad, 100)
    with pytest.raises(BadUserInput):
        checked_topic("two\nlines")
    with pytest.raises(BadUserInput):
        checked_attachment_ids(["a", "b"], 1)
    with pytest.raises(BadUserInput):
        checked_attachment_ids(["a", "a"], 5)
    with pytest.raises(BadUserInput):
        checked_attachment_ids(["../Patient"], 5)


def test_files_are_recognised_by_their_bytes_and_named_safely() -> None:
    assert sniff(b"%PDF-1.7 ...") == ("application/pdf", "pdf")
    assert sniff(b"\x89PNG\r\n\x1a\n...") == ("image/png", "png")
    assert sniff(b"\xff\xd8\xff\xe1...") == ("image/jpeg", "jpg")
    for other in (b"GIF89a", b"<html>", b"PK\x03\x04", b"%PD", b""):
        assert sniff(other) is None
    assert checked_title(None, "pdf") == "attachment.pdf"
    assert checked_title("..%2F..%2Fetc%2Fx%C3%A9.pdf", "pdf") == "xé.pdf"
    for bad in ("%FF", "a%0Ab", "x" * 201):
        with pytest.raises(BadUserInput):
            checked_title(bad, "pdf")
    assert (
        disposition('a"b;é.pdf') == "attachment; filename=\"a_b__.pdf\"; filename*=UTF-8''a%22b%3B%C3%A9.pdf"
    )
