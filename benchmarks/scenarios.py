"""Scenario runs, sweeps on Dask and the results store.

Run through the single entry point:  .venv-bench/bin/python benchmarks/run.py [--only scenarios] [--quick]
[--postgres URL]

1. Scenario runs per minute on the embedded network: ``run_scenario`` (scenario applied, corridor choice in
   equilibrium with the assignment, CO2e, bottlenecks, P50/P90 by simulation), with the default 24,000 samples
   and with the fewest (120), which leaves the choice plus assignment.
2. A sweep of Kuryk's port capacity (as ``corridor scenario sweep`` runs it): one after the other in this process
   (the peer), and on a Dask LocalCluster of 1 and of 2 workers; runs per minute and the ratio.
3. The results store: runs written (``Store.save``, one transaction each) and read (``Store.get`` and
   ``Store.run_values``) per second on SQLite and PostgreSQL, against the raw drivers (``sqlite3``, ``psycopg``)
   doing the same statements on the same tables.

PostgreSQL: ``--postgres URL``, else ``CORRIDOR_TEST_POSTGRES_URL``, else a throwaway server started with
``.ci/postgres.sh`` (fsync on, as a production server runs) and stopped at the end.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import corridor
from assignment import _wrap, cpu_sample, others_between
from corridor.scenarios.files import load_scenario
from corridor.scenarios.run import ScenarioResult, run_scenario
from corridor.scenarios.sweep import parse_sweep_parameter
from reliability import _tree_sample

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("base-2024", "red-sea-closed", "roadmap-2027")
SWEEP_SCENARIO = "base-2024"
SWEEP_PARAM = "capacities/kuryk-port.capacity_per_year=2Mt:9Mt:1Mt"
SWEEP_SAMPLES = 6_000  # corridor scenario sweep's default


@dataclass(frozen=True)
class Sizes:
    runs: int  # timed runs per scenario (median)
    store_runs: int  # runs written and read per store

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        return cls(runs=1, store_runs=40) if quick else cls(runs=3, store_runs=300)


@dataclass
class RunTiming:
    scenario: str
    samples: int
    seconds: float
    iterations: int
    middle_mt: float
    before_seconds: float | None = None  # the same run at the baseline commit (before one model of durations)


@dataclass
class SweepTiming:
    where: str
    runs: int
    seconds: float
    startup: float = math.nan
    others: float = math.nan
    same: bool = True

    @property
    def per_minute(self) -> float:
        return 60 * self.runs / self.seconds


@dataclass
class StoreTiming:
    backend: str
    how: str
    runs: int
    rows: int  # value rows per run
    write_seconds: float
    read_seconds: float

    @property
    def writes(self) -> float:
        return self.runs / self.write_seconds

    @property
    def reads(self) -> float:
        return self.runs / self.read_seconds


@dataclass
class Outcome:
    sizes: Sizes
    runs: list[RunTiming] = field(default_factory=list)
    sweep: list[SweepTiming] = field(default_factory=list)
    store: list[StoreTiming] = field(default_factory=list)
    postgres: str = ""
    versions: str = ""
    others: float = math.nan


def _median_seconds(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    out, times = None, []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


# --- 1. runs ------------------------------------------------------------------------------------------------------


_BASELINE_RUN = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from corridor.network import load_network  # the baseline's own layout, before the package by concern
from corridor.runs import run_scenario
from corridor.scenarios import load_scenario
net = load_network()
scenario = load_scenario(sys.argv[2], net)
run_scenario(net, load_scenario("base-2024", net), samples=120)
times = []
for _ in range(int(sys.argv[4])):
    t = time.perf_counter()
    run_scenario(net, scenario, samples=int(sys.argv[3]))
    times.append(time.perf_counter() - t)
print(json.dumps(statistics.median(times)))
"""


def _baseline_seconds(name: str, samples: int, repeat: int) -> float | None:
    """Median seconds of the same run at the baseline commit (a subprocess on its source), None if unavailable."""
    import subprocess

    from baseline import baseline_source

    source = baseline_source()
    if source is None:
        return None
    done = subprocess.run(
        [sys.executable, "-c", _BASELINE_RUN, str(source), name, str(samples), str(repeat)],
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None


def bench_runs(network: Any, sizes: Sizes, log: Callable[[str], None]) -> list[RunTiming]:
    out = []
    run_scenario(network, load_scenario("base-2024", network), samples=120)  # warm-up: numba kernels, caches
    for name in SCENARIOS:
        scenario = load_scenario(name, network)
        for samples in (24_000, 120):
            seconds, result = _median_seconds(
                lambda s=scenario, n=samples: run_scenario(network, s, samples=n), sizes.runs
            )
            iterations = sum(result.choice.get("iterations", [0]))
            before = _baseline_seconds(name, samples, sizes.runs) if samples == 24_000 else None
            out.append(RunTiming(name, samples, seconds, iterations, result.volumes_mt.get("middle", 0.0), before))
            log(f"run {name} samples {samples}: {seconds:.2f} s ({60 / seconds:.1f} a minute)")
    return out


# --- 2. sweep -----------------------------------------------------------------------------------------------------


def bench_sweep(network: Any, log: Callable[[str], None]) -> list[SweepTiming]:
    from corridor.scaleout import dask_client, dask_map, run_tasks

    base = load_scenario(SWEEP_SCENARIO, network)
    sweep = parse_sweep_parameter(SWEEP_PARAM, network)
    variants = [sweep.apply(base, value) for value in sweep.values]

    def one(variant: Any) -> dict[str, float]:
        return run_scenario(network, variant, samples=SWEEP_SAMPLES).volumes_mt

    before = cpu_sample()
    start = time.perf_counter()
    here = run_tasks(one, variants)
    timings = [SweepTiming("in process, one after the other", len(variants), time.perf_counter() - start)]
    timings[0].others = others_between(before, cpu_sample())
    log(f"sweep in process: {timings[0].seconds:.1f} s for {len(variants)} runs")
    for workers in (1, 2):
        start = time.perf_counter()
        with dask_client(workers=workers) as client:
            client.wait_for_workers(workers)
            startup = time.perf_counter() - start
            map_tasks = dask_map(client)
            run_tasks(one, variants[:workers], map_tasks)  # warm-up: every worker compiles or loads its kernels
            before = _tree_sample()  # this process and its Dask workers
            start = time.perf_counter()
            there = run_tasks(one, variants, map_tasks)
            seconds = time.perf_counter() - start
            others = others_between(before, _tree_sample())
        where = f"LocalCluster, {workers} worker{'s' if workers > 1 else ''}"
        timings.append(SweepTiming(where, len(variants), seconds, startup, others, there == here))
        log(f"sweep {where}: {seconds:.1f} s, same volumes as in process: {there == here}")
    return timings


# --- 3. store -----------------------------------------------------------------------------------------------------


def _value_rows(result: ScenarioResult, run_id: str) -> list[tuple[str, str, str, float]]:
    rows = [
        (run_id, kind, key, float(value))
        for kind, mapping in (
            ("volumes_mt", result.volumes_mt),
            ("p50_days", result.p50_days),
            ("p90_days", result.p90_days),
            ("cost_usd_per_feu", result.cost_usd_per_feu),
            ("passages_mt", result.passages_mt),
        )
        for key, value in mapping.items()
    ]
    rows.append((run_id, "co2e_kt", "total", float(result.co2e_kt)))
    rows += [(run_id, "utilization", b["element"], float(b["utilization"])) for b in result.bottlenecks]
    return rows


def _raw_sqlite(path: str, result: ScenarioResult, n: int) -> tuple[float, float]:
    """The store's statements through the sqlite3 module: one transaction a run, same pragmas, same tables."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    inputs, outputs = json.dumps(result.inputs), json.dumps(result.to_dict())
    ids = []
    start = time.perf_counter()
    for i in range(n):
        run_id = str(uuid.uuid4())
        ids.append(run_id)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO runs (id, scenario, title, created_at, version, seed, samples, year, seconds, inputs, "
            "outputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                f"raw-{i}",
                result.title,
                datetime.now(UTC).isoformat(sep=" "),
                result.version,
                result.seed,
                result.samples,
                result.year,
                result.seconds,
                inputs,
                outputs,
            ),
        )
        conn.executemany(
            "INSERT INTO run_values (run_id, kind, key, value) VALUES (?, ?, ?, ?)", _value_rows(result, run_id)
        )
        conn.execute("COMMIT")
    write = time.perf_counter() - start
    start = time.perf_counter()
    for run_id in ids:
        row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        json.loads(row[9]), json.loads(row[10])
        conn.execute("SELECT * FROM run_values WHERE run_id = ?", (run_id,)).fetchall()
    read = time.perf_counter() - start
    conn.close()
    return write, read


def _raw_postgres(url: str, result: ScenarioResult, n: int) -> tuple[float, float]:
    """The store's statements through psycopg: one transaction a run, same tables."""
    import psycopg
    from psycopg.types.json import Jsonb

    inputs, outputs = result.inputs, result.to_dict()
    ids = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        start = time.perf_counter()
        for i in range(n):
            run_id = str(uuid.uuid4())
            ids.append(run_id)
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "INSERT INTO runs (id, scenario, title, created_at, version, seed, samples, year, seconds, "
                    "inputs, outputs) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        run_id,
                        f"raw-{i}",
                        result.title,
                        datetime.now(UTC),
                        result.version,
                        result.seed,
                        result.samples,
                        result.year,
                        result.seconds,
                        Jsonb(inputs),
                        Jsonb(outputs),
                    ),
                )
                cur.executemany(
                    "INSERT INTO run_values (run_id, kind, key, value) VALUES (%s, %s, %s, %s)",
                    _value_rows(result, run_id),
                )
        write = time.perf_counter() - start
        start = time.perf_counter()
        for run_id in ids:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT * FROM runs WHERE id = %s", (run_id,))
                cur.fetchone()
                cur.execute("SELECT * FROM run_values WHERE run_id = %s", (run_id,))
                cur.fetchall()
        read = time.perf_counter() - start
    return write, read


def _through_store(url: str, result: ScenarioResult, n: int) -> tuple[float, float]:
    from corridor.store.database import Store

    with Store(url) as store:
        ids = []
        start = time.perf_counter()
        for i in range(n):
            ids.append(store.save(replace(result, scenario=f"store-{i}")))
        write = time.perf_counter() - start
        start = time.perf_counter()
        for run_id in ids:
            store.get(run_id)
            store.run_values(run_id)
        read = time.perf_counter() - start
    return write, read


@contextmanager
def postgres_url(given: str | None, log: Callable[[str], None]) -> Iterator[str]:
    if given or os.environ.get("CORRIDOR_TEST_POSTGRES_URL"):
        yield str(given or os.environ["CORRIDOR_TEST_POSTGRES_URL"])
        return
    env = {**os.environ, "CORRIDOR_PG_PORT": "55439", "CORRIDOR_PG_FSYNC": "on"}
    out = subprocess.run(
        ["bash", str(ROOT / ".ci" / "postgres.sh")], capture_output=True, text=True, env=env, check=True
    ).stdout
    values = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
    url, stop = values["CORRIDOR_TEST_POSTGRES_URL"], values["CORRIDOR_PG_STOP"].strip("'")
    log(f"started PostgreSQL at {url}")
    try:
        yield url
    finally:
        subprocess.run(stop, shell=True, check=False, capture_output=True)


def bench_store(network: Any, sizes: Sizes, pg: str, log: Callable[[str], None]) -> list[StoreTiming]:
    import sqlalchemy as sa

    from corridor.store.database import Store

    result = run_scenario(network, load_scenario("base-2024", network), samples=1200)
    rows = len(_value_rows(result, "x"))
    n = sizes.store_runs
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, url in (("SQLite", f"sqlite:///{tmp}/store.sqlite"), ("PostgreSQL", pg)):
            Store(url).close()  # schema by the migrations
            _through_store(url, result, 5)  # warm-up
            write, read = _through_store(url, result, n)
            out.append(StoreTiming(backend, "corridor Store (SQLAlchemy)", n, rows, write, read))
            sqlite = backend == "SQLite"
            raw = _raw_sqlite(f"{tmp}/store.sqlite", result, n) if sqlite else _raw_postgres(pg, result, n)
            how = "raw driver (sqlite3)" if sqlite else "raw driver (psycopg)"
            out.append(StoreTiming(backend, how, n, rows, *raw))
            for t in out[-2:]:
                log(f"store {backend} {t.how}: {t.writes:,.0f} writes/s, {t.reads:,.0f} reads/s")
            if backend == "PostgreSQL":  # leave the test database as it was
                engine = sa.create_engine(Store(url).url)
                with engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "DELETE FROM run_values WHERE run_id IN (SELECT id FROM runs WHERE "
                            "scenario LIKE 'store-%' OR scenario LIKE 'raw-%')"
                        )
                    )
                    conn.execute(sa.text("DELETE FROM runs WHERE scenario LIKE 'store-%' OR scenario LIKE 'raw-%'"))
                engine.dispose()
    return out


def bench(quick: bool, *, postgres: str | None = None, log: Callable[[str], None] = print) -> Outcome:
    sizes = Sizes.of(quick)
    network = corridor.load_network()
    outcome = Outcome(sizes)
    before = cpu_sample()
    outcome.runs = bench_runs(network, sizes, log)
    outcome.others = others_between(before, cpu_sample())
    outcome.sweep = bench_sweep(network, log)
    with postgres_url(postgres, log) as url:
        outcome.store = bench_store(network, sizes, url, log)
        import sqlalchemy as sa

        from corridor.store.database import Store

        engine = sa.create_engine(Store(url).url)
        with engine.connect() as conn:
            outcome.postgres = str(conn.execute(sa.text("SHOW server_version")).scalar_one())
            fsync = str(conn.execute(sa.text("SHOW fsync")).scalar_one())
        engine.dispose()
        outcome.postgres += f" (fsync {fsync})"
    outcome.versions = (
        ", ".join(f"{name} {version(name)}" for name in ("dask", "distributed", "SQLAlchemy", "psycopg"))
        + f", SQLite {__import__('sqlite3').sqlite_version}, PostgreSQL {outcome.postgres}"
    )
    return outcome


# --- report -------------------------------------------------------------------------------------------------------


def _para(text: str) -> list[str]:
    return textwrap.wrap(text, 116, break_on_hyphens=False)


def report_section(outcome: Outcome, command: str) -> str:
    lines = [
        "## Scenarios: runs, sweeps on Dask, the results store",
        "",
        *_para(f"Measured by `{command}` ({os.cpu_count()} cores; {outcome.versions})."),
        "",
        "### Scenario runs",
        "",
        *_para(
            "Wall time of `run_scenario` on the embedded network, median of "
            f"{outcome.sizes.runs} run(s) after a warm-up run: the scenario applied, the corridor choice in "
            "equilibrium with the assignment (MSA iterations summed over the year's intervals), CO2e, bottlenecks, "
            "and P50/P90 days simulated for the best route of each corridor. With 120 samples (the fewest) the "
            "simulation is negligible and the time is the choice plus assignment."
        ),
        "",
        "| scenario | samples | wall time | runs a minute | MSA iterations | Middle Mt | before | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in outcome.runs:
        before = "" if r.before_seconds is None else f"{r.before_seconds:.2f} s"
        ratio = "" if r.before_seconds is None else f"{r.before_seconds / r.seconds:.2f}"
        lines.append(
            f"| {r.scenario} | {r.samples:,} | {r.seconds:.2f} s | {60 / r.seconds:.1f} | {r.iterations} | "
            f"{r.middle_mt:.2f} | {before} | {ratio} |"
        )
    lines += [
        "",
        *_para(
            "No other tool runs this model (logit corridor choice in equilibrium with a capacitated multimodal "
            "assignment and a Monte Carlo transit time), so there is no peer ratio for a whole run; its parts are "
            "measured against peers in the sections on assignment (AequilibraE) and reliability (SimPy). 'before' is "
            "the same run at the commit before one model of durations (a subprocess on a git worktree, same "
            "interpreter, same repeats); since then a run also finds the queueing waits of its equilibrium and "
            "simulates the routes with them. Ratio = before / now. "
            + (
                "Other processes kept the cores busy meanwhile: rerun on an idle machine before quoting numbers."
                if outcome.others > 0.2
                else "The machine was otherwise close to idle."
            )
        ),
        "",
        "### Sweep on Dask",
        "",
        *_para(
            f"`corridor scenario sweep {SWEEP_SCENARIO} --param {SWEEP_PARAM}` as the command runs it: "
            f"{outcome.sweep[0].runs} runs of {SWEEP_SAMPLES:,} samples. The peer is the same runs one after the "
            "other in this process. On each cluster, start-up and one warm-up task per worker are excluded."
        ),
        "",
        "| where | start-up | wall time | runs a minute | against in process | other load |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    here = outcome.sweep[0]
    for s in outcome.sweep:
        startup = "–" if math.isnan(s.startup) else f"{s.startup:.2f} s"
        load = "n/a" if math.isnan(s.others) else f"{s.others:.2f}"
        lines.append(
            f"| {s.where} | {startup} | {s.seconds:.1f} s | {s.per_minute:.1f} | "
            f"{s.per_minute / here.per_minute:.2f}x | {load} |"
        )
    one, two = outcome.sweep[1], outcome.sweep[2]
    lines += [
        "",
        *_para(
            "Scaling efficiency = throughput(2 workers) / (2 x throughput(1 worker)): "
            f"**{two.per_minute / (2 * one.per_minute):.2f}**. "
            "The cluster runs gave "
            + ("exactly the in-process volumes" if all(s.same for s in outcome.sweep) else "DIFFERENT volumes")
            + f" for every value. With {os.cpu_count()} cores the client shares them with the workers; each task "
            "also carries the network to its worker (pickled with the task)."
        ),
        "",
        "### Results store",
        "",
        *_para(
            f"{outcome.sizes.store_runs} runs written one transaction each (a run row with inputs and outputs as "
            f"JSON, and {outcome.store[0].rows} value rows), then each read back (the run row and its values). "
            "The peer is the raw driver doing the same statements on the same tables: the ratio is what the "
            "SQLAlchemy layer costs. SQLite: a file in WAL mode on local disk; PostgreSQL: a local server on "
            "loopback."
        ),
        "",
        "| database | through | writes/s | reads/s | writes: store / raw | reads: store / raw |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for i in range(0, len(outcome.store), 2):
        s, raw = outcome.store[i], outcome.store[i + 1]
        lines.append(
            f"| {s.backend} | {s.how} | {s.writes:,.0f} | {s.reads:,.0f} | {s.writes / raw.writes:.2f} | "
            f"{s.reads / raw.reads:.2f} |"
        )
        lines.append(f"| {raw.backend} | {raw.how} | {raw.writes:,.0f} | {raw.reads:,.0f} | 1.00 | 1.00 |")
    sqlite, pg = outcome.store[0], outcome.store[2]
    lines += [
        "",
        *_wrap(
            f"PostgreSQL against SQLite through the store: {pg.writes / sqlite.writes:.2f}x the writes, "
            f"{pg.reads / sqlite.reads:.2f}x the reads."
        ),
        *_wrap(
            f"A scenario run takes {min(r.seconds for r in outcome.runs):.1f}–"
            f"{max(r.seconds for r in outcome.runs):.1f} s, its write {1000 / min(sqlite.writes, pg.writes):.1f} ms "
            "at most: the store is never what limits a sweep."
        ),
        *_wrap(
            "The store opens a transaction for `get` and another for `run_values` (two round trips a read), the raw "
            "peer runs both selects on one connection without one: most of the read ratio is that, and turning "
            "rows into dictionaries."
        ),
        "",
    ]
    return "\n".join(lines)
