"""Support for the messaging tests: the operations, a chart of the test's own (a patient with a care team),
threads written straight to HAPI as an EHR would, uploads and downloads over /attachments, and reading back
what HAPI holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.gateway.access_support import AccessPortal, new_key
from tests.integration.gateway.records_support import put

SEND = """
mutation S($patient: ID!, $recipient: MessageRecipientInput!, $topic: String!, $text: String!, $key: String!,
           $files: [ID!], $category: MessageCategory) {
  sendMessage(patientId: $patient, recipient: $recipient, topic: $topic, text: $text, idempotencyKey: $key,
              attachmentIds: $files, category: $category) {
    __typename
    ... on MessageSent { threadId messageId expectedReplyBy urgentCareNotice }
    ... on Problem { code message }
  }
}
"""
REPLY = """
mutation R($patient: ID!, $thread: ID!, $text: String!, $key: String!, $files: [ID!]) {
  replyToMessage(patientId: $patient, threadId: $thread, text: $text, idempotencyKey: $key,
                 attachmentIds: $files) {
    __typename
    ... on MessageSent { threadId messageId expectedReplyBy urgentCareNotice }
    ... on Problem { code message }
  }
}
"""
MARK_READ = """
mutation M($patient: ID!, $thread: ID!, $key: String!) {
  markThreadRead(patientId: $patient, threadId: $thread, idempotencyKey: $key) {
    __typename ... on ThreadMarkedRead { threadId markedCount } ... on Problem { code message }
  }
}
"""
MESSAGE_FIELDS = """
  id threadId inResponseToId text sent received read fromPatient
  sender { kind id reference name } recipients { kind reference name }
  attachments { id title contentType size }
"""
THREADS = f"""
query T($id: ID!, $first: Int, $after: String, $folder: MessageFolder, $unread: Boolean) {{
  patient(id: $id) {{
    messageThreads(first: $first, after: $after, folder: $folder, unreadOnly: $unread) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ id topic status lastActivity unreadCount messageCount lastMessage {{ {MESSAGE_FIELDS} }} }}
    }}
  }}
}}
"""
THREAD = f"""
query T($id: ID!) {{
  messageThread(id: $id) {{
    id patientId topic status lastActivity unreadCount category {{ coding {{ code }} }}
    participants {{ kind reference name }}
    messages {{ {MESSAGE_FIELDS} }}
  }}
}}
"""
UNREAD = "query U($id: ID!) { patient(id: $id) { unreadMessageCount } }"
PDF = b"%PDF-1.4\n%synthetic test file\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def pool(code: str = "front-desk") -> dict[str, str]:
    return {"pool": code}


async def send(
    access: AccessPortal, token: str, patient: str, text: str = "Is my referral ready?", **extra: Any
) -> dict[str, Any]:
    variables = {
        "patient": patient,
        "recipient": pool(),
        "topic": "Referral",
        "text": text,
        "key": new_key(),
        **extra,
    }
    reply = await access.gql(SEND, variables, token=token)
    result: dict[str, Any] = reply.data("sendMessage")
    return result


async def threads(access: AccessPortal, token: str, patient: str, **variables: Any) -> dict[str, Any]:
    reply = await access.gql(THREADS, {"id": patient, **variables}, token=token)
    page: dict[str, Any] = reply.data("patient")["messageThreads"]
    return page


async def thread(access: AccessPortal, token: str, thread_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await access.gql(THREAD, {"id": thread_id}, token=token)).data(
        "messageThread"
    )
    return found


async def unread(access: AccessPortal, token: str, patient: str) -> int:
    count: int = (await access.gql(UNREAD, {"id": patient}, token=token)).data("patient")[
        "unreadMessageCount"
    ]
    return count


def chart(base: str) -> str:
    """A patient of the test's own with an active care team (Dr. Lee and NP Rivera of the fixtures)."""
    patient = f"msg-{uuid.uuid4().hex[:10]}"
    members = ("prac-helen-lee", "prac-carmen-rivera")
    put(
        base,
        [
            {"resourceType": "Patient", "id": patient, "name": [{"family": "Testcase", "given": ["Msg"]}]},
            {
                "resourceType": "CareTeam",
                "id": f"{patient}-team",
                "status": "active",
                "name": "Care team for Msg Testcase",
                "subject": {"reference": f"Patient/{patient}"},
                "participant": [{"member": {"reference": f"Practitioner/{m}"}} for m in members],
            },
        ],
    )
    return patient


def ehr_thread(
    patient: str, tag: str, *, at: datetime, unread: bool = True, sender: str = "Patient"
) -> list[dict[str, Any]]:
    """A thread as an EHR writes it: the practice writes to the patient (or, with ``sender``, the reverse)."""
    header_id, message_id = f"{patient}-{tag}", f"{patient}-{tag}-1"
    subject = {"reference": f"Patient/{patient}"}
    doctor = {"reference": "Practitioner/prac-helen-lee", "display": "Dr. Helen Lee, MD"}
    by_patient = sender == "Patient"
    frm, to = (subject, doctor) if by_patient else (doctor, subject)
    stamp = at.isoformat()
    message: dict[str, Any] = {
        "resourceType": "Communication",
        "id": message_id,
        "partOf": [{"reference": f"Communication/{header_id}"}],
        "status": "in-progress" if unread else "completed",
        "subject": subject,
        "sent": stamp,
        "sender": frm,
        "recipient": [to],
        "payload": [{"contentString": f"message {tag}"}],
    }
    if not unread:
        message["received"] = stamp
    header = {
        "resourceType": "Communication",
        "id": header_id,
        "status": "in-progress",
        "subject": subject,
        "topic": {"text": f"Thread {tag}"},
        "sent": stamp,
        "sender": frm,
        "recipient": [to],
    }
    return [header, message]


def hours(n: int) -> datetime:
    return datetime(2026, 1, 5, 8, tzinfo=UTC) + timedelta(hours=n)


def fhir_search(base: str, resource_type: str, **params: str) -> list[dict[str, Any]]:
    """What HAPI holds (straight, not through the gateway)."""
    reply = httpx.get(f"{base}/{resource_type}", params={**params, "_count": "200"}, timeout=30)
    assert reply.status_code == 200, reply.text[:500]
    return [
        entry["resource"] for entry in reply.json().get("entry", []) if entry["search"]["mode"] == "match"
    ]


def upload_headers(patient: str, token: str, cookie: str, **extra: str) -> dict[str, str]:
    return {
        "x-patient-id": patient,
        "cookie": f"{cookie}={token}",
        "content-type": "application/pdf",
        **extra,
    }


async def upload(
    access: AccessPortal, token: str, patient: str, data: bytes = PDF, title: str = "lab-letter.pdf"
) -> httpx.Response:
    headers = upload_headers(patient, token, access.portal.cookie, **{"x-attachment-title": title})
    return await access.portal.client.post("/attachments", content=data, headers=headers)


async def download(
    access: AccessPortal, token: str, patient: str, message_id: str, attachment_id: str
) -> httpx.Response:
    headers = {
        "x-patient-id": patient,
        "x-message-id": message_id,
        "x-attachment-id": attachment_id,
        "cookie": f"{access.portal.cookie}={token}",
    }
    return await access.portal.client.get("/attachments", headers=headers)
