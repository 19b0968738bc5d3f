"""Transit-time reliability: the vectorized engine against the SimPy reference model, and the Dask scale-out.

Run through the single entry point:  .venv-bench/bin/python benchmarks/run.py [--only reliability] [--quick]

The itinerary is corridor's best Middle Corridor route from Xi'an to Duisburg, leaving on 2026-11-10.

1. Samples per second of :func:`corridor.reliability.engine.simulate_plan` in this process (one thread, no Dask) and of
   :func:`corridor.reliability.simref.simulate_reference` (one SimPy world per shipment), same itinerary, same run;
   the ratio,
   and a two-sample Kolmogorov-Smirnov test that the two give the same distribution.
2. The same engine on a Dask LocalCluster with 1 and with 2 single-threaded worker processes: throughput of one
   large run (cluster start-up and a warm-up run excluded), the scaling efficiency, and a departure-date sweep
   (one task per departure, as ``corridor simulate --sweep-depart`` runs it).

Code that starts a LocalCluster must run under ``if __name__ == "__main__":`` (the workers are spawned
processes that import the main module again): run.py calls this module from its guarded ``main()``.
"""

from __future__ import annotations

import math
import os
import statistics
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from typing import Any

import numpy as np

import corridor
from assignment import CpuSample, _wrap, cpu_sample, others_between
from corridor.reliability.engine import Plan, plan_route, simulate_plan
from corridor.reliability.streams import CHUNK_SAMPLES

ORIGIN, DESTINATION, CORRIDOR = "Xian", "Duisburg", "middle"
DEPART = "2026-11-10"
SWEEP_DEPARTURES = tuple(datetime.fromisoformat(f"2026-{month:02d}-15") for month in range(1, 13))
SAMPLES_PER_TASK = 1 << 18  # simulate_plan's default
GOAL_RATIO = 100.0
GOAL_PER_CORE = 1_000_000.0


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    engine: int  # samples of the vectorized engine, single thread
    reference: int  # samples of the SimPy reference
    repeat: int  # timed runs of each engine (median), after one warm-up
    dask: int  # samples of the large run, in-process and on each cluster
    dask_repeat: int
    sweep: int  # samples per departure of the sweep

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        if quick:
            return cls(engine=1_000_000, reference=2_000, repeat=3, dask=4_000_000, dask_repeat=1, sweep=250_000)
        return cls(engine=2_000_000, reference=5_000, repeat=3, dask=16_000_000, dask_repeat=3, sweep=1_000_000)


@dataclass
class Timing:
    """Median wall and CPU seconds (of this process) over the timed runs."""

    samples: int
    wall: float
    cpu: float
    runs: int
    others: float = math.nan  # cores kept busy by other processes meanwhile, on average

    @property
    def rate(self) -> float:
        return self.samples / self.wall


@dataclass
class Cluster:
    """One LocalCluster: start-up, warm-up and the timed runs on it."""

    workers: int
    startup: float
    warmup: float
    run: Timing
    sweep: Timing
    same_samples: bool  # the run's samples equal the in-process run's (same seed)


@dataclass
class Outcome:
    """What :func:`bench` measured."""

    sizes: Sizes
    stages: int
    expected_days: float
    engine: Timing
    reference: Timing
    engine_days: tuple[float, float, float]  # mean, p50, p95
    reference_days: tuple[float, float, float]
    ks_statistic: float
    ks_pvalue: float
    in_process: Timing
    in_process_sweep: Timing
    clusters: list[Cluster] = field(default_factory=list)
    sweep_days: tuple[float, float] = (math.nan, math.nan)  # lowest and highest mean days over the departures
    versions: str = ""


def _tree_sample() -> CpuSample | None:
    """Like ``cpu_sample`` but with the CPU time of this process's children (Dask's nanny and worker processes)."""
    sample = cpu_sample()
    if sample is None:
        return None
    try:
        import psutil
    except ImportError:
        return sample
    extra = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        extra += times.user + times.system
    return CpuSample(sample.machine, sample.own + extra, sample.wall)


def measure(fn: Callable[[], Any], *, samples: int, repeat: int, warmup: int = 1, tree: bool = False) -> Timing:
    """Median wall and CPU time of ``fn`` over ``repeat`` runs after ``warmup`` runs, and the other load."""
    for _ in range(warmup):
        fn()
    sample = _tree_sample if tree else cpu_sample
    walls, cpus = [], []
    before = sample()
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    others = others_between(before, sample())
    return Timing(samples, statistics.median(walls), statistics.median(cpus), repeat, others)


def _summary(hours: np.ndarray) -> tuple[float, float, float]:
    days = hours / 24.0
    return float(days.mean()), float(np.percentile(days, 50)), float(np.percentile(days, 95))


def sweep_runner(plan: Plan, samples: int, map_tasks: Any) -> Callable[[], list[float]]:
    """One run per departure of SWEEP_DEPARTURES, each a task with its own seed; returns the mean days."""
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(11).spawn(len(SWEEP_DEPARTURES))]
    tasks = list(zip(SWEEP_DEPARTURES, seeds, strict=True))

    def one(task: tuple[datetime, int]) -> float:
        return simulate_plan(plan, depart=task[0], samples=samples, seed=task[1]).mean_days

    def run() -> list[float]:
        out: list[float] = map_tasks(one, tasks) if map_tasks is not None else [one(t) for t in tasks]
        return out

    return run


@contextmanager
def _timed_client(workers: int) -> Iterator[tuple[Any, float]]:
    from corridor.scaleout import dask_client

    start = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.wait_for_workers(workers)
        yield client, time.perf_counter() - start


def bench(quick: bool, *, log: Callable[[str], None] = print) -> Outcome:
    """Every measurement of the module docstring."""
    from scipy.stats import ks_2samp

    from corridor.reliability.simref import simulate_reference
    from corridor.scaleout import dask_map

    sizes = Sizes.of(quick)
    network = corridor.load_network()
    route = corridor.route(network, ORIGIN, DESTINATION, corridor=CORRIDOR)
    plan = plan_route(network, route)
    log(f"reliability: {ORIGIN}-{DESTINATION} ({CORRIDOR}), {len(plan.stages)} stages, depart {DEPART}")

    # 1. the engine against the reference, one process, one thread
    last: dict[str, Any] = {}

    def engine() -> None:
        last["engine"] = simulate_plan(plan, depart=DEPART, samples=sizes.engine, seed=1).hours

    def reference() -> None:
        last["reference"] = simulate_reference(plan, depart=DEPART, samples=sizes.reference, seed=2)

    engine_t = measure(engine, samples=sizes.engine, repeat=sizes.repeat)
    log(f"vectorized engine: {engine_t.rate:,.0f} samples/s ({engine_t.wall:.3f} s for {sizes.engine:,})")
    reference_t = measure(reference, samples=sizes.reference, repeat=sizes.repeat)
    log(f"SimPy reference:   {reference_t.rate:,.0f} samples/s ({reference_t.wall:.3f} s for {sizes.reference:,})")
    ks = ks_2samp(last["engine"], last["reference"])
    log(f"KS statistic {ks.statistic:.4f}, p-value {ks.pvalue:.3f}")
    engine_days, reference_days = _summary(last["engine"]), _summary(last["reference"])
    last.clear()

    # 2. the large run and the sweep: in this process, then on LocalClusters of 1 and 2 workers
    def big(map_tasks: Any) -> Callable[[], None]:
        def run() -> None:
            last["big"] = simulate_plan(plan, depart=DEPART, samples=sizes.dask, seed=3, map_tasks=map_tasks).hours

        return run

    in_process = measure(big(None), samples=sizes.dask, repeat=sizes.dask_repeat, warmup=0)
    reference_hours = last.pop("big")
    log(f"in-process run:    {in_process.rate:,.0f} samples/s ({in_process.wall:.2f} s for {sizes.dask:,})")
    n_sweep = sizes.sweep * len(SWEEP_DEPARTURES)
    sweep_days: list[float] = []

    def sweep_here() -> None:
        sweep_days[:] = sweep_runner(plan, sizes.sweep, None)()

    in_sweep = measure(sweep_here, samples=n_sweep, repeat=1, warmup=0)
    log(f"in-process sweep:  {in_sweep.rate:,.0f} samples/s ({in_sweep.wall:.2f} s for {n_sweep:,})")

    clusters = []
    for workers in (1, 2):
        with _timed_client(workers) as (client, startup):
            map_tasks = dask_map(client)
            start = time.perf_counter()
            # every worker loads the numba kernels (from the on-disk cache), then one small run through the map
            client.run(simulate_plan, plan, depart=DEPART, samples=1_000, seed=0)
            simulate_plan(plan, depart=DEPART, samples=2 * workers * SAMPLES_PER_TASK, seed=0, map_tasks=map_tasks)
            warm = time.perf_counter() - start
            run_t = measure(big(map_tasks), samples=sizes.dask, repeat=sizes.dask_repeat, warmup=0, tree=True)
            same = bool(np.array_equal(last.pop("big"), reference_hours))
            sweep_t = measure(
                sweep_runner(plan, sizes.sweep, map_tasks), samples=n_sweep, repeat=1, warmup=0, tree=True
            )
        clusters.append(Cluster(workers, startup, warm, run_t, sweep_t, same))
        log(
            f"{workers} worker(s): start-up {startup:.2f} s, warm-up {warm:.2f} s, run {run_t.rate:,.0f} samples/s, "
            f"sweep {sweep_t.rate:,.0f} samples/s, same samples as in-process: {same}"
        )

    versions = ", ".join(f"{name} {version(name)}" for name in ("simpy", "dask", "distributed"))
    return Outcome(
        sizes=sizes,
        stages=len(plan.stages),
        expected_days=route.days,
        engine=engine_t,
        reference=reference_t,
        engine_days=engine_days,
        reference_days=reference_days,
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        in_process=in_process,
        in_process_sweep=in_sweep,
        clusters=clusters,
        sweep_days=(min(sweep_days), max(sweep_days)),
        versions=versions,
    )


def _para(text: str) -> list[str]:
    """A markdown paragraph, wrapped like the other sections."""
    return textwrap.wrap(text, 116, break_on_hyphens=False)


def _met(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _load(t: Timing) -> str:
    return "n/a" if math.isnan(t.others) else f"{t.others:.2f}"


def report_section(outcome: Outcome, command: str) -> str:
    """The "Reliability" section of docs/benchmarks.md."""
    s, e, r = outcome.sizes, outcome.engine, outcome.reference
    ratio = e.rate / r.rate
    one, two = outcome.clusters[0], outcome.clusters[1]
    efficiency = two.run.rate / (2 * one.run.rate)
    sweep_efficiency = two.sweep.rate / (2 * one.sweep.rate)
    lines = [
        "## Reliability: vectorized engine against the SimPy reference, Dask scale-out",
        "",
        *_para(
            f"Measured by `{command}` ({os.cpu_count()} cores; {outcome.versions}). Itinerary: corridor's best "
            f"Middle Corridor route Xi'an–Duisburg ({outcome.stages} stochastic stages, {outcome.expected_days:.1f} "
            f"days expected), leaving {DEPART}. Samples per second = samples / wall time of the whole call, median "
            "of the timed runs."
        ),
        "",
        "### The vectorized engine against the SimPy reference model",
        "",
        "Both in this process, one thread, same itinerary, same run; one warm-up call each before timing.",
        "",
        "| engine | samples | runs | wall time | CPU time | samples/s | mean days | P50 days | P95 days | other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t, days in (
        ("`simulate_plan` (numba, single thread)", e, outcome.engine_days),
        ("`simulate_reference` (SimPy, one world per shipment)", r, outcome.reference_days),
    ):
        lines.append(
            f"| {name} | {t.samples:,} | {t.runs} | {t.wall:.3f} s | {t.cpu:.3f} s | {t.rate:,.0f} | "
            f"{days[0]:.2f} | {days[1]:.2f} | {days[2]:.2f} | {_load(t)} |"
        )
    same = "no evidence that they differ" if outcome.ks_pvalue >= 0.01 else "they differ"
    lines += [
        "",
        *_para(
            f"Ratio (vectorized samples/s / SimPy samples/s): **{ratio:,.0f}**. Two-sample Kolmogorov-Smirnov test "
            f"between the {s.engine:,} engine samples and the {s.reference:,} reference samples (different random "
            f"streams): statistic {outcome.ks_statistic:.4f}, p-value {outcome.ks_pvalue:.3f}: {same} at the 1 % "
            "level."
        ),
        "",
        "Goals (from the issue):",
        "",
        *_wrap(f"At least 100x the SimPy reference's samples per second: {ratio:,.0f}x, {_met(ratio >= GOAL_RATIO)}."),
        *_wrap(
            f"At least one million shipment samples per second per core: {e.rate:,.0f} samples/s on one thread "
            f"({e.samples / e.cpu:,.0f} per CPU-second), {_met(e.rate >= GOAL_PER_CORE)}."
        ),
        "",
        "### Dask sweep",
        "",
        *_para(
            f"One run of {s.dask:,} samples (in tasks of {SAMPLES_PER_TASK:,} samples, "
            f"{-(-s.dask // SAMPLES_PER_TASK)} tasks), and a departure-date sweep: {len(SWEEP_DEPARTURES)} departures "
            f"(the 15th of every month of 2026) of {s.sweep:,} samples each, one task per departure. In this process "
            "(no Dask), then on a LocalCluster of 1 and of 2 single-threaded worker processes. Cluster start-up and "
            "warm-up are timed apart and excluded from the throughput."
        ),
        "",
        "| where | start-up | warm-up | run: runs | run: wall time | run: samples/s | per worker | sweep: wall time "
        "| sweep: samples/s | other load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| in process, one thread | – | – | {outcome.in_process.runs} | {outcome.in_process.wall:.2f} s | "
        f"{outcome.in_process.rate:,.0f} | {outcome.in_process.rate:,.0f} | {outcome.in_process_sweep.wall:.2f} s | "
        f"{outcome.in_process_sweep.rate:,.0f} | {_load(outcome.in_process)} |",
    ]
    for c in outcome.clusters:
        lines.append(
            f"| LocalCluster, {c.workers} worker{'s' if c.workers > 1 else ''} | {c.startup:.2f} s | {c.warmup:.2f} s "
            f"| {c.run.runs} | {c.run.wall:.2f} s | {c.run.rate:,.0f} | {c.run.rate / c.workers:,.0f} | "
            f"{c.sweep.wall:.2f} s | {c.sweep.rate:,.0f} | {_load(c.run)} |"
        )
    same_all = all(c.same_samples for c in outcome.clusters)
    lines += [
        "",
        *_para(
            f"Scaling efficiency = throughput(2 workers) / (2 x throughput(1 worker)): **{efficiency:.2f}** for the "
            f"large run, **{sweep_efficiency:.2f}** for the sweep. 2 workers against the in-process single thread: "
            f"{two.run.rate / outcome.in_process.rate:.2f}x (run), "
            f"{two.sweep.rate / outcome.in_process_sweep.rate:.2f}x (sweep)."
        ),
        "",
        "Notes:",
        "",
    ]
    notes = [
        "Timed is the whole `simulate_plan` call: drawing the uniforms (NumPy's PCG64, one stream per chunk of "
        f"{CHUNK_SAMPLES:,} samples), the numba walk through the stages, and the variance decomposition; on Dask also "
        "scheduling the tasks, sending every sample's door-to-door hours back to the client (8 bytes a sample) and "
        "joining them there. The sweep's tasks send back one number each, so they show the scaling of the "
        "simulation itself.",
        "Same seed, same samples: the cluster runs gave "
        + ("exactly" if same_all else "NOT exactly")
        + " the samples of the in-process run (compared element by element), as the engine promises.",
        "The SimPy model draws its durations with NumPy's own samplers (`Generator.triangular`, `lognormal`, ...) "
        "and finds sailings by calendar arithmetic, the engine by inverse CDFs and its own timetable code: the "
        "Kolmogorov-Smirnov test compares two independent implementations, not two runs of one.",
        "Warm-up: one call of each engine before timing (numba loads its compiled kernels from the on-disk cache; "
        "the first call in a fresh checkout compiles them, some seconds). On each cluster, every worker runs a "
        "small simulation first (`Client.run`), then one run through the task map.",
        f"With {os.cpu_count()} cores, the 2-worker cluster shares them with the client process, which needs CPU "
        "time too (scheduling the tasks, receiving and joining the results): 2 workers do not get two whole cores.",
        "Other load: the cores kept busy by other processes during the timed runs, on average (from /proc/stat, "
        "less the CPU time of this process and of its Dask workers). "
        + (
            "The machine was busy with other work: rerun on an idle machine before quoting numbers."
            if any(t.others > 0.2 for t in (e, r, outcome.in_process, *(c.run for c in outcome.clusters)))
            else "The machine was otherwise close to idle."
        ),
        f"Over the sweep's departures the mean door-to-door time goes from {outcome.sweep_days[0]:.2f} to "
        f"{outcome.sweep_days[1]:.2f} days (weather closures of the crossings by month).",
    ]
    for note in notes:
        lines += _wrap(note)
    lines.append("")
    return "\n".join(lines)
