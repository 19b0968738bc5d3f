"""Use cases of appraisal: appraise a project or scenario, choose a portfolio under a budget, place centres."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.appraisal.cba import Appraisal
    from corridor.dataset.network import Network
    from corridor.dataset.project_records import Project
    from corridor.scenarios.files import Scenario

__all__ = ["ANCHOR_YEARS", "appraise_target", "resolve_target"]

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
    from corridor.scenarios.files import library_names, load_scenario, load_scenario_text

    by_id = {p.id: p for p in network.projects}
    if target in by_id:
        with_, without = project_scenarios(network, [by_id[target]])
        return with_, without, (by_id[target],)
    names = library_names()
    if target in names or (allow_files and (target.endswith((".yaml", ".yml")) or "/" in target)):
        scenario = load_scenario(target, network) if allow_files else load_scenario_text("", network, name=target)
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
