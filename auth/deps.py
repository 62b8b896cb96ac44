"""The shared parts every ``auth`` flow uses, built once by ``auth.service.build_auth``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import mail_templates
from .accounts import Account, AccountStore
from .background import Background
from .clock import Clock
from .events import SecurityEvents
from .inputs import canonical_username
from .lockout import Lockout
from .mailer import Mailer, MailMessage
from .passwords import PasswordHasher
from .ratelimit import RateLimiter, RateRule
from .results import RateLimited
from .sessions import SessionStore
from .settings import AuthSettings
from .tickets import Tickets


def signin_subject(account: Account) -> str:
    """What sign-in attempts on ``account`` are counted under: its username, as typed names are counted."""
    return canonical_username(account.username)


@dataclass(frozen=True, slots=True)
class RateRules:
    """The rate-limit rules derived from ``AuthSettings``."""

    signin_ip: RateRule
    reset_ip: RateRule
    reset_account: RateRule
    recovery_ip: RateRule
    recovery_email: RateRule

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> RateRules:
        """Rules with the limits of ``settings``."""
        minute, hour = timedelta(minutes=1), timedelta(hours=1)
        return cls(
            signin_ip=RateRule("signin-ip", settings.signin_per_ip_per_minute, minute, by_address=True),
            reset_ip=RateRule("reset-ip", settings.reset_per_ip_per_hour, hour, by_address=True),
            reset_account=RateRule("reset-account", settings.reset_per_account_per_hour, hour),
            recovery_ip=RateRule("recovery-ip", settings.recovery_per_ip_per_hour, hour, by_address=True),
            recovery_email=RateRule("recovery-email", settings.recovery_per_email_per_hour, hour),
        )


@dataclass(frozen=True, slots=True)
class Deps:
    """Everything a flow needs; one instance per application."""

    settings: AuthSettings
    clock: Clock
    accounts: AccountStore
    passwords: PasswordHasher
    lockout: Lockout
    """Sign-in attempts per typed username: passwords and second factors (``lockout_threshold``)."""
    codes: Lockout
    """Per account: reset codes and identity checks, whatever the link or token (``code_attempts``)."""
    limits: RateLimiter
    rules: RateRules
    sessions: SessionStore
    events: SecurityEvents
    mailer: Mailer
    challenges: Tickets
    enrollments: Tickets
    resets: Tickets
    background: Background

    async def limited(self, *checks: tuple[RateRule, str | None], ip: str | None) -> RateLimited | None:
        """Count a hit per rule: ``RateLimited`` (and a security event) if one refuses, else ``None``."""
        decision = await self.limits.hit_all(*checks)
        if decision.allowed:
            return None
        self.events.emit("ratelimit.hit", ip=ip, rule=checks[0][0].name)
        return RateLimited(decision.retry_after)

    @asynccontextmanager
    async def uniform_time(self) -> AsyncIterator[None]:
        """Make the enclosed work last at least ``settings.uniform_response_seconds`` (ASVS 5.0 6.3.8).

        Used where matched and unmatched requests do different work (a mail or not) but must look alike.
        """
        started = time.monotonic()
        try:
            yield
        finally:
            remaining = self.settings.uniform_response_seconds - (time.monotonic() - started)
            if remaining > 0:
                await asyncio.sleep(remaining)

    def mail_later(self, message: MailMessage, *, account_id: str | None) -> None:
        """Send ``message`` after the answer (``Background``), failures logged and not raised."""
        self.background.spawn(self.mail_quietly(message, account_id=account_id), name="mail")

    def tell_owner_locked(self, account: Account, until: datetime) -> None:
        """Mail the owner that failed attempts locked their account (after the answer)."""
        practice = self.settings.practice_name
        self.mail_later(
            mail_templates.account_locked(account.email, practice=practice, until=until),
            account_id=account.id,
        )

    async def mail_quietly(self, message: MailMessage, *, account_id: str | None) -> None:
        """Send ``message``; on failure log a security event instead of raising.

        For mails whose failure must not show in the answer (reset and recovery: an error only when an account
        matched would tell that it exists).
        """
        try:
            await self.mailer.send(message)
        except OSError as error:
            self.events.emit("mail.failed", account_id=account_id, error=type(error).__name__)
