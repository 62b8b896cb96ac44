"""``/attachments``: upload a file for a message (POST) and download a message's file (GET).

Both carry their ids in headers, never in the URL, so the access log (which records the path) names no
resource. Every request must send ``X-Patient-Id``: a custom header, which a cross-site form cannot send and
a cross-site script cannot without a CORS preflight the gateway never grants, so the session cookie alone
is never enough (ASVS 5.0 3.5.1; the GraphQL endpoint gets the same from its JSON-only rule). Uploads also
refuse the content types a plain cross-site request may carry.

- ``POST /attachments``: the body is the file's bytes (its own cap, ``PORTAL_ATTACHMENT_MAX_BYTES``, 5 MiB;
  ``/graphql`` keeps 64 KiB); ``X-Attachment-Title`` is the file name, percent-encoded UTF-8. Answers 201
  with ``{"id", "title", "contentType", "size"}``; the id goes into ``sendMessage(attachmentIds)``.
- ``GET /attachments`` with ``X-Message-Id`` and ``X-Attachment-Id``: the file, as
  ``Content-Disposition: attachment`` with ``X-Content-Type-Options: nosniff`` (and the strict CSP of every
  response), so a browser saves it and never renders it in the portal's origin.

Errors are the GraphQL-shaped JSON of the HTTP layer, with the status their code implies.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from resolvers import attachments
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, PublicError, public_error_for
from resolvers.problems import NotPermitted

from .errors import error_response
from .middleware.body_limit import BodyTooLarge
from .settings import Settings
from .view import request_context

log = logging.getLogger("gateway.attachments")
PATIENT_HEADER = "x-patient-id"
# What a cross-site <form> or a "simple" cross-site fetch may send without a preflight.
SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
STATUS = {
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.SESSION_EXPIRED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UPSTREAM_ERROR: 502,
    ErrorCode.UPSTREAM_UNAVAILABLE: 503,
}


class AttachmentsEndpoint:
    """The ASGI endpoint of ``/attachments``.

    Args:
        settings: The gateway settings.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.practice = settings.practice_rules()
        self.cursor_key = settings.cursor_secret()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one upload or download."""
        request = Request(scope, receive)
        try:
            response = await self._serve(request)
        except BodyTooLarge:
            raise  # the body cap answers 413 itself
        except Exception as exc:  # every failure leaves as a coded error, never as a trace
            public = public_error_for(exc)
            if public is None:
                log.error("attachment request failed", extra={"error_class": type(exc).__name__})
                public = PublicError("Unexpected error.", ErrorCode.INTERNAL)
            response = error_response(STATUS.get(public.code, 500), public.message, public.code)
        await response(scope, receive, send)

    async def _serve(self, request: Request) -> Response:
        patient_id = request.headers.get(PATIENT_HEADER)
        if not patient_id:
            raise PublicError(
                "X-Patient-Id: required on every /attachments request.", ErrorCode.BAD_USER_INPUT
            )
        ctx = request_context(request, self.settings, self.practice, self.cursor_key)
        response = await self._answer(request, ctx, patient_id)
        # As for /graphql: no file leaves, and no upload is confirmed, before its access is queued for audit.
        await ctx.audit.flush()
        return response

    async def _answer(self, request: Request, ctx: RequestContext, patient_id: str) -> Response:
        if request.method == "POST":
            declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if declared in SIMPLE_TYPES:
                raise PublicError(
                    "Content-Type: send the file's bytes as the body.", ErrorCode.BAD_USER_INPUT
                )
            await ctx.scope()  # no session: refused before the body is read
            data = await request.body()
            result = await attachments.upload(
                ctx, patient_id, data, request.headers.get("x-attachment-title")
            )
            if isinstance(result, NotPermitted):
                return error_response(403, result.message, ErrorCode.FORBIDDEN)
            body = {
                "id": result.id,
                "title": result.title,
                "contentType": result.content_type,
                "size": result.size,
            }
            return JSONResponse(body, status_code=201)
        message_id = request.headers.get("x-message-id") or ""
        attachment_id = request.headers.get("x-attachment-id") or ""
        found = await attachments.download(ctx, patient_id, message_id, attachment_id)
        return Response(
            found.data,
            media_type=found.content_type,
            headers={"Content-Disposition": disposition(found.title), "X-Content-Type-Options": "nosniff"},
        )


def disposition(title: str) -> str:
    """``attachment`` with the name twice: an ASCII fallback and the exact UTF-8 name (RFC 6266, 8187)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in title) or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(title, safe='')}"
