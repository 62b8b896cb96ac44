"""The routes of the development tools: the GraphiQL page, its assets and its default tabs."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from resolvers.errors import ErrorCode

from ..errors import error_response
from .operations import default_tabs

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MODULES = HERE / "assets" / "node_modules"
DEVTOOLS_PREFIX = "/devtools"
# Every file the page may load, by the name it is served under: a fixed list, so no path from a URL ever
# reaches the file system.
ASSETS: dict[str, Path] = {
    "react.js": MODULES / "react" / "umd" / "react.production.min.js",
    "react-dom.js": MODULES / "react-dom" / "umd" / "react-dom.production.min.js",
    "graphiql.js": MODULES / "graphiql" / "graphiql.min.js",
    "graphiql.css": MODULES / "graphiql" / "graphiql.min.css",
    "explorer.js": MODULES / "@graphiql" / "plugin-explorer" / "dist" / "index.umd.js",
    "explorer.css": MODULES / "@graphiql" / "plugin-explorer" / "dist" / "style.css",
    "ide.js": STATIC / "ide.js",
    "ide.css": STATIC / "ide.css",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
MISSING = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    "<title>GraphiQL is not installed</title></head><body><h1>GraphiQL is not installed</h1>"
    "<p>Run <code>scripts/bootstrap.sh</code> (it runs "
    "<code>npm ci</code> in <code>gateway/devtools/assets</code>), then reload.</p></body></html>"
)


def graphiql_page() -> HTMLResponse:
    """The GraphiQL page (development only), or how to install it when the npm packages are missing."""
    if not all(path.is_file() for path in ASSETS.values()):
        return HTMLResponse(MISSING, status_code=503)
    return HTMLResponse((STATIC / "graphiql.html").read_text(encoding="utf-8"))


async def asset(request: Request) -> Response:
    """One file of ``ASSETS`` by name; 404 for any other name."""
    path = ASSETS.get(request.path_params["name"])
    if path is None or not path.is_file():
        return error_response(404, "No such file.", ErrorCode.NOT_FOUND)
    return FileResponse(path, media_type=_TYPES[path.suffix])


async def setup(request: Request) -> JSONResponse:
    """What the IDE starts with: the example operations as tabs, and the published demo sign-in."""
    # Imported here, as `seed-demo-accounts` does: the demo data never loads outside development.
    from fixtures.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    accounts = [{"username": a.username, "name": a.display_name} for a in DEMO_ACCOUNTS]
    return JSONResponse(
        {
            "tabs": default_tabs("maria.lopez", DEMO_PASSWORD),
            "demo": {"username": "maria.lopez", "password": DEMO_PASSWORD, "accounts": accounts},
        }
    )


def devtools_routes() -> list[Route]:
    """The routes under ``/devtools`` (the app adds them in development only)."""
    return [
        Route(f"{DEVTOOLS_PREFIX}/setup.json", setup, methods=["GET"]),
        Route(f"{DEVTOOLS_PREFIX}/{{name}}", asset, methods=["GET"]),
    ]


__all__ = ["ASSETS", "DEVTOOLS_PREFIX", "devtools_routes", "graphiql_page"]
