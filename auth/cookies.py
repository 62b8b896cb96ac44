"""The session cookie and where a token comes from (ASVS 5.0 3.3.1-3.3.4; docs/auth.md).

Pure string helpers so the gateway middleware stays thin: the name is ``__Host-portal_session`` (``Secure``,
``Path=/``, no ``Domain``: the browser then refuses it from plain http or a sibling domain), ``HttpOnly``,
``SameSite=Strict``. In development over plain http, where browsers drop ``__Host-`` cookies, the name is
``portal_session`` without ``Secure``. No ``Max-Age``: a browser-session cookie; the server enforces both
timeouts. ``Authorization: Bearer <token>`` is accepted as well (mobile apps).
"""

from __future__ import annotations

from http.cookies import SimpleCookie

SECURE_NAME = "__Host-portal_session"
DEVELOPMENT_NAME = "portal_session"


def cookie_name(*, secure: bool) -> str:
    """The cookie's name: ``__Host-`` prefixed unless in development over plain http."""
    return SECURE_NAME if secure else DEVELOPMENT_NAME


def set_cookie(token: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` header value that hands ``token`` to a browser."""
    flags = "; Secure" if secure else ""
    return f"{cookie_name(secure=secure)}={token}; Path=/; HttpOnly; SameSite=Strict{flags}"


def clear_cookie(*, secure: bool) -> str:
    """The ``Set-Cookie`` header value that removes the cookie (at sign-out or on an expired session)."""
    flags = "; Secure" if secure else ""
    return f"{cookie_name(secure=secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{flags}"


def token_from_headers(*, cookie: str | None, authorization: str | None, secure: bool) -> str | None:
    """The session token of a request: ``Authorization: Bearer`` first, else the session cookie.

    Returns:
        The raw token, or ``None`` (a malformed header counts as none; ``SessionStore.resolve`` then rejects
        anything that is not a well-formed token).
    """
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if cookie:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie)
        except Exception:  # http.cookies raises CookieError and others on hostile input
            return None
        morsel = jar.get(cookie_name(secure=secure))
        if morsel is not None and morsel.value:
            return morsel.value
    return None
