"""The mailers: SMTP to a real server on loopback, and the development file outbox."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from auth import FileOutboxMailer, MailMessage, SmtpMailer
from tests.integration.auth.helpers import SmtpSink, free_port

pytestmark = pytest.mark.integration


async def test_smtp_mailer_delivers_a_plain_text_message(smtp: SmtpSink) -> None:
    mailer = SmtpMailer("127.0.0.1", smtp.port, sender="portal@clinic.test", security="none")
    await mailer.send(MailMessage("patient.m1@example.test", "Hello", "Line one\nLine two ✓"))
    [message] = smtp.to("patient.m1@example.test")
    assert message["From"] == "portal@clinic.test" and message["Subject"] == "Hello"
    assert smtp.last_body("patient.m1@example.test").splitlines() == ["Line one", "Line two ✓"]
    assert message["Message-ID"] and message["Date"]


async def test_smtp_failure_is_an_oserror() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), sender="portal@clinic.test", security="none", timeout=2)
    with pytest.raises(OSError):
        await mailer.send(MailMessage("x@example.test", "s", "b"))


async def test_file_outbox_writes_one_eml_per_message(tmp_path: Path) -> None:
    mailer = FileOutboxMailer(tmp_path / "outbox", sender="portal@clinic.test")
    await mailer.send(MailMessage("a@example.test", "First", "one"))
    await mailer.send(MailMessage("b@example.test", "Second", "two"))
    files = mailer.messages()
    assert len(files) == 2 and not list((tmp_path / "outbox").glob("*.tmp"))
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    assert sorted(m["To"] for m in parsed) == ["a@example.test", "b@example.test"]
