"""Secure messaging against the real gateway, HAPI, Redis and SMTP (issue 13): send, the practitioner's reply
through the staff CLI and its mail, read state and the unread count, paging while messages arrive, the
promise and the routing Task, idempotent retries, and what a thread page costs upstream."""

from __future__ import annotations

import httpx

from auth import SmtpMailer, SystemClock
from fhir_client import FhirClient
from fixtures.staff import messages as staff
from fixtures.staff.ehr import Ehr, update
from gateway.notices import Notifier
from resolvers.notices import NOTICES
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.messages_support import (
    MARK_READ,
    REPLY,
    SEND,
    chart,
    ehr_thread,
    fhir_search,
    hours,
    send,
    thread,
    threads,
    unread,
)
from tests.integration.gateway.records_support import counted, put, session_for

SECRET = "My rash on the left arm is spreading"


def _notifier(access: AccessPortal, http: httpx.AsyncClient, base: str, smtp: SmtpSink) -> Notifier:
    return Notifier(
        FhirClient(http, base),
        access.portal.redis,
        access.portal.settings.auth_key_prefix,
        access.portal.auth.accounts,
        SmtpMailer("127.0.0.1", smtp.port, sender="portal@example.test", security="none"),
        SystemClock(),
        NOTICES,
        practice_name="Maple Grove Family Medicine",
        portal_url="https://portal.example.test/",
    )


async def test_send_then_a_practitioner_replies_through_the_staff_cli(
    access: AccessPortal, fhir_base_url: str, smtp: SmtpSink
) -> None:
    patient = access.family.patient("pat")
    token = await access.token("pat")
    email = f"{access.family.run}-pat@example.test"
    async with httpx.AsyncClient(timeout=30) as http:
        notifier = _notifier(access, http, fhir_base_url, smtp)
        assert await notifier.run_once() == 0  # the first run only sets the watermark

        sent = await send(access, token, patient, SECRET)
        assert sent["__typename"] == "MessageSent"
        assert "9-1-1" in sent["urgentCareNotice"] and sent["expectedReplyBy"]
        task = fhir_search(fhir_base_url, "Task", focus=f"Communication/{sent['messageId']}")
        assert len(task) == 1 and task[0]["owner"]["reference"] == "HealthcareService/hs-mgfm-front-desk"
        assert task[0]["restriction"]["period"]["end"] == sent["expectedReplyBy"]
        assert task[0]["status"] == "requested" and task[0]["for"]["reference"] == f"Patient/{patient}"
        assert await notifier.run_once() == 0  # the patient's own message mails nobody

        ehr = Ehr(fhir_base_url)
        try:
            done = staff.reply(ehr, sent["threadId"], "drlee", "Please send a photo of it.")
        finally:
            ehr.close()
        assert "from Practitioner/prac-helen-lee" in done
        assert await notifier.run_once() == 1
        assert await notifier.run_once() == 0  # once per message

    mails = smtp.to(email)
    assert len(mails) == 1
    text = mails[0].get_content()
    assert "You have a new message from Maple Grove Family Medicine" in text
    assert SECRET not in text and "photo" not in text and patient not in text
    assert str(mails[0]["subject"]) == "New message from Maple Grove Family Medicine"

    shown = await thread(access, token, sent["threadId"])
    assert shown is not None and shown["patientId"] == patient and shown["unreadCount"] == 1
    first, answer = shown["messages"]
    assert first["text"] == SECRET and first["fromPatient"] and first["read"]
    assert first["received"] is not None  # the office opened it when answering
    assert answer["sender"] == {
        "kind": "PRACTITIONER",
        "id": "prac-helen-lee",
        "reference": "Practitioner/prac-helen-lee",
        "name": "Helen Lee, MD",  # the display the EHR wrote: the Practitioner's HumanName.text
    }
    assert answer["inResponseToId"] == first["id"] and not answer["read"] and answer["received"] is None
    answered = fhir_search(fhir_base_url, "Task", focus=f"Communication/{sent['messageId']}")
    assert answered[0]["status"] == "completed"


async def test_read_state_and_the_unread_count(access: AccessPortal, fhir_base_url: str) -> None:
    patient = access.family.patient("pat")
    token = await access.token("pat")
    before = await unread(access, token, patient)  # the family's thread from the practice: one unread
    assert before == 1
    sent = await send(access, token, patient)
    assert await unread(access, token, patient) == before  # what the patient wrote is not new to them
    ehr = Ehr(fhir_base_url)
    try:
        staff.reply(ehr, sent["threadId"], "nprivera", "Yes, it was faxed this morning.")
        staff.reply(ehr, sent["threadId"], "drlee", "And a copy is in your documents.")
    finally:
        ehr.close()
    assert await unread(access, token, patient) == before + 2
    page = await threads(access, token, patient, unread=True)
    assert [n["id"] for n in page["nodes"]] == [sent["threadId"], access.family.thread]
    assert page["nodes"][0]["unreadCount"] == 2

    variables = {"patient": patient, "thread": sent["threadId"], "key": new_key()}
    marked = (await access.gql(MARK_READ, variables, token=token)).data("markThreadRead")
    assert marked == {"__typename": "ThreadMarkedRead", "threadId": sent["threadId"], "markedCount": 2}
    assert await unread(access, token, patient) == before
    assert [n["id"] for n in (await threads(access, token, patient, unread=True))["nodes"]] == [
        access.family.thread
    ]
    shown = await thread(access, token, sent["threadId"])
    assert shown is not None and all(m["read"] and m["received"] for m in shown["messages"])
    again = (await access.gql(MARK_READ, variables | {"key": new_key()}, token=token)).data("markThreadRead")
    assert again["markedCount"] == 0
    # A READ_ONLY proxy reads but does not change what is new for the patient.
    spouse = await access.token("ro")
    refused = await access.gql(MARK_READ, variables | {"key": new_key()}, token=spouse)
    assert refused.data("markThreadRead")["code"] == "NOT_PERMITTED"


async def test_threads_page_newest_first_without_gaps_while_new_messages_arrive(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = chart(fhir_base_url)
    put(fhir_base_url, [r for n in range(25) for r in ehr_thread(patient, f"t{n:02d}", at=hours(n))])
    token = await session_for(access, patient)
    first = await threads(access, token, patient, first=10)
    assert [n["id"] for n in first["nodes"]] == [f"{patient}-t{n:02d}" for n in range(24, 14, -1)]
    # Meanwhile: two new threads, and a reply in one already shown (its thread moves to the top).
    put(fhir_base_url, [r for n in (30, 31) for r in ehr_thread(patient, f"new{n}", at=hours(n))])
    ehr = Ehr(fhir_base_url)
    try:
        staff.reply(ehr, f"{patient}-t20", "drlee", "One more thing.")
    finally:
        ehr.close()
    seen = [n["id"] for n in first["nodes"]]
    after = first["pageInfo"]["endCursor"]
    while after:
        page = await threads(access, token, patient, first=10, after=after)
        seen += [n["id"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    # No duplicates (not even of the thread that moved to the top) and no gaps. HAPI keeps the first part of
    # the search and continues it later on the current data without what it already served, so the two new
    # threads may show up on a later page too; they certainly do on the next first page.
    assert len(seen) == len(set(seen))
    original = [f"{patient}-t{n:02d}" for n in range(24, -1, -1)]
    assert [s for s in seen if s in original] == original
    assert set(seen) - set(original) <= {f"{patient}-new30", f"{patient}-new31"}
    fresh = [n["id"] for n in (await threads(access, token, patient, first=3))["nodes"]]
    assert fresh == [f"{patient}-t20", f"{patient}-new31", f"{patient}-new30"]


async def test_a_thread_page_of_20_threads_with_their_latest_message_costs_at_most_3_requests(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = chart(fhir_base_url)
    resources = [
        r for n in range(20) for r in ehr_thread(patient, f"c{n:02d}", at=hours(n), sender="Practitioner")
    ]
    put(fhir_base_url, resources)
    token = await session_for(access, patient)
    query = """
    query Q($id: ID!) { patient(id: $id) { unreadMessageCount messageThreads(first: 20) { nodes {
      id topic unreadCount lastMessage { text sent read sender { kind name } recipients { name } }
    } } } }"""
    body, sent = await counted(access, query, {"id": patient}, token)
    nodes = body["data"]["patient"]["messageThreads"]["nodes"]
    assert len(nodes) == 20 and all(n["lastMessage"]["sender"]["name"] == "Dr. Helen Lee, MD" for n in nodes)
    assert body["data"]["patient"]["unreadMessageCount"] == 20
    # One batch: the Patient, the unread count, and one search of the 20 headers with their messages
    # revincluded; the names come from the references' display.
    assert len(sent) == 1, sent
    entries = sent[0].split(" [", 1)[1].split(", GET ")
    assert len(entries) == 3, entries
    listing = next(s for s in entries if "_revinclude=Communication:part-of" in s)
    assert "part-of:missing=true" in listing and "_count=20" in listing


async def test_an_idempotent_retry_creates_one_message(access: AccessPortal, fhir_base_url: str) -> None:
    patient = access.family.patient("pat")
    token = await access.token("pat")
    variables = {
        "patient": patient,
        "recipient": {"pool": "billing"},
        "topic": "Statement",
        "text": "Why was I billed twice?",
        "key": new_key(),
        "category": "BILLING",
    }
    access.recorder.lose_next_answer("POST")  # HAPI writes, the answer is lost on the way back
    lost = await access.gql(SEND, variables, token=token)
    assert lost.codes == ["UPSTREAM_ERROR"], lost.body
    first = (await access.gql(SEND, variables, token=token)).data("sendMessage")
    again = (await access.gql(SEND, variables, token=token)).data("sendMessage")
    assert first["__typename"] == "MessageSent" and again == first
    written = fhir_search(fhir_base_url, "Communication", subject=f"Patient/{patient}", category="billing")
    assert (
        len([c for c in written if "partOf" in c]) == 1
        and len([c for c in written if "partOf" not in c]) == 1
    )
    assert len(fhir_search(fhir_base_url, "Task", focus=f"Communication/{first['messageId']}")) == 1


async def test_what_each_write_costs_upstream(access: AccessPortal, fhir_base_url: str) -> None:
    patient = chart(fhir_base_url)
    token = await session_for(access, patient)
    member = {"careTeamMember": "prac-carmen-rivera"}
    base = {"patient": patient, "topic": "Hi", "text": "Hello", "recipient": {"pool": "nurse-line"}}

    async def cost(document: str, variables: dict[str, object]) -> tuple[dict[str, object], list[str]]:
        body, sent = await counted(access, document, variables, token)
        (result,) = body["data"].values()
        return result, [s.split("?")[0] for s in sent]

    to_pool, sent = await cost(SEND, base | {"key": new_key()})
    assert to_pool["__typename"] == "MessageSent" and sent == ["POST /fhir"]  # one transaction
    to_member, sent = await cost(SEND, base | {"recipient": member, "key": new_key()})
    assert to_member["__typename"] == "MessageSent" and sent == ["GET /fhir/CareTeam", "POST /fhir"]
    (written,) = fhir_search(fhir_base_url, "Communication", _id=str(to_member["messageId"]))
    assert written["recipient"] == [
        {"reference": "Practitioner/prac-carmen-rivera", "display": "Carmen Rivera, FNP"}
    ]
    elsewhere, sent = await cost(
        SEND, base | {"recipient": {"careTeamMember": "prac-samuel-nguyen"}, "key": new_key()}
    )
    assert elsewhere["code"] == "RECIPIENT_UNAVAILABLE" and sent == ["GET /fhir/CareTeam"]

    reply = {"patient": patient, "thread": to_pool["threadId"], "text": "And another thing", "key": new_key()}
    answered, sent = await cost(REPLY, reply)
    assert answered["__typename"] == "MessageSent" and sent == ["GET /fhir/Communication", "POST /fhir"]
    (written,) = fhir_search(fhir_base_url, "Communication", _id=str(answered["messageId"]))
    assert written["recipient"] == [
        {"reference": "HealthcareService/hs-mgfm-nurse-line", "display": "Nurse line"}
    ]
    marked, sent = await cost(
        MARK_READ, {"patient": patient, "thread": to_pool["threadId"], "key": new_key()}
    )
    assert marked["markedCount"] == 0 and sent == ["GET /fhir/Communication"]  # nothing to write
    shown, sent = await cost(
        "query Q($id: ID!) { messageThread(id: $id) { messages { text sender { name } } } }",
        {"id": to_pool["threadId"]},
    )
    # The thread (one search over the scope's compartments), its messages, and the patient's name: the
    # gateway writes no display for the patient's side, so it is read (batched per type) when selected.
    assert len(shown["messages"]) == 2 and shown["messages"][0]["sender"]["name"] == "Msg Testcase"
    assert sent[:2] == ["GET /fhir/Communication", "GET /fhir/Communication"] and len(sent) == 3
    assert sent[2].startswith("GET /fhir/Patient/")


async def test_a_write_that_meets_a_change_made_meanwhile_reads_again(
    access: AccessPortal, fhir_base_url: str
) -> None:
    patient = access.family.patient("pat")
    token = await access.token("pat")
    sent = await send(access, token, patient)
    ehr = Ehr(fhir_base_url)
    try:
        staff.reply(ehr, sent["threadId"], "drlee", "First answer.")
        staff.reply(ehr, sent["threadId"], "drlee", "Second answer.")
        answers = [
            m
            for m in fhir_search(
                fhir_base_url, "Communication", **{"part-of": f"Communication/{sent['threadId']}"}
            )
            if "received" not in m and m["sender"]["reference"].startswith("Practitioner/")
        ]

        def open_one_in_the_ehr() -> None:  # the patient reads one on another device: a new version
            first = ehr.read("Communication", answers[0]["id"])
            ehr.transaction([update({**first, "received": first["sent"], "status": "completed"})])

        access.recorder.before_next("POST", open_one_in_the_ehr)
        variables = {"patient": patient, "thread": sent["threadId"], "key": new_key()}
        marked = (await access.gql(MARK_READ, variables, token=token)).data("markThreadRead")
        assert marked["markedCount"] == 1  # the stale transaction wrote nothing; the second try saw one left
        assert await unread(access, token, patient) == 1  # the family's own thread only

        access.recorder.before_next("POST", lambda: staff.close(ehr, sent["threadId"]))
        reply = {"patient": patient, "thread": sent["threadId"], "text": "Thanks!", "key": new_key()}
        closed = (await access.gql(REPLY, reply, token=token)).data("replyToMessage")
        assert closed["code"] == "THREAD_CLOSED"
    finally:
        ehr.close()
    shown = await thread(access, token, sent["threadId"])
    assert shown is not None and [m["text"] for m in shown["messages"]][-1] == "Second answer."
