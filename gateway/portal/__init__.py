"""The reference portal page, served by the gateway in development only at ``/portal``.

Plain HTML, CSS and ES modules of our own under ``static/`` (no framework, no build step): what a frontend
team can read to see the API used end to end (sign-in with two-step verification, the dashboard, a trend
chart, switching to a family member, booking, messaging, paying, the idle-timeout warning). The browser
tests in ``tests/browser`` drive it in Chromium. The CSP is the development pages' one: scripts from
``'self'`` only, nothing inline.
"""

from .routes import portal_routes

__all__ = ["portal_routes"]
