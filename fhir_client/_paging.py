"""Following ``next`` links: opaque, but only back to our own server.

HAPI's next links (``[base]?_getpages=<search id>&_getpagesoffset=20&_count=20``) point into a result set the
server keeps for a while; the client follows them as they are and never builds or edits one. It does check
where a link points: the request carries our upstream credentials, so a link to another scheme, host, port or
to a path outside our FHIR base is refused; a hostile or misconfigured upstream cannot send us elsewhere.
"""

from __future__ import annotations

from ._body import ErrorContext
from ._errors import FhirResponseError
from ._transport import URL, InvalidURL


def checked_next_url(next_url: str, base_url: str, context: ErrorContext) -> str:
    """Return the absolute next link if it stays under ``base_url``.

    Args:
        next_url: ``Bundle.link[next].url`` as sent (a relative link is resolved against the base).
        base_url: The client's FHIR base.
        context: For the error.

    Returns:
        The link to request.

    Raises:
        FhirResponseError: The link is malformed or leaves the FHIR base.
    """
    try:
        base = URL(base_url.rstrip("/") + "/")
        link = base.join(next_url)
    except (InvalidURL, ValueError, TypeError) as exc:
        raise FhirResponseError("FHIR server sent a malformed next link", **context.fields()) from exc
    base_path = base.path.rstrip("/")
    same_origin = (link.scheme, link.host, link.port) == (base.scheme, base.host, base.port)
    inside_base = link.path == base_path or link.path.startswith(base_path + "/")
    inside_base = inside_base and ".." not in link.path.split("/")  # an encoded ../ survives URL joining
    if not same_origin or link.userinfo or not inside_base:
        raise FhirResponseError(
            "FHIR server sent a next link outside its base; not followed", **context.fields()
        )
    return str(link)


__all__ = ["checked_next_url"]
