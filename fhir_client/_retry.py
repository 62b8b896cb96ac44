"""When a failed upstream call may be sent again, and how long to wait first.

A retry is only safe when sending the request a second time cannot have a second effect, because after a
timeout or a dropped connection we cannot know whether the server acted on the first one:

- ``GET`` and ``HEAD`` read; repeating them changes nothing. Retried.
- ``PUT`` (update) sends the whole resource to a known id; a replay writes the same content again. With
  ``If-Match`` a replay after a first attempt that did succeed answers 409 (the version moved on): a spurious
  conflict, never a second write. Retried.
- ``DELETE`` of a deleted resource succeeds again. Retried.
- ``POST`` with ``If-None-Exist`` (conditional create): a replay finds what the first attempt created and
  returns it. Retried.
- ``PATCH`` only with ``If-Match``: an unconditional JSON Patch may append twice; a versioned one cannot apply
  twice. Retried only with ``If-Match``.
- Plain ``POST`` (create, transaction, an operation): never retried, since a replay can create a second
  resource. A batch made only of reads (see ``GetBatcher``) and ``$validate`` are marked safe by their
  callers.

What is retried: transport failures (connect, read, write timeouts, dropped connections) and the statuses that
say "try later" (429, 502, 503, 504). A 500 is not retried: HAPI's 500s come from deterministic faults and a
replay would only double the load on a server in trouble.

Backoff uses "full jitter": a uniform delay in ``[0, min(max_delay, base_delay * 2**n))``, which spreads the
retries of many clients instead of synchronising them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently an idempotent request is retried.

    Attributes:
        attempts: Attempts in total, the first included (1 turns retries off).
        base_delay: Upper bound of the first backoff, in seconds.
        max_delay: Upper bound of any backoff, in seconds (also caps ``Retry-After``).
        sleep: The sleep function (tests inject one that does not sleep).
        random: Source of uniform floats in [0, 1) for the jitter.
    """

    attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """The backoff before retry number ``retry`` (1 for the first retry).

        Args:
            retry: 1 for the first retry, 2 for the second, ...
            retry_after: The server's ``Retry-After`` in seconds, if it sent one.

        Returns:
            Seconds to wait.
        """
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        jittered = self.random() * ceiling
        if retry_after is not None:
            return min(self.max_delay, max(jittered, retry_after))
        return jittered


def retry_safe(method: str, headers: Mapping[str, str]) -> bool:
    """Whether sending this request again cannot cause a second effect (see the module docstring).

    Args:
        method: The HTTP method.
        headers: The request headers (case-insensitive lookups are done here).

    Returns:
        True if the request may be retried.
    """
    method = method.upper()
    names = {name.lower() for name in headers}
    if method in _IDEMPOTENT:
        return True
    if method == "POST":
        return "if-none-exist" in names
    if method == "PATCH":
        return "if-match" in names
    return False


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delta-seconds form; ``None`` otherwise."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # the HTTP-date form is not worth a date parser here; the jitter backoff applies.
    return seconds if seconds >= 0 else None


__all__ = ["RETRY_STATUSES", "RetryPolicy", "parse_retry_after", "retry_safe"]
