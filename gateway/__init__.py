"""The Starlette application: settings, middleware, the GraphQL view and its context."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
