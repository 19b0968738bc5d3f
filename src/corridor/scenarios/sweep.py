"""Sweeps: one field of a scenario (``TABLE/ID.FIELD`` or ``demand.scale``) over a range of values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.errors import InvalidOptionError
from corridor.scenarios.quantities import FIELD_DIMENSION, dimension_of, parse_quantity
from corridor.scenarios.sections import Change, closest, records_of

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.scenarios.files import Scenario

__all__ = ["SweepParameter", "parse_sweep_parameter"]


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
