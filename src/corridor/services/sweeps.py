"""Scenario sweeps: one scenario run per value of one parameter, every value checked before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.scenarios.sweep import SweepResult

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.reliability.engine import MapTasks
    from corridor.scenarios.files import Scenario
    from corridor.scenarios.sweep import SweepParameter

__all__ = ["PlannedSweep", "SweepOptions", "SweepResult", "parse_sweep", "plan_sweep", "run_sweep"]

#: ``progress(fraction, stage)``: how far the sweep has come (0-1) and what it is doing
Progress = Callable[[float, str], object]


@dataclass(frozen=True, kw_only=True)
class SweepOptions:
    """How each run of a sweep is simulated."""

    samples: int = 6_000
    seed: int = 0  # the same for every value


@dataclass(frozen=True)
class PlannedSweep:
    """A sweep checked: the scenario, the parameter and one scenario per value (each applies to the network)."""

    scenario: Scenario
    parameter: SweepParameter
    variants: tuple[Scenario, ...]

    @property
    def values(self) -> tuple[float, ...]:
        return self.parameter.values


def parse_sweep(network: Network, param: str, *, max_values: int | None = None) -> SweepParameter:
    """``PATH=START:STOP:STEP`` read against ``network`` (at most ``max_values`` values; the parser's default if None).

    Raises
    ------
    InvalidOptionError
    """
    from corridor.scenarios.sweep import parse_sweep_parameter

    if max_values is None:
        return parse_sweep_parameter(param, network)
    return parse_sweep_parameter(param, network, max_values=max_values)


def plan_sweep(network: Network, scenario: Scenario, parameter: SweepParameter) -> PlannedSweep:
    """One scenario per value, each applied to ``network`` once: a bad value fails here, before any run.

    Raises
    ------
    ScenarioError, InvalidOptionError
    """
    from corridor.scenarios.apply import apply_scenario

    variants = tuple(parameter.apply(scenario, value) for value in parameter.values)
    for variant in variants:
        apply_scenario(network, variant)
    return PlannedSweep(scenario, parameter, variants)


def run_sweep(
    network: Network,
    sweep: PlannedSweep,
    options: SweepOptions,
    *,
    map_tasks: MapTasks | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every value of a planned sweep: with ``map_tasks`` (e.g. on Dask) as tasks, else here one after another,
    reporting each run's progress as a share of the whole (``corridor.sweep``)."""
    from corridor.scenarios.sweep import sweep as run

    return run(
        network,
        sweep.scenario,
        sweep.parameter,
        samples=options.samples,
        seed=options.seed,
        map_tasks=map_tasks,
        progress=progress,
    )
