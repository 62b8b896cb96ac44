"""Exceptions of the ``auth`` package.

Expected outcomes of a flow (wrong password, locked, expired link...) are *results* (``auth.results``), not
exceptions. Exceptions are for input that is malformed before any flow starts (nothing changed then) and for
conflicts a caller must handle::

    AuthError
     +-- InvalidInput          a malformed argument (wrong type, empty, too long, bad characters)
     +-- UsernameTaken         the (case-insensitive) username belongs to another account
     +-- PatientAlreadyEnrolled  the Patient already has a portal account
     +-- AccountNotFound       no account with that id
     +-- StaleAccount          the account changed since it was read (optimistic concurrency)
     +-- NotPermitted          the operation is not allowed for this account or by the practice's settings
"""

from __future__ import annotations


class AuthError(Exception):
    """Base of every exception raised by ``auth``. Messages never contain PHI or secrets."""


class InvalidInput(AuthError, ValueError):
    """A malformed argument; the call changed nothing.

    Attributes:
        field: The argument's name as the caller knows it (e.g. ``"username"``).
        reason: A short, client-safe explanation.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UsernameTaken(AuthError):
    """The username (compared case-insensitively) is already in use."""


class PatientAlreadyEnrolled(AuthError):
    """The Patient already has an active portal account."""


class AccountNotFound(AuthError):
    """No account has that id."""


class StaleAccount(AuthError):
    """The account was changed by someone else since it was read; nothing was written."""


class NotPermitted(AuthError):
    """The operation is not allowed (e.g. disabling two-factor while the practice requires it)."""
