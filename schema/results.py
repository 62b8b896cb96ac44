"""Mutation results: one GraphQL type per ``auth.results`` dataclass, grouped in a union per mutation.

Expected failures are data (DESIGN.md section 7): each failure type implements ``Problem`` with a message a
frontend may show and a stable ``code``. Session tokens appear in a result only for bearer clients
(``resolvers.account``); browsers get the cookie and ``token`` is null.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from auth import PasswordProblem as PasswordProblemValue
from auth import results as r
from resolvers.account import Outcome

PasswordProblem = strawberry.enum(PasswordProblemValue, description="Why a new password was refused.")


@strawberry.enum(description="Stable codes of the expected failures.")
class ProblemCode(Enum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CREDENTIALS_EXPIRED = "CREDENTIALS_EXPIRED"
    LOCKED = "LOCKED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_CODE = "INVALID_CODE"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - a code, not a secret
    PASSWORD_REJECTED = "PASSWORD_REJECTED"  # noqa: S105 - a code, not a secret
    IDENTITY_NOT_VERIFIED = "IDENTITY_NOT_VERIFIED"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    USERNAME_UNAVAILABLE = "USERNAME_UNAVAILABLE"
    NOT_PERMITTED = "NOT_PERMITTED"
    REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"


@strawberry.interface(description="An expected failure of a mutation: show `message`; branch on `code`.")
class Problem:
    message: str
    code: ProblemCode


# --- successes --------------------------------------------------------------------------------

_TOKEN_DOC = "The session token, for bearer clients only (null when it was set as the cookie)."  # noqa: S105


@strawberry.type(description="Signed in; the session cookie is set (or `token` is given to bearer clients).")
class SignedIn:
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="The password was right; send the two-step code with `challengeToken`.")
class TwoFactorRequired:
    challenge_token: str
    expires_at: datetime


@strawberry.type(description="Signed in only to set up two-step verification, which the practice requires.")
class TwoFactorSetupRequired:
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="First sign-in: continue with verifyIdentity and completeEnrollment.")
class PasswordChangeRequired:
    enrollment_token: str
    expires_at: datetime


@strawberry.type(description="Taken; the same answer whether or not anything matched. Check your mail.")
class RequestAccepted:
    accepted: bool = True


@strawberry.type(description="The password was changed and every other session ended.")
class PasswordChanged:
    expires_at: datetime | None = strawberry.field(description="The caller's session, when signed in.")
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Identity confirmed: continue with completeEnrollment.")
class IdentityVerified:
    verified: bool = True


@strawberry.type(description="The account is active: sign in with the new password.")
class EnrollmentCompleted:
    username: str


@strawberry.type(description="A pending two-step setup: show `uri` as a QR code, `secret` for typing.")
class TotpEnrollment:
    secret: str
    uri: str


@strawberry.type(description="Two-step verification is on. Show the recovery codes once.")
class TotpEnabled:
    recovery_codes: list[str]
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Two-step verification is off; other sessions were ended.")
class TotpDisabled:
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="The password was proven again; the session token was rotated.")
class Reauthenticated:
    expires_at: datetime
    fresh_until: datetime = strawberry.field(
        description="Changes that need a fresh proof are open until then."
    )
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Sessions ended by signOut or signOutEverywhere.")
class SignedOut:
    sessions_ended: int


@strawberry.type(description="An invited patient's temporary account (the password went to their mailbox).")
class Invitation:
    account_id: strawberry.ID
    username: str
    expires_at: datetime


# --- failures ---------------------------------------------------------------------------------


@strawberry.type
class InvalidCredentials(Problem):
    message: str = "The username or password is not right."
    code: ProblemCode = ProblemCode.INVALID_CREDENTIALS


@strawberry.type
class CredentialsExpired(Problem):
    message: str = "These temporary credentials have expired. Ask the practice for a new invitation."
    code: ProblemCode = ProblemCode.CREDENTIALS_EXPIRED


@strawberry.type
class Locked(Problem):
    until: datetime | None = strawberry.field(description="When the lock ends.")
    message: str = "The account is locked. Reset your password or try again later."
    code: ProblemCode = ProblemCode.LOCKED


@strawberry.type
class RateLimited(Problem):
    retry_after_seconds: int
    message: str = "Too many attempts. Try again later."
    code: ProblemCode = ProblemCode.RATE_LIMITED


@strawberry.type
class InvalidCode(Problem):
    attempts_left: int
    message: str = "The code is not right, or was already used."
    code: ProblemCode = ProblemCode.INVALID_CODE


@strawberry.type
class InvalidToken(Problem):
    message: str = "This link or token is not valid any more. Start again."
    code: ProblemCode = ProblemCode.INVALID_TOKEN


@strawberry.type
class PasswordRejected(Problem):
    problems: list[PasswordProblem]  # type: ignore[valid-type]
    message: str = "Choose another password."
    code: ProblemCode = ProblemCode.PASSWORD_REJECTED


@strawberry.type
class IdentityNotVerified(Problem):
    attempts_left: int
    message: str = "That does not match our records."
    code: ProblemCode = ProblemCode.IDENTITY_NOT_VERIFIED


@strawberry.type
class ConsentRequired(Problem):
    message: str = "Accept the practice consent form to activate the account."
    code: ProblemCode = ProblemCode.CONSENT_REQUIRED


@strawberry.type
class UsernameUnavailable(Problem):
    message: str = "That username is taken."
    code: ProblemCode = ProblemCode.USERNAME_UNAVAILABLE


@strawberry.type
class ReauthenticationRequired(Problem):
    message: str = "Enter your password again to make this change."
    code: ProblemCode = ProblemCode.REAUTHENTICATION_REQUIRED


SignInResult = Annotated[
    SignedIn
    | TwoFactorRequired
    | TwoFactorSetupRequired
    | PasswordChangeRequired
    | InvalidCredentials
    | CredentialsExpired
    | Locked
    | RateLimited,
    strawberry.union("SignInResult"),
]
CompleteTwoFactorResult = Annotated[
    SignedIn | InvalidCode | InvalidToken | Locked | RateLimited,
    strawberry.union("CompleteTwoFactorResult"),
]
RequestResult = Annotated[RequestAccepted | RateLimited, strawberry.union("RequestResult")]
ResetResult = Annotated[
    PasswordChanged | InvalidToken | InvalidCode | PasswordRejected | RateLimited,
    strawberry.union("ResetResult"),
]
ChangePasswordResult = Annotated[
    PasswordChanged | InvalidCredentials | PasswordRejected | InvalidToken | Locked | RateLimited,
    strawberry.union("ChangePasswordResult"),
]
IdentityResult = Annotated[
    IdentityVerified | IdentityNotVerified | InvalidToken, strawberry.union("IdentityResult")
]
EnrollmentResult = Annotated[
    EnrollmentCompleted
    | PasswordRejected
    | ConsentRequired
    | UsernameUnavailable
    | IdentityNotVerified
    | InvalidToken,
    strawberry.union("EnrollmentResult"),
]
BeginTotpResult = Annotated[
    TotpEnrollment | InvalidToken | ReauthenticationRequired, strawberry.union("BeginTotpResult")
]
ConfirmTotpResult = Annotated[
    TotpEnabled | InvalidCode | InvalidToken | ReauthenticationRequired, strawberry.union("ConfirmTotpResult")
]
DisableTotpResult = Annotated[
    TotpDisabled | InvalidCredentials | InvalidToken | Locked | RateLimited,
    strawberry.union("DisableTotpResult"),
]
ReauthenticateResult = Annotated[
    Reauthenticated | InvalidCredentials | Locked | RateLimited | InvalidToken,
    strawberry.union("ReauthenticateResult"),
]


def from_value(value: object) -> Any:
    """The GraphQL object for an ``auth`` result (or an ``Outcome`` carrying one and its visible token)."""
    token: str | None = None
    if isinstance(value, Outcome):
        token = value.token
        value = value.result
    match value:
        case r.SignedIn(expires_at=expires_at):
            return SignedIn(expires_at=expires_at, token=token)
        case r.TwoFactorRequired(challenge_token=challenge, expires_at=expires_at):
            return TwoFactorRequired(challenge_token=challenge, expires_at=expires_at)
        case r.TwoFactorSetupRequired(expires_at=expires_at):
            return TwoFactorSetupRequired(expires_at=expires_at, token=token)
        case r.PasswordChangeRequired(enrollment_token=enrollment, expires_at=expires_at):
            return PasswordChangeRequired(enrollment_token=enrollment, expires_at=expires_at)
        case r.RequestAccepted():
            return RequestAccepted()
        case r.PasswordChanged(expires_at=expires_at):
            return PasswordChanged(expires_at=expires_at, token=token)
        case r.IdentityVerified():
            return IdentityVerified()
        case r.EnrollmentCompleted(username=username):
            return EnrollmentCompleted(username=username)
        case r.TotpEnrollment(secret=secret, uri=uri):
            return TotpEnrollment(secret=secret, uri=uri)
        case r.TotpEnabled(recovery_codes=codes, expires_at=expires_at):
            return TotpEnabled(recovery_codes=list(codes), expires_at=expires_at, token=token)
        case r.TotpDisabled(expires_at=expires_at):
            return TotpDisabled(expires_at=expires_at, token=token)
        case r.Reauthenticated(expires_at=expires_at, fresh_until=fresh_until):
            return Reauthenticated(expires_at=expires_at, fresh_until=fresh_until, token=token)
        case r.ReauthenticationRequired():
            return ReauthenticationRequired()
        case r.InvalidCredentials():
            return InvalidCredentials()
        case r.CredentialsExpired():
            return CredentialsExpired()
        case r.Locked(until=until):
            return Locked(until=until)
        case r.RateLimited(retry_after=retry_after):
            return RateLimited(retry_after_seconds=retry_after)
        case r.InvalidCode(attempts_left=left):
            return InvalidCode(attempts_left=left)
        case r.InvalidToken():
            return InvalidToken()
        case r.PasswordRejected(problems=problems):
            return PasswordRejected(problems=list(problems))
        case r.IdentityNotVerified(attempts_left=left):
            return IdentityNotVerified(attempts_left=left)
        case r.ConsentRequired():
            return ConsentRequired()
        case r.UsernameUnavailable():
            return UsernameUnavailable()
    raise TypeError(f"no GraphQL type for {type(value).__name__}")
