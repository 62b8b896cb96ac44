"""Gateway settings, read from the environment (prefix ``PORTAL_``) and passed explicitly, never imported."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    FilePath,
    HttpUrl,
    IPvAnyNetwork,
    RedisDsn,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

import access
import auth
from fhir_client import AuthSettings
from resolvers.practice import URGENT_CARE_NOTICE, MessagePool, PracticeRules

# Allowed only in development, so that `make run` works without a secret; outside development the app factory
# refuses to start with it (or with none).
DEVELOPMENT_IP_HASH_KEY = "development-only-ip-hash-key-not-secret!"
MIN_SECRET_BYTES = 32

Environment = Literal["development", "test", "production"]


class MessagePoolSetting(BaseModel):
    """One shared inbox in ``PORTAL_MESSAGE_POOLS`` (a JSON list of these)."""

    model_config = {"frozen": True, "extra": "forbid"}

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1, max_length=100)
    # Directory types that can both receive a Communication and own a Task (FHIR R4).
    reference: str = Field(
        pattern=r"^(HealthcareService|Organization|PractitionerRole|Practitioner)/[A-Za-z0-9\-.]{1,64}$"
    )


# The demo practice's shared inboxes (fixtures/practice.py writes these HealthcareServices).
DEFAULT_MESSAGE_POOLS = (
    MessagePoolSetting(
        code="front-desk", name="Front desk", reference="HealthcareService/hs-mgfm-front-desk"
    ),
    MessagePoolSetting(code="billing", name="Billing office", reference="HealthcareService/hs-mgfm-billing"),
    MessagePoolSetting(
        code="nurse-line", name="Nurse line", reference="HealthcareService/hs-mgfm-nurse-line"
    ),
)


class Settings(BaseSettings):
    """Everything the gateway can be configured with.

    ``environment`` decides the defaults that matter for safety: GraphiQL, introspection and queries over GET
    exist only in ``development``. Every limit has a value; none can be switched off.
    """

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore", frozen=True)

    environment: Environment = "production"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    fhir_base_url: HttpUrl = HttpUrl("http://127.0.0.1:8080/fhir")
    fhir_connect_timeout: float = Field(default=2.0, gt=0, le=30)
    fhir_read_timeout: float = Field(default=10.0, gt=0, le=120)
    fhir_pool_timeout: float = Field(default=2.0, gt=0, le=30)
    fhir_max_connections: int = Field(default=50, ge=1, le=1000)
    fhir_deadline: float = Field(default=20.0, gt=0, le=120)
    # The circuit breaker of the EHR: consecutive failures that open it, and seconds until one probe.
    fhir_breaker_failures: int = Field(default=5, ge=1, le=100)
    fhir_breaker_reset_seconds: float = Field(default=30.0, ge=0.1, le=600)

    # Upstream authentication to the EHR (docs/fhir-client.md): none, basic, bearer or SMART Backend Services.
    fhir_auth: Literal["none", "basic", "bearer", "smart"] = "none"
    fhir_auth_username: str | None = None
    fhir_auth_password: SecretStr | None = None
    fhir_auth_token: SecretStr | None = None
    fhir_smart_token_url: HttpUrl | None = None
    fhir_smart_client_id: str | None = None
    fhir_smart_private_key_file: FilePath | None = None
    fhir_smart_key_id: str | None = None
    fhir_smart_algorithm: Literal["RS384", "ES384"] = "RS384"
    fhir_smart_scope: str = "system/*.read system/*.write"

    # The TLS proxies (CIDRs, comma-separated) whose X-Forwarded-For names the client; none: the socket's
    # address is the client's. Rate limits and security events use the address this yields.
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = []
    # Who may read /metrics outside development (CIDRs, comma-separated; none: nobody). In development
    # anyone on the machine may.
    metrics_allow: Annotated[list[IPvAnyNetwork], NoDecode] = []

    redis_url: RedisDsn = RedisDsn("redis://127.0.0.1:6380/0")
    redis_timeout: float = Field(default=2.0, gt=0, le=30)
    readiness_timeout: float = Field(default=3.0, gt=0, le=30)
    # How long a stopping gateway waits for mail it accepted before stopping (background jobs).
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=120)

    # Request limits (docs/architecture.md section 3; docs/decisions.md).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    max_query_depth: int = Field(default=10, ge=1, le=30)
    max_aliases: int = Field(default=15, ge=1, le=100)
    max_tokens: int = Field(default=1000, ge=50, le=10000)
    # graphql-armor's max-directives default; the portal's documents use a handful of @include/@skip.
    max_directives: int = Field(default=50, ge=1, le=1000)
    # One response key per selection set at most this often (repeats merge anyway; they only cost).
    max_repeated_fields: int = Field(default=3, ge=1, le=100)
    # Server-Timing on every answer (CPU per phase, upstream requests: docs/performance.md); default: on in
    # development only.
    server_timing: bool | None = None

    # Accounts and sessions (docs/auth.md section 2 has the reasons for every default).
    practice_code: str = Field(default="MGFM42", min_length=1, max_length=64)
    practice_name: str = Field(default="Maple Grove Family Medicine", min_length=1, max_length=200)
    # The practice's rules for the portal (resolvers/practice.py): its time zone and holidays (business days),
    # how far ahead and how many appointments a patient may book, when online check-in opens.
    practice_time_zone: str = "America/New_York"
    practice_holidays: tuple[date, ...] = ()
    booking_window_days: int = Field(default=90, ge=1, le=365)
    max_upcoming_appointments: int = Field(default=5, ge=1, le=50)
    check_in_opens_days: int = Field(default=3, ge=0, le=30)
    check_in_questionnaire: str = Field(default="questionnaire-previsit", pattern=r"^[A-Za-z0-9\-.]{1,64}$")
    # Prescription renewals (docs/medications.md): who may ask (SELF and/or SCHEDULING_MESSAGING proxies; a
    # READ_ONLY proxy never may), and in how many business days a request is due.
    refill_levels: tuple[Literal["SELF", "SCHEDULING_MESSAGING"], ...] = ("SELF", "SCHEDULING_MESSAGING")
    refill_due_business_days: int = Field(default=2, ge=1, le=30)
    session_idle_minutes: int = Field(default=15, ge=1, le=60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24)
    lockout_threshold: int = Field(default=4, ge=1, le=100)
    lockout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    require_totp: bool = False
    signin_per_ip_per_minute: int = Field(default=10, ge=1, le=10000)
    reset_per_ip_per_hour: int = Field(default=10, ge=1, le=10000)
    reset_per_account_per_hour: int = Field(default=5, ge=1, le=1000)
    recovery_per_ip_per_hour: int = Field(default=10, ge=1, le=10000)
    recovery_per_email_per_hour: int = Field(default=3, ge=1, le=1000)
    uniform_response_seconds: float = Field(default=0.5, ge=0, le=5)
    reauth_minutes: int = Field(default=5, ge=1, le=60)

    # Idempotency keys of mutations (docs/architecture.md): how long a result is replayed, and how long a
    # concurrent duplicate waits for the first request before CONFLICT.
    idempotency_hours: int = Field(default=24, ge=1, le=72)
    idempotency_wait_seconds: float = Field(default=10.0, gt=0, le=60)

    # Proxy access of teenagers (docs/access.md): from which age, and whether their sent messages are hidden.
    teen_proxy_min_age: int = Field(default=12, ge=10, le=17)
    teen_proxy_hides_sent_messages: bool = True

    # Secure messaging (docs/messaging.md): the shared inboxes besides the care team, the longest text, the
    # reply promise in business days, the notice every send answers with, and the largest attachment (its
    # own body cap on POST /attachments; /graphql keeps max_body_bytes).
    message_pools: tuple[MessagePoolSetting, ...] = DEFAULT_MESSAGE_POOLS
    message_max_characters: int = Field(default=10_000, ge=100, le=100_000)
    message_reply_business_days: int = Field(default=2, ge=1, le=10)
    message_urgent_notice: str = Field(default=URGENT_CARE_NOTICE, min_length=1, max_length=1000)
    attachment_max_bytes: int = Field(default=5 * 1024 * 1024, ge=64 * 1024, le=20 * 1024 * 1024)

    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)
    auth_key_prefix: str = Field(default="portal:auth:", min_length=1, max_length=100)
    reset_url_template: str = "http://127.0.0.1:8000/reset-password#token={token}"
    # Client IPs appear in security events only as HMAC-SHA256 under this key.
    ip_hash_key: SecretStr | None = None
    # SHA-256 (hex) of the staff key sent as `X-Admin-Key`; unset means no admin access at all.
    admin_key_sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")

    # The audit trail (docs/audit.md): how often queued notes are written to the EHR (0: never, tests drive
    # it), notes per FHIR transaction, and how many may wait before the gateway refuses PHI access.
    audit_interval_seconds: float = Field(default=2.0, ge=0, le=600)
    audit_batch_size: int = Field(default=50, ge=1, le=500)
    audit_queue_limit: int = Field(default=100_000, ge=10, le=10_000_000)
    # Billing and online payments (docs/billing.md). The card processor: "test" (the documented test
    # processor; refused in production) or "package.module:factory" of a real one; unset means the test
    # processor outside production and no online payments in production.
    payment_processor: str | None = Field(default=None, min_length=1, max_length=200)
    # How long a charge may take before its outcome counts as unknown (the payment then stays pending).
    payment_processor_timeout_seconds: float = Field(default=30.0, gt=0, le=120)
    # How often each gateway process finishes pending payments (records charges, voids the never charged;
    # 0: never).
    payment_reconcile_interval_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Proxies with SCHEDULING_MESSAGING access may pay a patient's bills if the Account names them guarantor.
    guarantor_proxies_pay: bool = False
    billing_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    # Notices (gateway/notices.py): how often the EHR is polled for news to mail patients about (0: never),
    # and where those mails send them.
    notices_interval_seconds: float = Field(default=30.0, ge=0, le=3600)
    portal_url: str = Field(default="http://127.0.0.1:8000/portal", min_length=1, max_length=500)

    # Mail: SMTP when a host is set, else one .eml file per message in the outbox folder (development).
    mail_from: str = Field(default="portal@localhost", min_length=3, max_length=254)
    mail_smtp_host: str | None = None
    mail_smtp_port: int = Field(default=587, ge=1, le=65535)
    mail_smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    mail_smtp_username: str | None = None
    mail_smtp_password: SecretStr | None = None
    mail_outbox: Path = Path("var/outbox")

    @property
    def development(self) -> bool:
        """True only in the development environment (GraphiQL, introspection, GET queries)."""
        return self.environment == "development"

    @property
    def timing(self) -> bool:
        """Whether answers carry ``Server-Timing`` (the setting, else development only)."""
        return self.development if self.server_timing is None else self.server_timing

    @property
    def fhir_base(self) -> str:
        """The FHIR base URL as a string without a trailing slash."""
        return str(self.fhir_base_url).rstrip("/")

    @property
    def cookie_secure(self) -> bool:
        """``__Host-`` cookie with ``Secure`` everywhere except development (served over plain http)."""
        return not self.development

    def auth_settings(self) -> auth.AuthSettings:
        """The ``auth`` package's settings from the ``PORTAL_*`` fields."""
        return auth.AuthSettings(
            practice_code=self.practice_code,
            practice_name=self.practice_name,
            reset_url_template=self.reset_url_template,
            mail_from=self.mail_from,
            session_idle_minutes=self.session_idle_minutes,
            session_absolute_hours=self.session_absolute_hours,
            lockout_threshold=self.lockout_threshold,
            lockout_minutes=self.lockout_minutes,
            require_totp=self.require_totp,
            signin_per_ip_per_minute=self.signin_per_ip_per_minute,
            reset_per_ip_per_hour=self.reset_per_ip_per_hour,
            reset_per_account_per_hour=self.reset_per_account_per_hour,
            recovery_per_ip_per_hour=self.recovery_per_ip_per_hour,
            recovery_per_email_per_hour=self.recovery_per_email_per_hour,
            uniform_response_seconds=self.uniform_response_seconds,
            reauth_minutes=self.reauth_minutes,
            argon2_time_cost=self.argon2_time_cost,
            argon2_memory_kib=self.argon2_memory_kib,
            argon2_parallelism=self.argon2_parallelism,
            key_prefix=self.auth_key_prefix,
        )

    def practice_rules(self) -> PracticeRules:
        """The practice's rules as the resolvers read them."""
        return PracticeRules(
            name=self.practice_name,
            time_zone=ZoneInfo(self.practice_time_zone),
            holidays=frozenset(self.practice_holidays),
            booking_window_days=self.booking_window_days,
            max_upcoming_appointments=self.max_upcoming_appointments,
            check_in_opens_days=self.check_in_opens_days,
            check_in_questionnaire=self.check_in_questionnaire,
            message_pools=tuple(MessagePool(p.code, p.name, p.reference) for p in self.message_pools),
            message_max_characters=self.message_max_characters,
            message_reply_business_days=self.message_reply_business_days,
            urgent_care_notice=self.message_urgent_notice,
            attachment_max_bytes=self.attachment_max_bytes,
            refill_levels=frozenset(access.Level(level) for level in self.refill_levels),
            refill_due_business_days=self.refill_due_business_days,
            guarantor_proxies_pay=self.guarantor_proxies_pay,
            billing_currency=self.billing_currency,
        )

    @property
    def payment_processor_spec(self) -> str | None:
        """The processor to load: as set, else the test processor outside production, else none."""
        if self.payment_processor is not None:
            return self.payment_processor
        return None if self.environment == "production" else "test"

    def ip_hash_secret(self) -> bytes:
        """The key for hashing client IPs, checked for use.

        Returns:
            The key bytes.

        Raises:
            ValueError: Outside development the key is unset, the development value, or under 32 bytes.
        """
        value = self.ip_hash_key.get_secret_value() if self.ip_hash_key else None
        if self.development:
            return (value or DEVELOPMENT_IP_HASH_KEY).encode()
        if value is None or value == DEVELOPMENT_IP_HASH_KEY or len(value.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"PORTAL_IP_HASH_KEY must be set to a secret of at least {MIN_SECRET_BYTES} bytes "
                "outside development"
            )
        return value.encode()

    def teen_policy(self) -> access.TeenPolicy:
        """The practice's teen rule for proxies."""
        return access.TeenPolicy(
            min_age=self.teen_proxy_min_age, hide_sent_messages=self.teen_proxy_hides_sent_messages
        )

    def cursor_secret(self) -> bytes:
        """The key that signs pagination cursors: derived from the server secret, separated by purpose.

        Returns:
            32 key bytes.
        """
        return hmac.new(self.ip_hash_secret(), b"portal-gateway/cursor/v1", hashlib.sha256).digest()

    def mailer(self) -> auth.Mailer:
        """The mailer the settings describe: SMTP when a host is set, else the file outbox."""
        if self.mail_smtp_host:
            password = self.mail_smtp_password
            return auth.SmtpMailer(
                self.mail_smtp_host,
                self.mail_smtp_port,
                sender=self.mail_from,
                security=self.mail_smtp_security,
                username=self.mail_smtp_username,
                password=password.get_secret_value() if password else None,
            )
        return auth.FileOutboxMailer(self.mail_outbox, sender=self.mail_from)

    def is_admin_key(self, presented: str | None) -> bool:
        """Whether ``presented`` is the admin key (constant-time compare of SHA-256 digests).

        Args:
            presented: The ``X-Admin-Key`` header value, if any.

        Returns:
            False when no admin key is configured or none was presented.
        """
        if not self.admin_key_sha256 or not presented:
            return False
        digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).hexdigest()
        return hmac.compare_digest(digest, self.admin_key_sha256.lower())

    def fhir_auth_settings(self) -> AuthSettings:
        """The upstream credentials in the form ``fhir_client`` takes."""

        def secret(value: SecretStr | None) -> str | None:
            return value.get_secret_value() if value else None

        key_file: Path | None = self.fhir_smart_private_key_file
        return AuthSettings(
            kind=self.fhir_auth,
            username=self.fhir_auth_username,
            password=secret(self.fhir_auth_password),
            token=secret(self.fhir_auth_token),
            token_url=str(self.fhir_smart_token_url) if self.fhir_smart_token_url else None,
            client_id=self.fhir_smart_client_id,
            private_key_pem=key_file.read_text(encoding="utf-8") if key_file else None,
            key_id=self.fhir_smart_key_id,
            algorithm=self.fhir_smart_algorithm,
            scope=self.fhir_smart_scope,
        )

    @field_validator("trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        # A production gateway must talk to a remote EHR over TLS; plain http is acceptable only on loopback.
        if self.environment == "production" and self.fhir_base_url.scheme != "https":
            host = self.fhir_base_url.host or ""
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError("fhir_base_url must use https outside development unless it is on loopback")
        if "{token}" not in self.reset_url_template:
            raise ValueError("reset_url_template must contain {token}")
        if len({pool.code for pool in self.message_pools}) != len(self.message_pools):
            raise ValueError("message_pools: each pool needs a code of its own")
        try:
            ZoneInfo(self.practice_time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("practice_time_zone must be an IANA time zone (America/New_York)") from None
        return self

    def check_startable(self) -> None:
        """Refuse to serve with unsafe secrets or mail outside development (called by ``create_app``).

        Checked when the app is built rather than when settings load, so that tooling such as
        ``python -m gateway sdl`` can read settings on a machine that holds no secrets.

        Raises:
            ValueError: The IP-hash key is missing or weak, or production has no SMTP server or would take
                payments with the test processor.
        """
        self.ip_hash_secret()
        if self.environment == "production" and self.payment_processor == "test":
            # The test processor takes no money: a "paid" bill in the EHR would be a lie.
            raise ValueError("PORTAL_PAYMENT_PROCESSOR=test is refused in production")
        if self.environment == "production" and not self.mail_smtp_host:
            raise ValueError(
                "PORTAL_MAIL_SMTP_HOST must be set in production (the outbox is for development)"
            )
