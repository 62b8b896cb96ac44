"""The texts of the mails ``auth`` sends. No PHI: no names, birth dates, nothing clinical (docs/auth.md)."""

from __future__ import annotations

from datetime import datetime

from .mailer import MailMessage

_FOOTER = (
    "\n\nIf you did not expect this message, you can ignore it, or call your practice.\n"
    "Never share your password or codes: {practice} will never ask for them.\n"
)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def invitation(
    to: str, *, practice: str, practice_code: str, username: str, password: str, expires_at: datetime
) -> MailMessage:
    """The staff invitation with temporary credentials (seeds: "username and password e-mailed to you")."""
    body = (
        f"{practice} has invited you to its patient portal.\n\n"
        f"Practice code: {practice_code}\n"
        f"Temporary username: {username}\n"
        f"Temporary password: {password}\n\n"
        f"Sign in with these before {_when(expires_at)}. You will confirm your identity, choose your own "
        "password and security question, and accept the practice consent form."
    )
    return MailMessage(
        to, f"Your {practice} patient portal invitation", body + _FOOTER.format(practice=practice)
    )


def reset_link(to: str, *, practice: str, link: str, expires_at: datetime) -> MailMessage:
    """The single-use password-reset link."""
    body = (
        "Someone (we hope you) asked to reset your patient portal password.\n\n"
        f"Open this link to choose a new password: {link}\n\n"
        f"It works once, until {_when(expires_at)}."
    )
    return MailMessage(to, f"Reset your {practice} portal password", body + _FOOTER.format(practice=practice))


def username_reminder(to: str, *, practice: str, usernames: list[str]) -> MailMessage:
    """The username-recovery answer (one mail listing every matching account)."""
    names = "\n".join(f"  {name}" for name in usernames)
    body = f"You asked for your patient portal username. The username for this email address is:\n\n{names}"
    return MailMessage(to, f"Your {practice} portal username", body + _FOOTER.format(practice=practice))


def password_changed(to: str, *, practice: str, when: datetime) -> MailMessage:
    """The notice after any password change (ASVS 5.0 6.3.6: notify after credential changes)."""
    body = (
        f"Your patient portal password was changed at {_when(when)} and every other session was signed out.\n"
        "If this was not you, reset your password now and call your practice."
    )
    return MailMessage(
        to, f"Your {practice} portal password was changed", body + _FOOTER.format(practice=practice)
    )


def two_factor_changed(to: str, *, practice: str, enabled: bool, when: datetime) -> MailMessage:
    """The notice after two-factor was turned on or off, or a recovery code was used (ASVS 5.0 6.3.6)."""
    what = "turned on" if enabled else "turned off"
    body = f"Two-factor authentication for your patient portal account was {what} at {_when(when)}."
    return MailMessage(
        to, f"{practice} portal: two-factor authentication {what}", body + _FOOTER.format(practice=practice)
    )


def account_locked(to: str, *, practice: str, until: datetime) -> MailMessage:
    """The notice to the owner when failed sign-ins locked their account (ASVS 5.0 6.3.5)."""
    body = (
        "Several sign-in attempts to your patient portal account failed, so the account is locked until "
        f"{_when(until)}.\n"
        "If this was you, wait or reset your password. If it was not, reset your password now: the reset "
        "also lifts the lock."
    )
    return MailMessage(to, f"{practice} portal: account locked", body + _FOOTER.format(practice=practice))
