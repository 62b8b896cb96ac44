"""What the flows return: plain frozen dataclasses, one per outcome, grouped in unions per flow.

Expected outcomes are data (docs/architecture.md section 5.2): the schema maps each class to a GraphQL type
of the same name in the mutation's result union, each failure implementing ``Problem``. None carries PHI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .policy import PasswordProblem

# --- successes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A full session was started: set the cookie (or return the bearer token)."""

    token: str = field(repr=False)
    expires_at: datetime
    account_id: str


@dataclass(frozen=True, slots=True)
class TwoFactorRequired:
    """The password was right; send the TOTP or recovery code with this challenge token."""

    challenge_token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TwoFactorSetupRequired:
    """Signed in with a restricted session (level ``TOTP_SETUP``).

    The practice requires two-factor and the account must enroll it before anything else.
    """

    token: str = field(repr=False)
    expires_at: datetime
    account_id: str


@dataclass(frozen=True, slots=True)
class PasswordChangeRequired:
    """First sign-in with temporary credentials: continue enrollment with this token."""

    enrollment_token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RequestAccepted:
    """A reset or username-recovery request was taken: the same answer whether or not anything matched."""


@dataclass(frozen=True, slots=True)
class PasswordChanged:
    """The password was changed (by reset or by its owner); every other session was ended.

    ``token`` is the caller's new session token after a change while signed in, ``None`` after a reset.
    """

    token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IdentityVerified:
    """The identity check passed: continue with the new password, security question and consent."""


@dataclass(frozen=True, slots=True)
class EnrollmentCompleted:
    """The account is active; the user signs in with the new password."""

    account_id: str
    username: str


@dataclass(frozen=True, slots=True)
class TotpEnrollment:
    """A pending TOTP enrollment: show the URI as a QR code (and the secret for manual entry)."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class TotpEnabled:
    """Two-factor is on. Show the recovery codes once; the session token was rotated."""

    recovery_codes: tuple[str, ...] = field(repr=False)
    token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Reauthenticated:
    """The password was proven again: changes that need a fresh proof are open until ``fresh_until``.

    The session token was rotated (ASVS 5.0 7.2.4: a new token after re-authentication).
    """

    token: str = field(repr=False)
    expires_at: datetime
    fresh_until: datetime


@dataclass(frozen=True, slots=True)
class TotpDisabled:
    """Two-factor is off; the session token was rotated."""

    token: str = field(repr=False)
    expires_at: datetime


# --- failures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvalidCredentials:
    """Wrong username or password (or practice code): one answer for all of them."""


@dataclass(frozen=True, slots=True)
class CredentialsExpired:
    """The temporary credentials were right but have expired: ask the practice for a new invitation."""


@dataclass(frozen=True, slots=True)
class Locked:
    """The account is locked (after failed attempts until ``until``; by staff when ``until`` is ``None``)."""

    until: datetime | None


@dataclass(frozen=True, slots=True)
class RateLimited:
    """Too many requests from this client; try again after ``retry_after`` seconds."""

    retry_after: int


@dataclass(frozen=True, slots=True)
class InvalidCode:
    """The TOTP or recovery code was wrong, already used or missing. ``attempts_left`` = 0: start over."""

    attempts_left: int


@dataclass(frozen=True, slots=True)
class InvalidToken:
    """The link or token is unknown, expired or already used."""


@dataclass(frozen=True, slots=True)
class PasswordRejected:
    """The new password breaks the policy; every reason is listed."""

    problems: tuple[PasswordProblem, ...]


@dataclass(frozen=True, slots=True)
class IdentityNotVerified:
    """Neither the birth date nor the phone matched. ``attempts_left`` = 0: sign in again."""

    attempts_left: int


@dataclass(frozen=True, slots=True)
class ConsentRequired:
    """The practice consent form must be accepted to activate the account."""


@dataclass(frozen=True, slots=True)
class UsernameUnavailable:
    """The chosen username is taken."""


@dataclass(frozen=True, slots=True)
class ReauthenticationRequired:
    """This change needs a password proof from the last few minutes: call ``reauthenticate`` first."""


SignInResult = (
    SignedIn
    | TwoFactorRequired
    | TwoFactorSetupRequired
    | PasswordChangeRequired
    | InvalidCredentials
    | CredentialsExpired
    | Locked
    | RateLimited
)
TwoFactorResult = SignedIn | InvalidCode | InvalidToken | Locked | RateLimited
RequestResult = RequestAccepted | RateLimited
ResetResult = PasswordChanged | InvalidToken | InvalidCode | PasswordRejected | RateLimited
ChangePasswordResult = (
    PasswordChanged | InvalidCredentials | PasswordRejected | InvalidToken | Locked | RateLimited
)
IdentityResult = IdentityVerified | IdentityNotVerified | InvalidToken
EnrollmentResult = (
    EnrollmentCompleted
    | PasswordRejected
    | ConsentRequired
    | UsernameUnavailable
    | IdentityNotVerified
    | InvalidToken
)
BeginTotpResult = TotpEnrollment | InvalidToken | ReauthenticationRequired
ConfirmTotpResult = TotpEnabled | InvalidCode | InvalidToken | ReauthenticationRequired
DisableTotpResult = TotpDisabled | InvalidCredentials | InvalidToken | Locked | RateLimited
ReauthenticateResult = Reauthenticated | InvalidCredentials | Locked | RateLimited | InvalidToken
ProofProblem = InvalidCredentials | Locked | RateLimited
