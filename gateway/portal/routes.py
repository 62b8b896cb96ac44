"""The routes of the reference portal page: the page and its fixed list of files."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from resolvers.errors import ErrorCode

from ..errors import error_response

STATIC = Path(__file__).resolve().parent / "static"
# The only files served, by name: no path from a URL reaches the file system.
FILES = {
    "app.js": "text/javascript",
    "api.js": "text/javascript",
    "session.js": "text/javascript",
    "chart.js": "text/javascript",
    "billing.js": "text/javascript",
    "style.css": "text/css",
}


async def page(request: Request) -> Response:
    """The portal page."""
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


async def asset(request: Request) -> Response:
    """One of ``FILES``; 404 for any other name."""
    name = request.path_params["name"]
    if name not in FILES:
        return error_response(404, "No such file.", ErrorCode.NOT_FOUND)
    return FileResponse(STATIC / name, media_type=f"{FILES[name]}; charset=utf-8")


def portal_routes() -> list[Route]:
    """``/portal`` and its files (the app adds them in development only)."""
    return [Route("/portal", page, methods=["GET"]), Route("/portal/{name}", asset, methods=["GET"])]
