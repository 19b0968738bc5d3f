"""The hard-capacity LP: column generation against the full arc-based LP on the TNTP networks, same run.

Run through the single entry point:  .venv/bin/python benchmarks/run.py --only capacity [--tntp DIR] [--budget S]

For every network, ``corridor.capacitated_flow`` by column generation (``method="columns"``, the default) and by the
full LP (``method="full"``, the reference), each capped at the budget; where both finish, the objectives must agree.
Barcelona's files give every link capacity 1 and fold the capacity into b (b = 0.15 / capacity^power); its
capacities here are the flows at which the BPR term reaches 0.15, (0.15 / b)^(1 / power), with b set to 0.15, the
same delay function. Goals (issue 20): Chicago-Sketch under 30 s, Barcelona under 10 s.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assignment import cpu_sample, others_between
from corridor.assignment.capacity import CapacityResult, capacitated_flow
from corridor.dataset.flownet import FlowNetwork
from corridor.dataset.tntp import network_from_tntp
from corridor.errors import SolverError

NETWORKS = ("SiouxFalls", "Anaheim", "Barcelona", "Chicago-Sketch")
GOALS = {"Barcelona": 10.0, "Chicago-Sketch": 30.0}


@dataclass(frozen=True)
class Row:
    network: str
    pairs: int
    elements: int
    columns_s: float | None  # None: cut at the budget
    columns: CapacityResult | None
    full_s: float | None
    full: CapacityResult | None
    budget_s: float
    others: float


def bpr_capacities(net: FlowNetwork) -> FlowNetwork:
    """Barcelona's capacity folded into b: capacity (0.15 / b)^(1 / power) and b 0.15, the same delay function."""
    real = (net.alpha > 0) & (net.beta > 0)
    capacity, alpha = net.capacity.copy(), net.alpha.copy()
    capacity[real] = (0.15 / alpha[real]) ** (1.0 / net.beta[real])
    alpha[real] = 0.15
    return dataclasses.replace(net, capacity=capacity, alpha=alpha)


def run(net: FlowNetwork, method: str, budget_s: float) -> tuple[float | None, CapacityResult | None]:
    started = time.perf_counter()
    try:
        result = capacitated_flow(net, method=method, max_seconds=budget_s)  # type: ignore[arg-type]
    except SolverError as error:
        if "Time limit" not in str(error):
            raise
        return None, None
    return time.perf_counter() - started, result


def bench(tntp: Path, *, networks: list[str] | None, budget_s: float, log=print) -> list[Row]:  # type: ignore[no-untyped-def]
    small = network_from_tntp(tntp / "SiouxFalls")
    capacitated_flow(small)  # compiles the kernels
    capacitated_flow(small, method="full")
    rows = []
    for name in networks or NETWORKS:
        net = network_from_tntp(tntp / name)
        if name == "Barcelona":
            net = bpr_capacities(net)
        assert net.demand is not None
        before = cpu_sample()
        columns_s, columns = run(net, "columns", budget_s)
        log(f"capacity {name}: columns {columns_s} s")
        full_s, full = run(net, "full", budget_s)
        log(f"capacity {name}: full {full_s} s")
        pairs = int(sum(np.count_nonzero(c.demand) for c in net.demand.classes))
        rows.append(
            Row(name, pairs, int(np.isfinite(net.capacity).sum()), columns_s, columns, full_s, full, budget_s,
                others_between(before, cpu_sample()))
        )  # fmt: skip
    return rows


def _s(seconds: float | None, budget: float) -> str:
    return f"cut at {budget:.0f} s" if seconds is None else f"{seconds:.2f} s"


def report_section(rows: list[Row], command: str) -> str:
    if "--budget" not in command:
        command += f" --budget {rows[0].budget_s:g}"
    lines = [
        "## Capacity LP: column generation against the full LP",
        "",
        f"`{command}`. One run each (capacity scale 1), on the same machine in the same run, each capped at "
        f"{rows[0].budget_s:.0f} s (`--budget`). Ratio = full LP time / column generation time. Column generation:",
        "a restricted master in HiGHS (highspy) whose columns serve blocks of up to 10 OD pairs of one origin, priced "
        "by the compiled shortest-path trees; the full LP: the "
        "arc-based LP through `scipy.optimize.linprog` (dual simplex, or interior point with crossover above "
        "100,000 variables).",
        "",
        "| network | OD pairs | capped elements | column generation | full LP | ratio | objective, columns "
        "| objective, full | served / demand | binding | columns | other processes (cores) | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        c, f = r.columns, r.full
        ratio = f"{r.full_s / r.columns_s:.1f}" if r.full_s and r.columns_s else "n/a"
        if r.full_s is None and r.columns_s:
            ratio = f"> {r.budget_s / r.columns_s:.1f}"
        goal = ""
        if r.network in GOALS:
            met = r.columns_s is not None and r.columns_s < GOALS[r.network]
            goal = f"< {GOALS[r.network]:.0f} s: " + ("**met**" if met else "not met")
        lines.append(
            f"| {r.network} | {r.pairs:,} | {r.elements:,} | {_s(r.columns_s, r.budget_s)} "
            f"| {_s(r.full_s, r.budget_s)} | {ratio} | {f'{c.objective:,.1f}' if c else 'n/a'} "
            f"| {f'{f.objective:,.1f}' if f else 'n/a'} "
            f"| {f'{c.served:,.0f} / {c.total_demand:,.0f}' if c else 'n/a'} "
            f"| {int(c.binding.sum()) if c else 'n/a'} | {f'{c.n_variables:,}' if c else 'n/a'} "
            f"| {r.others:.2f} | {goal} |"
        )
    both = [r for r in rows if r.columns and r.full]
    same = all(abs(r.columns.objective - r.full.objective) <= 1e-7 * abs(r.full.objective) for r in both)  # type: ignore[union-attr]
    lines += [
        "",
        "Notes:",
        f"- Where both finish ({', '.join(r.network for r in both) or 'none'}) the objectives agree to 1e-7 relative"
        + (" (checked in the run)." if same else ": NOT in this run, see the table."),
        "- Barcelona's capacities are those its BPR functions imply (see benchmarks/capacity.py): its files give "
        "capacity 1 on every link. Its 565 constant-time connectors have no capacity (the TNTP reader reads none on "
        "a link whose time does not depend on flow).",
        "- 'other processes' is the number of cores other processes kept busy during the network's two runs "
        "(from /proc/stat): the machine is shared, and times grow with it.",
        "",
    ]
    return "\n".join(lines)
