"""The knobs of the ``auth`` package, with the defaults docs/auth.md explains.

The gateway's pydantic ``Settings`` reads the environment; it builds one ``AuthSettings`` from its own fields
in the app factory. Everything here is plain data, checked once at construction.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Configuration of accounts, sign-in, sessions, two-factor, reset and enrollment.

    Attributes:
        practice_code: The code patients type at first sign-in (compared case-insensitively).
        practice_name: Shown in mails and as the TOTP issuer in authenticator apps.
        reset_url_template: The frontend's reset page with a ``{token}`` placeholder. Prefer a fragment
            (``#token={token}``): fragments never reach server logs or ``Referer`` headers.
        mail_from: The ``From`` address of every mail.
        consent_policy_uri: The practice consent form (with its version) that enrollment records as accepted
            (``Consent.policy.uri``); change it when the form changes.
        session_idle_minutes: Sliding idle timeout (default 15: NIST 800-63B AAL3 / ASVS 4.0.3 3.3.2 L3, and
            what the portal promises patients).
        session_absolute_hours: Absolute session lifetime (default 12: NIST 800-63B AAL2/AAL3).
        session_tombstone_hours: How long an ended session is remembered, so that a client presenting it gets
            SESSION_EXPIRED rather than UNAUTHENTICATED.
        max_sessions_per_account: Concurrent sessions per account; creating one more ends the oldest
            (ASVS 5.0 7.1.2).
        lockout_threshold: Consecutive failures that lock an account (default 4, the portal's promise).
        lockout_minutes: How long a lock lasts unless lifted earlier by a reset or staff (default 30).
        failure_window_hours: Failures older than this (since the last one) are forgotten.
        require_totp: Every account must enroll TOTP before it gets a full session.
        invite_hours: Lifetime of invitation (temporary) credentials (default 72).
        reset_minutes: Lifetime of a password-reset link (default 30).
        enrollment_minutes: Time to finish first sign-in once the temporary password was accepted.
        challenge_minutes: Time to enter the second factor after the password was accepted.
        code_attempts: Wrong codes (TOTP, identity check) accepted per challenge before it is burnt; also the
            wrong reset codes and identity checks per account (across links and tokens) that lock those
            checks for ``lockout_minutes``.
        reauth_minutes: How long a password proof (sign-in, ``reauthenticate``) allows the changes that need a
            fresh one: two-step enrollment (ASVS 5.0 7.5.1).
        signin_per_ip_per_minute: Sign-in attempts per client IP per minute.
        reset_per_ip_per_hour: Password-reset requests and completions per client IP per hour.
        reset_per_account_per_hour: Password-reset requests per username per hour.
        recovery_per_ip_per_hour: Username-recovery requests per client IP per hour.
        recovery_per_email_per_hour: Username-recovery requests per email address per hour.
        uniform_response_seconds: Reset and recovery requests take at least this long, matched or not, so
            their timing does not tell whether an account exists (ASVS 5.0 6.3.8).
        argon2_time_cost: argon2id passes (RFC 9106 low-memory profile: 3).
        argon2_memory_kib: argon2id memory in KiB (RFC 9106 low-memory profile: 65536 = 64 MiB).
        argon2_parallelism: argon2id lanes (RFC 9106 low-memory profile: 4).
        key_prefix: Prefix of every Redis key the package writes.
    """

    practice_code: str = "DEMO"
    practice_name: str = "Patient Portal"
    reset_url_template: str = "http://127.0.0.1:8000/reset-password#token={token}"
    mail_from: str = "portal@localhost"
    consent_policy_uri: str = "urn:portal-gateway:practice-consent-form:v1"
    session_idle_minutes: int = 15
    session_absolute_hours: int = 12
    session_tombstone_hours: int = 24
    max_sessions_per_account: int = 10
    lockout_threshold: int = 4
    lockout_minutes: int = 30
    failure_window_hours: int = 24
    require_totp: bool = False
    invite_hours: int = 72
    reset_minutes: int = 30
    enrollment_minutes: int = 15
    challenge_minutes: int = 5
    code_attempts: int = 5
    reauth_minutes: int = 5
    signin_per_ip_per_minute: int = 10
    reset_per_ip_per_hour: int = 10
    reset_per_account_per_hour: int = 5
    recovery_per_ip_per_hour: int = 10
    recovery_per_email_per_hour: int = 3
    uniform_response_seconds: float = 0.5
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    key_prefix: str = "portal:auth:"

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float) and value < 0:
                raise ValueError(f"{field.name} must not be negative")
        for name in ("practice_code", "practice_name", "mail_from", "consent_policy_uri", "key_prefix"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        if "{token}" not in self.reset_url_template:
            raise ValueError("reset_url_template must contain {token}")
        if min(self.session_idle_minutes, self.session_absolute_hours, self.lockout_threshold) < 1:
            raise ValueError("session timeouts and the lockout threshold must be at least 1")
        if self.session_idle_minutes > self.session_absolute_hours * 60:
            raise ValueError("the idle timeout cannot exceed the absolute session lifetime")
        if (
            self.argon2_memory_kib < 8 * self.argon2_parallelism
            or min(self.argon2_time_cost, self.argon2_parallelism) < 1
        ):
            raise ValueError("argon2 needs time_cost >= 1, parallelism >= 1, memory >= 8 KiB per lane")

    @property
    def idle_timeout(self) -> timedelta:
        """``session_idle_minutes`` as a duration."""
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def absolute_lifetime(self) -> timedelta:
        """``session_absolute_hours`` as a duration."""
        return timedelta(hours=self.session_absolute_hours)

    @property
    def lockout_duration(self) -> timedelta:
        """``lockout_minutes`` as a duration."""
        return timedelta(minutes=self.lockout_minutes)
