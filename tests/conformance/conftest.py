"""The conformance probes start the gateway as the integration tests do (real Redis, HAPI and SMTP)."""

from tests.integration.conftest import practice, smtp
from tests.integration.gateway.conftest import clock, start_portal

__all__ = ["clock", "practice", "smtp", "start_portal"]
