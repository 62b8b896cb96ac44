"""Development tools served by the gateway in development only: GraphiQL from local assets, and its tabs.

GraphiQL, React and the explorer plugin come from ``assets/node_modules`` (npm ci of ``assets/package.json``
and its lockfile, run by ``scripts/bootstrap.sh``), never from a CDN, so the IDE works on machines that reach
nothing but the package registries. The page, its script and its style are files of our own under
``static/``; nothing is inline, so the page's CSP allows scripts from ``'self'`` only
(``gateway/middleware/security_headers.py``). Nothing here is routed outside development.
"""

from .routes import DEVTOOLS_PREFIX, devtools_routes, graphiql_page

__all__ = ["DEVTOOLS_PREFIX", "devtools_routes", "graphiql_page"]
