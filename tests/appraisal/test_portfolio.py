"""The portfolio MIP against brute force on a small instance, interactions that do not add up, the greedy baseline."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from corridor.appraisal.cba import CostProfile, Parameters
from corridor.appraisal.effects import CommodityEffects, YearEffects
from corridor.appraisal.portfolio import (
    Candidate,
    _spend,
    budget_steps,
    choose_portfolio,
    greedy_portfolio,
    pairs_to_run,
    shifted_npv,
)
from corridor.errors import InvalidOptionError

P = Parameters(
    discount_rate=0.06,
    horizon=2040,
    value_of_time_usd_per_t_hour={"container": 0.0},
    operator_margin=(0.0, 0.0, 0.0),
    demand_elasticity=(0.0, 0.0, 0.0),
    value_of_time_factor=(1.0, 1.0, 1.0),
    opex_factor=(1.0, 1.0, 1.0),
    demand_factor=(1.0, 1.0, 1.0),
    first_year=2025,
)


def _candidate(pid: str, capex_musd: float, saving_musd: float, years: int = 1, bottleneck: str = "") -> Candidate:
    effects = YearEffects(
        year=2030,
        demand_scale=1.0,
        commodities={"container": CommodityEffects(1e6, saving_musd * 1e6, 0.0, 0.0, 100.0, 10.0)},
        operator_revenue_usd=0.0,
        co2e_saved_t=0.0,
    )
    costs = CostProfile(
        capex_musd=(capex_musd,) * 3, opex_musd_per_year=0.0, build_from=2025, build_to=2024 + years, life_years=30
    )
    return Candidate(pid, costs, [effects], (bottleneck,) if bottleneck else ())


CANDIDATES = [
    _candidate("a", 400, 60, 2, "port"),
    _candidate("b", 300, 50, 1, "port"),
    _candidate("c", 500, 55, 3),
    _candidate("d", 200, 20, 1),
    _candidate("e", 350, 45, 2, "line"),
    _candidate("f", 250, 10, 1),
]
INTERACTIONS = {("a", "b"): -150e6}


def _brute_force(budget: float, years: tuple[int, int]) -> float:
    starts = list(range(years[0], years[1] + 1))
    values = {(c.id, t): shifted_npv(c, t, P) for c in CANDIDATES for t in starts}
    best = 0.0
    for plan in itertools.product([None, *starts], repeat=len(CANDIDATES)):
        chosen = {c.id: t for c, t in zip(CANDIDATES, plan, strict=True) if t is not None}
        if sum(c.capex_usd for c in CANDIDATES if c.id in chosen) > budget + 1e-6:
            continue
        ok = all(
            sum(c.capex_usd * _spend(c.costs, chosen[c.id], y) for c in CANDIDATES if c.id in chosen)
            <= budget * (y - years[0] + 1) / len(starts) + 1e-6
            for y in starts
        )
        if not ok:
            continue
        value = sum(values[(c.id, chosen[c.id])] for c in CANDIDATES if c.id in chosen)
        value += sum(d for (a, b), d in INTERACTIONS.items() if a in chosen and b in chosen)
        best = max(best, value)
    return best


@pytest.mark.parametrize("budget", [0.5e9, 1e9, 1.4e9, 2.2e9])
def test_the_mip_finds_the_optimum_brute_force_finds(budget: float) -> None:
    result = choose_portfolio(
        CANDIDATES, budget_usd=budget, years=(2025, 2027), parameters=P, interactions=INTERACTIONS
    )
    assert result.npv_usd == pytest.approx(_brute_force(budget, (2025, 2027)), rel=1e-6)
    assert result.capex_usd <= budget
    greedy = greedy_portfolio(
        CANDIDATES, budget_usd=budget, years=(2025, 2027), parameters=P, interactions=INTERACTIONS
    )
    assert greedy.npv_usd <= result.npv_usd + 1e-6


def test_two_projects_on_one_bottleneck_do_not_add_up() -> None:
    """With budget for both a and b, an overlap larger than either's NPV makes the optimum take the better one only;
    greedy, blind to it, takes both."""
    alone = {c.id: shifted_npv(c, 2025, P) for c in CANDIDATES}
    assert pairs_to_run(CANDIDATES, alone) == [("a", "b")]
    overlap = {("a", "b"): -(max(alone["a"], alone["b"]) + 50e6)}
    better = max(("a", "b"), key=alone.__getitem__)
    result = choose_portfolio(CANDIDATES[:2], budget_usd=2e9, years=(2025, 2025), parameters=P, interactions=overlap)
    assert [r["project"] for r in result.chosen] == [better]
    greedy = greedy_portfolio(CANDIDATES[:2], budget_usd=2e9, years=(2025, 2025), parameters=P, interactions=overlap)
    assert {r["project"] for r in greedy.chosen} == {"a", "b"}
    assert greedy.npv_usd == pytest.approx(min(alone["a"], alone["b"]) - 50e6)
    assert greedy.npv_usd < result.npv_usd


def test_an_even_release_of_the_budget_orders_the_projects() -> None:
    """USD 600 million over 2025-2026 is released 300 a year: a (400, two years) and b (300, one) cannot both begin
    in 2025."""
    result = choose_portfolio(CANDIDATES[:2], budget_usd=0.7e9, years=(2025, 2026), parameters=P)
    starts = {r["project"]: r["start"] for r in result.chosen}
    assert (set(starts) == {"a", "b"} and starts["a"] != starts["b"]) or len(starts) < 2


def test_what_each_extra_billion_buys() -> None:
    steps = budget_steps(
        lambda b: choose_portfolio(
            CANDIDATES, budget_usd=b, years=(2025, 2027), parameters=P, interactions=INTERACTIONS
        ),
        2e9,
    )
    assert [s["budget_usd"] for s in steps] == [1e9, 2e9, 3e9]
    assert all(s["extra_npv_usd"] >= -1e-6 for s in steps)
    assert steps[0]["added"]


def test_bad_budget_and_window() -> None:
    with pytest.raises(InvalidOptionError, match=r"budget -1\.0 is not an amount above zero"):
        choose_portfolio(CANDIDATES, budget_usd=-1.0, years=(2025, 2030), parameters=P)
    with pytest.raises(InvalidOptionError, match="years 2030:2025"):
        greedy_portfolio(CANDIDATES, budget_usd=1e9, years=(2030, 2025), parameters=replace(P))
