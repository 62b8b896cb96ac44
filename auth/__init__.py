"""Accounts, passwords, two-factor, lockout, sessions, reset and enrollment (issue #4; docs/auth.md).

The gateway builds one ``Auth`` in its lifespan with ``build_auth(redis, AuthSettings(...), mailer=...,
ip_hash_key=...)`` and then:

- middleware: ``auth.sessions.resolve(token, background=...)`` -> ``ActiveSession`` | ``ExpiredSession``
  (SESSION_EXPIRED) | ``NoSession`` (UNAUTHENTICATED); ``auth.cookies`` reads and writes the cookie;
- mutations: ``auth.signin``, ``auth.two_factor``, ``auth.credentials``, ``auth.reset``, ``auth.enrollment``,
  ``auth.staff``, each returning a result dataclass from ``auth.results`` (or raising ``InvalidInput``);
- flows that need the EHR take a ``PatientDirectory`` (``FhirPatientDirectory(fhir_client)`` per request).

See docs/auth.md for the numbers, the Redis layout and the security events.
"""

from ._redis import Keys, Redis, text
from .account_store import RedisAccountStore
from .accounts import Account, AccountStatus, AccountStore
from .clock import Clock, ManualClock, SystemClock
from .cookies import clear_cookie, cookie_name, set_cookie, token_from_headers
from .directory import ConsentAcceptance, FhirPatientDirectory, PatientDirectory, PatientIdentity
from .enrollment import Invitation
from .errors import (
    AccountNotFound,
    AuthError,
    InvalidInput,
    NotPermitted,
    PatientAlreadyEnrolled,
    StaleAccount,
    UsernameTaken,
)
from .events import SecurityEvents
from .mailer import FileOutboxMailer, Mailer, MailMessage, SmtpMailer
from .policy import PasswordProblem, check_password
from .results import (
    BeginTotpResult,
    ChangePasswordResult,
    ConfirmTotpResult,
    ConsentRequired,
    CredentialsExpired,
    DisableTotpResult,
    EnrollmentCompleted,
    EnrollmentResult,
    IdentityNotVerified,
    IdentityResult,
    IdentityVerified,
    InvalidCode,
    InvalidCredentials,
    InvalidToken,
    Locked,
    PasswordChanged,
    PasswordChangeRequired,
    PasswordRejected,
    RateLimited,
    Reauthenticated,
    ReauthenticateResult,
    ReauthenticationRequired,
    RequestAccepted,
    RequestResult,
    ResetResult,
    SignedIn,
    SignInResult,
    TotpDisabled,
    TotpEnabled,
    TotpEnrollment,
    TwoFactorRequired,
    TwoFactorResult,
    TwoFactorSetupRequired,
    UsernameUnavailable,
)
from .service import Auth, build_auth
from .session_model import (
    ActiveSession,
    EndReason,
    ExpiredSession,
    IssuedSession,
    NoSession,
    Session,
    SessionLevel,
    SessionLookup,
)
from .settings import AuthSettings
from .tickets import IssuedTicket, Ticket, Tickets
from .tokens import token_digest

__all__ = [
    "Account",
    "AccountNotFound",
    "AccountStatus",
    "AccountStore",
    "ActiveSession",
    "Auth",
    "AuthError",
    "AuthSettings",
    "BeginTotpResult",
    "ChangePasswordResult",
    "Clock",
    "ConfirmTotpResult",
    "ConsentAcceptance",
    "ConsentRequired",
    "CredentialsExpired",
    "DisableTotpResult",
    "EndReason",
    "EnrollmentCompleted",
    "EnrollmentResult",
    "ExpiredSession",
    "FhirPatientDirectory",
    "FileOutboxMailer",
    "IdentityNotVerified",
    "IdentityResult",
    "IdentityVerified",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidToken",
    "Invitation",
    "IssuedSession",
    "IssuedTicket",
    "Keys",
    "Locked",
    "MailMessage",
    "Mailer",
    "ManualClock",
    "NoSession",
    "NotPermitted",
    "PasswordChangeRequired",
    "PasswordChanged",
    "PasswordProblem",
    "PasswordRejected",
    "PatientAlreadyEnrolled",
    "PatientDirectory",
    "PatientIdentity",
    "RateLimited",
    "ReauthenticateResult",
    "Reauthenticated",
    "ReauthenticationRequired",
    "Redis",
    "RedisAccountStore",
    "RequestAccepted",
    "RequestResult",
    "ResetResult",
    "SecurityEvents",
    "Session",
    "SessionLevel",
    "SessionLookup",
    "SignInResult",
    "SignedIn",
    "SmtpMailer",
    "StaleAccount",
    "SystemClock",
    "Ticket",
    "Tickets",
    "TotpDisabled",
    "TotpEnabled",
    "TotpEnrollment",
    "TwoFactorRequired",
    "TwoFactorResult",
    "TwoFactorSetupRequired",
    "UsernameTaken",
    "UsernameUnavailable",
    "build_auth",
    "check_password",
    "clear_cookie",
    "cookie_name",
    "set_cookie",
    "text",
    "token_digest",
    "token_from_headers",
]
