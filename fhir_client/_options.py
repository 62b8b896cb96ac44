"""Client settings that are not secrets and not per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._retry import RetryPolicy
from ._transport import DEFAULT_TIMEOUT, Timeout

MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How a :class:`~fhir_client.FhirClient` talks to its server.

    Attributes:
        timeout: Per-attempt connect/read/write/pool timeouts (see ``fhir_client._transport``).
        deadline: Seconds one operation may take in all, retries and backoff included.
        retry: Retry policy for requests that are safe to repeat.
        max_body_bytes: Larger answers are refused (read in chunks, never buffered past this).
        default_count: ``_count`` sent when a search does not ask for a page size.
        max_count: The largest ``_count`` ever sent; larger requests are capped (the rest comes by paging).
        loader_chunk_size: Ids per ``_id=a,b,c`` request of the read loaders (at most ``max_count``).
        log_phi: Put request paths and query strings (ids, search values) in the per-call log line. For
            development only: in production the line names method, interaction, type, status and time.
        batch_gets: Send the reads and searches asked for together as one ``batch`` Bundle (``GetBatcher``);
            off, each goes on its own (all at once), for a server without batch support.
    """

    timeout: Timeout = field(default_factory=lambda: DEFAULT_TIMEOUT)
    deadline: float = 20.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_body_bytes: int = MAX_BODY_BYTES
    default_count: int = 20
    max_count: int = 100
    loader_chunk_size: int = 100
    log_phi: bool = False
    batch_gets: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.default_count <= self.max_count:
            raise ValueError("default_count must be in 1..max_count")
        if not 0 < self.loader_chunk_size <= self.max_count:
            raise ValueError("loader_chunk_size must be in 1..max_count")
        if self.deadline <= 0 or self.max_body_bytes <= 0:
            raise ValueError("deadline and max_body_bytes must be positive")


__all__ = ["MAX_BODY_BYTES", "ClientOptions"]
