"""Security headers and ``Cache-Control: no-store`` on every response (ASVS 5.0 14.3.2: no cached PHI)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# The API serves JSON only, so a document from it may load nothing at all.
_STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The pages of development (GraphiQL, the reference portal) load their scripts and styles from the gateway
# itself: no inline script, no other origin. Inline styles are allowed (not scripts): GraphiQL's menus set
# them when they open (tests/browser fails on any CSP violation, so this stays the only exception).
_DEVELOPMENT_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Add the headers above; HSTS outside development.

    Args:
        app: The wrapped application.
        development: Allows the development pages' own scripts and omits HSTS (plain http on a laptop).
    """

    def __init__(self, app: ASGIApp, *, development: bool) -> None:
        self.app = app
        self.development = development

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _COMMON.items():
                    headers[name] = value
                is_html = headers.get("content-type", "").startswith("text/html")
                headers["Content-Security-Policy"] = (
                    _DEVELOPMENT_PAGE_CSP if self.development and is_html else _STRICT_CSP
                )
                if not self.development:
                    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, send_with_headers)
