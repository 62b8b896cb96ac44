"""Gateway settings for tests: a real-looking secret, cheap argon2, and Redis keys of the test's own."""

from __future__ import annotations

import uuid
from typing import Any

from gateway import Settings

IP_HASH_KEY = "test-ip-hash-key-0123456789abcdef"


def gateway_settings(environment: str, fhir_base_url: str, redis_url: str, **overrides: Any) -> Settings:
    """Settings that pass ``check_startable`` in every environment.

    Mail goes to a loopback SMTP host (tests that read mail pass their own mailer to ``create_app``). Each
    call gets its own Redis key prefix, so tests never see each other's accounts, sessions or counters.
    """
    values: dict[str, Any] = {
        "environment": environment,
        "fhir_base_url": fhir_base_url,
        "redis_url": redis_url,
        "ip_hash_key": IP_HASH_KEY,
        "mail_smtp_host": "127.0.0.1",
        "auth_key_prefix": f"test:gw:{uuid.uuid4().hex[:12]}:",
        # Cheap argon2 keeps the suite fast; production parameters are covered by tests/unit/auth.
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "argon2_parallelism": 1,
        "uniform_response_seconds": 0.0,
        # Tests run the notifier themselves (run_once), so nothing polls HAPI in the background.
        "notices_interval_seconds": 0,
        # Likewise the audit writer (tests that need the AuditEvents run it: AuditWriter.run_once).
        "audit_interval_seconds": 0,
        # Likewise the payment reconciler (tests run it themselves, or switch it on).
        "payment_reconcile_interval_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)
