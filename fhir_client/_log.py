"""One structured log line per upstream call, and the call counters.

The line goes to the ``fhir_client`` logger at INFO (WARNING for transport failures and 5xx) as
``fhir_call method=GET interaction=search type=Observation status=200 ms=12.3 attempt=1 request_id=...``;
the same fields are attached as ``record.fhir`` for structured handlers. Ids and query values appear only when
``ClientOptions.log_phi`` is on (development): a path like ``Patient/123`` already tells who was looked at.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

logger = logging.getLogger("fhir_client")


@dataclass(slots=True)
class CallCounter:
    """Counts upstream FHIR calls; one per client (per request) and optionally one per process for metrics.

    Every HTTP request sent counts, retries included; calls refused by an open breaker do not (nothing was
    sent) and neither do token requests to the SMART endpoint.

    Attributes:
        calls: Requests sent.
        failures: Of those, transport failures and 5xx answers.
        elapsed_ms: Total time spent waiting for them.
        by_interaction: Requests per interaction (``read``, ``search``, ``batch``, ...).
        batched: The GETs sent inside ``batch`` Bundles, per resource type (the Bundle itself is one call).
    """

    calls: int = 0
    failures: int = 0
    elapsed_ms: float = 0.0
    by_interaction: Counter[str] = field(default_factory=Counter)
    batched: Counter[str] = field(default_factory=Counter)

    def record(
        self, interaction: str, *, failed: bool, elapsed_ms: float, resource_type: str | None = None
    ) -> None:
        """Count one request that was sent (``resource_type``: the type addressed, for metrics by type)."""
        self.calls += 1
        self.failures += failed
        self.elapsed_ms += elapsed_ms
        self.by_interaction[interaction] += 1

    def record_entry(self, interaction: str, resource_type: str, *, failed: bool) -> None:
        """Count one GET answered inside a ``batch`` Bundle, by its resource type.

        It is not a call of its own (``record`` counted the Bundle); it keeps what was asked of each type
        visible.
        """
        self.batched[resource_type] += 1


def log_call(
    *,
    method: str,
    interaction: str,
    resource_type: str | None,
    status: int | str,
    elapsed_ms: float,
    attempt: int,
    request_id: str | None,
    url: str | None = None,
) -> None:
    """Write the line for one upstream call; ``url`` is passed only when PHI logging is on."""
    fields: dict[str, object] = {
        "method": method,
        "interaction": interaction,
        "type": resource_type or "-",
        "status": status,
        "ms": round(elapsed_ms, 1),
        "attempt": attempt,
        "request_id": request_id or "-",
    }
    if url is not None:
        fields["url"] = url
    failed = not isinstance(status, int) or status >= 500
    level = logging.WARNING if failed else logging.INFO
    if logger.isEnabledFor(level):
        text = " ".join(f"{key}={value}" for key, value in fields.items())
        logger.log(level, "fhir_call %s", text, extra={"fhir": fields})


__all__ = ["CallCounter", "log_call", "logger"]
