"""Rolling stock: the wagons and locomotives a year's rail flows need, by railway and gauge, against the fleets.

Tonnes on each rail link, each way and by commodity (from the corridor-choice equilibrium), become wagon loads:
containers ride flat wagons (``teu_per_flat_wagon`` TEU of ``payload_t_per_teu`` t), liquid bulk tank cars, dry
bulk open wagons. Where one direction carries more loads than the other, the difference runs back empty. A wagon
is busy while it runs (loaded or empty, at the link's speed) and while it dwells at the ends of a loaded trip, and
is available ``availability`` of the year (the rest is maintenance). By railway (the country whose network a link
is in, and its gauge) and wagon type:

    wagons = (sum over links of (loads + empties) x hours on the link + trips x dwell hours) / (8760 x availability)

where trips are the loaded wagon trips on the railway's busiest link (a trip runs over several links). Trains are
wagon movements over ``wagons_per_train``; a train needs a locomotive while it runs and ``loco_terminal_hours`` at
each end of its run on the railway, and a locomotive works ``loco_availability`` of the year:

    locomotives = (sum over links of trains x hours on the link + train runs x 2 x terminal hours)
                  / (8760 x loco availability)

split between electric and diesel traction by the running hours on links whose emission factor is electric or
not. A wagon's turnaround (days between two loadings) is 365 x wagons x availability / trips. The need is set
against each railway's fleet (rail_fleet.csv) times the share of it that serves the corridor's traffic, and
against the units on order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.power_records import RailFleet

__all__ = ["WAGON_OF", "Railway", "RollingStock", "StockOptions", "rolling_stock"]

#: the wagon that carries each commodity
WAGON_OF = {"container": "flat_wagon", "liquid_bulk": "tank_car", "dry_bulk": "wagon"}
_HOURS = 8760.0


@dataclass(frozen=True, kw_only=True)
class StockOptions:
    """Assumptions of the count (each stated in docs/model.md with its source or as an estimate)."""

    teu_per_flat_wagon: float = 2.0  # an 80 ft flat takes 2 FEU = 4 TEU; the common 60 ft flat 3 TEU; 2 = one FEU
    tank_car_t: float = 60.0
    open_wagon_t: float = 70.0  # KTZ's gondolas carry 70 t (railways-kz-fleet-2024); ADY's 70 t, platforms 72 t
    dwell_hours: float = 48.0  # loading and unloading at the two ends of a loaded trip together (estimate)
    availability: float = 0.9  # share of the year a wagon is not in maintenance (estimate)
    wagons_per_train: float = 57.0  # a 1,520 mm container train of 57 flats (estimate; 71 conventional wagons max)
    loco_terminal_hours: float = 12.0  # at each end of a train's run on the railway (estimate)
    loco_availability: float = 0.75  # share of the year a locomotive can haul (estimate)

    def check(self) -> None:
        """Raises InvalidOptionError for a non-positive size or a share outside (0, 1]."""
        import math

        for name in ("teu_per_flat_wagon", "tank_car_t", "open_wagon_t", "wagons_per_train"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidOptionError(f"{name.replace('_', '-')} must be a positive number, got {value!r}")
        for name in ("dwell_hours", "loco_terminal_hours"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidOptionError(f"{name.replace('_', '-')} must be 0 or more hours, got {value!r}")
        for name in ("availability", "loco_availability"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 1):
                raise InvalidOptionError(
                    f"{name.replace('_', '-')} must be a share above 0 and at most 1, got {value!r}"
                )


@dataclass(frozen=True)
class Railway:
    """What one railway (a country's network of one gauge) needs, and the fleet it has."""

    country: str
    gauge: str
    links: tuple[str, ...]
    route_km: float
    loads: Mapping[str, float]  # wagon type -> loaded wagon trips a year, both ways (on the busiest link)
    empties: Mapping[str, float]  # wagon type -> empty wagon trips a year from the imbalance (the busiest link's)
    wagons: Mapping[str, float]  # wagon type -> wagons needed
    turnaround_days: Mapping[str, float]
    trains: float  # train runs a year on the busiest link, loaded and empty
    locomotives: Mapping[str, float]  # electric / diesel -> needed
    fleet: Mapping[str, float] = field(default_factory=dict)  # kind -> units serving the corridor
    on_order: Mapping[str, float] = field(default_factory=dict)
    fleet_sources: tuple[str, ...] = ()

    def shortfall(self, kind: str, *, with_orders: bool = False) -> float | None:
        """Units of ``kind`` missing (0 if none), or None when the fleet is not known."""
        need = self.need(kind)
        have = _have(self.fleet, kind)
        if have is None:
            return None
        if with_orders:
            have += _have(self.on_order, kind) or 0.0
        return max(need - have, 0.0)

    def need(self, kind: str) -> float:
        if kind == "locomotive":
            return sum(self.locomotives.values())
        if kind in ("electric_locomotive", "diesel_locomotive"):
            return self.locomotives.get(kind.removesuffix("_locomotive"), 0.0)
        if kind == "all_wagons":
            return sum(self.wagons.values())
        return self.wagons.get(kind, 0.0)

    def to_dict(self) -> dict[str, Any]:
        kinds = ("locomotive", "all_wagons", "flat_wagon", "tank_car")
        return {
            "country": self.country,
            "gauge": self.gauge,
            "route_km": round(self.route_km, 1),
            "links": list(self.links),
            "loads": {k: round(v, 1) for k, v in self.loads.items()},
            "empties": {k: round(v, 1) for k, v in self.empties.items()},
            "wagons": {k: round(v, 1) for k, v in self.wagons.items()},
            "turnaround_days": {k: round(v, 2) for k, v in self.turnaround_days.items()},
            "trains": round(self.trains, 1),
            "locomotives": {k: round(v, 2) for k, v in self.locomotives.items()},
            "fleet": {k: round(v, 1) for k, v in self.fleet.items()},
            "on_order": dict(self.on_order),
            "shortfall": {k: _round(self.shortfall(k)) for k in kinds},
            "shortfall_with_orders": {k: _round(self.shortfall(k, with_orders=True)) for k in kinds},
            "fleet_sources": list(self.fleet_sources),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _have(table: Mapping[str, float], kind: str) -> float | None:
    """Units of ``kind`` in a fleet table; wagons of any type count for ``all_wagons`` and locomotives of either
    traction for ``locomotive``."""
    if kind in table:
        return table[kind]
    if kind == "all_wagons" and "wagon" in table:
        return table["wagon"] + sum(v for k, v in table.items() if k in ("flat_wagon", "tank_car"))
    if kind == "locomotive":
        parts = [v for k, v in table.items() if k.endswith("locomotive")]
        return sum(parts) if parts else None
    return None


@dataclass(frozen=True)
class RollingStock:
    """The rolling stock of a year's flows, by railway."""

    year: int
    railways: tuple[Railway, ...]
    options: StockOptions
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "railways": [r.to_dict() for r in self.railways],
            "assumptions": {k: getattr(self.options, k) for k in StockOptions.__dataclass_fields__},
            "notes": list(self.notes),
        }


def rolling_stock(
    network: Network,
    tonnes: Mapping[str, Mapping[str, tuple[float, float]]],
    *,
    year: int,
    options: StockOptions | None = None,
) -> RollingStock:
    """Wagons and locomotives for ``tonnes`` (link id -> commodity -> (tonnes from->to, to->from) a year).

    Raises
    ------
    InvalidOptionError
        For options out of range (see :meth:`StockOptions.check`).
    """
    options = options or StockOptions()
    options.check()
    payload = wagon_payloads(network, options)
    country_of = {p.id: p.country for p in network.places}
    traction = {f.id: ("electric" if f.energy == "electricity" else "diesel") for f in network.emission_factors}
    acc: dict[tuple[str, str], _Tally] = {}
    for link in network.links:
        if link.mode != "rail" or link.id not in tonnes:
            continue
        hours = _link_hours(link)
        tally = acc.setdefault((country_of[link.from_], str(link.gauge or "")), _Tally())
        tally.links.append(link.id)
        tally.km += link.distance_km
        moves = 0.0
        for commodity, (fwd, bwd) in tonnes[link.id].items():
            kind = WAGON_OF[commodity]
            a, b = fwd / payload[commodity], bwd / payload[commodity]
            empty = abs(a - b)
            tally.trips[kind] = max(tally.trips.get(kind, 0.0), a + b)
            tally.empties[kind] = max(tally.empties.get(kind, 0.0), empty)
            tally.wagon_hours[kind] = tally.wagon_hours.get(kind, 0.0) + (a + b + empty) * hours
            moves += a + b + empty
        trains = moves / options.wagons_per_train
        kind = traction.get(link.emission_factor or "", "diesel")
        tally.train_hours[kind] = tally.train_hours.get(kind, 0.0) + trains * hours
        tally.trains = max(tally.trains, trains)
    fleets = _fleets(network)
    railways = []
    for (country, gauge), t in sorted(acc.items()):
        wagons = {
            k: (t.wagon_hours[k] + t.trips[k] * options.dwell_hours) / (_HOURS * options.availability) for k in t.trips
        }
        running = sum(t.train_hours.values())
        terminal = t.trains * 2 * options.loco_terminal_hours
        locos = {
            k: (h + terminal * h / running) / (_HOURS * options.loco_availability)
            for k, h in t.train_hours.items()
            if running > 0
        }
        turnaround = {k: 365 * wagons[k] * options.availability / t.trips[k] for k in wagons if t.trips[k] > 0}
        fleet, order, sources = fleets.get((country, gauge), ({}, {}, ()))
        railways.append(
            Railway(
                country=country,
                gauge=gauge,
                links=tuple(t.links),
                route_km=t.km,
                loads=t.trips,
                empties=t.empties,
                wagons=wagons,
                turnaround_days=turnaround,
                trains=t.trains,
                locomotives=locos,
                fleet=fleet,
                on_order=order,
                fleet_sources=sources,
            )
        )
    railways.sort(key=lambda r: -sum(r.wagons.values()))
    return RollingStock(year=year, railways=tuple(railways), options=options)


@dataclass
class _Tally:
    links: list[str] = field(default_factory=list)
    km: float = 0.0
    trips: dict[str, float] = field(default_factory=dict)  # loaded wagon trips (the busiest link's)
    empties: dict[str, float] = field(default_factory=dict)
    wagon_hours: dict[str, float] = field(default_factory=dict)
    train_hours: dict[str, float] = field(default_factory=dict)
    trains: float = 0.0


def wagon_payloads(network: Network, options: StockOptions) -> dict[str, float]:
    """Tonnes a loaded wagon carries, by commodity."""
    per_teu = network.info.payload_t_per_teu
    teu_t = 10.0 if per_teu is None else float(per_teu.value)
    return {
        "container": options.teu_per_flat_wagon * teu_t,
        "liquid_bulk": options.tank_car_t,
        "dry_bulk": options.open_wagon_t,
    }


def _link_hours(link: Any) -> float:
    if link.hours is not None:
        return float(link.hours)
    if link.speed_kmh:
        return float(link.distance_km) / float(link.speed_kmh)
    raise InvalidOptionError(f"rail link {link.id!r} has neither hours nor speed_kmh (links.csv)")


def _fleets(
    network: Network,
) -> dict[tuple[str, str], tuple[dict[str, float], dict[str, float], tuple[str, ...]]]:
    """Units serving the corridor (fleet x share for transit) and units on order, by country and gauge."""
    out: dict[tuple[str, str], tuple[dict[str, float], dict[str, float], tuple[str, ...]]] = {}
    for rec in network.rail_fleet:
        fleet, order, sources = out.get((rec.country, rec.gauge), ({}, {}, ()))
        fleet[rec.kind] = fleet.get(rec.kind, 0.0) + _serving(rec)
        if rec.on_order:
            order[rec.kind] = order.get(rec.kind, 0.0) + rec.on_order * rec.share_for_transit
        out[(rec.country, rec.gauge)] = (fleet, order, tuple(dict.fromkeys((*sources, *rec.source))))
    return out


def _serving(rec: RailFleet) -> float:
    return rec.units * rec.share_for_transit
