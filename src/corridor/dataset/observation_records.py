"""Record types of what the dataset says about the world over time: published observations and changes by year."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from corridor.dataset.fields import FiniteFloat, Id, OptFiniteFloat, OptStr, Record, check_date, check_range

__all__ = [
    "CHANGE_KINDS",
    "OBSERVATION_KINDS",
    "OBSERVATION_UNITS",
    "SCOPE_PREFIXES",
    "Observation",
    "YearChange",
    "parse_years",
]

#: What an observation measures, and the units each kind may be given in.
OBSERVATION_UNITS: dict[str, dict[str, float]] = {
    # factor to the kind's base unit: days, USD a box, tonnes, tonnes, milliseconds
    "transit_days": {"d": 1.0, "h": 1 / 24},
    "rate_usd": {"USD/FEU": 1.0, "USD/TEU": 1.0},
    "volume_t": {"t": 1.0, "kt": 1e3, "Mt": 1e6, "TEU": 1.0},
    "oil_t": {"t": 1.0, "kt": 1e3, "Mt": 1e6},
    "rtt_ms": {"ms": 1.0},
}
OBSERVATION_KINDS = tuple(OBSERVATION_UNITS)
#: What a volume or oil observation counts (``scope`` is PREFIX:ID, or ``crossing:caspian``).
SCOPE_PREFIXES: dict[str, tuple[str, ...]] = {
    "volume_t": ("corridor", "crossing", "port", "port_total", "link"),
    "oil_t": ("oil_link", "oil_kz", "exports"),
    "transit_days": ("door-to-door", "segment", "running", "border"),
    "rate_usd": ("door-to-door", "freight"),
    "rtt_ms": ("via",),
}
CHANGE_KINDS = ("set", "scale", "close")
_YEARS = re.compile(r"^\d{4}(-\d{4})?$")


def parse_years(text: str) -> tuple[int, ...]:
    """The years of ``2022``, ``2021-2023`` or ``2021;2023``; ValueError naming the cell otherwise."""
    years: list[int] = []
    for part in (p.strip() for p in text.split(";")):
        if not _YEARS.match(part):
            raise ValueError(f"{part!r} is not a year or a range of years (2022, 2021-2023, 2021;2023)")
        first, _, last = part.partition("-")
        a, b = int(first), int(last or first)
        if not (1990 <= a <= b <= 2100):
            raise ValueError(f"{part!r}: years run from 1990 to 2100, first before last")
        years.extend(range(a, b + 1))
    return tuple(sorted(set(years)))


class Observation(Record):
    """A published figure the model predicts: what it measures, for which year, its range and what it is for.

    ``value``/``low``/``high`` are in ``unit`` as published; :attr:`base_value` and :attr:`bounds` convert them to
    the kind's base unit (days, USD a box, tonnes or TEU, tonnes, milliseconds).
    """

    id: Id
    kind: Literal["transit_days", "rate_usd", "volume_t", "oil_t", "rtt_ms"]
    origin: OptStr = None
    destination: OptStr = None
    corridor: OptStr = None
    scope: OptStr = None
    year: int = Field(ge=1990, le=2100)
    value: FiniteFloat = Field(gt=0, le=1e12)
    low: OptFiniteFloat = Field(default=None, ge=0, le=1e12)
    high: OptFiniteFloat = Field(default=None, ge=0, le=1e12)
    unit: str
    used_for: Literal["calibration", "validation", "input"]

    @model_validator(mode="after")
    def _consistent(self) -> Observation:
        units = OBSERVATION_UNITS[self.kind]
        if self.unit not in units:
            raise ValueError(f"unit: {self.unit!r} is not a unit of {self.kind}; valid: {', '.join(units)}")
        check_range(self, "value", "low", "high")
        if self.kind in ("transit_days", "rate_usd", "rtt_ms") and not (self.origin and self.destination):
            raise ValueError(f"origin: a {self.kind} observation needs an origin and a destination")
        prefixes = SCOPE_PREFIXES[self.kind]
        if self.kind in ("volume_t", "oil_t") and not self.scope:
            raise ValueError(
                f"scope: a {self.kind} observation needs a scope; valid: {', '.join(p + ':ID' for p in prefixes)}"
            )
        if self.scope and self.scope.split(":", 1)[0] not in prefixes:
            valid = ", ".join(p + (":ID" if self.kind in ("volume_t", "oil_t", "rtt_ms") else "") for p in prefixes)
            raise ValueError(f"scope: {self.scope!r} is not a scope of {self.kind}; valid: {valid}")
        if self.unit == "TEU" and not (self.scope or "").startswith(("corridor:", "crossing:", "port:", "link:")):
            raise ValueError("unit: TEU counts containers of a corridor, crossing, port or link scope")
        return self

    @property
    def factor(self) -> float:
        """Multiplier from ``unit`` to the kind's base unit."""
        return OBSERVATION_UNITS[self.kind][self.unit]

    @property
    def base_value(self) -> float:
        """The value in the kind's base unit."""
        return self.value * self.factor

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The published low and high in the kind's base unit (None where the source gives one figure)."""
        f = self.factor
        return (None if self.low is None else self.low * f, None if self.high is None else self.high * f)


class YearChange(Record):
    """What was different in some years from the dataset as it stands: one field set or scaled, or a closure.

    ``element`` is ``TABLE/ID`` as in a scenario (``capacities/btk-line``); for ``close`` it is ``links/ID``,
    ``passages/NAME`` or ``countries/CODE``. ``value`` carries its unit for ``set`` (``1 Mt``, ``3 /week``) and is
    a plain factor for ``scale``. ``from``/``to`` bound a closure within the year (dates).
    """

    id: Id
    years: str
    change: Literal["set", "scale", "close"]
    element: str
    field: OptStr = None
    value: OptStr = None
    from_: OptStr = Field(default=None, alias="from")
    to: OptStr = None

    model_config = Record.model_config | {"populate_by_name": True}

    @field_validator("years")
    @classmethod
    def _years(cls, value: str) -> str:
        parse_years(value)
        return value

    @field_validator("from_", "to")
    @classmethod
    def _dates(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> YearChange:
        table, _, rid = self.element.partition("/")
        if not table or not rid:
            raise ValueError(f"element: {self.element!r} is not TABLE/ID (e.g. capacities/btk-line)")
        if self.change == "close":
            if table not in ("links", "passages", "countries"):
                raise ValueError(f"element: a closure names links/ID, passages/NAME or countries/CODE, not {table!r}")
            if self.field or self.value:
                raise ValueError("field: a closure takes no field or value, only from and to")
        else:
            if not self.field or not self.value:
                raise ValueError(f"value: a {self.change} change needs a field and a value")
            if self.from_ or self.to:
                raise ValueError(f"from: only a closure has a period; a {self.change} holds for its whole years")
        return self

    @property
    def year_list(self) -> tuple[int, ...]:
        return parse_years(self.years)
