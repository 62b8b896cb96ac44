"""``build_auth``: the one object the gateway makes in its lifespan and hands to every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ._redis import Redis
from .account_store import RedisAccountStore
from .accounts import AccountStore
from .background import Background
from .clock import Clock, SystemClock
from .credentials import Credentials
from .deps import Deps, RateRules
from .enrollment import Enrollment
from .events import SecurityEvents
from .lockout import Lockout
from .mailer import Mailer
from .passwords import PasswordHasher
from .ratelimit import RateLimiter
from .reauth import Reauthentication
from .reset import Reset
from .sessions import SessionStore
from .settings import AuthSettings
from .signin import SignIn
from .staff import Staff
from .tickets import Tickets
from .two_factor import TwoFactor


@dataclass(frozen=True, slots=True)
class Auth:
    """Every ``auth`` flow, ready to call.

    Attributes:
        settings: The settings it was built with.
        accounts: The account store.
        sessions: Session lookup for the middleware (``resolve``), ``extend``, listing and revocation.
        signin: ``sign_in``, ``complete_two_factor``, ``sign_out``, ``sign_out_everywhere``.
        two_factor: ``begin``, ``confirm``, ``disable`` (TOTP).
        reauth: ``reauthenticate`` (a fresh password proof) and the freshness rule.
        credentials: ``change_password`` (signed in).
        reset: ``request_reset``, ``complete_reset``, ``recover_username``.
        enrollment: ``invite`` (staff), ``verify_identity``, ``complete``.
        staff: ``unlock``, ``disable``, ``enable``.
        events: The security-event log (for the gateway's own events, e.g. session expiry it answers).
        background: Work run after the answer (mail); the app drains it on shutdown.
        mailer: Where mail goes.
        clock: The time source.
    """

    settings: AuthSettings
    accounts: AccountStore
    sessions: SessionStore
    signin: SignIn
    two_factor: TwoFactor
    reauth: Reauthentication
    credentials: Credentials
    reset: Reset
    enrollment: Enrollment
    staff: Staff
    events: SecurityEvents
    background: Background
    mailer: Mailer
    clock: Clock


def build_auth(
    redis: Redis,
    settings: AuthSettings,
    *,
    mailer: Mailer,
    ip_hash_key: bytes,
    clock: Clock | None = None,
    accounts: AccountStore | None = None,
) -> Auth:
    """Assemble the ``auth`` services over one Redis client.

    Args:
        redis: The shared ``redis.asyncio.Redis`` (from the app lifespan).
        settings: The auth settings.
        mailer: Where mail goes (``SmtpMailer`` in production, ``FileOutboxMailer`` in development).
        ip_hash_key: Secret key for hashing client IPs in security events (>= 16 bytes).
        clock: The time source (default: the system clock; tests pass a ``ManualClock``).
        accounts: Another ``AccountStore`` (default: ``RedisAccountStore`` on ``redis``).

    Returns:
        The services.
    """
    clock = clock or SystemClock()
    prefix = settings.key_prefix
    events = SecurityEvents(ip_hash_key)
    passwords = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    window = timedelta(hours=settings.failure_window_hours)
    deps = Deps(
        settings=settings,
        clock=clock,
        accounts=accounts or RedisAccountStore(redis, prefix),
        passwords=passwords,
        lockout=Lockout(
            redis,
            prefix,
            clock,
            threshold=settings.lockout_threshold,
            duration=settings.lockout_duration,
            failure_window=window,
        ),
        codes=Lockout(
            redis,
            prefix,
            clock,
            threshold=settings.code_attempts,
            duration=settings.lockout_duration,
            failure_window=window,
            kind="codes",
        ),
        limits=RateLimiter(redis, prefix, clock),
        rules=RateRules.from_settings(settings),
        sessions=SessionStore(
            redis,
            prefix,
            clock,
            idle_timeout=settings.idle_timeout,
            absolute_lifetime=settings.absolute_lifetime,
            tombstone=timedelta(hours=settings.session_tombstone_hours),
            max_per_account=settings.max_sessions_per_account,
            events=events,
        ),
        events=events,
        mailer=mailer,
        challenges=Tickets(redis, prefix, clock, "challenge", timedelta(minutes=settings.challenge_minutes)),
        enrollments=Tickets(
            redis, prefix, clock, "enrollment", timedelta(minutes=settings.enrollment_minutes)
        ),
        resets=Tickets(redis, prefix, clock, "reset", timedelta(minutes=settings.reset_minutes)),
        background=Background(events),
    )
    reauth = Reauthentication(deps)
    two_factor = TwoFactor(deps, reauth)
    credentials = Credentials(deps, reauth)
    return Auth(
        settings=settings,
        accounts=deps.accounts,
        sessions=deps.sessions,
        signin=SignIn(deps, two_factor),
        two_factor=two_factor,
        reauth=reauth,
        credentials=credentials,
        reset=Reset(deps, two_factor, credentials),
        enrollment=Enrollment(deps, credentials),
        staff=Staff(deps),
        events=events,
        background=deps.background,
        mailer=mailer,
        clock=clock,
    )
