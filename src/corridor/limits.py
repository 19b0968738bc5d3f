"""Bounds on every number a user gives: one definition for the CLI's options, the API's queries and input files.

A value outside its bound is refused before any work starts, naming the bound: exit code 2 on the command line,
422 from the service. Floats must be finite; integers fit in 64 bits. The service's own limits
(:class:`corridor.api.settings.Limits`) may be lower than these, never higher.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from corridor.errors import InvalidOptionError

__all__ = [
    "ALTERNATIVES",
    "BOUNDS",
    "CAPACITY_SCALE",
    "DAYS",
    "DEMAND_SCALE",
    "FACTOR",
    "FERRIES",
    "GAP",
    "GRID_YEAR",
    "HOURS",
    "ITERATIONS",
    "LIST_LIMIT",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_INT",
    "MAX_ROWS",
    "MAX_YEAR",
    "MIN_YEAR",
    "MONEY_RATE",
    "NEST_SCALE",
    "OFFSET",
    "QUANTITY",
    "QUANTITY_VALUE",
    "REPLICATIONS",
    "SAMPLES",
    "SCENARIO_SAMPLES",
    "SECONDS",
    "SEED",
    "SHARE",
    "TEU_BATCH",
    "THETA",
    "TOP",
    "VOLUME",
    "YEAR",
    "Bound",
    "check_finite",
]

#: the largest integer any input may hold (a signed 64-bit integer)
MAX_INT = 2**63 - 1
#: the years a scenario, a closure, a demand table or ``--year`` may name
MIN_YEAR, MAX_YEAR = 1900, 2100
#: rows of one table of a dataset folder
MAX_ROWS = 200_000
#: bytes of one file of a dataset folder
MAX_FILE_BYTES = 64 * 1024 * 1024
#: characters of one cell of a dataset table
MAX_CELL_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Bound:
    """The closed range ``[low, high]`` a number must fall in; ``name`` is how messages call it."""

    name: str
    low: float
    high: float
    integer: bool = False
    #: the low end is excluded (a positive number)
    low_open: bool = False

    def describe(self) -> str:
        low = f"> {_fmt(self.low)}" if self.low_open else f">= {_fmt(self.low)}"
        kind = "an integer" if self.integer else "a finite number"
        return f"{kind} {low} and <= {_fmt(self.high)}"

    def check(self, value: Any, what: str | None = None) -> Any:
        """``value`` if it is within the bound; otherwise :class:`InvalidOptionError` naming the bound."""
        label = what or self.name
        if self.integer:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok:
            below = value <= self.low if self.low_open else value < self.low
            ok = not below and value <= self.high
        if not ok:
            raise InvalidOptionError(f"{label}={_short(value)} is out of range: {self.name} is {self.describe()}.")
        return value

    def typer(self) -> dict[str, Any]:
        """Keyword arguments of ``typer.Option``: click's range for integers, a check of floats (NaN passes click's)."""
        if self.integer:
            return {"min": int(self.low), "max": int(self.high)}
        return {"callback": self._option_callback}

    def _option_callback(self, ctx: Any, param: Any, value: float | None) -> float | None:
        """Typer's callback of a float option (context, parameter and value, found by position)."""
        import typer

        if value is None:
            return None
        try:
            return float(self.check(value, param.opts[0] if param is not None and param.opts else None))
        except InvalidOptionError as error:
            raise typer.BadParameter(str(error)) from None

    def query(self) -> dict[str, Any]:
        """Keyword arguments of FastAPI's ``Query`` (and pydantic's ``Field``)."""
        out: dict[str, Any] = {"le": self.high}
        out["gt" if self.low_open else "ge"] = self.low
        if not self.integer:
            out["allow_inf_nan"] = False
        else:
            out = {k: int(v) for k, v in out.items()}
        return out


def _fmt(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() and abs(value) < 1e18 else f"{value:g}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else f"{text[:12]}...({len(text)} characters)"


def check_finite(value: float, what: str) -> float:
    """``value`` if finite, else :class:`InvalidOptionError` naming ``what``."""
    if not math.isfinite(value):
        raise InvalidOptionError(f"{what}={value} is not a finite number.")
    return value


#: shipments simulated by ``corridor simulate`` (the service's max_job_samples may be lower)
SAMPLES = Bound("samples", 1, 10_000_000, integer=True)
#: shipments per corridor of a scenario run or sweep
SCENARIO_SAMPLES = Bound("scenario_samples", 120, 1_000_000, integer=True)
#: the K best routes
ALTERNATIVES = Bound("alternatives", 1, 50, integer=True)
#: a fleet of ferries evaluated by ``corridor fleet``
FERRIES = Bound("ferries", 1, 200, integer=True)
#: independent runs pooled by ``corridor fleet``
REPLICATIONS = Bound("replications", 1, 1_000, integer=True)
#: random seeds
SEED = Bound("seed", 0, 2**32 - 1, integer=True)
#: iterations of an assignment
ITERATIONS = Bound("iterations", 1, 1_000_000, integer=True)
#: the logit's cost sensitivity, per USD a tonne
THETA = Bound("theta", 0.0, 10.0, low_open=True)
#: scale of the nests of a nested logit
NEST_SCALE = Bound("nest_scale", 0.0, 1.0, low_open=True)
#: relative gap of an assignment
GAP = Bound("gap", 0.0, 1.0, low_open=True)
#: cargo units of a trip
QUANTITY = Bound("quantity", 0.0, 1e9, low_open=True)
#: factors on demand and capacities
DEMAND_SCALE = Bound("demand_scale", 0.0, 1e3)
CAPACITY_SCALE = Bound("capacity_scale", 0.0, 1e3, low_open=True)
#: a quantity in a scenario or a sweep (``6 Mt``, ``USD 250``), in the dataset's unit of its field
QUANTITY_VALUE = Bound("quantity value", -1e15, 1e15)
#: tail drivers, bottlenecks and other rows listed
TOP = Bound("top", 1, 10_000, integer=True)
#: a year named on the command line or in a query
YEAR = Bound("year", MIN_YEAR, MAX_YEAR, integer=True)
#: a year of the modelled grid whose CO2e intensity electric rail takes (``--grid-year``; the power layer's years)
GRID_YEAR = Bound("grid_year", 2000, 2060, integer=True)
#: runs listed, and skipped
LIST_LIMIT = Bound("limit", 1, 100_000, integer=True)
OFFSET = Bound("offset", 0, 10**9, integer=True)
#: money per unit in a generalized cost (value of time per FEU-hour, carbon price per t CO2e)
MONEY_RATE = Bound("usd rate", 0.0, 1e7)
#: an annual volume (TEU or Mt) asked of the fleet and oil models
VOLUME = Bound("volume", 0.0, 1e9)
#: a share of a volume (0 to 1)
SHARE = Bound("share", 0.0, 1.0)
#: TEU per wagon slot or per block train
TEU_BATCH = Bound("teu per batch", 0.0, 1e4, low_open=True)
#: days simulated by the fleet model
DAYS = Bound("days", 1.0, 3_650.0)
#: hours: a target wait, a deadline
HOURS = Bound("hours", 0.0, 1e6, low_open=True)
#: seconds an assignment may run
SECONDS = Bound("seconds", 0.0, 1e6, low_open=True)
#: factors of toll and distance in a TNTP generalized cost
FACTOR = Bound("factor", 0.0, 1e6)

#: every bound by name (documented in docs/api.md, "Limits")
BOUNDS: dict[str, Bound] = {
    b.name: b
    for b in (
        SAMPLES,
        SCENARIO_SAMPLES,
        ALTERNATIVES,
        FERRIES,
        REPLICATIONS,
        SEED,
        ITERATIONS,
        THETA,
        NEST_SCALE,
        GAP,
        QUANTITY,
        DEMAND_SCALE,
        CAPACITY_SCALE,
        QUANTITY_VALUE,
        TOP,
        YEAR,
        GRID_YEAR,
        LIST_LIMIT,
        OFFSET,
        MONEY_RATE,
        VOLUME,
        TEU_BATCH,
        DAYS,
        HOURS,
        SECONDS,
        FACTOR,
        SHARE,
    )
}
