"""Record types of the crude-oil and data layers, whose nodes sit on the places of the freight network."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from corridor.dataset.fields import (
    FiniteFloat,
    Flag,
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

__all__ = ["FiberLink", "FiberNode", "FiberRtt", "OilLink", "OilNode", "check_by_year", "value_in_year"]

#: one entry of a by-year column: ``2023:1.5`` or ``2024-2027:2.2`` (first and last year inclusive)
_BY_YEAR = re.compile(r"^(\d{4})(?:-(\d{4}))?:(\d+(?:\.\d+)?)$")


def check_by_year(values: list[str], column: str) -> list[str]:
    """``values`` if each is ``YEAR:VALUE`` or ``FIRST-LAST:VALUE`` with years in order and not repeated."""
    seen: set[int] = set()
    for value in values:
        match = _BY_YEAR.match(value.replace(" ", ""))
        if not match:
            raise ValueError(f"{column}: {value!r} is not YEAR:MT or FIRST-LAST:MT (e.g. 2023:1.5;2024-2027:2.2)")
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise ValueError(f"{column}: {value!r} ends before it starts")
        years = set(range(first, last + 1))
        if years & seen:
            raise ValueError(f"{column}: {value!r} repeats year {min(years & seen)}")
        seen |= years
    return values


def value_in_year(values: list[str], year: int) -> float | None:
    """The value a by-year column (checked by :func:`check_by_year`) gives ``year``, or None if no entry covers it."""
    for value in values:
        match = _BY_YEAR.match(value.replace(" ", ""))
        if match and int(match[1]) <= year <= int(match[2] or match[1]):
            return float(match[3])
    return None


class OilNode(Record):
    """A node of the crude-oil layer: a field (with its production), a junction, an export terminal or a market.

    ``place`` names the freight network's place at the same spot (Aktau, Batumi, ...), when there is one.
    """

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = Field(default_factory=list)
    kind: Literal["field", "junction", "terminal", "market"]
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: OptStr = None
    production_mt: OptFiniteFloat = Field(default=None, ge=0)
    production_low_mt: OptFiniteFloat = Field(default=None, ge=0)
    production_high_mt: OptFiniteFloat = Field(default=None, ge=0)
    throughput_mt: OptFiniteFloat = Field(default=None, ge=0)
    fee_usd_per_t: FiniteFloat = Field(default=0.0, ge=0)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @model_validator(mode="after")
    def _consistent(self) -> OilNode:
        if self.kind == "field" and self.production_mt is None:
            raise ValueError("production_mt: a field needs its production (Mt a year)")
        if self.kind != "field" and self.production_mt is not None:
            raise ValueError(f"production_mt: only fields produce, this is a {self.kind}")
        if self.production_mt is not None:
            check_range(self, "production_mt", "production_low_mt", "production_high_mt")
        return self


class OilLink(Record):
    """A leg of the crude-oil layer: a pipeline, a tanker crossing or rail tank cars, one way, with the capacity
    open to the crude modelled (``capacity_mt`` less ``other_use_mt``) and the tariff per tonne.

    ``contract_min_mt`` holds the volumes the crude modelled is contracted to ship on the leg (take-or-pay), by
    year (``2023:1.5;2024-2027:2.2``), backed by ``contract_source`` (some of the record's sources). A leg idle
    since ``idle_since`` (the date it stopped) offers no capacity from that year on.
    """

    id: Id
    from_: str = Field(alias="from")
    to: str
    mode: Literal["pipeline", "tanker", "rail"]
    system: str = Field(min_length=1)
    distance_km: FiniteFloat = Field(gt=0)
    days: OptFiniteFloat = Field(default=None, ge=0)
    capacity_mt: FiniteFloat = Field(ge=0)
    capacity_low_mt: OptFiniteFloat = Field(default=None, ge=0)
    capacity_high_mt: OptFiniteFloat = Field(default=None, ge=0)
    other_use_mt: FiniteFloat = Field(default=0.0, ge=0)
    tariff_usd_per_t: FiniteFloat = Field(ge=0)
    tariff_low_usd_per_t: OptFiniteFloat = Field(default=None, ge=0)
    tariff_high_usd_per_t: OptFiniteFloat = Field(default=None, ge=0)
    tariff_as_of: OptStr = None
    countries: StrList = Field(min_length=1)
    feeder: Flag = False
    contract_min_mt: StrList = Field(default_factory=list)
    contract_source: StrList = Field(default_factory=list)
    idle_since: OptStr = None

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")

    @field_validator("contract_min_mt")
    @classmethod
    def _contracts(cls, value: list[str]) -> list[str]:
        return check_by_year(value, "contract_min_mt")

    @field_validator("idle_since")
    @classmethod
    def _idle(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> OilLink:
        check_range(self, "capacity_mt", "capacity_low_mt", "capacity_high_mt")
        check_range(self, "tariff_usd_per_t", "tariff_low_usd_per_t", "tariff_high_usd_per_t")
        if self.other_use_mt > self.capacity_mt:
            raise ValueError(f"other_use_mt: {self.other_use_mt} is more than capacity_mt {self.capacity_mt}")
        if self.from_ == self.to:
            raise ValueError(f"to: a link cannot start and end at {self.to!r}")
        if self.contract_min_mt and not self.contract_source:
            raise ValueError("contract_source: name the sources of the contracted volumes (ids of sources.csv)")
        stray = [s for s in self.contract_source if s not in self.source]
        if stray:
            raise ValueError(f"contract_source: {', '.join(map(repr, stray))} not among the record's sources")
        if self.contract_source and not self.contract_min_mt:
            raise ValueError("contract_min_mt: contract_source is given but no contracted volume")
        return self

    @property
    def open_mt(self) -> float:
        """Capacity open to the crude modelled: capacity less what other shippers use."""
        return self.capacity_mt - self.other_use_mt

    def contract_mt(self, year: int) -> float:
        """The contracted minimum (Mt) of ``year``: 0 when no contract covers it."""
        return value_in_year(self.contract_min_mt, year) or 0.0

    def idle_in(self, year: int) -> bool:
        """True if the leg had stopped by ``year`` (idle from the year it stopped on)."""
        return self.idle_since is not None and year >= int(self.idle_since[:4])


class FiberNode(Record):
    """A node of the data layer: an interconnection hub, a cable landing point or a junction of terrestrial routes."""

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = Field(default_factory=list)
    kind: Literal["hub", "landing", "junction"]
    region: Literal["europe", "turkiye", "caucasus", "central-asia", "russia", "middle-east", "south-asia", "east-asia"]
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: OptStr = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)


class FiberLink(Record):
    """A fiber section between two nodes (both ways): its system, length (given, or great-circle distance times
    ``route_factor``), capacity, status and, when known for the section, its equipment delay one way (otherwise the
    layer's equipment model applies)."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    system: str = Field(min_length=1)
    kind: Literal["terrestrial", "submarine"]
    via: OptStr = None
    length_km: OptFiniteFloat = Field(default=None, gt=0)
    route_factor: OptFiniteFloat = Field(default=None, ge=1)
    capacity_tbps: FiniteFloat = Field(ge=0)
    status: Literal["operational", "planned", "proposed"]
    ready: OptStr = None
    countries: StrList = Field(min_length=1)
    equipment_ms: OptFiniteFloat = Field(default=None, ge=0)

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
    def _consistent(self) -> FiberLink:
        if self.length_km is None and self.route_factor is None:
            raise ValueError("length_km: give length_km, or route_factor to scale the great-circle distance")
        if self.from_ == self.to:
            raise ValueError(f"to: a link cannot start and end at {self.to!r}")
        return self


class FiberRtt(Record):
    """A published round-trip time between two nodes of the data layer: what the latency model is checked against."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    rtt_ms: FiniteFloat = Field(gt=0)
    rtt_low_ms: OptFiniteFloat = Field(default=None, gt=0)
    rtt_high_ms: OptFiniteFloat = Field(default=None, gt=0)
    via: OptStr = None
    path: OptStr = None

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> FiberRtt:
        check_range(self, "rtt_ms", "rtt_low_ms", "rtt_high_ms")
        return self
