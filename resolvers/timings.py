"""What one request spent, for the ``Server-Timing`` response header (docs/performance.md).

The gateway's ``ServerTimingMiddleware`` starts a ``Timings`` for each request when the setting
``server_timing`` is on and makes it current; the schema's ``PhaseTimings`` extension and the view record
their phases in it; the middleware writes the header when the answer starts. Durations are CPU time of the
event-loop thread (``time.thread_time``), so waiting for the EHR or Redis is not counted; upstream requests
and their wall time come from the request's FHIR call counter.

Measured this way, a request served alone is measured exactly; requests served at the same time share the
thread, so under load a request's numbers include some of its neighbours' work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from fhir_client import CallCounter

CURRENT: ContextVar[Timings | None] = ContextVar("portal_timings", default=None)


@dataclass(slots=True)
class Timings:
    """CPU milliseconds per phase of one request, and its upstream requests.

    Attributes:
        started: ``time.thread_time()`` when the request arrived.
        phases: CPU milliseconds by phase name (``parse``, ``validate``, ``execute``, ``serialize``).
        upstream: The request's FHIR call counter, once the request has a FHIR client.
    """

    started: float = field(default_factory=time.thread_time)
    phases: dict[str, float] = field(default_factory=dict)
    upstream: CallCounter | None = None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the CPU time of the block to phase ``name``."""
        start = time.thread_time()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + (time.thread_time() - start) * 1000

    def header(self) -> str:
        """The ``Server-Timing`` value: each phase, ``cpu`` (the whole request so far) and ``fhir``."""
        parts = [f"{name};dur={ms:.3f}" for name, ms in self.phases.items()]
        parts.append(f"cpu;dur={(time.thread_time() - self.started) * 1000:.3f}")
        if self.upstream is not None:
            parts.append(f'fhir;dur={self.upstream.elapsed_ms:.1f};desc="{self.upstream.calls} requests"')
        return ", ".join(parts)


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Record the block as phase ``name`` of the current request's timings (nothing when timing is off)."""
    timings = CURRENT.get()
    if timings is None:
        yield
        return
    with timings.phase(name):
        yield
