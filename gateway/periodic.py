"""Background work of the app lifespan that runs every few seconds until the app stops.

Stopping sets an event that the sleep between rounds waits on, then waits for the round in progress (bounded),
and cancels only as a last resort. Cancelling alone is not enough: a library that swallows a cancellation
while a round runs (a network client turning it into an error of its own) would leave the task sleeping on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("gateway.background")


class Periodic:
    """Runs ``work`` every ``interval`` seconds in its own task.

    Args:
        name: For the log.
        work: One round (its errors are logged by class and do not stop the next round).
        interval: Seconds between the end of one round and the start of the next.
    """

    def __init__(self, name: str, work: Callable[[], Awaitable[object]], interval: float) -> None:
        self.name = name
        self._work = work
        self._interval = interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the round in progress (at most ``grace`` seconds), then end."""
        self._stop.set()
        if self._task is None:
            return
        try:
            async with asyncio.timeout(grace):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self._work()
            except Exception as exc:  # a round failed (Redis or the EHR away): log the class, go on
                log.warning(
                    "background round failed", extra={"task": self.name, "error_class": type(exc).__name__}
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stop.wait()
