"""Gateway settings, read from the environment (prefix ``PORTAL_``) and passed explicitly, never imported."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, FilePath, HttpUrl, RedisDsn, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_client import AuthSettings

Environment = Literal["development", "test", "production"]


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

    redis_url: RedisDsn = RedisDsn("redis://127.0.0.1:6380/0")
    redis_timeout: float = Field(default=2.0, gt=0, le=30)
    readiness_timeout: float = Field(default=3.0, gt=0, le=30)

    # Request limits (DESIGN.md section 3; style-and-security.md B.2 rows 1-3).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    max_query_depth: int = Field(default=10, ge=1, le=30)
    max_aliases: int = Field(default=15, ge=1, le=100)
    max_tokens: int = Field(default=1000, ge=50, le=10000)

    @property
    def development(self) -> bool:
        """True only in the development environment (GraphiQL, introspection, GET queries)."""
        return self.environment == "development"

    @property
    def fhir_base(self) -> str:
        """The FHIR base URL as a string without a trailing slash."""
        return str(self.fhir_base_url).rstrip("/")

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

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        # A production gateway must talk to a remote EHR over TLS; plain http is acceptable only on loopback.
        if self.environment == "production" and self.fhir_base_url.scheme != "https":
            host = self.fhir_base_url.host or ""
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError("fhir_base_url must use https outside development unless it is on loopback")
        return self
