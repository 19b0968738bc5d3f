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


_WORKER_NETWORK: list[Network] = []


def _worker_init(network: Network) -> None:
    _WORKER_NETWORK[:] = [network]


def _solve_case(
    network: Network | None,
    year: int,
    fragment: Mapping[str, Any],
    sources: Sequence[str],
    market_samples: int,
    tol: float,
    seed: int,
) -> Any:
    """The equilibrium of the network with the scenario sections ``fragment`` in ``year``, summarised."""
    from datetime import date

    from corridor.appraisal.effects import EquilibriumSummary, equilibrium_of
    from corridor.appraisal.projects import scenario_of
    from corridor.choice.logit import load_choice_model
    from corridor.scenarios.apply import apply_scenario

    net0 = network if network is not None else _WORKER_NETWORK[0]
    scenario = scenario_of(net0, "case", "Case", fragment, sources=list(sources) or ["estimate"], year=year)
    net = apply_scenario(net0, scenario, on=date(year, 7, 1))
    model = load_choice_model(net0)
    chosen = equilibrium_of(net, year, model, market_samples=market_samples, seed=seed, tol=tol)
    return EquilibriumSummary.of(chosen)


def _solve_task(task: tuple[Any, ...]) -> Any:
    return _solve_case(None, *task)


class _Equilibria:
    """Equilibria of scenario fragments by year, each solved once (the case without projects is shared), on
    ``workers`` processes at once when asked for several."""

    def __init__(self, network: Network, *, market_samples: int, tol: float, seed: int, workers: int = 1) -> None:
        self.network = network
        self.market_samples, self.tol, self.seed, self.workers = market_samples, tol, seed, workers
        self.cache: dict[tuple[int, str], Any] = {}
        self.runs = 0

    @staticmethod
    def _key(year: int, fragment: Mapping[str, Any]) -> tuple[int, str]:
        from corridor.io.jsontext import to_json

        return (year, to_json(fragment))

    def solve_all(self, cases: Sequence[tuple[int, Mapping[str, Any], Sequence[str]]]) -> None:
        """Solve the cases not solved yet: in parallel on ``workers`` processes (forkserver), else one by one."""
        todo: dict[tuple[int, str], tuple[Any, ...]] = {}
        for year, fragment, sources in cases:
            key = self._key(year, fragment)
            if key not in self.cache and key not in todo:
                todo[key] = (year, fragment, tuple(sources), self.market_samples, self.tol, self.seed)
        if not todo:
            return
        if self.workers > 1 and len(todo) > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("forkserver")  # never fork a process with numba threads
            with ProcessPoolExecutor(
                min(self.workers, len(todo)), mp_context=context, initializer=_worker_init, initargs=(self.network,)
            ) as pool:
                for key, summary in zip(todo, pool.map(_solve_task, todo.values()), strict=True):
                    self.cache[key] = summary
        else:
            for key, task in todo.items():
                self.cache[key] = _solve_case(self.network, *task)
        self.runs += len(todo)

    def __call__(self, year: int, fragment: Mapping[str, Any], sources: Sequence[str]) -> Any:
        key = self._key(year, fragment)
        if key not in self.cache:
            self.solve_all([(year, fragment, sources)])
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
    workers: int = 1,
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
    solve = _Equilibria(network, market_samples=market_samples, tol=tol or APPRAISAL_TOL, seed=seed, workers=workers)

    def cases_of(group: Sequence[Project]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        without = merge_fragments(*(p.counterfactual for p in group))
        with_ = merge_fragments(without, *(p.fragment for p in group))
        return without, with_, sorted({s for p in group for s in p.source})

    def effects_of(group: Sequence[Project]) -> list[Any]:
        without, with_, sources = cases_of(group)
        return [
            compare_equilibria(solve(y, without, sources), solve(y, with_, sources), corridor=group[0].corridor, year=y)
            for y in anchor_years
        ]

    def solve_groups(groups: Sequence[Sequence[Project]]) -> None:
        cases = []
        for group in groups:
            without, with_, sources = cases_of(group)
            cases += [(y, f, sources) for y in anchor_years for f in (without, with_)]
        solve.solve_all(cases)

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(fraction, stage)

    report(0.0, f"equilibria with and without each of {len(projects)} projects")
    solve_groups([[p] for p in projects])
    candidates = [Candidate(p.id, CostProfile.of(p), effects_of([p]), tuple(p.bottleneck)) for p in projects]
    alone = {c.id: shifted_npv(c, years[0], parameters) for c in candidates}
    pairs = pairs_to_run(candidates, alone)
    report(0.6, f"{len(pairs)} pairs on a shared bottleneck, each run together")
    solve_groups([[p for p in projects if p.id in pair] for pair in pairs])
    interactions: dict[tuple[str, str], float] = {}
    for a, b in pairs:
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
        "equilibria_run": solve.runs,
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
