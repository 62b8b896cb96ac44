"""Message attachments (docs/messaging.md): upload a file for a patient's message, download one of a message.

Upload: only PDF, PNG and JPEG, recognised by their first bytes (the name and the declared type are not
trusted), at most ``PracticeRules.attachment_max_bytes``. The capability is MESSAGE (a READ_ONLY proxy gets
``NotPermitted`` before any upstream request). The file becomes a Binary whose ``securityContext`` is the
patient, and the uploader gets an upload ticket (``access.uploads``) that ``sendMessage``/``replyToMessage``
accept in ``attachmentIds``.

Download: only as an attachment of a message the viewer may see. The message is read through the guard with
its thread header (a message whose thread the teen rule hides is hidden too), and the Binary only through
``PatientGuard.attachment``, which checks that the message links it. Anything else (another patient's
message or file, a file of another message, a missing one) answers NOT_FOUND alike.

Three magic numbers are checked here rather than with a sniffing library: the formats are fixed by the
issue, their signatures are one line each, and a library would recognise (and so invite) many more.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from access import Capability, Upload
from fhir_client import Resource

from .context import RequestContext
from .errors import BadUserInput
from .guard import NotInScope
from .ids import fhir_id
from .message_shapes import stamp
from .message_values import thread_of
from .permits import acting_for
from .problems import NotPermitted
from .values import objects, string

# (content type, file-name extension, signature at offset 0): PDF 1.7 (ISO 32000) section 7.5.2, PNG
# (RFC 2083) section 3.1, JPEG/JFIF: the SOI marker followed by the start of the next marker.
SIGNATURES = (
    ("application/pdf", "pdf", b"%PDF-"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff"),
)
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Uploaded:
    id: str
    title: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Download:
    data: bytes
    content_type: str
    title: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """The content type and extension the bytes are, if PDF, PNG or JPEG; else ``None``."""
    return next(((kind, ext) for kind, ext, magic in SIGNATURES if data.startswith(magic)), None)


def checked_title(raw: str | None, extension: str) -> str:
    """The file's name from the ``X-Attachment-Title`` header (percent-encoded UTF-8), without any folder.

    Raises:
        BadUserInput: Not UTF-8 once decoded, too long, or with control characters.
    """
    if raw is None or not raw.strip():
        return f"attachment.{extension}"
    try:
        title = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise BadUserInput("X-Attachment-Title: percent-encoded UTF-8 expected") from None
    title = title.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not title or len(title) > MAX_TITLE or any(ord(c) < 32 or ord(c) == 0x7F for c in title):
        raise BadUserInput(f"X-Attachment-Title: a file name of at most {MAX_TITLE} characters")
    return title


async def upload(
    ctx: RequestContext, patient_id: str, data: bytes, title: str | None
) -> Uploaded | NotPermitted:
    """Store ``data`` as a Binary of the patient and give the viewer an upload ticket for it.

    Raises:
        PublicError: BAD_USER_INPUT for an empty, too large or unrecognised file or a bad title (nothing is
            sent upstream); NOT_FOUND for a patient outside the scope.
    """
    fhir_id(patient_id)
    if not data:
        raise BadUserInput("file: empty")
    if len(data) > ctx.practice.attachment_max_bytes:
        raise BadUserInput(f"file: at most {ctx.practice.attachment_max_bytes} bytes")
    recognised = sniff(data)
    if recognised is None:
        raise BadUserInput("file: only PDF, PNG and JPEG files can be attached")
    content_type, extension = recognised
    name = checked_title(title, extension)
    guard = await acting_for(ctx, patient_id, Capability.MESSAGE)
    if isinstance(guard, NotPermitted):
        return guard
    binary = {
        "resourceType": "Binary",
        "contentType": content_type,
        "securityContext": {"reference": f"Patient/{guard.patient_id}"},
        "data": base64.b64encode(data).decode("ascii"),
    }
    written = await guard.create(binary)
    viewer, _ = await ctx.scope()
    ticket = Upload(
        id=written.resource.id,
        patient_id=guard.patient_id,
        content_type=content_type,
        size=len(data),
        title=name,
        sha1=base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode("ascii"),
        created=stamp(ctx),
    )
    await ctx.access.uploads.record(viewer.account.id, ticket)
    return Uploaded(ticket.id, name, content_type, len(data))


async def download(ctx: RequestContext, patient_id: str, message_id: str, attachment_id: str) -> Download:
    """The file ``attachment_id`` of the message ``message_id`` of the patient.

    Upstream: the message with its thread header (one search), then the Binary.

    Raises:
        PublicError: NOT_FOUND unless the viewer may see the message, its thread and the file, and the
            message links the file; BAD_USER_INPUT for malformed ids.
    """
    wanted, binary_id = fhir_id(message_id), fhir_id(attachment_id)
    guard = await ctx.guard(patient_id, Capability.READ)
    page = await guard.search("Communication", {"_id": wanted}, count=1, include=["Communication:part-of"])
    if not page.matches:
        raise NotInScope()
    message = page.matches[0]
    thread = thread_of(message)
    if thread is not None and not any(r.id == thread for r in page.included):
        raise NotInScope()  # its thread is hidden from this viewer (the teen rule), so is the message
    binary = await guard.attachment(message, "Binary", binary_id)
    if binary is None:
        raise NotInScope()
    try:
        data = base64.b64decode(string(binary.get("data")) or "", validate=True)
    except (binascii.Error, ValueError):
        raise NotInScope() from None
    declared = string(binary.get("contentType"))
    known = {kind for kind, _, _ in SIGNATURES}
    content_type = declared if declared in known else "application/octet-stream"
    return Download(data, content_type, _title(message, binary_id) or f"attachment-{binary_id}")


def _title(message: Resource, binary_id: str) -> str | None:
    wanted = f"Binary/{binary_id}"
    for item in objects(message.get("payload")):
        attachment = item.get("contentAttachment")
        if not isinstance(attachment, Mapping):
            continue
        url = string(attachment.get("url")) or ""
        if url == wanted or url.endswith("/" + wanted):
            return string(attachment.get("title"))
    return None
