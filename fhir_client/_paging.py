"""Following ``next`` links: opaque, but only the server's own paging links.

HAPI's next links (``[base]?_getpages=<search id>&_getpagesoffset=20&_count=20&_bundletype=searchset``, with
the search's ``_include``/``_elements``/... carried along) point into a result set the server keeps for a
while; the client follows them as they are and never builds or edits one. It does check what a link is: the
request carries our upstream credentials, and a link also reaches the gateway inside a signed cursor, so
only that form is followed:

- same scheme, host and port as the FHIR base, no user info;
- the path is the base itself (not ``[base]/Patient/x``, not ``[base]/metadata``, nothing beside it);
- exactly one non-empty ``_getpages``, and otherwise only result-control parameters (no search parameter
  such as ``patient=``, which would be a new search, and no ``_format``).

Anything else is refused; a hostile or misconfigured upstream cannot send the client elsewhere.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ._body import ErrorContext
from ._errors import FhirResponseError
from ._transport import URL, InvalidURL

# Parameters a HAPI paging link carries besides _getpages (modifiers such as `_include:iterate` included).
_PAGING_PARAMETERS = frozenset(
    {"_getpagesoffset", "_count", "_bundletype", "_include", "_revinclude", "_elements", "_summary", "_total"}
    | {"_pretty", "_sort"}
)


def checked_next_url(next_url: str, base_url: str, context: ErrorContext) -> str:
    """Return the absolute next link if it is one of ``base_url``'s paging links.

    Args:
        next_url: ``Bundle.link[next].url`` as sent (a relative link is resolved against the base).
        base_url: The client's FHIR base.
        context: For the error.

    Returns:
        The link to request.

    Raises:
        FhirResponseError: The link is malformed, leaves the FHIR base, or is not a paging link.
    """
    try:
        base = URL(base_url.rstrip("/") + "/")
        link = base.join(next_url)
    except (InvalidURL, ValueError, TypeError) as exc:
        raise FhirResponseError("FHIR server sent a malformed next link", **context.fields()) from exc
    base_path = base.path.rstrip("/")
    same_origin = (link.scheme, link.host, link.port) == (base.scheme, base.host, base.port)
    if not same_origin or link.userinfo or link.path not in (base_path, base_path + "/"):
        raise FhirResponseError(
            "FHIR server sent a next link outside its base; not followed", **context.fields()
        )
    if not _is_paging_query(link.query.decode("ascii", "replace")):
        raise FhirResponseError(
            "FHIR server sent a next link that is not one of its paging links; not followed",
            **context.fields(),
        )
    return str(link)


def _is_paging_query(query: str) -> bool:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return False
    pages = [value for name, value in pairs if name == "_getpages"]
    others = {name.split(":", 1)[0] for name, _ in pairs if name != "_getpages"}
    return len(pages) == 1 and bool(pages[0]) and others <= _PAGING_PARAMETERS


__all__ = ["checked_next_url"]
