"""Work that must not shape an answer, run after it: mail, and the matching behind reset and recovery.

An answer that waits for an SMTP server (or for the EHR) takes longer when something matched, and so tells
what matched (ASVS 5.0 6.3.8). The flows answer first and hand the rest to ``Background.spawn``: a task on
the running loop, at most ``concurrency`` at a time, at most ``backlog`` waiting (past that, a job is dropped
and logged: a flood of requests must not grow memory without bound). A job's failure is logged by exception
class only, like every error of the gateway. The app's lifespan calls ``drain`` on shutdown, so a stopping
process still sends what it accepted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from .events import SecurityEvents


class Background:
    """Runs jobs after the answer.

    Args:
        events: Where dropped and failed jobs are logged.
        concurrency: Jobs running at once (each may hold an SMTP connection or an argon2 computation).
        backlog: Jobs accepted and not yet finished, at most.
    """

    def __init__(self, events: SecurityEvents, *, concurrency: int = 4, backlog: int = 1000) -> None:
        self._events = events
        self._slots = asyncio.Semaphore(concurrency)
        self._backlog = backlog
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, job: Coroutine[Any, Any, None], *, name: str) -> bool:
        """Start ``job`` after the current answer; ``False`` (dropped, logged) when the backlog is full."""
        if len(self._tasks) >= self._backlog:
            job.close()
            self._events.emit("background.dropped", job=name)
            return False
        task = asyncio.get_running_loop().create_task(self._run(job, name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @property
    def pending(self) -> int:
        """Jobs accepted and not finished."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every accepted job has finished (callers bound the wait with ``asyncio.timeout``)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _run(self, job: Coroutine[Any, Any, None], name: str) -> None:
        async with self._slots:
            try:
                await job
            except Exception as error:  # a job must never take the process down; its class is enough
                self._events.emit("background.failed", job=name, error=type(error).__name__)
