"""The practice's rules for messages: the reply promise over weekends and holidays in the practice's time
zone, the limits on text, attachments, size and type (checked before anything is written), text kept exactly
as sent, and the upload and download endpoint's own guards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.integration.gateway.access_support import AccessPortal, StartAccess, new_key
from tests.integration.gateway.messages_support import (
    JPEG,
    PDF,
    PNG,
    REPLY,
    SEND,
    download,
    fhir_search,
    pool,
    send,
    thread,
    upload,
    upload_headers,
)


def _next(weekday: int, after: date) -> date:
    """The first ``weekday`` (Monday 0) after ``after``."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


async def test_the_routing_tasks_due_date_skips_weekends_and_holidays(
    start_access: StartAccess, fhir_base_url: str
) -> None:
    thursday = _next(3, datetime.now(UTC).date())
    holiday = thursday + timedelta(days=4)  # the Monday after it

    def at(day: date, hours: float) -> datetime:  # UTC; Chicago is 5 (summer) or 6 hours behind
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hours)

    cases = [
        # A week earlier, no holiday: Thursday 09:00 -> Friday, (weekend,) Monday.
        (at(thursday - timedelta(days=7), 15), holiday - timedelta(days=7)),
        # Friday 09:00 before the holiday: (weekend, holiday Monday,) Tuesday, Wednesday.
        (at(thursday + timedelta(days=1), 15), holiday + timedelta(days=2)),
        # Friday 04:30 UTC is still Thursday evening in Chicago, whose day counts: Friday, (...,) Tuesday.
        (at(thursday, 28.5), holiday + timedelta(days=1)),
    ]
    async with start_access(practice_holidays=[holiday.isoformat()]) as access:
        patient = access.family.patient("pat")
        for moment, due in cases:
            access.portal.clock.set(moment)
            sent = await send(access, await access.token("pat"), patient)
            assert sent["expectedReplyBy"] == due.isoformat(), (moment, sent)
            (task,) = fhir_search(fhir_base_url, "Task", focus=f"Communication/{sent['messageId']}")
            assert task["restriction"]["period"]["end"] == due.isoformat()


async def test_limits_are_checked_before_anything_is_written(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient, token = access.family.patient("pat"), await access.token("pat")
    before = len(fhir_search(fhir_base_url, "Communication", subject=f"Patient/{patient}"))
    ids = [
        (await upload(access, token, patient, data)).json()["id"] for data in (PDF, PNG, JPEG, PDF, PNG, JPEG)
    ]
    base = {"patient": patient, "recipient": pool(), "topic": "Hi", "text": "Hello"}
    refused = {
        "text": base | {"text": "x" * 10_001},
        "blank text": base | {"text": " \n\t "},
        "control character": base | {"text": "a\x00b"},
        "lone surrogate": base | {"text": "a\ud800b"},
        "topic with a line break": base | {"topic": "one\ntwo"},
        "six attachments": base | {"files": ids},
        "the same file twice": base | {"files": [ids[0], ids[0]]},
        "no such pool": base | {"recipient": {"pool": "pharmacy"}},
        "two recipients": base | {"recipient": {"pool": "billing", "careTeam": "x"}},
    }
    for case, variables in refused.items():
        access.recorder.clear()
        reply = await access.gql(SEND, variables | {"key": new_key()}, token=token)
        assert reply.codes == ["BAD_USER_INPUT"], (case, reply.body)
        assert access.recorder.requests == [], case
    assert len(fhir_search(fhir_base_url, "Communication", subject=f"Patient/{patient}")) == before
    at_limit = await access.gql(
        SEND, base | {"text": "y" * 10_000, "files": ids[:5], "key": new_key()}, token=token
    )
    assert at_limit.data("sendMessage")["__typename"] == "MessageSent"

    # Uploads: the type by the bytes (not the name or the declared type), the size cap, nothing written.
    access.recorder.clear()
    for data, title in ((b"GIF89a" + b"\x00" * 20, "photo.png"), (b"hello", "notes.pdf"), (b"", "empty.pdf")):
        refused_upload = await upload(access, token, patient, data, title)
        assert refused_upload.status_code == 400, refused_upload.text
    cap = access.portal.settings.attachment_max_bytes
    too_big = await upload(access, token, patient, PDF + b"0" * (cap - len(PDF) + 1))
    assert too_big.status_code == 413
    assert access.recorder.requests == []
    biggest = await upload(access, token, patient, PDF + b"0" * (cap - len(PDF)), "scan.pdf")
    assert biggest.status_code == 201 and biggest.json()["size"] == cap
    declared_png = await access.portal.client.post(
        "/attachments",
        content=PDF,
        headers=upload_headers(patient, token, access.portal.cookie) | {"content-type": "image/png"},
    )
    assert declared_png.json()["contentType"] == "application/pdf"


async def test_text_comes_back_exactly_as_sent(access: AccessPortal) -> None:
    patient, token = access.family.patient("pat"), await access.token("pat")
    text = (
        "  Dr. Lee: <b>bold?</b> <script>alert(1)</script> &amp; 👋🏽 e\u0301 \u202eRTL\u202c\r\nline 2\t  "
    )
    sent = await send(access, token, patient, text)
    shown = await thread(access, token, sent["threadId"])
    assert shown is not None and shown["messages"][0]["text"] == text
    reply = await access.gql(
        REPLY,
        {"patient": patient, "thread": sent["threadId"], "text": "Ünïcödé ✓", "key": new_key()},
        token=token,
    )
    assert reply.data("replyToMessage")["__typename"] == "MessageSent"
    shown = await thread(access, token, sent["threadId"])
    assert shown is not None and [m["text"] for m in shown["messages"]] == [text, "Ünïcödé ✓"]
    assert shown["messages"][1]["inResponseToId"] == shown["messages"][0]["id"]


async def test_attachments_upload_and_download_under_their_own_guards(access: AccessPortal) -> None:
    patient, token = access.family.patient("pat"), await access.token("pat")
    headers = upload_headers(patient, token, access.portal.cookie)
    # Cookie alone is never enough: without the custom header, or as a form, nothing is done.
    access.recorder.clear()
    no_header = {k: v for k, v in headers.items() if k != "x-patient-id"}
    assert (
        await access.portal.client.post("/attachments", content=PDF, headers=no_header)
    ).status_code == 400
    as_form = headers | {"content-type": "multipart/form-data; boundary=x"}
    assert (await access.portal.client.post("/attachments", content=PDF, headers=as_form)).status_code == 400
    signed_out = {k: v for k, v in headers.items() if k != "cookie"}
    refused = await access.portal.client.post("/attachments", content=PDF, headers=signed_out)
    assert (
        refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )
    assert access.recorder.requests == []

    # Above the 64 KiB cap of /graphql, which keeps its own.
    scan = PDF + b"1" * (100 * 1024)
    await thread(access, token, "warm-the-scope")
    access.recorder.clear()
    created = await upload(access, token, patient, scan, "Befund%20M%C3%BCller.pdf")
    assert created.status_code == 201, created.text
    assert [f"{r.method} {r.url}" for r in access.recorder.requests] == ["POST /fhir/Binary"]
    uploaded = created.json()
    assert uploaded | {"id": "x"} == {
        "id": "x",
        "title": "Befund Müller.pdf",
        "contentType": "application/pdf",
        "size": len(scan),
    }
    oversized = await access.portal.client.post(
        "/graphql", content=b"{" + b" " * (64 * 1024) + b"}", headers={"content-type": "application/json"}
    )
    assert oversized.status_code == 413

    sent = await send(access, token, patient, "See the scan.", files=[uploaded["id"]])
    shown = await thread(access, token, sent["threadId"])
    assert shown is not None
    assert shown["messages"][0]["attachments"] == [
        {
            "id": uploaded["id"],
            "title": "Befund Müller.pdf",
            "contentType": "application/pdf",
            "size": len(scan),
        }
    ]
    access.recorder.clear()
    got = await download(access, token, patient, sent["messageId"], uploaded["id"])
    assert got.status_code == 200 and got.content == scan
    # The message with its thread's header (one search), then the Binary.
    assert [r.url.split("?")[0] for r in access.recorder.requests] == [
        "/fhir/Communication",
        f"/fhir/Binary/{uploaded['id']}",
    ]
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"Befund M_ller.pdf\"; filename*=UTF-8''Befund%20M%C3%BCller.pdf"
    )
    # The same file is no attachment of another message, even of the same patient.
    other = await send(access, token, patient, "No file here.")
    assert (await download(access, token, patient, other["messageId"], uploaded["id"])).status_code == 404
