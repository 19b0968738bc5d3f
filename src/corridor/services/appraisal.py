"""Use cases of appraisal: appraise a project or scenario, choose a portfolio under a budget, place centres."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.appraisal.cba import Appraisal
    from corridor.dataset.network import Network
    from corridor.dataset.project_records import Project
    from corridor.scenarios.files import Scenario

__all__ = ["ANCHOR_YEARS", "EXISTING_CENTRES", "appraise_target", "centres_of", "portfolio_of", "resolve_target"]

#: the years whose equilibria the appraisal runs and interpolates between (the trade model's demand runs to 2035)
ANCHOR_YEARS = (2030, 2035)


def resolve_target(
    network: Network, target: str, *, allow_files: bool = True
) -> tuple[Scenario, Scenario, tuple[Project, ...]]:
    """The scenarios with and without ``target`` (a project of projects.csv, a library scenario or, if
    ``allow_files``, a scenario file) and the projects whose costs it carries.

    A scenario is compared with the dataset as it stands (with the counterfactuals of its projects), and costs what
    the projects of projects.csv whose ``scenario`` it is or inherits cost.

    Raises
    ------
    InvalidOptionError
        For a target that is neither, or a scenario that names no project, with the projects and scenarios there are.
    """
    from corridor.appraisal.projects import merge_fragments, project_scenarios, scenario_of
    from corridor.scenarios.files import library_names, load_scenario

    by_id = {p.id: p for p in network.projects}
    if target in by_id:
        with_, without = project_scenarios(network, [by_id[target]])
        return with_, without, (by_id[target],)
    names = library_names()
    if target in names or (allow_files and (target.endswith((".yaml", ".yml")) or "/" in target)):
        scenario = load_scenario(target, network)
    else:
        raise InvalidOptionError(
            f"Unknown project or scenario {target!r}; projects: {', '.join(by_id) or 'none'}; "
            f"library scenarios: {', '.join(names)}."
        )
    lineage = set(scenario.lineage.get(scenario.name, frozenset())) | {scenario.name}
    projects = tuple(p for p in network.projects if p.scenario and p.scenario in lineage)
    if not projects:
        linked = sorted({p.scenario for p in network.projects if p.scenario})
        raise InvalidOptionError(
            f"Scenario {target!r} holds no project of projects.csv, so its costs are unknown; scenarios with "
            f"projects: {', '.join(linked)}; or appraise a project: {', '.join(by_id)}."
        )
    counterfactual = merge_fragments(*(p.counterfactual for p in projects))
    sources = sorted({s for p in projects for s in p.source})
    without = scenario_of(
        network, f"without-{scenario.name}", f"Without {scenario.title}", counterfactual, sources=sources
    )
    return scenario, without, projects


def appraise_target(
    network: Network,
    target: str,
    *,
    horizon: int = 2050,
    discount_rate: float = 0.06,
    years: Sequence[int] = ANCHOR_YEARS,
    samples: int = 1000,
    seed: int = 0,
    market_samples: int = 300,
    allow_files: bool = True,
    progress: Callable[[float, str], object] | None = None,
) -> Appraisal:
    """Appraise a project or scenario (see :func:`resolve_target`) over ``horizon`` at ``discount_rate``.

    Raises
    ------
    InvalidOptionError, ScenarioError
    """
    from corridor.appraisal.cba import CostProfile, appraise, default_parameters
    from corridor.appraisal.effects import project_effects

    parameters = default_parameters(network, discount_rate=discount_rate, horizon=horizon)
    with_, without, projects = resolve_target(network, target, allow_files=allow_files)
    corridor = projects[0].corridor
    if progress is not None:
        progress(0.0, f"equilibria with and without {with_.name}, {', '.join(map(str, years))}")
    effects = project_effects(
        network,
        with_=with_,
        without=without,
        corridor=corridor,
        years=years,
        market_samples=market_samples,
        seed=seed,
    )
    if progress is not None:
        progress(0.8, "cost-benefit analysis and Monte Carlo")
    result = appraise(
        effects,
        [CostProfile.of(p) for p in projects],
        parameters=parameters,
        name=with_.name,
        samples=samples,
        seed=seed,
    )
    if progress is not None:
        progress(1.0, "done")
    return result


class _Equilibria:
    """Equilibria of scenario fragments in one year, each solved once (the case without projects is shared)."""

    def __init__(self, network: Network, year: int, *, market_samples: int, tol: float, seed: int) -> None:
        from corridor.choice.logit import load_choice_model

        self.network, self.year = network, year
        self.model = load_choice_model(network)
        self.market_samples, self.tol, self.seed = market_samples, tol, seed
        self.cache: dict[str, Any] = {}
        self.runs = 0

    def __call__(self, fragment: Mapping[str, Any], sources: Sequence[str]) -> Any:
        from datetime import date

        from corridor.appraisal.effects import equilibrium_of
        from corridor.appraisal.projects import scenario_of
        from corridor.io.jsontext import to_json
        from corridor.scenarios.apply import apply_scenario

        key = to_json(fragment)
        if key not in self.cache:
            scenario = scenario_of(
                self.network, "case", "Case", fragment, sources=sources or ["estimate"], year=self.year
            )
            net = apply_scenario(self.network, scenario, on=date(self.year, 7, 1))
            self.cache[key] = equilibrium_of(
                net, self.year, self.model, market_samples=self.market_samples, seed=self.seed, tol=self.tol
            )
            self.runs += 1
        return self.cache[key]


def portfolio_of(
    network: Network,
    *,
    budget_usd: float,
    years: tuple[int, int] = (2025, 2030),
    project_ids: Sequence[str] | None = None,
    extra_projects: Sequence[Project] = (),
    discount_rate: float = 0.06,
    horizon: int = 2050,
    anchor_years: Sequence[int] = (2030,),
    market_samples: int = 300,
    tol: float | None = None,
    seed: int = 0,
    progress: Callable[[float, str], object] | None = None,
) -> dict[str, Any]:
    """The portfolio of largest NPV under ``budget_usd`` (``corridor.appraisal.portfolio``), the greedy baseline,
    and what each extra billion buys. Each project's effects come from the equilibria with and without it in
    ``anchor_years``; each pair on a shared bottleneck among those that pay alone is run as one scenario.

    Raises
    ------
    InvalidOptionError
        For an unknown project, a budget not above zero, a window not first <= last, a year without demand.
    """
    import time

    from corridor.appraisal.cba import CostProfile, cash_flows, default_parameters, npv
    from corridor.appraisal.effects import APPRAISAL_TOL, compare_equilibria
    from corridor.appraisal.portfolio import (
        Candidate,
        budget_steps,
        check_window,
        choose_portfolio,
        greedy_portfolio,
        pairs_to_run,
        shifted_npv,
    )
    from corridor.appraisal.projects import merge_fragments, projects_of
    from corridor.scenarios.years import check_year

    started = time.perf_counter()
    check_window(budget_usd, years)
    for year in anchor_years:
        check_year(network, year)
    projects = (*projects_of(network, project_ids), *extra_projects)
    if not projects:
        raise InvalidOptionError("No projects to choose from: the dataset has no projects.csv.")
    parameters = default_parameters(network, discount_rate=discount_rate, horizon=horizon, first_year=years[0])
    solvers = {
        y: _Equilibria(network, y, market_samples=market_samples, tol=tol or APPRAISAL_TOL, seed=seed)
        for y in anchor_years
    }

    def effects_of(group: Sequence[Project]) -> list[Any]:
        without = merge_fragments(*(p.counterfactual for p in group))
        with_ = merge_fragments(without, *(p.fragment for p in group))
        sources = sorted({s for p in group for s in p.source})
        return [
            compare_equilibria(solve(without, sources), solve(with_, sources), corridor=group[0].corridor, year=y)
            for y, solve in solvers.items()
        ]

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(fraction, stage)

    candidates = []
    for k, project in enumerate(projects):
        report(0.6 * k / len(projects), f"equilibria with and without {project.id}")
        candidates.append(
            Candidate(project.id, CostProfile.of(project), effects_of([project]), tuple(project.bottleneck))
        )
    alone = {c.id: shifted_npv(c, years[0], parameters) for c in candidates}
    pairs = pairs_to_run(candidates, alone)
    interactions: dict[tuple[str, str], float] = {}
    for k, (a, b) in enumerate(pairs):
        report(0.6 + 0.35 * k / max(len(pairs), 1), f"{a} and {b} together")
        group = [p for p in projects if p.id in (a, b)]
        costs = [CostProfile.of(p, start=years[0]) for p in group]
        together = npv(cash_flows(effects_of(group), costs, parameters))
        interactions[(a, b)] = together - alone[a] - alone[b]
    report(0.95, "mixed-integer program and greedy baseline")
    best = choose_portfolio(
        candidates, budget_usd=budget_usd, years=years, parameters=parameters, interactions=interactions
    )
    greedy = greedy_portfolio(
        candidates, budget_usd=budget_usd, years=years, parameters=parameters, interactions=interactions
    )
    steps = budget_steps(
        lambda b: choose_portfolio(
            candidates, budget_usd=b, years=years, parameters=parameters, interactions=interactions
        ),
        budget_usd,
    )
    report(1.0, "done")
    return {
        "budget_usd": budget_usd,
        "years": list(years),
        "discount_rate": discount_rate,
        "horizon": horizon,
        "anchor_years": list(anchor_years),
        "projects": [
            {
                "project": c.id,
                "capex_usd": c.capex_usd,
                "npv_usd": round(alone[c.id], 2),
                "bottleneck": list(c.bottleneck),
            }
            for c in candidates
        ],
        "interactions": [
            {"projects": [a, b], "npv_together_minus_alone_usd": round(d, 2)} for (a, b), d in interactions.items()
        ],
        "optimum": best.to_dict(),
        "greedy": greedy.to_dict(),
        "extra_billion": steps,
        "equilibria_run": sum(s.runs for s in solvers.values()),
        "seconds": round(time.perf_counter() - started, 3),
    }


#: logistics centres of the Middle Corridor as they stand: Khorgos Gateway (Altynkol), Aktau, Alat and Poti
EXISTING_CENTRES = ("altynkol", "aktau", "alat", "poti")


def centres_of(
    network: Network,
    *,
    count: int,
    year: int = 2030,
    corridor: str = "middle",
    candidates: Sequence[tuple[str, float | None]] | None = None,
    radius_km: float = 300.0,
    capacity_factor: float = 1.5,
    existing: Sequence[str] = EXISTING_CENTRES,
) -> dict[str, Any]:
    """Where ``count`` logistics centres serve best the tonnes that pass the places of ``corridor`` at the
    equilibrium of ``year`` (``corridor.appraisal.centres``), and how the existing centres compare.

    ``candidates`` are (place, capacity in tonnes or None) pairs; by default every place the corridor's flows pass.
    A site without a capacity takes ``capacity_factor`` times the tonnes over ``count``.

    Raises
    ------
    InvalidOptionError
        For a count out of range (naming the candidates), an unknown place, a year without demand.
    """
    import numpy as np

    from corridor.appraisal.centres import CentresInstance, great_circle_km, max_coverage, p_median
    from corridor.choice.logit import year_equilibrium
    from corridor.scenarios.run import _link_flows
    from corridor.scenarios.years import network_of_year

    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidOptionError(f"count {count!r} is not a whole number of centres from 1.")
    if corridor not in network.corridor_ids:
        raise InvalidOptionError(f"Unknown corridor {corridor!r}; corridors: {', '.join(network.corridor_ids)}.")
    net = network_of_year(network, year)
    chosen = year_equilibrium(net, year)
    flows = _link_flows(net, chosen.link_flow)
    through: dict[str, float] = {}
    for link in net.links:
        if corridor in link.corridors and flows.get(link.id, 0.0) > 0:
            for end in (link.from_, link.to):
                through[end] = through.get(end, 0.0) + 0.5 * flows[link.id]
    demand_ids = tuple(sorted(p for p, t in through.items() if t > 0))
    if candidates is None:
        sites: list[tuple[str, float | None]] = [(p, None) for p in demand_ids]
    else:
        sites = [(network.place(name).id, cap) for name, cap in candidates]
    if not 1 <= count <= len(sites):
        names = ", ".join(s for s, _ in sites)
        raise InvalidOptionError(f"count {count} is more than the {len(sites)} candidate sites: {names}.")
    weights = np.array([through[p] for p in demand_ids])
    default_capacity = capacity_factor * float(weights.sum()) / count
    caps = np.array([default_capacity if cap is None else float(cap) for _, cap in sites])
    place = {p.id: p for p in network.places}
    lat_d = np.array([place[p].lat for p in demand_ids])
    lon_d = np.array([place[p].lon for p in demand_ids])
    lat_s = np.array([place[s].lat for s, _ in sites])
    lon_s = np.array([place[s].lon for s, _ in sites])
    instance = CentresInstance(
        demand_ids=demand_ids,
        weights_t=weights,
        candidate_ids=tuple(s for s, _ in sites),
        capacities_t=caps,
        cost_km=great_circle_km(lat_d, lon_d, lat_s, lon_s),
    )
    best = p_median(instance, count)
    cover = max_coverage(instance, count, radius_km=radius_km)
    present = [s for s in existing if s in instance.candidate_ids]
    comparison: dict[str, Any] = {"sites": present, "missing": [s for s in existing if s not in present]}
    if present:
        k = len(present)
        try:
            at_existing = p_median(instance, k, fixed=present)
            optimum_k = p_median(instance, k)
            comparison["p_median_tonne_km"] = round(at_existing.objective, 1)
            comparison["optimum_tonne_km"] = round(optimum_k.objective, 1)
            comparison["optimum_sites"] = list(optimum_k.sites)
            comparison["share_of_optimum"] = round(optimum_k.objective / at_existing.objective, 4)
        except InvalidOptionError as error:
            comparison["p_median_error"] = str(error)
        covered = max_coverage(instance, k, radius_km=radius_km, fixed=present)
        best_cover = max_coverage(instance, k, radius_km=radius_km)
        comparison["covered_t"] = round(covered.objective, 1)
        comparison["optimum_covered_t"] = round(best_cover.objective, 1)
        comparison["coverage_share_of_optimum"] = (
            round(covered.objective / best_cover.objective, 4) if best_cover.objective > 0 else None
        )
    total = float(weights.sum())
    return {
        "year": year,
        "corridor": corridor,
        "count": count,
        "radius_km": radius_km,
        "tonnes": round(total, 1),
        "demand_points": {p: round(through[p], 1) for p in demand_ids},
        "candidates": [{"site": s, "capacity_t": round(float(c), 1)} for (s, _), c in zip(sites, caps, strict=True)],
        "p_median": {**best.to_dict(), "mean_km_per_tonne": round(best.objective / total, 2) if total else None},
        "max_coverage": {**cover.to_dict(), "share_covered": round(cover.objective / total, 4) if total else None},
        "existing": comparison,
    }
