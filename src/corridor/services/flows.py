"""Equilibrium flows: the assignment of a dataset year, a demand file, a scenario or a TNTP network, with scales."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.assignment.results import AssignmentResult
    from corridor.dataset.flownet import FlowNetwork
    from corridor.dataset.network import Network
    from corridor.scenarios.files import Scenario

__all__ = [
    "DemandOptions",
    "GapProgress",
    "Progress",
    "SolverOptions",
    "assign_demand",
    "assignment_summary",
    "demand_year",
    "flow_network_of",
    "gap_progress",
    "solve_flows",
    "tntp_flow_network",
]

#: ``progress(fraction, stage)``: how far a use case has come (0-1) and what it is doing
Progress = Callable[[float, str], object]
#: ``progress(iteration, relative_gap)`` of the solver; ``False`` stops it
GapProgress = Callable[[int, float], bool | None]


@dataclass(frozen=True, kw_only=True)
class DemandOptions:
    """What is assigned on a corridor dataset: a year of its demand table, a demand file, or a scenario's demand."""

    year: int | None = None  # default: the scenario's year, else the latest year of the demand
    demand_file: Path | None = None  # a demand CSV instead of the dataset's table
    scenario: Scenario | None = None  # applied to the dataset first
    demand_scale: float = 1.0
    capacity_scale: float = 1.0


@dataclass(frozen=True, kw_only=True)
class SolverOptions:
    """How the equilibrium is solved (see :func:`corridor.assignment.solve.assign`)."""

    algorithm: str = "bfw"
    objective: str = "ue"
    gap: float = 1e-4
    max_iter: int = 1000
    max_seconds: float | None = None
    toll_factor: float = 0.0
    distance_factor: float = 0.0


def demand_year(options: DemandOptions) -> int | None:
    """The year asked for: the option's, else the scenario's (``None``: the latest year of the demand)."""
    if options.scenario is None:
        return options.year
    return options.year or options.scenario.year


def flow_network_of(network: Network, options: DemandOptions) -> FlowNetwork:
    """The FlowNetwork of ``network`` (under ``options.scenario``) with the demand and scales of ``options``.

    Its ``demand`` is ``None`` when there is no demand at all (no table and no file): the caller says what to give.

    Raises
    ------
    InvalidOptionError, DatasetError, ScenarioError
    """
    from corridor.model.freight import flow_network

    year = demand_year(options)
    if options.scenario is not None:
        import dataclasses

        from corridor.scenarios.apply import apply_scenario

        # the year's changes first (apply_scenario), the scenario's own after them
        net = apply_scenario(network, dataclasses.replace(options.scenario, year=year))
    else:
        if options.demand_file is None and year is not None and network.trade:
            from corridor.scenarios.years import check_year

            check_year(network, year)  # names every year with data, those trade generates among them
        net = _as_of_year(network, year)
    rows = None
    if options.demand_file is not None:
        from corridor.dataset.demand import read_demand_csv

        rows = read_demand_csv(options.demand_file, net)
    return flow_network(
        net,
        year=demand_year(options),
        demand=rows,
        demand_scale=options.demand_scale,
        capacity_scale=options.capacity_scale,
    )


def _as_of_year(network: Network, year: int | None) -> Network:
    """The network and demand of ``year`` where the dataset describes that year (changes.csv, trade-driven
    demand); unchanged otherwise (a demand file's year)."""
    from corridor.scenarios.years import dataset_years, network_of_year

    if year is None or year not in dataset_years(network):
        return network
    return network_of_year(network, year)


def tntp_flow_network(folder: Path, *, demand_scale: float = 1.0, capacity_scale: float = 1.0) -> FlowNetwork:
    """A TNTP network folder (``*_net.tntp``, ``*_trips.tntp``) with its trips and capacities scaled.

    Raises
    ------
    DatasetError, InvalidOptionError
    """
    import dataclasses

    from corridor.dataset.tntp import network_from_tntp
    from corridor.errors import InvalidOptionError

    flow_net = network_from_tntp(folder)
    if demand_scale != 1.0 and flow_net.demand is not None:
        flow_net = dataclasses.replace(flow_net, demand=flow_net.demand.scaled(demand_scale))
    if capacity_scale != 1.0:
        if not (math.isfinite(capacity_scale) and capacity_scale > 0):
            raise InvalidOptionError(f"The capacity scale must be a positive number, got {capacity_scale!r}")
        flow_net = dataclasses.replace(flow_net, capacity=flow_net.capacity * capacity_scale)
    return flow_net


def gap_progress(progress: Progress, target_gap: float) -> GapProgress:
    """The solver's (iteration, gap) as a fraction: log10 of the gap over log10 of the target, below 1 until done."""
    target = math.log10(target_gap)

    def update(iteration: int, gap: float) -> bool:
        if not 0 < gap < 1:
            done = 0.0
        elif target >= 0:  # a target gap of 1 (the most a job may ask) is met by any gap below it
            done = 1.0
        else:
            done = math.log10(gap) / target
        progress(min(max(done, 0.0), 0.99), f"iteration {iteration}, relative gap {gap:.2e}")
        return True

    return update


def solve_flows(
    flow_net: FlowNetwork, solver: SolverOptions, *, progress: GapProgress | None = None
) -> AssignmentResult:
    """The equilibrium of ``flow_net`` (its compiled kernels loaded first, so that ``seconds`` times the work)."""
    from corridor.assignment.solve import assign, warmup

    warmup()
    return assign(
        flow_net,
        algorithm=solver.algorithm,
        objective=solver.objective,
        gap=solver.gap,
        max_iter=solver.max_iter,
        max_seconds=solver.max_seconds,
        toll_factor=solver.toll_factor,
        distance_factor=solver.distance_factor,
        progress=progress,
    )


def assignment_summary(result: AssignmentResult, *, corridor: bool = True) -> dict[str, Any]:
    """The JSON of an assignment; of a corridor network, with the tonnes through each passage and the year."""
    summary = result.to_dict()
    if corridor:
        from corridor.model.freight import passage_volumes

        demand = result.network.demand
        summary["passage_volumes_t"] = passage_volumes(result)
        summary["year"] = demand.year if demand is not None else None
    return summary


def assign_demand(
    network: Network, options: DemandOptions, solver: SolverOptions, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Assign the demand of ``options`` on ``network``: the summary with the flows as GeoJSON (``flows``).

    Raises
    ------
    InvalidOptionError
        When the dataset has no demand, and as :func:`flow_network_of`.
    """
    from corridor.errors import InvalidOptionError

    if progress is not None:
        progress(0.02, "building the flow network")
    flow_net = flow_network_of(network, options)
    if flow_net.demand is None:
        raise InvalidOptionError(f"Dataset {flow_net.name!r} has no demand for year {demand_year(options)}")
    result = solve_flows(flow_net, solver, progress=None if progress is None else gap_progress(progress, solver.gap))
    summary = assignment_summary(result)
    summary["flows"] = result.to_geojson()
    return summary
