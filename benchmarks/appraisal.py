"""Appraisal: a budgeted portfolio over 24 projects, and logistics centres against PySAL spopt.

Run through the single entry point:  .venv-bench/bin/python benchmarks/run.py [--only appraisal] [--quick]

1. ``corridor portfolio`` on the embedded network with the 9 projects of projects.csv and 15 variants of them
   (other sizes of the same port, ferry, feeder, border and line investments): every project's equilibria with and
   without it, each pair on a shared bottleneck among those that pay run together, the mixed-integer program (HiGHS)
   and the greedy baseline under USD 3 bn over 2025-2030; on one process and on two. Goal: under 60 s on 2 cores.
2. ``corridor centres`` instances (the Middle Corridor's places weighted by the 2030 equilibrium tonnes, candidates
   the same places, great-circle km): capacitated p-median and maximum coverage by corridor (HiGHS through
   ``scipy.optimize.milp``) against PySAL spopt (``PMedian`` with capacities, ``MCLP``; PuLP's CBC) on the same
   cost matrix, weights and capacities: the same optimum, and the ratio of the solve times.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import numpy as np

import corridor
from assignment import cpu_sample, others_between

BUDGET_USD = 3e9
WINDOW = (2025, 2030)
COMMON = {"corridor": "middle", "life_years": 30, "source": "estimate", "as_of": "2026", "estimated": True}

#: other sizes of the dataset's investments (capex in USD million, an estimate scaled from the project's own)
VARIANTS: list[dict[str, Any]] = [
    {"id": "kuryk-5mt", "changes": "{set: {capacities/kuryk-port: {capacity_per_year: 5 Mt}}}", "capex_musd": 120,
     "build_from": 2025, "build_to": 2026, "bottleneck": "caspian-rail"},
    {"id": "kuryk-6mt-late", "changes": "{set: {capacities/kuryk-port: {capacity_per_year: 6 Mt}}}",
     "capex_musd": 180, "build_from": 2027, "build_to": 2029, "bottleneck": "caspian-rail"},
    {"id": "aktau-port-5mt", "changes": "{set: {capacities/aktau-port: {capacity_per_year: 5 Mt}}}",
     "capex_musd": 200, "build_from": 2026, "build_to": 2028, "bottleneck": "caspian-rail"},
    {"id": "aktau-port-8mt", "changes": "{set: {capacities/aktau-port: {capacity_per_year: 8 Mt}}}",
     "capex_musd": 450, "build_from": 2026, "build_to": 2029, "bottleneck": "caspian-rail"},
    {"id": "alat-20mt", "changes": "{set: {capacities/alat-port: {capacity_per_year: 20 Mt}, "
     "capacities/alat-containers: {capacity_per_year: 300000 TEU, capacity_high: 300000 TEU}}}",
     "capex_musd": 300, "build_from": 2026, "build_to": 2028, "bottleneck": "caspian-rail;caspian-containers"},
    {"id": "ferry-one", "changes": "{scale: {services/kuryk-alat-ferries: {departures_per_week: 1.08}, "
     "capacities/kuryk-alat-ferries: {capacity_per_year: 1.08, capacity_low: 1.08}}}", "capex_musd": 40,
     "build_from": 2025, "build_to": 2026, "bottleneck": "caspian-rail"},
    {"id": "ferry-two", "changes": "{scale: {services/kuryk-alat-ferries: {departures_per_week: 1.17}, "
     "capacities/kuryk-alat-ferries: {capacity_per_year: 1.17, capacity_low: 1.17}}}", "capex_musd": 80,
     "build_from": 2025, "build_to": 2026, "bottleneck": "caspian-rail"},
    {"id": "ferry-five", "changes": "{scale: {services/kuryk-alat-ferries: {departures_per_week: 1.4}, "
     "capacities/kuryk-alat-ferries: {capacity_per_year: 1.4, capacity_low: 1.4}}}", "capex_musd": 200,
     "build_from": 2025, "build_to": 2027, "bottleneck": "caspian-rail"},
    {"id": "feeder-one", "changes": "{scale: {services/aktau-alat-feeders: {departures_per_week: 1.2}, "
     "capacities/caspian-container-feeder: {capacity_per_year: 1.2, capacity_low: 1.2}}}", "capex_musd": 25,
     "build_from": 2025, "build_to": 2026, "bottleneck": "caspian-containers"},
    {"id": "feeder-four", "changes": "{scale: {services/aktau-alat-feeders: {departures_per_week: 1.8}, "
     "capacities/caspian-container-feeder: {capacity_per_year: 1.8, capacity_low: 1.8}}}", "capex_musd": 100,
     "build_from": 2025, "build_to": 2027, "bottleneck": "caspian-containers"},
    {"id": "digital-caspian", "changes": "{requires: [fiber_links/caspian-main], policies: {digital_border: "
     "{transfers: [aktau-ferry-border, aktau-feeder-border, kuryk-ferry-border, alat-ferry-border, "
     "alat-feeder-border], dwell_cut: 50 %}}}", "capex_musd": 60, "build_from": 2025, "build_to": 2027,
     "bottleneck": "caspian-rail;caspian-containers"},
    {"id": "digital-caucasus", "changes": "{policies: {digital_border: {transfers: [boyuk-kesik-rail, "
     "akhalkalaki-border, poti-feeder-border, batumi-feeder-border], dwell_cut: 50 %}}}", "capex_musd": 40,
     "build_from": 2025, "build_to": 2026, "bottleneck": "georgia-turkey"},
    {"id": "dostyk-moyinty-36", "changes": "{set: {capacities/dostyk-moyinty-line: {capacity_per_year: 13140 trains}, "
     "links/dostyk-moyinty: {speed_kmh: 50 km/h}}}", "capex_musd": 700, "build_from": 2025, "build_to": 2028,
     "bottleneck": "china-kazakhstan"},
    {"id": "aktau-hub-200k", "changes": "{set: {capacities/aktau-containers: {capacity_per_year: 200000 TEU}}}",
     "capex_musd": 25, "build_from": 2025, "build_to": 2026, "bottleneck": "caspian-containers"},
    {"id": "btk-3mt", "changes": "{set: {capacities/btk-line: {capacity_per_year: 3 Mt}}}",
     "without": "{set: {capacities/btk-line: {capacity_per_year: 1 Mt}}}", "capex_musd": 80, "build_from": 2025,
     "build_to": 2026, "bottleneck": "georgia-turkey"},
]  # fmt: skip


def variant_projects() -> list[Any]:
    from corridor.dataset.project_records import Project

    out = []
    for row in VARIANTS:
        opex = round(0.02 * row["capex_musd"], 2)
        out.append(Project.model_validate({"title": row["id"], "opex_musd_per_year": opex, **COMMON, **row}))
    return out


@dataclass
class PortfolioTiming:
    workers: int
    seconds: float
    projects: int
    equilibria: int
    pairs: int
    optimum_npv: float
    optimum_chosen: list[str]
    greedy_npv: float
    greedy_chosen: list[str]
    mip_seconds: float
    others: float = 0.0


@dataclass
class CentresTiming:
    method: str
    k: int
    ours_s: float
    spopt_s: float
    ours_objective: float
    spopt_objective: float
    sites: list[str]


@dataclass
class Outcome:
    quick: bool
    portfolio: list[PortfolioTiming] = field(default_factory=list)
    centres: list[CentresTiming] = field(default_factory=list)
    instance: str = ""
    versions: str = ""


def bench_portfolio(network: Any, workers: int, log: Callable[[str], None]) -> PortfolioTiming:
    from corridor.services.appraisal import portfolio_of

    before = cpu_sample()
    start = time.perf_counter()
    data = portfolio_of(
        network, budget_usd=BUDGET_USD, years=WINDOW, extra_projects=variant_projects(), workers=workers
    )
    seconds = time.perf_counter() - start
    timing = PortfolioTiming(
        workers=workers,
        seconds=seconds,
        projects=len(data["projects"]),
        equilibria=data["equilibria_run"],
        pairs=len(data["interactions"]),
        optimum_npv=data["optimum"]["npv_usd"],
        optimum_chosen=[f"{r['project']} ({r['start']})" for r in data["optimum"]["chosen"]],
        greedy_npv=data["greedy"]["npv_usd"],
        greedy_chosen=[f"{r['project']} ({r['start']})" for r in data["greedy"]["chosen"]],
        mip_seconds=data["optimum"]["seconds"],
        others=others_between(before, cpu_sample()),
    )
    log(f"portfolio on {workers} process(es): {seconds:.1f} s, {timing.equilibria} equilibria, {timing.pairs} pairs")
    return timing


def centres_instance(network: Any) -> Any:
    """The instance ``corridor centres`` builds for the Middle Corridor in 2030."""
    from corridor.appraisal.centres import CentresInstance, great_circle_km
    from corridor.services.appraisal import centres_of

    data = centres_of(network, count=4)
    ids = tuple(data["demand_points"])
    weights = np.array([data["demand_points"][p] for p in ids])
    place = {p.id: p for p in network.places}
    lat, lon = np.array([place[p].lat for p in ids]), np.array([place[p].lon for p in ids])
    return CentresInstance(ids, weights, ids, np.full(len(ids), 0.0), great_circle_km(lat, lon, lat, lon))


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_centres(network: Any, quick: bool, log: Callable[[str], None]) -> list[CentresTiming]:
    import warnings
    from dataclasses import replace

    import pulp
    from spopt.locate import MCLP, PMedian

    from corridor.appraisal.centres import max_coverage, p_median

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # spopt 0.7 builds PuLP variables the 3.3 way
    base = centres_instance(network)
    repeat = 1 if quick else 3
    out = []
    solver = pulp.PULP_CBC_CMD(msg=False)
    for k in (4, 6, 8):
        inst = replace(base, capacities_t=np.full(len(base.candidate_ids), 1.5 * base.weights_t.sum() / k))
        t_ours, ours = _median(lambda i=inst, k=k: p_median(i, k), repeat)
        t_theirs, theirs = _median(
            lambda i=inst, k=k: PMedian.from_cost_matrix(
                i.cost_km, i.weights_t, p_facilities=k, facility_capacities=i.capacities_t
            ).solve(solver),
            repeat,
        )
        out.append(CentresTiming("capacitated p-median", k, t_ours, t_theirs, ours.objective,
                                 theirs.problem.objective.value(), list(ours.sites)))  # fmt: skip
        t_ours, ours = _median(lambda i=inst, k=k: max_coverage(i, k, radius_km=300), repeat)
        t_theirs, theirs = _median(
            lambda i=inst, k=k: MCLP.from_cost_matrix(i.cost_km, i.weights_t, service_radius=300, p_facilities=k).solve(
                solver
            ),
            repeat,
        )
        out.append(CentresTiming("maximum coverage, 300 km", k, t_ours, t_theirs, ours.objective,
                                 theirs.problem.objective.value(), list(ours.sites)))  # fmt: skip
        for t in out[-2:]:
            log(f"centres {t.method} K={k}: ours {t.ours_s * 1000:.0f} ms, spopt {t.spopt_s * 1000:.0f} ms")
    return out


def bench(quick: bool, log: Callable[[str], None] = print) -> Outcome:
    network = corridor.load_network()
    outcome = Outcome(quick)
    outcome.versions = f"scipy {version('scipy')}, highspy in scipy; spopt {version('spopt')}, PuLP {version('pulp')}"
    for workers in (1, 2):
        outcome.portfolio.append(bench_portfolio(network, workers, log))
    outcome.centres = bench_centres(network, quick, log)
    inst = centres_instance(network)
    outcome.instance = f"{len(inst.demand_ids)} places, {inst.weights_t.sum() / 1e6:.1f} Mt"
    return outcome


def _para(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 118)


def report_section(outcome: Outcome, command: str) -> str:
    lines = [
        "## Appraisal: a budgeted portfolio, logistics centres against spopt",
        "",
        *_para(f"Measured by `{command}` ({os.cpu_count()} cores; {outcome.versions})."),
        "",
        "### Portfolio over 24 projects",
        "",
        *_para(
            "`portfolio_of` (what `corridor portfolio --budget 'USD 3 bn' --years 2025:2030` runs) over the 9 "
            "projects of projects.csv and 15 variants of them (benchmarks/appraisal.py): each project's equilibria "
            "with and without it in 2030 (tol 1e-4; the case without projects solved once), the pairs on a shared "
            "bottleneck among those that pay alone run together, then the mixed-integer program on HiGHS and the "
            "greedy baseline. The peer of the program is the greedy baseline: NPV of each, same interactions. "
            "Goal: under 60 s on 2 cores."
        ),
        "",
        "| processes | wall time | projects | equilibria | pairs run | MIP solve | NPV optimum | NPV greedy | "
        "optimum / greedy | other load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in outcome.portfolio:
        ratio = f"{t.optimum_npv / t.greedy_npv:.3f}" if t.greedy_npv > 0 else ""
        lines.append(
            f"| {t.workers} | {t.seconds:.1f} s | {t.projects} | {t.equilibria} | {t.pairs} | "
            f"{t.mip_seconds * 1000:.0f} ms | USD {t.optimum_npv / 1e6:,.0f} m | USD {t.greedy_npv / 1e6:,.0f} m | "
            f"{ratio} | {t.others:.2f} cores |"
        )
    last = outcome.portfolio[-1]
    lines += [
        "",
        *_para(
            f"Optimum: {', '.join(last.optimum_chosen) or 'nothing'}. Greedy: "
            f"{', '.join(last.greedy_chosen) or 'nothing'}."
        ),
        "",
        "### Logistics centres against PySAL spopt",
        "",
        *_para(
            f"The instance of `corridor centres` for the Middle Corridor in 2030 ({outcome.instance}; candidates the "
            "same places; capacity 1.5 times the tonnes over K). Ours: HiGHS through `scipy.optimize.milp`, sparse "
            "constraints; spopt 0.7: the same model through PuLP and CBC. Median of "
            f"{1 if outcome.quick else 3} solve(s); ratio = spopt / ours."
        ),
        "",
        "| model | K | ours | spopt | ratio | objective (ours) | objective (spopt) | sites (ours) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in outcome.centres:
        lines.append(
            f"| {c.method} | {c.k} | {c.ours_s * 1000:.0f} ms | {c.spopt_s * 1000:.0f} ms | "
            f"{c.spopt_s / c.ours_s:.2f} | {c.ours_objective:,.0f} | {c.spopt_objective:,.0f} | {', '.join(c.sites)} |"
        )
    same = all(
        abs(c.ours_objective - c.spopt_objective) <= 1e-6 * max(1.0, abs(c.spopt_objective)) for c in outcome.centres
    )
    lines += [
        "",
        *_para(
            ("Every optimum is spopt's. " if same else "Some optima differ from spopt's: see the table. ")
            + "p-median objectives are tonne-km, coverage objectives tonnes within 300 km."
        ),
        "",
    ]
    return "\n".join(lines)
