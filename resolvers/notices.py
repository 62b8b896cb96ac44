"""Mail that tells a patient something new is waiting in the portal, declared per feature.

When the clinic acts in the EHR (replies to a message, approves a renewal, issues a statement), the patient
gets a mail without PHI that sends them to the portal. Each kind of such change is a ``Notice``: which
resources to watch, the patient each is for, and the fixed words of the mail. The gateway's notifier
(``gateway/notices.py``) polls the EHR for them; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fhir_client import Resource, SearchParams

from .billing_values import statement_patient
from .message_values import patient_of_reply


@dataclass(frozen=True, slots=True)
class Notice:
    """One kind of EHR change a patient is told of.

    Attributes:
        name: A stable name (part of Redis keys: one mail per resource and notice).
        resource_type: The type watched.
        params: The search that finds such resources (the notifier adds ``_lastUpdated``).
        patient_of: The patient a resource is for (``None``: not for a patient; no mail).
        subject: The mail's subject; ``{practice}`` is replaced by the practice's name. No PHI.
        body: The mail's first line, likewise; the notifier adds where to sign in.
    """

    name: str
    resource_type: str
    params: SearchParams
    patient_of: Callable[[Resource], str | None]
    subject: str
    body: str


MESSAGE_REPLY = Notice(
    name="message-reply",
    resource_type="Communication",
    params={"part-of:missing": "false"},
    patient_of=patient_of_reply,  # an unread message of a thread from the practice, to the patient
    subject="New message from {practice}",
    body="You have a new message from {practice}.",
)
"""A message from the practice in a thread (docs/messaging.md); the mail says nothing of it."""

STATEMENT_ISSUED = Notice(
    name="statement-issued",
    resource_type="Invoice",
    params={"status": "issued"},
    patient_of=statement_patient,
    subject="A new statement from {practice}",
    body="A new statement from {practice} is available.",
)
"""Billing (docs/billing.md): the practice issued a statement (an Invoice turned ``issued``)."""

NOTICES: tuple[Notice, ...] = (MESSAGE_REPLY, STATEMENT_ISSUED)
"""Every notice of every feature (features add theirs here)."""
