"""The portal benchmark's targets, a verdict for each, and the printed report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Results = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Target:
    """One target: what it says, how to read the measured value, and the bound it must hold."""

    text: str
    value: Callable[[Results], float | None]
    limit: float
    at_least: bool = False

    def verdict(self, results: Results) -> tuple[float | None, bool]:
        try:
            value = self.value(results)
        except (KeyError, IndexError, TypeError, ZeroDivisionError):
            value = None
        if value is None:
            return None, False
        return value, value >= self.limit if self.at_least else value <= self.limit


def _level(results: Results, workers: str, clients: int) -> Mapping[str, Any]:
    return next(level for level in results[workers] if level["clients"] == clients)


def _p95_over_single(results: Results) -> float:
    # The worse of the two worker configurations.
    return max(
        float(_level(results, w, 50)["p95"]) / float(_level(results, w, 1)["p50"])
        for w in ("load_1_worker", "load_2_workers")
    )


TARGETS: tuple[Target, ...] = (
    Target("dashboard: upstream round trips", lambda r: r["dashboard"]["upstream_requests"], 2),
    Target("dashboard: p50 gateway / HAPI $graphql", lambda r: r["dashboard"]["gateway/hapi_graphql"], 1.0),
    Target(
        "results page of 50: p50 gateway / HAPI $graphql",
        lambda r: r["results_page_50"]["gateway/hapi_graphql"],
        1.0,
    ),
    Target("dashboard: p50 gateway / minimal raw FHIR", lambda r: r["dashboard"]["gateway/raw"], 1.25),
    Target(
        "results page of 50: p50 gateway / minimal raw FHIR",
        lambda r: r["results_page_50"]["gateway/raw"],
        1.25,
    ),
    Target("CPU ms, 100 results with performers", lambda r: r["cpu"]["cpu"], 5.0),
    Target(
        "50 clients: errors (1 and 2 workers)",
        lambda r: _level(r, "load_1_worker", 50)["errors"] + _level(r, "load_2_workers", 50)["errors"],
        0,
    ),
    Target("50 clients: p95 / 1-client p50", _p95_over_single, 4.0),
    Target(
        "50 clients: throughput 2 workers / 1 worker",
        lambda r: _level(r, "load_2_workers", 50)["rps"] / _level(r, "load_1_worker", 50)["rps"],
        1.7,
        at_least=True,
    ),
    Target("growth: p50 10,000 / 100 observations", lambda r: r["growth"]["10000"]["ratio"], 1.5),
)


def verdicts(results: Results) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it holds."""
    out = []
    for target in TARGETS:
        value, holds = target.verdict(results)
        bound = (">= " if target.at_least else "<= ") + f"{target.limit:g}"
        out.append({"target": target.text, "bound": bound, "value": value, "holds": holds})
    return out


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def report(results: Results, checked: list[dict[str, Any]]) -> str:
    """The whole run as plain-text tables."""
    lines: list[str] = []
    for key, title in (("dashboard", "dashboard"), ("results_page_50", "results page of 50")):
        row = results[key]
        lines.append(
            f"{title}: gateway {row['upstream_requests']} upstream request(s), raw {row['raw_requests']}"
        )
        lines.append(f"  {'way':<14}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for way in ("gateway", "raw", "hapi_graphql"):
            s = row[way]
            lines.append(f"  {way:<14}{_ms(s['p50']):>9}{_ms(s['p95']):>9}{_ms(s['p99']):>9}")
        ratios = (
            f"gateway/raw {row['gateway/raw']:.2f}   gateway/HAPI $graphql {row['gateway/hapi_graphql']:.2f}"
        )
        lines.append(f"  {ratios}")
        lines.append("")
    cpu = results["cpu"]
    phases = ("parse", "validate", "execute", "serialize", "other", "cpu")
    lines.append("cpu, 100 results with performers (median CPU ms of the gateway's event-loop thread)")
    lines.append("  " + "".join(f"{name:>11}" for name in phases))
    lines.append("  " + "".join(f"{cpu.get(name, 0.0):>11.2f}" for name in phases))
    lines.append("")
    for key, title in (("load_1_worker", "load, 1 worker"), ("load_2_workers", "load, 2 workers")):
        lines.append(f"{title} (results page of 10, each client its own patient)")
        lines.append(
            f"  {'clients':>7}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
            f"  cores busy: gateway / HAPI / driver"
        )
        for level in results[key]:
            busy = level["cpu_cores_busy"]
            lines.append(
                f"  {level['clients']:>7}{level['rps']:>8.1f}{_ms(level.get('p50')):>8}"
                f"{_ms(level.get('p95')):>8}{_ms(level.get('p99')):>8}{level['errors']:>7}"
                f"  {busy['gateway']:.2f} / {busy['hapi']:.2f} / {busy['driver']:.2f}"
            )
        lines.append("")
    lines.append("growth: first results page (20), p50 ms and ratio to 100 observations")
    for count, entry in results["growth"].items():
        lines.append(
            f"  {int(count):>6} obs  gateway {_ms(entry['gateway']['p50']):>6} ({entry['ratio']:.2f}x)"
            f"   raw {_ms(entry['raw']['p50']):>6} ({entry['raw_ratio']:.2f}x)"
        )
    lines.append("")
    lines.append("targets")
    for item in checked:
        value = "-" if item["value"] is None else f"{item['value']:.2f}"
        mark = "holds" if item["holds"] else "MISSED"
        lines.append(f"  {mark:<7}{item['target']:<52}{value:>8}  ({item['bound']})")
    return "\n".join(lines)
