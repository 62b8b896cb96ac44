"""Who may read and write which messages: a proxy's message, READ_ONLY refused with nothing sent upstream,
the teen rule on threads, counts and attachments, and another patient's ids answering like missing ones."""

from __future__ import annotations

import base64
from typing import Any

from fixtures import catalog
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.messages_support import (
    MARK_READ,
    PDF,
    REPLY,
    SEND,
    THREADS,
    download,
    fhir_search,
    hours,
    pool,
    send,
    thread,
    threads,
    unread,
    upload,
)
from tests.integration.gateway.records_support import put, session_for


async def test_a_proxy_writes_as_the_proxy_about_the_patient(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    patient, friend = f.patient("pat"), await access.token("sm")
    sent = await send(access, friend, patient, "Can Pat's visit move to Friday?")
    assert sent["__typename"] == "MessageSent"
    (message,) = fhir_search(fhir_base_url, "Communication", _id=sent["messageId"])
    assert message["sender"] == {"reference": f"RelatedPerson/{f.rp('sm', 'pat')}"}
    assert message["subject"] == {"reference": f"Patient/{patient}"}
    (task,) = fhir_search(fhir_base_url, "Task", focus=f"Communication/{sent['messageId']}")
    assert task["requester"] == message["sender"] and task["for"] == message["subject"]
    own = await access.token("pat")
    shown = await thread(access, own, sent["threadId"])
    assert shown is not None
    assert shown["messages"][0]["sender"]["kind"] == "PROXY" and shown["messages"][0]["fromPatient"]
    mine = await threads(access, own, patient, folder="SENT")
    assert sent["threadId"] in [n["id"] for n in mine["nodes"]]
    assert sent["threadId"] not in [
        n["id"] for n in (await threads(access, own, patient, folder="INBOX"))["nodes"]
    ]


async def test_read_only_is_refused_with_nothing_sent_upstream(access: AccessPortal) -> None:
    f = access.family
    patient, spouse = f.patient("pat"), await access.token("ro")
    sent = await send(access, await access.token("pat"), patient)
    await access.gql(THREADS, {"id": patient}, token=spouse)  # reading is fine (and caches the scope)
    attempts: list[tuple[str, dict[str, Any]]] = [
        (SEND, {"patient": patient, "recipient": pool(), "topic": "Hi", "text": "Hello", "key": new_key()}),
        (REPLY, {"patient": patient, "thread": sent["threadId"], "text": "Hello", "key": new_key()}),
        (MARK_READ, {"patient": patient, "thread": sent["threadId"], "key": new_key()}),
    ]
    for document, variables in attempts:
        access.recorder.clear()
        reply = await access.gql(document, variables, token=spouse)
        (result,) = reply.body["data"].values()
        assert result["code"] == "NOT_PERMITTED", reply.body
        assert access.recorder.requests == []
    access.recorder.clear()
    refused = await upload(access, spouse, patient)
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert access.recorder.requests == []


def _teen_threads(family_run: str, teen: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """A thread the teen started (the practice answered) and one the practice started (the teen answered,
    with a file)."""
    me, doctor = (
        {"reference": f"Patient/{teen}"},
        {"reference": "Practitioner/prac-helen-lee", "display": "Dr. Lee"},
    )
    ids = {
        "own": f"{family_run}-teen-own",
        "practice": f"{family_run}-teen-practice",
        "file": f"{family_run}-teen-file",
    }

    def comm(rid: str, sender: dict[str, str], to: dict[str, str], n: int, **more: Any) -> dict[str, Any]:
        return {
            "resourceType": "Communication",
            "id": rid,
            "status": "in-progress",
            "subject": me,
            "sent": hours(n).isoformat(),
            "sender": sender,
            "recipient": [to],
            **more,
        }

    def message(
        thread: str, n: int, sender: dict[str, str], to: dict[str, str], **more: Any
    ) -> dict[str, Any]:
        part = {"partOf": [{"reference": f"Communication/{thread}"}]}
        text = [{"contentString": f"{thread} {n}"}]
        return comm(f"{thread}-{n}", sender, to, n, **part, payload=text + more.pop("files", []), **more)

    attachment = {"contentAttachment": {"url": f"Binary/{ids['file']}", "contentType": "application/pdf"}}
    resources = [
        {
            "resourceType": "Binary",
            "id": ids["file"],
            "contentType": "application/pdf",
            "securityContext": me,
            "data": base64.b64encode(PDF).decode(),
        },
        comm(ids["own"], me, doctor, 1, topic={"text": "Private question"}),
        message(ids["own"], 1, me, doctor),
        message(ids["own"], 2, doctor, me),
        comm(ids["practice"], doctor, me, 3, topic={"text": "Your vaccines"}),
        message(ids["practice"], 3, doctor, me),
        message(ids["practice"], 4, me, doctor, files=[attachment]),
    ]
    return resources, ids


async def test_the_teen_rule_holds_for_threads_counts_and_attachments(
    access: AccessPortal, fhir_base_url: str
) -> None:
    f = access.family
    teen = f.patient("teen")
    resources, ids = _teen_threads(f.run, teen)
    put(fhir_base_url, resources)
    parent = await access.token("pat")

    listed = {n["id"]: n for n in (await threads(access, parent, teen))["nodes"]}
    assert ids["own"] not in listed and f"{f.run}-msg-teen-sent" not in listed
    assert ids["practice"] in listed and f"{f.run}-msg-teen-received" in listed
    seen = listed[ids["practice"]]
    assert seen["messageCount"] == 1 and seen["lastMessage"]["id"] == f"{ids['practice']}-3"
    assert await thread(access, parent, ids["own"]) is None
    shown = await thread(access, parent, ids["practice"])
    assert shown is not None and [m["id"] for m in shown["messages"]] == [f"{ids['practice']}-3"]
    assert await unread(access, parent, teen) == 1  # not the answer in the teen's own thread
    for message_id in (f"{ids['practice']}-4", f"{ids['own']}-2"):
        hidden = await download(access, parent, teen, message_id, ids["file"])
        assert hidden.status_code == 404

    # The teen themself sees everything.
    account = await access.portal.account(f"{f.run}-teen", patient_id=teen)
    own = (await access.portal.auth.sessions.create(account.id)).token
    mine = {n["id"] for n in (await threads(access, own, teen))["nodes"]}
    assert {ids["own"], ids["practice"], f"{f.run}-msg-teen-sent"} <= mine
    assert await unread(access, own, teen) == 2
    got = await download(access, own, teen, f"{ids['practice']}-4", ids["file"])
    assert got.status_code == 200 and got.content == PDF


async def test_another_patients_thread_and_attachment_ids_answer_like_missing_ones(
    access: AccessPortal,
) -> None:
    f = access.family
    patient, stranger = f.patient("pat"), f.patient("un")
    owner, other = await access.token("pat"), await access.token("un")
    uploaded = (await upload(access, owner, patient)).json()
    sent = await send(access, owner, patient, files=[uploaded["id"]])
    assert sent["__typename"] == "MessageSent"
    assert (await download(access, owner, patient, sent["messageId"], uploaded["id"])).status_code == 200

    await access.gql(THREADS, {"id": stranger}, token=other)  # the stranger's scope, cached
    access.recorder.clear()
    assert await thread(access, other, sent["threadId"]) is None
    assert await thread(access, other, "no-such-thread") is None
    replies = [
        await access.gql(REPLY, {"patient": p, "thread": t, "text": "Hi", "key": new_key()}, token=other)
        for p, t in ((stranger, sent["threadId"]), (stranger, "no-such-thread"), (patient, sent["threadId"]))
    ]
    assert [r.codes for r in replies] == [["NOT_FOUND"]] * 3
    assert len({r.body["errors"][0]["message"] for r in replies}) == 1
    downloads = [
        await download(access, other, p, m, a)
        for p, m, a in (
            (patient, sent["messageId"], uploaded["id"]),
            (stranger, sent["messageId"], uploaded["id"]),
            (stranger, "no-such-message", "no-such-file"),
        )
    ]
    assert [d.status_code for d in downloads] == [404] * 3 and len({d.content for d in downloads}) == 1
    attached = [
        await access.gql(
            SEND,
            {
                "patient": stranger,
                "recipient": pool(),
                "topic": "x",
                "text": "y",
                "key": new_key(),
                "files": [i],
            },
            token=other,
        )
        for i in (uploaded["id"], "no-such-file")
    ]
    assert [a.codes for a in attached] == [["BAD_USER_INPUT"]] * 2
    assert attached[0].body["errors"][0]["message"] == attached[1].body["errors"][0]["message"]
    for request in access.recorder.requests:
        assert f"Patient/{patient}" not in request.url and uploaded["id"] not in request.url, request.url


async def test_the_fixture_threads_read_as_the_portal_shows_them(access: AccessPortal) -> None:
    marcus = await session_for(access, "pat-marcus-johnson")
    page = await threads(access, marcus, "pat-marcus-johnson")
    (metformin,) = [n for n in page["nodes"] if n["id"] == "msg-marcus-johnson-metformin"]
    assert metformin["unreadCount"] == 1 and metformin["status"] == "OPEN"
    assert metformin["lastMessage"]["id"] == catalog.UNREAD_REPLY
    assert metformin["lastMessage"]["sender"]["name"] == "Carmen Rivera, FNP"
    # Maria, as Leo's parent, sees the thread she wrote as his proxy.
    maria = await session_for(access, catalog.MARIA, catalog.MARIA_PERSON)
    shown = await thread(access, maria, catalog.PROXY_THREAD)
    assert shown is not None and shown["patientId"] == catalog.LEO
    assert shown["messages"][0]["sender"]["kind"] == "PROXY"
    assert shown["messages"][0]["sender"]["reference"] == "RelatedPerson/rp-maria-for-leo"
