"""Record types of the power layer (nodes, plants, lines, demand, hourly profiles) and of the rail fleets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor.dataset.fields import (
    FiniteFloat,
    Flag,
    FloatList,
    Id,
    OptFiniteFloat,
    OptStr,
    Record,
    StrList,
    check_country,
    check_date,
    check_range,
    check_subset,
)
from corridor.dataset.vocab import COUNTRIES
from corridor.errors import Problem

__all__ = [
    "POWER_ROW_NOUNS",
    "POWER_TABLES",
    "SEASONS",
    "TECHNOLOGIES",
    "PowerDemand",
    "PowerLine",
    "PowerNode",
    "PowerPlant",
    "PowerProfile",
    "RailFleet",
    "check_power_tables",
    "in_service",
]

#: generation technologies of power_plants.csv
TECHNOLOGIES = ("coal", "gas", "oil", "nuclear", "hydro", "wind", "solar")
#: the typical days of a year, in order
SEASONS = ("winter", "spring", "summer", "autumn")
#: states of a plant or a line; "proposed" ones are left out unless asked for
STATUSES = ("operational", "construction", "planned", "proposed")


def in_service(status: str, online: str | None, year: int, *, proposed: bool = False) -> bool:
    """Whether a plant or line of ``status`` that comes ``online`` (a date, or None) runs in ``year``.

    Operational ones run unless they come online after ``year``; ones being built or planned run from the year of
    their date (without one they are left out); proposed ones only when ``proposed`` is asked for."""
    first = None if online is None else int(online[:4])
    if status == "operational":
        return first is None or first <= year
    if status == "proposed" and not proposed:
        return False
    return first is not None and first <= year


class PowerNode(Record):
    """A node of the power layer: a national grid (copper plate) or a market that takes exports at a price."""

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = Field(default_factory=list)
    kind: Literal["grid", "market"]
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: OptStr = None
    price_usd_per_mwh: OptFiniteFloat = Field(default=None, ge=0)
    price_low_usd_per_mwh: OptFiniteFloat = Field(default=None, ge=0)
    price_high_usd_per_mwh: OptFiniteFloat = Field(default=None, ge=0)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @model_validator(mode="after")
    def _consistent(self) -> PowerNode:
        if self.kind == "market" and self.price_usd_per_mwh is None:
            raise ValueError("price_usd_per_mwh: a market needs the price its imports earn (USD/MWh)")
        if self.kind == "grid" and self.price_usd_per_mwh is not None:
            raise ValueError("price_usd_per_mwh: only markets have a price; a grid's prices come from the dispatch")
        if self.price_usd_per_mwh is not None:
            check_range(self, "price_usd_per_mwh", "price_low_usd_per_mwh", "price_high_usd_per_mwh")
        return self


class PowerPlant(Record):
    """A plant or an aggregate fleet of one technology at a grid node, with its availability profile, marginal
    cost and life-cycle CO2e per kWh; in service from ``online`` (see :func:`in_service`)."""

    id: Id
    name: str = Field(min_length=1)
    node: str
    technology: Literal["coal", "gas", "oil", "nuclear", "hydro", "wind", "solar"]
    capacity_mw: FiniteFloat = Field(ge=0)
    capacity_low_mw: OptFiniteFloat = Field(default=None, ge=0)
    capacity_high_mw: OptFiniteFloat = Field(default=None, ge=0)
    status: Literal["operational", "construction", "planned", "proposed"]
    online: OptStr = None
    profile: str = Field(min_length=1)
    marginal_cost_usd_per_mwh: FiniteFloat = Field(ge=0)
    co2e_g_per_kwh: FiniteFloat = Field(ge=0)

    @field_validator("online")
    @classmethod
    def _online(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> PowerPlant:
        check_range(self, "capacity_mw", "capacity_low_mw", "capacity_high_mw")
        if self.status in ("construction", "planned") and self.online is None:
            raise ValueError(f"online: a {self.status} plant needs the date it is to come online")
        return self


class PowerLine(Record):
    """An interconnector between two power nodes, both ways: its transfer capacity, length, losses, cost and the
    date it is (to be) ready."""

    id: Id
    name: str = Field(min_length=1)
    from_: str = Field(alias="from")
    to: str
    kind: Literal["ac", "hvdc"]
    submarine: Flag = False
    capacity_mw: FiniteFloat = Field(gt=0)
    capacity_low_mw: OptFiniteFloat = Field(default=None, gt=0)
    capacity_high_mw: OptFiniteFloat = Field(default=None, gt=0)
    length_km: OptFiniteFloat = Field(default=None, gt=0)
    loss_fraction: FiniteFloat = Field(default=0.0, ge=0, lt=1)
    cost_usd_m: OptFiniteFloat = Field(default=None, ge=0)
    cost_low_usd_m: OptFiniteFloat = Field(default=None, ge=0)
    cost_high_usd_m: OptFiniteFloat = Field(default=None, ge=0)
    status: Literal["operational", "construction", "planned", "proposed"]
    ready: OptStr = None
    countries: StrList = Field(min_length=1)

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")

    @field_validator("ready")
    @classmethod
    def _ready(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> PowerLine:
        check_range(self, "capacity_mw", "capacity_low_mw", "capacity_high_mw")
        if self.cost_usd_m is not None:
            check_range(self, "cost_usd_m", "cost_low_usd_m", "cost_high_usd_m")
        if self.from_ == self.to:
            raise ValueError(f"to: a line cannot start and end at {self.to!r}")
        if self.status in ("construction", "planned") and self.ready is None:
            raise ValueError(f"ready: a {self.status} line needs the date it is to be ready")
        return self


class PowerDemand(Record):
    """A grid node's electricity consumption in a year (TWh) and the hourly profile that spreads it."""

    id: Id
    node: str
    year: int = Field(ge=1990, le=2100)
    energy_twh: FiniteFloat = Field(gt=0)
    energy_low_twh: OptFiniteFloat = Field(default=None, gt=0)
    energy_high_twh: OptFiniteFloat = Field(default=None, gt=0)
    profile: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> PowerDemand:
        check_range(self, "energy_twh", "energy_low_twh", "energy_high_twh")
        return self


class PowerProfile(Record):
    """One typical day of a profile: 24 hourly values (capacity factors from 0 to 1, or load relative to the
    year's mean) and the number of days of the year it stands for."""

    id: Id
    profile: Id
    kind: Literal["capacity_factor", "demand"]
    season: Literal["winter", "spring", "summer", "autumn"]
    days: FiniteFloat = Field(gt=0, le=366)
    values: FloatList = Field(min_length=24, max_length=24)

    @model_validator(mode="after")
    def _consistent(self) -> PowerProfile:
        if min(self.values) < 0:
            raise ValueError(f"values: hourly values cannot be negative, got {min(self.values):g}")
        if self.kind == "capacity_factor" and max(self.values) > 1:
            raise ValueError(f"values: a capacity factor is at most 1, got {max(self.values):g}")
        return self


class RailFleet(Record):
    """A railway's (or a country's operators') fleet of one kind of rolling stock, with the units on order."""

    id: Id
    railway: str = Field(min_length=1)
    country: str
    gauge: Literal["1520", "1435"]
    kind: Literal["locomotive", "electric_locomotive", "diesel_locomotive", "wagon", "flat_wagon", "tank_car"]
    units: FiniteFloat = Field(ge=0)
    units_low: OptFiniteFloat = Field(default=None, ge=0)
    units_high: OptFiniteFloat = Field(default=None, ge=0)
    on_order: FiniteFloat = Field(default=0.0, ge=0)
    order_by: OptStr = None
    share_for_transit: FiniteFloat = Field(default=1.0, gt=0, le=1)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @field_validator("order_by")
    @classmethod
    def _order_by(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> RailFleet:
        check_range(self, "units", "units_low", "units_high")
        if self.on_order > 0 and self.order_by is None:
            raise ValueError("order_by: give the date the units on order are due")
        return self


#: File name of each table of this module, and its record type (registered in ``corridor.dataset.validate``).
POWER_TABLES: dict[str, type[BaseModel]] = {
    "power_nodes.csv": PowerNode,
    "power_profiles.csv": PowerProfile,
    "power_plants.csv": PowerPlant,
    "power_lines.csv": PowerLine,
    "power_demand.csv": PowerDemand,
    "rail_fleet.csv": RailFleet,
}
POWER_ROW_NOUNS = {
    "power_nodes.csv": "power node",
    "power_profiles.csv": "profile day",
    "power_plants.csv": "power plant",
    "power_lines.csv": "power line",
    "power_demand.csv": "power demand record",
    "rail_fleet.csv": "rail fleet record",
}


def check_power_tables(
    rows: Mapping[str, Sequence[tuple[int, object]]], places: set[str], problems: list[Problem]
) -> None:
    """References of the power tables: nodes, places, profiles of the right kind, and every profile's seasons."""
    kinds = _check_profiles(rows, problems)
    nodes = {rec.id: rec for _, rec in rows["power_nodes.csv"] if isinstance(rec, PowerNode)}
    for line, node in rows["power_nodes.csv"]:
        assert isinstance(node, PowerNode)
        if node.place is not None and node.place not in places:
            problems.append(Problem("power_nodes.csv", line, "place", f"unknown place {node.place!r} (see places.csv)"))
    grids = {nid for nid, n in nodes.items() if n.kind == "grid"}
    _check_power_references(rows, nodes, grids, kinds, problems)


def _check_profiles(rows: Mapping[str, Sequence[tuple[int, object]]], problems: list[Problem]) -> dict[str, str]:
    """The kind of each profile; every profile has each season once, and its days add up to a year."""
    kinds: dict[str, str] = {}
    seasons: dict[str, dict[str, float]] = {}
    for line, day in rows["power_profiles.csv"]:
        assert isinstance(day, PowerProfile)
        if kinds.setdefault(day.profile, day.kind) != day.kind:
            problems.append(Problem("power_profiles.csv", line, "kind", f"profile {day.profile!r} mixes kinds"))
        if day.season in seasons.setdefault(day.profile, {}):
            problems.append(Problem("power_profiles.csv", line, "season", f"{day.profile!r} repeats {day.season}"))
        seasons[day.profile][day.season] = day.days
    for profile, days in seasons.items():
        missing = [s for s in SEASONS if s not in days]
        if missing:
            problems.append(Problem("power_profiles.csv", None, "season", f"{profile!r} lacks {', '.join(missing)}"))
        elif abs(sum(days.values()) - 365) > 1.5:
            problems.append(
                Problem("power_profiles.csv", None, "days", f"the days of {profile!r} add up to {sum(days.values()):g}")
            )
    return kinds


def _check_power_references(
    rows: Mapping[str, Sequence[tuple[int, object]]],
    nodes: Mapping[str, PowerNode],
    grids: set[str],
    kinds: Mapping[str, str],
    problems: list[Problem],
) -> None:
    """Plants, lines and demand name nodes and profiles that exist, of the right kind."""

    def known(file: str, line: int, column: str, value: str, valid: set[str] | Mapping[str, str], what: str) -> None:
        if value not in valid:
            name, _, hint = what.partition(" (")
            problems.append(Problem(file, line, column, f"unknown {name} {value!r}" + (f" ({hint}" if hint else "")))

    for line, plant in rows["power_plants.csv"]:
        assert isinstance(plant, PowerPlant)
        known("power_plants.csv", line, "node", plant.node, grids, "grid node (see power_nodes.csv)")
        known("power_plants.csv", line, "profile", plant.profile, kinds, "profile (see power_profiles.csv)")
        if kinds.get(plant.profile) == "demand":
            problems.append(Problem("power_plants.csv", line, "profile", f"{plant.profile!r} is a demand profile"))
    for line, pl in rows["power_lines.csv"]:
        assert isinstance(pl, PowerLine)
        known("power_lines.csv", line, "from", pl.from_, set(nodes), "power node (see power_nodes.csv)")
        known("power_lines.csv", line, "to", pl.to, set(nodes), "power node (see power_nodes.csv)")
    for line, demand in rows["power_demand.csv"]:
        assert isinstance(demand, PowerDemand)
        known("power_demand.csv", line, "node", demand.node, grids, "grid node (see power_nodes.csv)")
        known("power_demand.csv", line, "profile", demand.profile, kinds, "profile (see power_profiles.csv)")
        if kinds.get(demand.profile) == "capacity_factor":
            problems.append(Problem("power_demand.csv", line, "profile", f"{demand.profile!r} is not a demand profile"))
