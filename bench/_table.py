"""Timing and a plain-text table shared by the benchmarks."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One measured candidate: the median time of one run of ``fn`` in milliseconds."""

    name: str
    ms: float


def measure(candidates: Mapping[str, Callable[[], object]], *, repeat: int) -> list[Row]:
    """Median milliseconds per call of each candidate over ``repeat`` rounds.

    Rounds are interleaved (one round of each candidate, then the next round of each) so that a burst of
    load on the machine hits all candidates alike instead of skewing one of them.
    """
    timers = {name: timeit.Timer(fn) for name, fn in candidates.items()}
    numbers = {name: timer.autorange()[0] for name, timer in timers.items()}  # calls per round (>= 0.2 s)
    rounds: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(repeat):
        for name, timer in timers.items():
            rounds[name].append(timer.timeit(numbers[name]) / numbers[name] * 1000)
    return [Row(name, statistics.median(times)) for name, times in rounds.items()]


def table(rows: Sequence[Row], *, per: int, baseline: str) -> str:
    """Rows as a table: ms per page, microseconds per resource, and the ratio to the baseline row."""
    base = next(row.ms for row in rows if row.name == baseline)
    width = max(len(row.name) for row in rows)
    lines = [f"{'representation':<{width}}  {'ms/page':>9}  {'us/resource':>11}  {'x ' + baseline:>16}"]
    for row in rows:
        ratio = row.ms / base
        lines.append(f"{row.name:<{width}}  {row.ms:>9.3f}  {row.ms * 1000 / per:>11.1f}  {ratio:>15.1f}x")
    return "\n".join(lines)
