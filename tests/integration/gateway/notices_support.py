"""A notifier for tests: the app's, over the test portal's Redis and accounts, mailing the SMTP sink."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from auth import SmtpMailer, SystemClock
from fhir_client import FhirClient
from gateway.notices import Notifier
from resolvers.notices import Notice
from tests.integration.auth.helpers import SmtpSink
from tests.integration.gateway.access_support import AccessPortal

PRACTICE = "Maple Grove Family Medicine"
PORTAL_URL = "https://portal.example.test/"


def notifier_for(
    access: AccessPortal, http: httpx.AsyncClient, base_url: str, smtp: SmtpSink, notices: Sequence[Notice]
) -> Notifier:
    """A ``Notifier`` of ``notices`` polling HAPI at ``base_url``, mailing ``smtp`` (the app's own wiring)."""
    return Notifier(
        FhirClient(http, base_url),
        access.portal.redis,
        access.portal.settings.auth_key_prefix,
        access.portal.auth.accounts,
        SmtpMailer("127.0.0.1", smtp.port, sender="portal@example.test", security="none"),
        SystemClock(),
        notices,
        practice_name=PRACTICE,
        portal_url=PORTAL_URL,
    )
