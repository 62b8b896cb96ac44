"""Outgoing mail: the ``Mailer`` interface, SMTP for production, a file outbox for development.

Mail carries no PHI beyond what the message needs (docs/auth.md): a link, a username or temporary
credentials, the practice's name. Never names, birth dates or anything clinical. ``SmtpMailer`` uses the
standard library's ``smtplib`` in a worker thread (no extra dependency); ``FileOutboxMailer`` writes one
``.eml`` file per message, which any mail client opens.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One plain-text message.

    Attributes:
        to: Recipient address.
        subject: Subject line.
        body: Plain-text body.
    """

    to: str
    subject: str
    body: str = field(repr=False)


class Mailer(Protocol):
    """Sends mail."""

    async def send(self, message: MailMessage) -> None:
        """Send ``message``.

        Raises:
            OSError: Delivery failed (SMTP errors are ``OSError`` subclasses).
        """
        ...


def to_email(message: MailMessage, sender: str) -> EmailMessage:
    """The RFC 5322 form of ``message`` from ``sender``."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(message.body)
    return email


class SmtpMailer:
    """Sends through an SMTP server.

    Args:
        host: SMTP host.
        port: SMTP port.
        sender: ``From`` address.
        security: ``"starttls"`` (upgrade a plain connection, port 587), ``"tls"`` (implicit TLS, port 465) or
            ``"none"`` (loopback relays and tests only).
        username: Login name, if the server needs one.
        password: Login password.
        timeout: Seconds for connect and each command.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        security: Literal["starttls", "tls", "none"] = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender, self.security = host, port, sender, security
        self._username, self._password, self._timeout = username, password, timeout

    async def send(self, message: MailMessage) -> None:
        """Send ``message`` (in a worker thread; smtplib blocks)."""
        await asyncio.to_thread(self._send_sync, to_email(message, self.sender))

    def _send_sync(self, email: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
            smtp.send_message(email)


class FileOutboxMailer:
    """Writes each message as ``<folder>/<UTC time>-<uuid>.eml`` (development and tests).

    Args:
        folder: The outbox folder (created if missing).
        sender: ``From`` address.
    """

    def __init__(self, folder: Path | str, *, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    async def send(self, message: MailMessage) -> None:
        """Write ``message`` to the outbox (atomically: a reader never sees half a file)."""
        await asyncio.to_thread(self._write, to_email(message, self.sender).as_bytes())

    def messages(self) -> list[Path]:
        """The outbox's ``.eml`` files, oldest first."""
        return sorted(self.folder.glob("*.eml"))

    def _write(self, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
