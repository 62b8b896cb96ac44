"""The portal benchmark (``python -m bench portal``): the gateway measured as a client sees it, against the
minimal raw FHIR requests and HAPI's own ``$graphql``, in one run (docs/performance.md).

Scenarios:

1. **dashboard**: one operation with the patient, the next 3 appointments, the latest 10 results with
   performers, active medications, the unread message count and the balance; upstream requests, p50, p95.
2. **three ways**: the dashboard and a results page of 50 through the gateway, as raw FHIR and as
   ``$graphql``, interleaved round by round; the ratios of the p50s.
3. **cpu**: the gateway's CPU per request for a page of 100 results with performers, split into parse,
   validate, execute and serialize (the gateway's ``Server-Timing``, CPU of its event-loop thread).
4. **load**: 1, 10 and 50 concurrent signed-in clients for a fixed time, with 1 gateway worker and with 2;
   requests/s, p50/p95/p99, errors, and the CPU each process used.
5. **growth**: the first results page of patients with 100, 1,000 and 10,000 observations.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from gateway import Settings
from gateway.accounts import NewAccount, create_accounts

from . import dataset, questions
from .client import BenchError, FhirClient, PortalClient, Timed
from .stack import BENCH_FHIR_PORT, PASSWORD, ROOT, Stack

CPU_PAGE = 100
LOAD_LEVELS = (1, 10, 50)
BALANCE_SELECTION = "billing { balance { owed { value currency } payable { value } } }"
MEDICATIONS_SELECTION = questions.MEDICATIONS


@dataclass(frozen=True, slots=True)
class Options:
    """How much to measure: rounds per question, seconds per load level."""

    rounds: int = 150
    warmup: int = 20
    load_seconds: float = 15.0
    cpu_rounds: int = 60


def summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, mean and count of millisecond samples."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": pct(95),
        "p99": pct(99),
        "mean": statistics.fmean(ordered),
    }


def account_of(patient: str) -> NewAccount:
    """The benchmark account of a synthetic patient."""
    return NewAccount(
        username=patient.replace("-", "."),
        patient_id=patient,
        person_id=f"{patient}-person",
        email=f"{patient}@bench.invalid",
    )


async def sign_in_all(base: str, patients: Sequence[str]) -> list[PortalClient]:
    """One signed-in client per patient (a few at a time: sign-in hashes a password)."""
    clients: list[PortalClient] = []
    for start in range(0, len(patients), 5):
        batch = patients[start : start + 5]
        clients += await asyncio.gather(
            *(PortalClient.sign_in(base, account_of(p).username, PASSWORD) for p in batch)
        )
    return clients


async def compare(
    question: questions.Question, portal: PortalClient, fhir: FhirClient, options: Options
) -> dict[str, Any]:
    """The question three ways, round-robin (each round all three, in rotating order)."""
    ways: dict[str, Callable[[], Awaitable[Timed]]] = {}

    async def gateway() -> Timed:
        timed, data = await portal.query(question.document, question.variables)
        question.check(data)
        return timed

    async def raw() -> Timed:
        timed, _ = await fhir.requests(question.raw)
        return timed

    async def hapi() -> Timed:
        timed, _ = await fhir.graphql(question.hapi_path, question.hapi_graphql)
        return timed

    ways = {"gateway": gateway, "raw": raw, "hapi_graphql": hapi}
    samples: dict[str, list[Timed]] = {name: [] for name in ways}
    names = list(ways)
    for round_ in range(options.warmup + options.rounds):
        order = names[round_ % 3 :] + names[: round_ % 3]
        for name in order:
            timed = await ways[name]()
            if round_ >= options.warmup:
                samples[name].append(timed)
    out: dict[str, Any] = {name: summary([t.ms for t in timed]) for name, timed in samples.items()}
    requests = [t.upstream_requests for t in samples["gateway"] if t.upstream_requests is not None]
    out["upstream_requests"] = max(requests) if requests else None
    out["raw_requests"] = len(question.raw)
    out["gateway/raw"] = out["gateway"]["p50"] / out["raw"]["p50"]
    out["gateway/hapi_graphql"] = out["gateway"]["p50"] / out["hapi_graphql"]["p50"]
    return out


async def cpu(portal: PortalClient, patient: str, options: Options) -> dict[str, Any]:
    """Median CPU ms per phase for a page of ``CPU_PAGE`` results with performers."""
    variables = {"patient": patient, "first": CPU_PAGE}
    phases: dict[str, list[float]] = {}
    for round_ in range(options.warmup + options.cpu_rounds):
        timed, data = await portal.query(questions.RESULTS_WITH_PERFORMERS, variables)
        if len(data["patient"]["results"]["edges"]) != CPU_PAGE:
            raise BenchError("the CPU page is not full")
        if round_ < options.warmup:
            continue
        server = dict(timed.server)
        named = sum(server.get(name, 0.0) for name in ("parse", "validate", "execute", "serialize"))
        server["other"] = server.get("cpu", 0.0) - named
        for name, value in server.items():
            phases.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in phases.items()}


def _cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    out = [pid]
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out += _children(int(child))
    return out


def _hapi_pid() -> int | None:
    path = ROOT / "var" / "run" / f"fhir-server-{BENCH_FHIR_PORT}.pid"
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().strip())
    # A server started from another checkout: find it by its port argument.
    wanted = f"--server.port={BENCH_FHIR_PORT}".encode()
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and wanted in (proc / "cmdline").read_bytes().split(b"\0"):
                return int(proc.name)
    return None


async def load(
    clients: Sequence[PortalClient], level: int, gateway_pid: int, document: str, seconds: float
) -> dict[str, Any]:
    """``level`` clients, each asking its own patient's question in a loop for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    async def run(client: PortalClient, patient: str) -> None:
        while time.perf_counter() < deadline:
            try:
                timed, _ = await client.query(document, {"patient": patient, "first": 10})
            except (BenchError, OSError) as exc:
                errors.append(type(exc).__name__ + ": " + str(exc)[:200])
                continue
            latencies.append(timed.ms)

    hapi = _hapi_pid()
    processes = {"gateway": _children(gateway_pid), "hapi": [hapi] if hapi else [], "driver": [os.getpid()]}
    before = {name: _cpu_seconds(pids) for name, pids in processes.items()}
    started = time.perf_counter()
    await asyncio.gather(
        *(run(client, dataset.dashboard_patient(n + 1)) for n, client in enumerate(clients[:level]))
    )
    elapsed = time.perf_counter() - started
    used = {name: _cpu_seconds(pids) - before[name] for name, pids in processes.items()}
    done = len(latencies)
    return {
        "clients": level,
        "requests": done,
        "errors": len(errors),
        "error_samples": errors[:3],
        "rps": done / elapsed,
        **{k: v for k, v in summary(latencies).items() if k != "n"},
        "cpu_ms_per_request": {name: (s * 1000 / done if done else None) for name, s in used.items()},
        "cpu_cores_busy": {name: s / elapsed for name, s in used.items()},
    }


@contextlib.asynccontextmanager
async def gateway(settings: Settings, workers: int) -> AsyncIterator[tuple[str, int]]:
    """A gateway process (``python -m gateway serve --workers N``) with the benchmark's settings."""
    # The tests' helper starts the process and waits until it answers; the benchmark uses the same one.
    from tests.support.servers import gateway_process

    async with gateway_process(settings, workers=workers) as process:
        yield process.url, process.pid


async def run(
    stack: Stack, settings: Settings, options: Options, log: Callable[[str], None]
) -> dict[str, Any]:
    """Every scenario in one run; the measurements as a JSON-able dict."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    data = dataset.build(now.date())
    loaded = await asyncio.to_thread(dataset.load, stack.fhir_base, data)
    log(f"data set {'loaded' if loaded else 'already on the server'} ({time.perf_counter() - started:.0f} s)")
    patients = [dataset.dashboard_patient(n) for n in range(1, dataset.CLIENTS + 1)]
    growth_ids = [dataset.growth_patient(count) for count in dataset.GROWTH]
    await create_accounts(settings, [account_of(p) for p in [*patients, *growth_ids]], PASSWORD)
    fhir = FhirClient(stack.fhir_base)
    results: dict[str, Any] = {"started": now.isoformat(timespec="seconds")}
    try:
        async with gateway(settings, 1) as (base, pid):
            clients = await sign_in_all(base, patients)
            growth_clients = await sign_in_all(base, growth_ids)
            growth_client = growth_clients[1]  # 1,000 observations in 200 reports: full pages of 50 and 100
            log("signed in; dashboard")
            results["dashboard"] = await compare(
                questions.dashboard(patients[0], now, BALANCE_SELECTION, MEDICATIONS_SELECTION),
                clients[0],
                fhir,
                options,
            )
            log("results page of 50")
            results["results_page_50"] = await compare(
                questions.results_page(growth_ids[1], 50), growth_client, fhir, options
            )
            log("cpu")
            results["cpu"] = await cpu(growth_client, growth_ids[1], options)
            log("growth")
            results["growth"] = await growth(growth_clients, fhir, options)
            log("load, 1 worker")
            results["load_1_worker"] = [
                await load(clients, level, pid, questions.RESULTS_PAGE, options.load_seconds)
                for level in LOAD_LEVELS
            ]
            for client in [*clients, *growth_clients]:
                await client.close()
        async with gateway(settings, 2) as (base, pid):
            clients = await sign_in_all(base, patients)
            log("load, 2 workers")
            results["load_2_workers"] = [
                await load(clients, level, pid, questions.RESULTS_PAGE, options.load_seconds)
                for level in LOAD_LEVELS
            ]
            for client in clients:
                await client.close()
    finally:
        await fhir.close()
    results["seconds"] = time.perf_counter() - started
    return results


async def growth(clients: Sequence[PortalClient], fhir: FhirClient, options: Options) -> dict[str, Any]:
    """First results page (20) of each growth patient (through that patient's own session) and raw, and the
    ratios to the smallest record."""
    out: dict[str, Any] = {}
    for client, count in zip(clients, dataset.GROWTH, strict=True):
        question = questions.growth_page(dataset.growth_patient(count))
        samples: dict[str, list[float]] = {"gateway": [], "raw": []}
        for round_ in range(options.warmup + options.rounds // 2):
            timed, data = await client.query(question.document, question.variables)
            question.check(data)
            raw, _ = await fhir.requests(question.raw)
            if round_ >= options.warmup:
                samples["gateway"].append(timed.ms)
                samples["raw"].append(raw.ms)
        out[str(count)] = {name: summary(values) for name, values in samples.items()}
    smallest = out[str(dataset.GROWTH[0])]
    for count in dataset.GROWTH:
        entry = out[str(count)]
        entry["ratio"] = entry["gateway"]["p50"] / smallest["gateway"]["p50"]
        entry["raw_ratio"] = entry["raw"]["p50"] / smallest["raw"]["p50"]
    return out


def main(options: Options, *, keep: bool, results_dir: Path) -> str:
    """Run the portal benchmark; print progress, write the JSON, and return the report."""
    from .stack import services, settings
    from .verdicts import report, verdicts

    def log(text: str) -> None:
        print(f"[bench] {text}", flush=True)

    with services(keep=keep) as stack:
        results = asyncio.run(run(stack, settings(stack), options, log))
    results["machine"] = machine()
    results["options"] = {
        "rounds": options.rounds,
        "warmup": options.warmup,
        "load_seconds": options.load_seconds,
        "cpu_rounds": options.cpu_rounds,
    }
    checked = verdicts(results)
    results["targets"] = checked
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")
    text = orjson.dumps(results, option=orjson.OPT_INDENT_2)
    (results_dir / f"portal-{stamp}.json").write_bytes(text)
    (results_dir / "portal-latest.json").write_bytes(text)
    return report(results, checked) + f"\n\nJSON: {results_dir / 'portal-latest.json'}"


def machine() -> dict[str, Any]:
    """What the run ran on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version()}
