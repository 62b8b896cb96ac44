"""Test doubles and helpers for the auth integration tests: a real SMTP sink, an in-memory EHR directory."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from auth import (
    Account,
    AccountStatus,
    Auth,
    Clock,
    ConsentAcceptance,
    ManualClock,
    PatientIdentity,
    SignedIn,
    TotpEnabled,
    TotpEnrollment,
)
from auth.inputs import fold, phone_digits
from auth.passwords import PasswordHasher
from auth.totp import code_at

PASSWORD = "violet-harbor-lantern-42"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
TOKEN = re.compile(r"token=([A-Za-z0-9_-]{43})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[tuple[list[str], EmailMessage]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.delay = 0.0  # seconds before a message is taken: a slow mail server, as production can have

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """Every message received for ``address``, oldest first."""
        with self._lock:
            return [message for rcpts, message in self._messages if address in rcpts]

    async def wait_for(self, address: str, count: int) -> list[EmailMessage]:
        """Wait (10 s at most) until ``count`` messages for ``address`` arrived (mail goes out after the
        answer)."""
        deadline = time.monotonic() + 10
        while len(messages := self.to(address)) < count:
            assert time.monotonic() < deadline, f"{len(messages)} of {count} messages for {address}"
            await asyncio.sleep(0.02)
        return messages

    def last_body(self, address: str) -> str:
        messages = self.to(address)
        assert messages, f"no mail for {address}"
        body = messages[-1].get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def last_token(self, address: str) -> str:
        match = TOKEN.search(self.last_body(address))
        assert match, "no token link in the mail"
        return match.group(1)


@dataclass
class FakeDirectory:
    """An in-memory ``PatientDirectory`` (the FHIR implementation is tested against HAPI separately)."""

    patients: dict[str, PatientIdentity] = field(default_factory=dict)
    consents: list[ConsentAcceptance] = field(default_factory=list)
    persons: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    def add(
        self,
        patient_id: str,
        *,
        born: date = date(1984, 7, 4),
        phone: str = "9375550110",
        email_address: str | None = None,
        names: tuple[str, ...] = ("Ana", "Lopez"),
    ) -> PatientIdentity:
        identity = PatientIdentity(
            patient_id, born, (phone_digits(phone),), (email_address,) if email_address else (), names
        )
        self.patients[patient_id] = identity
        return identity

    async def patient_identity(self, patient_id: str) -> PatientIdentity | None:
        self.calls += 1
        return self.patients.get(patient_id)

    async def record_consent(self, acceptance: ConsentAcceptance) -> str:
        self.consents.append(acceptance)
        return f"consent-{len(self.consents)}"

    async def ensure_person(self, patient_id: str, account_id: str) -> str:
        return self.persons.setdefault(patient_id, f"person-{patient_id}")


async def active_account(
    auth: Auth,
    directory: FakeDirectory,
    clock: Clock,
    *,
    key: str,
    password: str = PASSWORD,
    answer: str = "Blue Heron",
    email_address: str | None = None,
) -> Account:
    """Create an ACTIVE account straight in the store (for tests of flows after enrollment)."""
    address = email_address or f"{key}@example.test"
    directory.add(f"pat-{key}", email_address=address)
    account = Account(
        id=f"acc_{key}",
        username=f"user.{key}",
        patient_id=f"pat-{key}",
        email=address,
        password_hash=CHEAP_HASHER.hash_sync(password),
        status=AccountStatus.ACTIVE,
        created_at=clock.now(),
        security_question="Favourite bird?",
        security_answer_hash=CHEAP_HASHER.hash_sync(fold(answer)),
    )
    return await auth.accounts.create(account)


async def signed_in(auth: Auth, directory: FakeDirectory, clock: Clock, key: str) -> SignedIn:
    """An ACTIVE account (``user.<key>``, ``PASSWORD``) and a signed-in session of it."""
    await active_account(auth, directory, clock, key=key)
    result = await auth.signin.sign_in(f"user.{key}", PASSWORD, ip="203.0.113.99")
    assert isinstance(result, SignedIn)
    return result


async def with_totp(
    auth: Auth, directory: FakeDirectory, clock: ManualClock, key: str
) -> tuple[str, TotpEnabled]:
    """An account with TOTP on, the clock moved to the next time step; its secret and confirmation."""
    signed = await signed_in(auth, directory, clock, key)
    started = await auth.two_factor.begin(signed.token)
    assert isinstance(started, TotpEnrollment)
    confirmed = await auth.two_factor.confirm(signed.token, code_at(started.secret, clock.now()))
    assert isinstance(confirmed, TotpEnabled)
    clock.advance(seconds=30)
    return started.secret, confirmed
