"""Error responses of the HTTP layer, for requests that GraphQL never ran.

A body too large, no session store, a request of the wrong form: each answers GraphQL-shaped JSON with an
``extensions.code``, like every other error of the gateway (``resolvers/errors.py`` has the codes).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from resolvers.errors import ErrorCode, error_document


def error_response(status: int, message: str, code: ErrorCode) -> JSONResponse:
    """``{"errors": [{"message": ..., "extensions": {"code": ...}}]}`` with the HTTP ``status``."""
    return JSONResponse(error_document(message, code), status_code=status)
