"""Mutation results of the account flows: one GraphQL type per ``auth.results`` class of the same name.

Expected failures are data: each failure type implements ``Problem`` with a message a frontend may show and a
stable ``code`` (``schema/outcomes.py`` presents the values). Session tokens appear in a result only for
bearer clients (``resolvers.account``); browsers get the cookie and ``token`` is null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from auth import Invitation as InvitationValue
from auth import PasswordProblem as PasswordProblemValue
from auth import results as r

from .outcomes import Presented, Problem, ProblemCode, presents

PasswordProblem = strawberry.enum(PasswordProblemValue, description="Why a new password was refused.")


# --- successes --------------------------------------------------------------------------------

_TOKEN_DOC = "The session token, for bearer clients only (null when it was set as the cookie)."  # noqa: S105


@strawberry.type(description="Signed in; the session cookie is set (or `token` is given to bearer clients).")
@presents(r.SignedIn)
class SignedIn(Presented):
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="The password was right; send the two-step code with `challengeToken`.")
@presents(r.TwoFactorRequired)
class TwoFactorRequired(Presented):
    challenge_token: str
    expires_at: datetime


@strawberry.type(description="Signed in only to set up two-step verification, which the practice requires.")
@presents(r.TwoFactorSetupRequired)
class TwoFactorSetupRequired(Presented):
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="First sign-in: continue with verifyIdentity and completeEnrollment.")
@presents(r.PasswordChangeRequired)
class PasswordChangeRequired(Presented):
    enrollment_token: str
    expires_at: datetime


@strawberry.type(description="Taken; the same answer whether or not anything matched. Check your mail.")
@presents(r.RequestAccepted)
class RequestAccepted(Presented):
    accepted: bool = True


@strawberry.type(description="The password was changed and every other session ended.")
@presents(r.PasswordChanged)
class PasswordChanged(Presented):
    expires_at: datetime | None = strawberry.field(description="The caller's session, when signed in.")
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Identity confirmed: continue with completeEnrollment.")
@presents(r.IdentityVerified)
class IdentityVerified(Presented):
    verified: bool = True


@strawberry.type(description="The account is active: sign in with the new password.")
@presents(r.EnrollmentCompleted)
class EnrollmentCompleted(Presented):
    username: str


@strawberry.type(description="A pending two-step setup: show `uri` as a QR code, `secret` for typing.")
@presents(r.TotpEnrollment)
class TotpEnrollment(Presented):
    secret: str
    uri: str


@strawberry.type(description="Two-step verification is on. Show the recovery codes once.")
@presents(r.TotpEnabled)
class TotpEnabled(Presented):
    recovery_codes: list[str]
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Two-step verification is off; other sessions were ended.")
@presents(r.TotpDisabled)
class TotpDisabled(Presented):
    expires_at: datetime
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="The password was proven again; the session token was rotated.")
@presents(r.Reauthenticated)
class Reauthenticated(Presented):
    expires_at: datetime
    fresh_until: datetime = strawberry.field(
        description="Changes that need a fresh proof are open until then."
    )
    token: str | None = strawberry.field(description=_TOKEN_DOC)


@strawberry.type(description="Sessions ended by signOut or signOutEverywhere.")
class SignedOut:
    sessions_ended: int


@strawberry.type(description="An invited patient's temporary account (the password went to their mailbox).")
@presents(InvitationValue)
class Invitation(Presented):
    account_id: strawberry.ID
    username: str
    expires_at: datetime


# --- failures ---------------------------------------------------------------------------------


@strawberry.type
@presents(r.InvalidCredentials)
class InvalidCredentials(Problem, Presented):
    message: str = "The username or password is not right."
    code: ProblemCode = ProblemCode.INVALID_CREDENTIALS  # type: ignore[valid-type]


@strawberry.type
@presents(r.CredentialsExpired)
class CredentialsExpired(Problem, Presented):
    message: str = "These temporary credentials have expired. Ask the practice for a new invitation."
    code: ProblemCode = ProblemCode.CREDENTIALS_EXPIRED  # type: ignore[valid-type]


@strawberry.type
@presents(r.Locked)
class Locked(Problem, Presented):
    until: datetime | None = strawberry.field(description="When the lock ends.")
    message: str = "The account is locked. Reset your password or try again later."
    code: ProblemCode = ProblemCode.LOCKED  # type: ignore[valid-type]


@strawberry.type
@presents(r.RateLimited)
class RateLimited(Problem, Presented):
    retry_after_seconds: int
    message: str = "Too many attempts. Try again later."
    code: ProblemCode = ProblemCode.RATE_LIMITED  # type: ignore[valid-type]

    @classmethod
    def from_value(cls, value: r.RateLimited, token: str | None) -> RateLimited:
        return cls(retry_after_seconds=value.retry_after)


@strawberry.type
@presents(r.InvalidCode)
class InvalidCode(Problem, Presented):
    attempts_left: int
    message: str = "The code is not right, or was already used."
    code: ProblemCode = ProblemCode.INVALID_CODE  # type: ignore[valid-type]


@strawberry.type
@presents(r.InvalidToken)
class InvalidToken(Problem, Presented):
    message: str = "This link or token is not valid any more. Start again."
    code: ProblemCode = ProblemCode.INVALID_TOKEN  # type: ignore[valid-type]


@strawberry.type
@presents(r.PasswordRejected)
class PasswordRejected(Problem, Presented):
    problems: list[PasswordProblem]  # type: ignore[valid-type]
    message: str = "Choose another password."
    code: ProblemCode = ProblemCode.PASSWORD_REJECTED  # type: ignore[valid-type]


@strawberry.type
@presents(r.IdentityNotVerified)
class IdentityNotVerified(Problem, Presented):
    attempts_left: int
    message: str = "That does not match our records."
    code: ProblemCode = ProblemCode.IDENTITY_NOT_VERIFIED  # type: ignore[valid-type]


@strawberry.type
@presents(r.ConsentRequired)
class ConsentRequired(Problem, Presented):
    message: str = "Accept the practice consent form to activate the account."
    code: ProblemCode = ProblemCode.CONSENT_REQUIRED  # type: ignore[valid-type]


@strawberry.type
@presents(r.UsernameUnavailable)
class UsernameUnavailable(Problem, Presented):
    message: str = "That username is taken."
    code: ProblemCode = ProblemCode.USERNAME_UNAVAILABLE  # type: ignore[valid-type]


@strawberry.type
@presents(r.ReauthenticationRequired)
class ReauthenticationRequired(Problem, Presented):
    message: str = "Enter your password again to make this change."
    code: ProblemCode = ProblemCode.REAUTHENTICATION_REQUIRED  # type: ignore[valid-type]


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
