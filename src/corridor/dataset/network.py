"""The Network: places, links, transfers and services of one dataset; immutable, validated, compiled once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.dataset.layer_records import FiberLink, FiberNode, FiberRtt, OilLink, OilNode
from corridor.dataset.observation_records import Observation, YearChange
from corridor.dataset.power_records import PowerDemand, PowerLine, PowerNode, PowerPlant, PowerProfile, RailFleet
from corridor.dataset.project_records import Project
from corridor.dataset.records import (
    Berth,
    Capacity,
    Corridor,
    DatasetInfo,
    Delay,
    DemandRecord,
    EmissionFactor,
    Link,
    Place,
    Service,
    Source,
    Transfer,
    Weather,
)
from corridor.dataset.tariff_records import BulkTariff
from corridor.dataset.trade_records import Gdp, GdpGrowth, TonnesPerUsd, Trade, TradeMix, TradeRegion, TradeShare
from corridor.errors import UnknownPlaceError
from corridor.names import normalize_name

if TYPE_CHECKING:
    from corridor.dataset.validate import Tables

__all__ = ["DEFAULT_DATASET", "Network"]

DEFAULT_DATASET = Path(__file__).parents[1] / "data" / "eurasia"


@dataclass(frozen=True)
class Network:
    """A validated multimodal network. Build it with :func:`load_network` or ``network_from_csv``.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> network.place("Aktau").country, len(network.places) > 50
    ('KZ', True)
    """

    info: DatasetInfo
    sources: tuple[Source, ...]
    corridors: tuple[Corridor, ...]
    emission_factors: tuple[EmissionFactor, ...]
    places: tuple[Place, ...]
    links: tuple[Link, ...]
    transfers: tuple[Transfer, ...]
    services: tuple[Service, ...] = ()
    capacities: tuple[Capacity, ...] = ()
    demand: tuple[DemandRecord, ...] = ()
    weather: tuple[Weather, ...] = ()
    delays: tuple[Delay, ...] = ()
    berths: tuple[Berth, ...] = ()
    oil_nodes: tuple[OilNode, ...] = ()
    oil_links: tuple[OilLink, ...] = ()
    fiber_nodes: tuple[FiberNode, ...] = ()
    fiber_links: tuple[FiberLink, ...] = ()
    fiber_rtt: tuple[FiberRtt, ...] = ()
    observations: tuple[Observation, ...] = ()
    changes: tuple[YearChange, ...] = ()
    #: the investments the dataset knows (projects.csv), appraised by ``corridor.appraisal``
    projects: tuple[Project, ...] = ()
    # the trade model that generates demand by year (corridor.model.trade)
    trade_regions: tuple[TradeRegion, ...] = ()
    trade: tuple[Trade, ...] = ()
    trade_mix: tuple[TradeMix, ...] = ()
    gdp: tuple[Gdp, ...] = ()
    gdp_growth: tuple[GdpGrowth, ...] = ()
    tonnes_per_usd: tuple[TonnesPerUsd, ...] = ()
    trade_shares: tuple[TradeShare, ...] = ()
    # the power layer (corridor.layers.power) and the rail fleets (corridor.reliability.rolling_stock)
    power_nodes: tuple[PowerNode, ...] = ()
    power_profiles: tuple[PowerProfile, ...] = ()
    power_plants: tuple[PowerPlant, ...] = ()
    power_lines: tuple[PowerLine, ...] = ()
    power_demand: tuple[PowerDemand, ...] = ()
    rail_fleet: tuple[RailFleet, ...] = ()
    #: what a tonne of dry or liquid bulk pays by mode and by transfer kind (corridor.model.bulk)
    bulk_tariffs: tuple[BulkTariff, ...] = ()
    path: str | None = field(default=None, compare=False)

    @classmethod
    def from_tables(cls, tables: Tables, *, path: str | None = None) -> Network:
        """Wrap validated tables (see ``corridor.dataset.validate``)."""
        return cls(
            info=tables.info,
            sources=tables.sources,
            corridors=tables.corridors,
            emission_factors=tables.emission_factors,
            places=tables.places,
            links=tables.links,
            transfers=tables.transfers,
            services=tables.services,
            capacities=tables.capacities,
            demand=tables.demand,
            weather=tables.weather,
            delays=tables.delays,
            berths=tables.berths,
            oil_nodes=tables.oil_nodes,
            oil_links=tables.oil_links,
            fiber_nodes=tables.fiber_nodes,
            fiber_links=tables.fiber_links,
            fiber_rtt=tables.fiber_rtt,
            observations=tables.observations,
            changes=tables.changes,
            projects=tables.projects,
            trade_regions=tables.trade_regions,
            trade=tables.trade,
            trade_mix=tables.trade_mix,
            gdp=tables.gdp,
            gdp_growth=tables.gdp_growth,
            tonnes_per_usd=tables.tonnes_per_usd,
            trade_shares=tables.trade_shares,
            power_nodes=tables.power_nodes,
            power_profiles=tables.power_profiles,
            power_plants=tables.power_plants,
            power_lines=tables.power_lines,
            power_demand=tables.power_demand,
            rail_fleet=tables.rail_fleet,
            bulk_tariffs=tables.bulk_tariffs,
            path=path,
        )

    def __repr__(self) -> str:
        return (
            f"Network({self.info.name!r}: {len(self.places)} places, {len(self.links)} links, "
            f"{len(self.transfers)} transfers, {len(self.services)} services)"
        )

    # --- look-ups -------------------------------------------------------------------------------------------

    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        return {place.id: place for place in self.places}

    @cached_property
    def place_index_by_id(self) -> dict[str, int]:
        """Each place's position in :attr:`places` (a dictionary look-up, not a scan comparing every field)."""
        return {place.id: i for i, place in enumerate(self.places)}

    @cached_property
    def link_by_id(self) -> dict[str, Link]:
        return {link.id: link for link in self.links}

    @cached_property
    def source_by_id(self) -> dict[str, Source]:
        return {source.id: source for source in self.sources}

    @cached_property
    def factor_by_id(self) -> dict[str, EmissionFactor]:
        return {factor.id: factor for factor in self.emission_factors}

    @cached_property
    def service_of_link(self) -> dict[str, Service]:
        return {link_id: service for service in self.services for link_id in service.links}

    @cached_property
    def corridor_ids(self) -> tuple[str, ...]:
        return tuple(corridor.id for corridor in self.corridors)

    @cached_property
    def capacity_by_id(self) -> dict[str, Capacity]:
        return {capacity.id: capacity for capacity in self.capacities}

    @cached_property
    def transfer_by_id(self) -> dict[str, Transfer]:
        return {transfer.id: transfer for transfer in self.transfers}

    @cached_property
    def service_by_id(self) -> dict[str, Service]:
        return {service.id: service for service in self.services}

    @cached_property
    def demand_years(self) -> tuple[int, ...]:
        """The years of the demand table, sorted (empty without a demand table)."""
        return tuple(sorted({record.year for record in self.demand}))

    def demand_of_year(self, year: int) -> tuple[DemandRecord, ...]:
        """The demand records of one year (empty if the table has none for it)."""
        return tuple(record for record in self.demand if record.year == year)

    @cached_property
    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for place in self.places:
            for label in (place.id, place.name, *place.aliases):
                names.setdefault(normalize_name(label), place.id)
        return names

    def place(self, name: str) -> Place:
        """The place with this id, name or alias, matched case- and accent-insensitively.

        Raises
        ------
        UnknownPlaceError
            Naming the three closest place names.
        """
        key = normalize_name(name)
        if not key:
            raise UnknownPlaceError(name, [], reason="is empty, or has no letters or digits")
        if key in self._names:
            return self.place_by_id[self._names[key]]
        raise UnknownPlaceError(name, self.closest_places(name))

    def closest_places(self, name: str, n: int = 3) -> list[str]:
        """Names of the ``n`` places whose name or alias is closest to ``name``."""
        key = normalize_name(name)
        ranked: dict[str, float] = {}
        for label, place_id in self._names.items():
            score = difflib.SequenceMatcher(None, key, label).ratio()
            if label.startswith(key) or (key and key in label):
                score += 0.5
            ranked[place_id] = max(ranked.get(place_id, 0.0), score)
        best = sorted(ranked, key=lambda pid: (-ranked[pid], pid))[:n]
        return [self.place_by_id[pid].name for pid in best]

    def search_places(self, text: str = "") -> list[Place]:
        """Places whose id, name, alias, country or UN/LOCODE contains ``text`` (all places for ``""``)."""
        key = normalize_name(text)
        if not key:
            return list(self.places)
        found = []
        for place in self.places:
            labels = (place.id, place.name, place.country, place.locode or "", *place.aliases)
            if any(key in normalize_name(label) for label in labels):
                found.append(place)
        return found
