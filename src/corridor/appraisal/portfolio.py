"""A budgeted portfolio: the set and order of projects that maximises NPV, with the interactions of projects on the
same bottleneck, as a mixed-integer program on HiGHS (``scipy.optimize.milp``), against a greedy baseline.

Variables ``x[p, t]`` (project ``p`` starts building in year ``t`` of the window) and ``y[p, q]`` (both of a pair
chosen). Maximise ``sum NPV[p, t] x[p, t] + sum D[p, q] y[p, q]`` subject to: each project at most once; its capex
within the budget; by the end of each year of the window, the capex spent at most the budget's share released so far
(an even release: ``B (y - first + 1) / years``), which orders the projects; ``y[p, q] >= X[p] + X[q] - 1``,
``y <= X[p]``, ``y <= X[q]`` with ``X[p] = sum_t x[p, t]``. ``NPV[p, t]`` is the project's NPV discounted to the
window's first year with its build moved to begin in ``t``; ``D[p, q]`` the NPV of the pair run together (one
scenario with both) minus the two NPVs alone: what does not add up on a shared bottleneck.
The formulas are in docs/model.md ("Portfolio").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from corridor.appraisal.cba import CostProfile, Parameters, cash_flows, npv
from corridor.errors import InvalidOptionError, SolverError

__all__ = [
    "Candidate",
    "Portfolio",
    "budget_steps",
    "check_window",
    "choose_portfolio",
    "greedy_portfolio",
    "pairs_to_run",
    "shifted_npv",
]


@dataclass(frozen=True)
class Candidate:
    """A project as the portfolio sees it: its costs, its effects alone and what it relieves."""

    id: str
    costs: CostProfile
    effects: Sequence[Any]  # YearEffects of the project alone
    bottleneck: tuple[str, ...] = ()

    @property
    def capex_usd(self) -> float:
        return self.costs.capex_musd[1] * 1e6


@dataclass(frozen=True)
class Portfolio:
    """The projects chosen, each with its start year, the NPV with interactions, and what they cost."""

    method: str
    budget_usd: float
    chosen: list[dict[str, Any]]
    npv_usd: float
    capex_usd: float
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "budget_usd": self.budget_usd,
            "npv_usd": round(self.npv_usd, 2),
            "capex_usd": round(self.capex_usd, 2),
            "chosen": self.chosen,
            "seconds": round(self.seconds, 3),
            **self.extra,
        }


def shifted_npv(candidate: Candidate, start: int, parameters: Parameters) -> float:
    """The NPV of ``candidate`` with its build moved to begin in ``start``, discounted to ``parameters.first_year``."""
    costs = replace(
        candidate.costs,
        build_from=start,
        build_to=start + candidate.costs.build_to - candidate.costs.build_from,
    )
    return npv(cash_flows(candidate.effects, [costs], parameters))


def pairs_to_run(candidates: Sequence[Candidate], values: Mapping[str, float]) -> list[tuple[str, str]]:
    """Pairs on a shared bottleneck among the candidates that pay alone (``values``: NPV at the first start).

    Projects on one bottleneck are substitutes (their benefits do not add up), so one that does not pay alone is
    not worth choosing beside another and its pairs need no run.
    """
    paying = [c for c in candidates if values[c.id] > 0]
    return [(a.id, b.id) for a, b in itertools.combinations(paying, 2) if set(a.bottleneck) & set(b.bottleneck)]


def _spend(costs: CostProfile, start: int, year: int) -> float:
    """Share of the capex spent by the end of ``year`` when the build begins in ``start``."""
    years = costs.build_to - costs.build_from + 1
    return min(max(year - start + 1, 0), years) / years


def choose_portfolio(
    candidates: Sequence[Candidate],
    *,
    budget_usd: float,
    years: tuple[int, int],
    parameters: Parameters,
    interactions: Mapping[tuple[str, str], float] | None = None,
    time_limit: float = 60.0,
) -> Portfolio:
    """The portfolio of largest NPV under ``budget_usd`` with builds starting in ``years`` (first, last).

    Raises
    ------
    InvalidOptionError
        For a budget that is not above zero or a window that is not first <= last.
    SolverError
        If HiGHS finds no solution within ``time_limit`` seconds.
    """
    import time

    from scipy.optimize import Bounds, LinearConstraint, milp

    started = time.perf_counter()
    check_window(budget_usd, years)
    first, last = years
    starts = list(range(first, last + 1))
    p = replace(parameters, first_year=first)
    n_p = len(candidates)
    values = {(c.id, t): shifted_npv(c, t, p) for c in candidates for t in starts}
    pairs = sorted((interactions or {}).items())
    index = {c.id: i for i, c in enumerate(candidates)}
    n_x = n_p * len(starts)
    n = n_x + len(pairs)
    c_obj = np.zeros(n)
    for i, cand in enumerate(candidates):
        for k, t in enumerate(starts):
            c_obj[i * len(starts) + k] = -values[(cand.id, t)] / 1e6  # milp minimises; USD million keeps it scaled
    for j, (_, delta) in enumerate(pairs):
        c_obj[n_x + j] = -delta / 1e6
    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    for i in range(n_p):  # each project at most once
        row = np.zeros(n)
        row[i * len(starts) : (i + 1) * len(starts)] = 1
        rows.append(row)
        lower.append(0)
        upper.append(1)
    released = [budget_usd * (y - first + 1) / len(starts) for y in starts]
    for y, limit in zip(starts, released, strict=True):  # spending by the end of each year within what is released
        row = np.zeros(n)
        for i, cand in enumerate(candidates):
            for k, t in enumerate(starts):
                row[i * len(starts) + k] = cand.capex_usd * _spend(cand.costs, t, y) / 1e6
        rows.append(row)
        lower.append(-np.inf)
        upper.append(limit / 1e6)
    total = np.zeros(n)  # the whole capex of the chosen projects within the budget
    for i, cand in enumerate(candidates):
        total[i * len(starts) : (i + 1) * len(starts)] = cand.capex_usd / 1e6
    rows.append(total)
    lower.append(-np.inf)
    upper.append(budget_usd / 1e6)
    for j, ((a, b), _) in enumerate(pairs):
        ia, ib = index[a], index[b]
        xa = np.zeros(n)
        xa[ia * len(starts) : (ia + 1) * len(starts)] = 1
        xb = np.zeros(n)
        xb[ib * len(starts) : (ib + 1) * len(starts)] = 1
        both = np.zeros(n)
        both[n_x + j] = 1
        rows += [both - xa - xb, both - xa, both - xb]  # y >= xa + xb - 1, y <= xa, y <= xb
        lower += [-1, -np.inf, -np.inf]
        upper += [np.inf, 0, 0]
    result = milp(
        c_obj,
        constraints=LinearConstraint(np.array(rows), lower, upper) if rows else (),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        raise SolverError(f"HiGHS found no portfolio: {result.message}")
    x = np.round(result.x).astype(int)
    chosen = []
    for i, cand in enumerate(candidates):
        for k, t in enumerate(starts):
            if x[i * len(starts) + k]:
                chosen.append(_row(cand, t, values[(cand.id, t)]))
    chosen.sort(key=lambda r: (r["start"], r["project"]))
    picked = {r["project"] for r in chosen}
    value = sum(r["npv_usd"] for r in chosen) + sum(d for (a, b), d in pairs if a in picked and b in picked)
    return Portfolio(
        method="milp (HiGHS)",
        budget_usd=budget_usd,
        chosen=chosen,
        npv_usd=value,
        capex_usd=sum(r["capex_usd"] for r in chosen),
        seconds=time.perf_counter() - started,
        extra={"status": str(result.message), "mip_gap": _gap(result)},
    )


def _gap(result: Any) -> float | None:
    gap = getattr(result, "mip_gap", None)
    return None if gap is None or not math.isfinite(gap) else round(float(gap), 6)


def _row(cand: Candidate, start: int, value: float) -> dict[str, Any]:
    span = cand.costs.build_to - cand.costs.build_from
    return {
        "project": cand.id,
        "start": start,
        "opens": start + span + 1,
        "capex_usd": cand.capex_usd,
        "npv_usd": round(value, 2),
    }


def check_window(budget_usd: float, years: tuple[int, int]) -> None:
    """Refuse a budget not above zero or a window whose first year is after its last (InvalidOptionError)."""
    if not (math.isfinite(budget_usd) and budget_usd > 0):
        raise InvalidOptionError(f"budget {budget_usd!r} is not an amount above zero.")
    if not years[0] <= years[1]:
        raise InvalidOptionError(f"years {years[0]}:{years[1]}: the first year is after the last.")


def greedy_portfolio(
    candidates: Sequence[Candidate],
    *,
    budget_usd: float,
    years: tuple[int, int],
    parameters: Parameters,
    interactions: Mapping[tuple[str, str], float] | None = None,
) -> Portfolio:
    """The baseline: projects by NPV per dollar of capex (alone, built from the first year), each added if it pays,
    fits the budget, at the first year the released budget allows; valued with the interactions it ignored."""
    import time

    started = time.perf_counter()
    check_window(budget_usd, years)
    first, last = years
    starts = list(range(first, last + 1))
    p = replace(parameters, first_year=first)
    ranked = sorted(candidates, key=lambda c: -shifted_npv(c, first, p) / max(c.capex_usd, 1.0))
    spent = dict.fromkeys(starts, 0.0)
    chosen: list[dict[str, Any]] = []
    for cand in ranked:
        if cand.capex_usd > budget_usd - sum(r["capex_usd"] for r in chosen):
            continue
        for t in starts:
            value = shifted_npv(cand, t, p)
            if value <= 0:
                continue
            fits = all(
                spent[y] + cand.capex_usd * _spend(cand.costs, t, y)
                <= budget_usd * (y - first + 1) / len(starts) + 1e-6
                for y in starts
            )
            if fits:
                for y in starts:
                    spent[y] += cand.capex_usd * _spend(cand.costs, t, y)
                chosen.append(_row(cand, t, value))
                break
    picked = {r["project"] for r in chosen}
    pairs = (interactions or {}).items()
    value = sum(r["npv_usd"] for r in chosen) + sum(d for (a, b), d in pairs if a in picked and b in picked)
    chosen.sort(key=lambda r: (r["start"], r["project"]))
    return Portfolio(
        method="greedy (NPV per dollar)",
        budget_usd=budget_usd,
        chosen=chosen,
        npv_usd=value,
        capex_usd=sum(r["capex_usd"] for r in chosen),
        seconds=time.perf_counter() - started,
    )


def budget_steps(
    solve: Callable[[float], Portfolio], budget_usd: float, *, step_usd: float = 1e9
) -> list[dict[str, Any]]:
    """What each extra ``step_usd`` buys: the optimum at 1, 2, ... steps up to one step past ``budget_usd``."""
    out = []
    previous: Portfolio | None = None
    k = 1
    while k * step_usd <= budget_usd + step_usd + 1e-6 and k <= 50:
        result = solve(k * step_usd)
        before = {r["project"] for r in previous.chosen} if previous else set()
        now = {r["project"] for r in result.chosen}
        out.append(
            {
                "budget_usd": k * step_usd,
                "npv_usd": round(result.npv_usd, 2),
                "extra_npv_usd": round(result.npv_usd - (previous.npv_usd if previous else 0.0), 2),
                "added": sorted(now - before),
                "dropped": sorted(before - now),
            }
        )
        previous = result
        k += 1
    return out
