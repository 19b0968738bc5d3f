"""Sweeps: one field of a scenario (``TABLE/ID.FIELD`` or ``demand.scale``) over a range of values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError
from corridor.scenarios.quantities import FIELD_DIMENSION, REFERENCE, dimension_of, parse_quantity
from corridor.scenarios.sections import Change, closest, records_of

if TYPE_CHECKING:
    import pandas as pd

    from corridor.dataset.network import Network
    from corridor.reliability.engine import MapTasks
    from corridor.scenarios.files import Scenario
    from corridor.scenarios.run import ScenarioResult

__all__ = ["SweepParameter", "SweepResult", "parse_sweep_parameter", "sweep"]


@dataclass(frozen=True, slots=True)
class SweepParameter:
    """One scenario field swept over values: ``TABLE/ID.FIELD`` (in the dataset's unit) or ``demand.scale``."""

    path: str
    values: tuple[float, ...]
    table: str = ""
    id: str = ""
    column: str = ""

    def apply(self, scenario: Scenario, value: float) -> Scenario:
        """The scenario with this parameter set to ``value`` (replacing any change of the same field)."""
        from dataclasses import replace

        name = f"{scenario.name}[{self.path}={value:g}]"
        if self.path == "demand.scale":
            return replace(scenario, name=name, demand_scale=value)
        # a swept capacity or tonnage may leave its published range: the range is dropped for the sweep
        bounds = {
            "capacity_per_year": ("capacity_low", "capacity_high"),
            "tonnes_per_year": ("tonnes_low", "tonnes_high"),
        }
        extra = bounds.get(self.column, ())
        touched = {self.column, *extra}
        kept = tuple(
            c for c in scenario.changes if not (c.table == self.table and c.id == self.id and c.column in touched)
        )
        origin = f"{name}: sweep"
        changes = [Change(self.table, self.id, self.column, value=value, origin=origin)]
        changes.extend(Change(self.table, self.id, column, value=None, origin=origin) for column in extra)
        return replace(scenario, name=name, changes=(*kept, *changes))


def parse_sweep_parameter(text: str, network: Network, *, max_values: int = 200) -> SweepParameter:
    """``PATH=START:STOP:STEP``, with units where the field has them.

    For example ``capacities/kuryk-port.capacity_per_year=4Mt:8Mt:1Mt`` or ``demand.scale=1:2:0.25``.

    Raises
    ------
    InvalidOptionError
        Naming the path, the unit or the range that is wrong.
    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or len(parts) != 3:
        raise InvalidOptionError(f"--param {text!r}: use PATH=START:STOP:STEP, e.g. demand.scale=1:2:0.25.")
    path = path.strip()
    if path == "demand.scale":
        dimension, table, rid, column = "count", "", "", ""
    else:
        element, _, column = path.rpartition(".")
        table, _, rid = element.partition("/")
        if table not in FIELD_DIMENSION or not rid or column not in FIELD_DIMENSION[table]:
            tables = ", ".join(sorted(FIELD_DIMENSION))
            raise InvalidOptionError(f"--param {path!r}: give TABLE/ID.FIELD (tables: {tables}) or demand.scale.")
        records = records_of(network, table)
        if rid not in records:
            close = closest(rid, records)
            raise InvalidOptionError(
                f"--param: unknown element '{table}/{rid}'" + (f"; closest: {', '.join(close)}" if close else "")
            )
        dimension = dimension_of(table, column, records[rid])
        if dimension == REFERENCE:
            raise InvalidOptionError(f"--param {path!r}: {column} names a record, not a quantity; it cannot be swept.")
    try:
        start, stop, step = (parse_quantity(p.strip() if dimension != "count" else float(p), dimension) for p in parts)
    except ValueError as error:
        raise InvalidOptionError(f"--param {path}: {error}") from None
    if not step > 0 or stop < start:
        raise InvalidOptionError(f"--param {path}: need STOP >= START and STEP > 0.")
    if start < 0:
        raise InvalidOptionError(f"--param {path}: values must be >= 0, got START {start:g}.")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > max_values:
        raise InvalidOptionError(f"--param {path}: {count} values; at most {max_values} (use a larger step).")
    values = tuple(start + i * step for i in range(count))
    return SweepParameter(path, values, table, rid, column)


@dataclass(frozen=True)
class SweepResult:
    """The runs of a sweep, one :class:`~corridor.scenarios.run.ScenarioResult` per value, in the order of the values.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> base = corridor.load_scenario("base-2024", network)
    >>> swept = corridor.sweep(network, base, "demand.scale=1:1.5:0.5", samples=600)
    >>> swept.to_frame()[["value", "corridor"]].shape[1]
    2
    """

    scenario: str
    param: str
    values: tuple[float, ...]
    results: tuple[ScenarioResult, ...]

    def runs(self) -> list[dict[str, Any]]:
        """Each run as JSON with the value it was run at (``value``)."""
        return [{**r.to_dict(), "value": v} for v, r in zip(self.values, self.results, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """The sweep as JSON: ``scenario``, ``param`` and ``runs`` (each run's ``to_dict`` with its ``value``).

        Returns
        -------
        dict
            As ``corridor scenario sweep --json`` prints it (without the store's run ids).
        """
        return {"scenario": self.scenario, "param": self.param, "runs": self.runs()}

    def to_frame(self) -> pd.DataFrame:
        """One row per value and corridor: volume (Mt a year), P50 and P90 days, cost (USD per FEU).

        Returns
        -------
        pandas.DataFrame
            Columns ``value``, then those of :meth:`ScenarioResult.to_frame`.
        """
        import pandas as pd

        frames = [r.to_frame().assign(value=v) for v, r in zip(self.values, self.results, strict=True)]
        if not frames:
            return pd.DataFrame(columns=["value", "corridor"])
        frame = pd.concat(frames, ignore_index=True)
        return frame[["value", *[c for c in frame.columns if c != "value"]]]


#: ``progress(fraction, stage)``: how far a sweep has come (0-1) and what it is doing
Progress = Callable[[float, str], object]


def sweep(
    network: Network,
    scenario: Scenario,
    parameter: str | SweepParameter,
    *,
    samples: int = 6_000,
    seed: int = 0,
    map_tasks: MapTasks | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run ``scenario`` once per value of one parameter; every value is checked before any run.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    scenario
        The scenario the parameter varies (``corridor.load_scenario(...)``).
    parameter
        ``PATH=START:STOP:STEP`` (``demand.scale=1:2:0.25``, ``capacities/kuryk-port.capacity_per_year=4Mt:8Mt:1Mt``)
        or a parsed :class:`SweepParameter`.
    samples
        Shipments simulated per corridor in each run.
    seed
        Random seed, the same for every value (so that differences come from the parameter).
    map_tasks
        ``map_tasks(function, tasks)`` to run the values elsewhere (e.g. ``corridor.scaleout.dask_map``); by
        default they run here, one after the other, which is faster than a cluster for a few values.
    progress
        ``progress(fraction, stage)``, called as the runs go (only when they run here).

    Returns
    -------
    SweepResult
        One scenario result per value.

    Raises
    ------
    InvalidOptionError
        For a path, unit or range that is wrong (naming it), before anything runs.
    ScenarioError
        For a value the scenario cannot take (a capacity below zero, ...), before anything runs.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> base = corridor.load_scenario("base-2024", network)
    >>> swept = corridor.sweep(network, base, "demand.scale=1:1.5:0.5", samples=600)
    >>> swept.values
    (1.0, 1.5)
    """
    from corridor.scaleout import run_tasks
    from corridor.scenarios.apply import apply_scenario
    from corridor.scenarios.run import run_scenario

    param = parse_sweep_parameter(parameter, network) if isinstance(parameter, str) else parameter
    variants = tuple(param.apply(scenario, value) for value in param.values)
    for variant in variants:
        apply_scenario(network, variant)  # a bad value fails here, before any run

    def one(variant: Scenario) -> ScenarioResult:
        return run_scenario(network, variant, samples=samples, seed=seed)

    if map_tasks is not None or progress is None:
        results = run_tasks(one, variants, map_tasks)
    else:
        results = []
        n = len(variants)
        for i, (value, variant) in enumerate(zip(param.values, variants, strict=True)):

            def inner(fraction: float, stage: str, i: int = i, value: float = value) -> None:
                progress((i + fraction) / n, f"{param.path}={value:g} ({i + 1} of {n}): {stage}")

            results.append(run_scenario(network, variant, samples=samples, seed=seed, progress=inner))
    return SweepResult(scenario.name, param.path, param.values, tuple(results))
