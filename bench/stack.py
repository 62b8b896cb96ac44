"""The servers a benchmark run measures: HAPI FHIR (with ``$graphql`` on, in-memory H2) and Redis on the
benchmark's own ports, reused when already up, started (and stopped afterwards) otherwise; and gateway
processes with the benchmark's settings.

The benchmark never uses the development stack's servers (``make run``) or the tests' ones.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gateway import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCH_FHIR_PORT = int(os.environ.get("PORTAL_BENCH_FHIR_PORT", "8070"))
BENCH_REDIS_PORT = int(os.environ.get("PORTAL_BENCH_REDIS_PORT", "6370"))
PASSWORD = "synthetic bench patient password"  # noqa: S105 - the benchmark's synthetic accounts only
KEY_PREFIX = "bench:"
IP_HASH_KEY = "benchmark-ip-hash-key-0123456789abcdef"


@dataclass
class Stack:
    """The FHIR base and Redis URL of the run, and what this run started."""

    fhir_base: str
    redis_url: str
    started: list[tuple[str, int]] = field(default_factory=list)


def _answers(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(url, timeout=3).status_code == 200
    return False


def _has_graphql(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        response = httpx.post(
            f"{base}/$graphql",
            content=b"{ PatientList(_count: 1) { id } }",
            headers={"Content-Type": "application/graphql"},
            timeout=10,
        )
        return response.status_code == 200
    return False


# In-memory H2 keeps the whole data set in HAPI's heap, and every run adds the AuditEvents of its requests
# (about 9,000 after three runs filled the default 1 GB: full collections, then timeouts under load).
HAPI_JAVA_OPTS = "-Xmx3g -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"


def _script(*args: str, env: dict[str, str] | None = None) -> None:
    environment = {**os.environ, **(env or {})}
    subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / args[0]), *args[1:]], check=True, cwd=ROOT, env=environment
    )


@contextlib.contextmanager
def services(*, keep: bool = False) -> Iterator[Stack]:
    """HAPI (``$graphql`` on) and Redis on the benchmark ports; those started here stop at the end.

    Raises:
        SystemExit: A server on the FHIR port answers without ``$graphql`` (not the benchmark's).
    """
    base = f"http://127.0.0.1:{BENCH_FHIR_PORT}/fhir"
    stack = Stack(base, f"redis://127.0.0.1:{BENCH_REDIS_PORT}/0")
    try:
        if not _answers(f"{base}/metadata"):
            _script(
                "fhir_server.sh",
                "start",
                "--profile",
                "test",
                "--graphql",
                "--port",
                str(BENCH_FHIR_PORT),
                env={"FHIR_SERVER_JAVA_OPTS": os.environ.get("FHIR_SERVER_JAVA_OPTS", HAPI_JAVA_OPTS)},
            )
            stack.started.append(("fhir_server.sh", BENCH_FHIR_PORT))
        elif not _has_graphql(base):
            raise SystemExit(
                f"the FHIR server on port {BENCH_FHIR_PORT} has no $graphql; "
                "stop it or set PORTAL_BENCH_FHIR_PORT"
            )
        status = subprocess.run(  # noqa: S603
            [str(ROOT / "scripts" / "redis.sh"), "status", "--port", str(BENCH_REDIS_PORT)],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if status.returncode != 0:
            _script("redis.sh", "start", "--port", str(BENCH_REDIS_PORT))
            stack.started.append(("redis.sh", BENCH_REDIS_PORT))
        yield stack
    finally:
        if not keep:
            for script, port in reversed(stack.started):
                with contextlib.suppress(subprocess.CalledProcessError):
                    _script(script, "stop", "--port", str(port))


def settings(stack: Stack) -> Settings:
    """Production settings with Server-Timing on, limits that a load of 50 clients from one address does not
    hit, and cheap password hashing (sign-in is not what is measured)."""
    return Settings(
        environment="production",
        fhir_base_url=stack.fhir_base,
        redis_url=stack.redis_url,
        ip_hash_key=IP_HASH_KEY,
        mail_smtp_host="127.0.0.1",
        auth_key_prefix=KEY_PREFIX,
        server_timing=True,
        signin_per_ip_per_minute=10_000,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        uniform_response_seconds=0,
        # Nothing is due in the data set; polling would only add noise to the EHR's load.
        notices_interval_seconds=0,
        log_level="WARNING",
    )
