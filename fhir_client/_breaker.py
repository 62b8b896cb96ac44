"""A small circuit breaker: stop calling an EHR that is down, and probe until it is back.

States::

    closed --(N consecutive failures)--> open --(cool-down passed)--> half-open
       ^                                  ^                              |
       +---------(probe succeeds)---------+------(probe fails)-----------+

While open, calls fail at once with ``FhirUnavailable`` instead of each waiting for its own timeout; that
keeps the gateway responsive and stops it from piling load onto a struggling server. In half-open exactly one
call (the probe) goes through; the others still fail fast until the probe answers.

A failure is a transport failure (timeout, refused or dropped connection) or a 5xx answer. A 4xx is a success
here: the server is up and answering. One breaker guards one upstream, so it lives as long as the shared
HTTP client (the app lifespan), not per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Counts consecutive failures of one upstream and opens after ``failure_threshold`` of them.

    Args:
        failure_threshold: Consecutive failures that open the breaker.
        reset_after: Seconds the breaker stays open before one probe is let through.
        clock: A monotonic clock in seconds (tests inject a fake one).
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_after < 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after >= 0")
        self._threshold = failure_threshold
        self._reset_after = reset_after
        self._clock = clock
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    @property
    def state(self) -> State:
        """The current state; an open breaker whose cool-down passed reports ``half-open``."""
        if self._state == "open" and self._clock() - self._opened_at >= self._reset_after:
            return "half-open"
        return self._state

    def allow(self) -> bool:
        """Ask to send one request; False means fail fast. A True in half-open makes the caller the probe."""
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._probing:
            self._state = "half-open"
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        """The upstream answered (any status below 500): close the breaker."""
        self._state = "closed"
        self._failures = 0
        self._probing = False

    def record_failure(self) -> None:
        """A transport failure or a 5xx: count it; open (or re-open after a failed probe) if it is the Nth."""
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._state = "open"
            self._opened_at = self._clock()
        self._probing = False

    def release(self) -> None:
        """The call was abandoned (cancelled) before an answer: let another caller probe."""
        self._probing = False


__all__ = ["CircuitBreaker", "State"]
