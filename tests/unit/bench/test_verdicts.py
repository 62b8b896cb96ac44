"""The benchmark reads the gateway's own Server-Timing, and says of each target whether it holds."""

from __future__ import annotations

from typing import Any

from bench.client import server_timing
from bench.verdicts import TARGETS, verdicts
from fhir_client import CallCounter
from resolvers.timings import Timings


def test_the_benchmark_reads_the_header_the_gateway_writes() -> None:
    timings = Timings()
    with timings.phase("parse"):
        pass
    timings.upstream = CallCounter()
    for _ in range(3):
        timings.upstream.record("batch", failed=False, elapsed_ms=13.75)
    metrics, requests = server_timing(timings.header())
    assert set(metrics) == {"parse", "cpu", "fhir"} and metrics["fhir"] == 41.2
    assert requests == 3
    assert server_timing(None) == ({}, None)
    assert server_timing("garbage;;, fhir;dur=x") == ({}, None)


def _level(clients: int, rps: float, p50: float, p95: float, errors: int = 0) -> dict[str, Any]:
    return {"clients": clients, "rps": rps, "p50": p50, "p95": p95, "errors": errors}


def _results(round_trips: int, cpu: float, two_workers_rps: float) -> dict[str, Any]:
    ways = {"upstream_requests": round_trips, "gateway/hapi_graphql": 0.9, "gateway/raw": 1.1}
    return {
        "dashboard": ways,
        "results_page_50": ways,
        "cpu": {"cpu": cpu},
        "load_1_worker": [_level(1, 10, 100, 150), _level(50, 100, 300, 390)],
        "load_2_workers": [_level(1, 10, 100, 150), _level(50, two_workers_rps, 300, 390)],
        "growth": {"10000": {"ratio": 1.2}},
    }


def test_each_target_holds_or_is_missed_by_its_bound() -> None:
    good = verdicts(_results(round_trips=2, cpu=4.0, two_workers_rps=170))
    assert len(good) == len(TARGETS) and all(v["holds"] for v in good), good
    bad = {v["target"]: v for v in verdicts(_results(round_trips=3, cpu=6.0, two_workers_rps=169))}
    assert not bad["dashboard: upstream round trips"]["holds"]
    assert not bad["CPU ms, 100 results with performers"]["holds"]
    assert not bad["50 clients: throughput 2 workers / 1 worker"]["holds"]
    assert bad["50 clients: throughput 2 workers / 1 worker"]["bound"] == ">= 1.7"


def test_a_scenario_that_did_not_run_is_missed_not_a_crash() -> None:
    (first, *_) = verdicts({})
    assert first["value"] is None and first["holds"] is False
