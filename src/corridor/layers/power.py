"""Power layer: least-cost dispatch of the corridor's electricity systems over a year of typical days (PyPSA).

Each country's grid is one node (a copper plate); markets (the EU at Constanta, Türkiye) take what the
interconnectors bring at their price. Plants dispatch up to their capacity times their hourly availability
(capacity factors of wind, solar and water; thermal availability), in merit order of marginal cost plus the CO2
price; demand is each node's yearly energy spread by its hourly profile; what cannot be served is shed at the value
of lost load. Each interconnector is two one-way PyPSA links (so that losses never create energy on the way back).
The year is four typical days of 24 hours, each standing for its season's days (``resolution="typical-days"``), or
every hour of the year with each day its season's typical day (``"hourly"``): with no storage or ramping the two give
the same totals. The network is solved by PyPSA with linopy on HiGHS; nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from corridor.dataset.power_records import SEASONS, TECHNOLOGIES, in_service
from corridor.errors import InvalidOptionError, SolverError
from corridor.layers import match_name

if TYPE_CHECKING:
    import numpy as np
    import pypsa
    from numpy.typing import NDArray

    from corridor.dataset.network import Network
    from corridor.dataset.power_records import PowerLine, PowerNode, PowerPlant

__all__ = [
    "DEFAULT_YEAR",
    "RAIL_WH_PER_TKM",
    "LineFlow",
    "PowerResult",
    "PowerSystem",
    "RailFactor",
    "RailLink",
    "electric_rail_factors",
    "power_system",
    "pypsa_network",
    "solve_power",
]

#: the year modelled unless another is asked for
DEFAULT_YEAR = 2030
#: years ``--year`` accepts
YEARS = range(2000, 2061)
#: what unserved load costs, USD/MWh (a penalty that keeps the problem feasible and shows shortage)
VOLL_USD_PER_MWH = 3000.0
#: what moving a MWh over an interconnector costs, USD (keeps flows from circling; well below any price gap)
WHEELING_USD_PER_MWH = 0.5
#: electricity per net tonne-km of an electric freight train (EcoTransIT 2010, as in emission_factors.csv)
RAIL_WH_PER_TKM = 41.5
RESOLUTIONS = ("typical-days", "hourly")
_SOLVED = ("ok", "optimal")


@dataclass(frozen=True)
class PowerSystem:
    """The problem of one year, compiled from the tables: what PyPSA (or any LP) is given.

    ``weights`` are the hours each snapshot stands for; ``availability`` and ``load_mw`` have one row per
    snapshot (columns: ``plants``, ``grids``)."""

    year: int
    resolution: str
    snapshots: tuple[str, ...]
    season_of: tuple[str, ...]
    weights: NDArray[np.float64]
    grids: tuple[PowerNode, ...]
    markets: tuple[PowerNode, ...]
    plants: tuple[PowerPlant, ...]
    availability: NDArray[np.float64]
    lines: tuple[PowerLine, ...]
    load_mw: NDArray[np.float64]
    co2_price_usd_per_t: float = 0.0
    notes: tuple[str, ...] = ()

    def marginal_cost(self, plant: PowerPlant) -> float:
        """Fuel and operating cost plus the CO2 price on the plant's life-cycle CO2e, USD/MWh."""
        return plant.marginal_cost_usd_per_mwh + self.co2_price_usd_per_t * plant.co2e_g_per_kwh / 1000.0


@dataclass(frozen=True)
class LineFlow:
    """Energy over an interconnector in the year, each way, and how often it runs at its limit."""

    line: str
    name: str
    from_: str
    to: str
    capacity_mw: float
    forward_twh: float
    backward_twh: float
    utilisation: float
    hours_at_limit: float
    losses_twh: float
    status: str
    submarine: bool

    @property
    def net_twh(self) -> float:
        return self.forward_twh - self.backward_twh

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "name": self.name,
            "from": self.from_,
            "to": self.to,
            "capacity_mw": self.capacity_mw,
            "forward_twh": round(self.forward_twh, 4),
            "backward_twh": round(self.backward_twh, 4),
            "net_twh": round(self.net_twh, 4),
            "utilisation": round(self.utilisation, 4),
            "hours_at_limit": round(self.hours_at_limit, 1),
            "losses_twh": round(self.losses_twh, 4),
            "status": self.status,
            "submarine": self.submarine,
        }


@dataclass(frozen=True)
class RailFactor:
    """An electric-rail emission factor recomputed from the dispatch's grid intensity of its country."""

    factor: str
    country: str
    node: str
    wtw_g_per_tkm: float
    grid_g_per_kwh: float
    modelled_wtw_g_per_tkm: float
    electrified_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "country": self.country,
            "node": self.node,
            "wtw_g_per_tkm": self.wtw_g_per_tkm,
            "grid_g_per_kwh": round(self.grid_g_per_kwh, 1),
            "modelled_wtw_g_per_tkm": round(self.modelled_wtw_g_per_tkm, 2),
            "electrified_share": round(self.electrified_share, 3),
        }


@dataclass(frozen=True)
class RailLink:
    """The freight CO2e of a tonne over an electric rail link: with the dataset's factor, and with the dispatch's."""

    link: str
    factor: str
    distance_km: float
    dataset_kg_per_t: float
    modelled_kg_per_t: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "factor": self.factor,
            "distance_km": self.distance_km,
            "dataset_kg_per_t": round(self.dataset_kg_per_t, 3),
            "modelled_kg_per_t": round(self.modelled_kg_per_t, 3),
        }


@dataclass(frozen=True)
class PowerResult:
    """The dispatch of one year: flows, curtailment, exports, emissions and prices."""

    year: int
    resolution: str
    objective_usd: float
    flows: tuple[LineFlow, ...]
    generation_twh: Mapping[str, Mapping[str, float]]  # node -> technology -> TWh
    curtailment_twh: Mapping[str, Mapping[str, float]]  # node -> technology -> TWh
    available_twh: Mapping[str, Mapping[str, float]]  # node -> technology (wind, solar, hydro) -> TWh
    demand_twh: Mapping[str, float]
    unserved_twh: Mapping[str, float]
    exports_twh: Mapping[str, float]  # market -> TWh
    export_value_usd: Mapping[str, float]
    emissions_t: Mapping[str, float]  # node -> t CO2e (life cycle)
    intensity_g_per_kwh: Mapping[str, float]  # node -> g CO2e per kWh generated
    price_usd_per_mwh: Mapping[str, float]  # grid node -> load-weighted mean price
    plants: tuple[str, ...]
    lines: tuple[str, ...]
    co2_price_usd_per_t: float = 0.0
    notes: tuple[str, ...] = ()
    rail: tuple[RailFactor, ...] = ()
    rail_links: tuple[RailLink, ...] = ()
    network: Any = field(default=None, repr=False, compare=False)  # the solved pypsa.Network, for export

    @property
    def exports_to_europe_twh(self) -> float:
        return sum(v for k, v in self.exports_twh.items() if k != "tr")

    @property
    def total_emissions_mt(self) -> float:
        return sum(self.emissions_t.values()) / 1e6

    def curtailment_share(self, node: str | None = None) -> float:
        """Curtailed share of the wind, solar and water available (of a node, or of all)."""
        nodes = [node] if node is not None else list(self.available_twh)
        avail = sum(sum(self.available_twh[n].values()) for n in nodes)
        cut = sum(sum(self.curtailment_twh[n].values()) for n in nodes)
        return cut / avail if avail > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        def rounded(table: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
            return {n: {t: round(v, 4) for t, v in row.items()} for n, row in table.items()}

        return {
            "year": self.year,
            "resolution": self.resolution,
            "co2_price_usd_per_t": self.co2_price_usd_per_t,
            "objective_usd": round(self.objective_usd, 0),
            "interconnectors": [f.to_dict() for f in self.flows],
            "generation_twh": rounded(self.generation_twh),
            "curtailment_twh": rounded(self.curtailment_twh),
            "curtailment_share": {n: round(self.curtailment_share(n), 4) for n in self.available_twh},
            "demand_twh": {k: round(v, 4) for k, v in self.demand_twh.items()},
            "unserved_twh": {k: round(v, 4) for k, v in self.unserved_twh.items()},
            "exports_twh": {k: round(v, 4) for k, v in self.exports_twh.items()},
            "export_to_europe_twh": round(self.exports_to_europe_twh, 4),
            "export_value_usd": {k: round(v, 0) for k, v in self.export_value_usd.items()},
            "emissions_mt": {k: round(v / 1e6, 4) for k, v in self.emissions_t.items()},
            "total_emissions_mt": round(self.total_emissions_mt, 4),
            "intensity_g_per_kwh": {k: round(v, 1) for k, v in self.intensity_g_per_kwh.items()},
            "price_usd_per_mwh": {k: round(v, 2) for k, v in self.price_usd_per_mwh.items()},
            "electric_rail": [r.to_dict() for r in self.rail],
            "electric_rail_links": [r.to_dict() for r in self.rail_links],
            "plants": list(self.plants),
            "lines": list(self.lines),
            "notes": list(self.notes),
        }


# --- compiling the tables --------------------------------------------------------------------------------------------


def power_system(
    network: Network,
    *,
    year: int = DEFAULT_YEAR,
    include_proposed: bool = False,
    co2_price_usd_per_t: float = 0.0,
    resolution: Literal["typical-days", "hourly"] = "typical-days",
    avoid: Sequence[str] = (),
) -> PowerSystem:
    """The problem of ``year``: the plants and lines in service that year, the demand and the hourly profiles.

    Parameters
    ----------
    include_proposed
        Also take proposed plants and lines (the Caspian cable, offshore wind) as if built by their date (or now).
    co2_price_usd_per_t
        A price on the plants' life-cycle CO2e, added to their marginal cost.
    resolution
        ``typical-days`` (4 x 24 snapshots weighted by their seasons' days) or ``hourly`` (8,760 snapshots).
    avoid
        Lines or plants (ids or names) left out.

    Raises
    ------
    InvalidOptionError
        For a year out of range, a negative or non-finite CO2 price, an unknown resolution, a dataset without a
        power layer or without demand near the year, or ``avoid`` items that name no line or plant.
    """
    import math

    import numpy as np

    if not network.power_nodes:
        raise InvalidOptionError(
            "This dataset has no power layer (power_nodes.csv, power_plants.csv, power_lines.csv, power_demand.csv)."
        )
    if year not in YEARS:
        raise InvalidOptionError(f"--year {year}: give a year from {YEARS.start} to {YEARS.stop - 1}")
    if not math.isfinite(co2_price_usd_per_t) or co2_price_usd_per_t < 0:
        raise InvalidOptionError(f"--co2-price {co2_price_usd_per_t!r}: give a price of 0 or more (USD per t CO2e)")
    if resolution not in RESOLUTIONS:
        raise InvalidOptionError(f"--resolution {resolution!r}: give one of {', '.join(RESOLUTIONS)}")
    left_out = _avoided(network, avoid)
    grids = tuple(n for n in network.power_nodes if n.kind == "grid")
    markets = tuple(n for n in network.power_nodes if n.kind == "market")
    plants = tuple(
        p
        for p in network.power_plants
        if p.id not in left_out and in_service(p.status, p.online, year, proposed=include_proposed)
    )
    lines = tuple(
        ln
        for ln in network.power_lines
        if ln.id not in left_out and _line_in_service(ln, year, proposed=include_proposed)
    )
    days: dict[str, float] = {d.season: d.days for d in network.power_profiles}
    profile: dict[tuple[str, str], NDArray[np.float64]] = {
        (d.profile, d.season): np.asarray(d.values, dtype=np.float64) for d in network.power_profiles
    }
    if resolution == "typical-days":
        season_of: tuple[str, ...] = tuple(s for s in SEASONS for _ in range(24))
        hour_of = np.tile(np.arange(24), len(SEASONS))
        weights = np.array([days[s] for s in season_of], dtype=np.float64)
        snapshots = tuple(f"{s}-{h:02d}" for s, h in zip(season_of, hour_of, strict=True))
    else:
        day_season = [s for s in SEASONS for _ in range(round(days[s]))]
        day_season = (day_season + [SEASONS[-1]] * 366)[:365]
        season_of = tuple(s for s in day_season for _ in range(24))
        hour_of = np.tile(np.arange(24), 365)
        weights = np.ones(len(season_of), dtype=np.float64)
        snapshots = tuple(f"d{i // 24 + 1:03d}-{i % 24:02d}" for i in range(len(season_of)))

    def series(pid: str) -> NDArray[np.float64]:
        return np.array([profile[(pid, s)][h] for s, h in zip(season_of, hour_of, strict=True)], dtype=np.float64)

    availability = np.column_stack([series(p.profile) for p in plants]) if plants else np.zeros((len(snapshots), 0))
    demand, notes = _demand_of_year(network, grids, year)
    load = np.zeros((len(snapshots), len(grids)))
    for j, node in enumerate(grids):
        if node.id not in demand:
            continue
        twh, pid = demand[node.id]
        shape = series(pid)
        mean = float(shape @ weights) / float(weights.sum())  # the profile averages 1 over the year
        load[:, j] = twh * 1e6 / float(weights.sum()) * shape / mean
    return PowerSystem(
        year=year,
        resolution=resolution,
        snapshots=snapshots,
        season_of=season_of,
        weights=weights,
        grids=grids,
        markets=markets,
        plants=plants,
        availability=availability,
        lines=lines,
        load_mw=load,
        co2_price_usd_per_t=co2_price_usd_per_t,
        notes=tuple(notes),
    )


def _line_in_service(line: PowerLine, year: int, *, proposed: bool) -> bool:
    if line.status == "proposed" and proposed and line.ready is None:
        return True  # a proposed line without a date is taken as built when asked for
    return in_service(line.status, line.ready, year, proposed=proposed)


def _avoided(network: Network, avoid: Sequence[str]) -> set[str]:
    names = {p.id: p.name for p in network.power_plants} | {ln.id: ln.name for ln in network.power_lines}
    labels = {k: [v] for k, v in names.items()}
    ids = {k: k for k in names}
    return {match_name(a, labels, ids, "power line or plant") for a in avoid if a.strip()}


def _demand_of_year(
    network: Network, grids: Sequence[PowerNode], year: int
) -> tuple[dict[str, tuple[float, str]], list[str]]:
    """Each grid's energy of ``year`` (TWh) and its profile: the row of that year, else linear between the rows
    around it; before the first or after the last row, that row's (with a note)."""
    out: dict[str, tuple[float, str]] = {}
    notes: list[str] = []
    for node in grids:
        rows = sorted((d for d in network.power_demand if d.node == node.id), key=lambda d: d.year)
        if not rows:
            notes.append(f"{node.name}: no demand in power_demand.csv; taken as 0.")
            continue
        before = [d for d in rows if d.year <= year]
        after = [d for d in rows if d.year >= year]
        if before and after:
            a, b = before[-1], after[0]
            t = 0.0 if b.year == a.year else (year - a.year) / (b.year - a.year)
            out[node.id] = (a.energy_twh + t * (b.energy_twh - a.energy_twh), a.profile)
        else:
            row = before[-1] if before else after[0]
            out[node.id] = (row.energy_twh, row.profile)
            notes.append(f"{node.name}: no demand row around {year}; the {row.year} row ({row.energy_twh:g} TWh) used.")
    return out, notes


# --- the PyPSA network ------------------------------------------------------------------------------------------------


def _pypsa() -> Any:
    import pypsa

    pypsa.options.api.legacy_string_dtype = False  # pandas 3 string dtype, as PyPSA 2 will keep it
    return pypsa


def pypsa_network(system: PowerSystem) -> pypsa.Network:
    """The PyPSA network of ``system``: buses, loads, generators (plants, unserved load, market sinks) and two
    one-way links per interconnector; snapshot weightings are the hours each snapshot stands for."""
    import numpy as np
    import pandas as pd

    lib = _pypsa()
    n: pypsa.Network = lib.Network()
    n.set_snapshots(list(system.snapshots))
    n.add("Carrier", ["AC", "DC", *TECHNOLOGIES, "unserved", "export"])
    n.snapshot_weightings.loc[:, :] = np.repeat(system.weights[:, None], 3, axis=1)
    for node in (*system.grids, *system.markets):
        n.add("Bus", node.id, x=node.lon, y=node.lat, carrier="AC")
    grid_ids = [g.id for g in system.grids]
    n.add(
        "Load",
        [f"load-{g}" for g in grid_ids],
        bus=grid_ids,
        p_set=pd.DataFrame(system.load_mw, index=n.snapshots, columns=[f"load-{g}" for g in grid_ids]),
    )
    if system.plants:
        names = [p.id for p in system.plants]
        n.add(
            "Generator",
            names,
            bus=[p.node for p in system.plants],
            carrier=[p.technology for p in system.plants],
            p_nom=[p.capacity_mw for p in system.plants],
            marginal_cost=[system.marginal_cost(p) for p in system.plants],
            p_max_pu=pd.DataFrame(system.availability, index=n.snapshots, columns=names),
        )
    peak = system.load_mw.max(axis=0) if system.load_mw.size else np.zeros(len(grid_ids))
    n.add(
        "Generator",
        [f"unserved-{g}" for g in grid_ids],
        bus=grid_ids,
        carrier="unserved",
        p_nom=[float(max(p, 1.0)) for p in peak],
        marginal_cost=VOLL_USD_PER_MWH,
    )
    for market in system.markets:
        inflow = sum(ln.capacity_mw for ln in system.lines if market.id in (ln.from_, ln.to))
        n.add(
            "Generator",
            f"market-{market.id}",
            bus=market.id,
            carrier="export",
            p_nom=float(max(inflow, 1.0)),
            p_min_pu=-1.0,
            p_max_pu=0.0,
            marginal_cost=float(market.price_usd_per_mwh or 0.0),
        )
    for ln in system.lines:
        for suffix, bus0, bus1 in (("fwd", ln.from_, ln.to), ("bwd", ln.to, ln.from_)):
            n.add(
                "Link",
                f"{ln.id}-{suffix}",
                bus0=bus0,
                bus1=bus1,
                carrier="DC" if ln.kind == "hvdc" else "AC",
                p_nom=ln.capacity_mw,
                efficiency=1.0 - ln.loss_fraction,
                marginal_cost=WHEELING_USD_PER_MWH,
                length=ln.length_km or 0.0,
            )
    return n


def solve_power(
    network: Network,
    *,
    year: int = DEFAULT_YEAR,
    include_proposed: bool = False,
    co2_price_usd_per_t: float = 0.0,
    resolution: Literal["typical-days", "hourly"] = "typical-days",
    avoid: Sequence[str] = (),
    threads: int = 1,
) -> PowerResult:
    """Dispatch the power layer of ``year`` at least cost (PyPSA, linopy, HiGHS) and summarise it.

    Options are those of :func:`power_system`; ``threads`` is what HiGHS may use.

    Raises
    ------
    InvalidOptionError
        See :func:`power_system`.
    SolverError
        If HiGHS stops without an optimum.
    """
    system = power_system(
        network,
        year=year,
        include_proposed=include_proposed,
        co2_price_usd_per_t=co2_price_usd_per_t,
        resolution=resolution,
        avoid=avoid,
    )
    n = pypsa_network(system)
    solve_pypsa(n, threads=threads)
    result = summarise(system, n)
    return _with_rail(network, result)


def solve_pypsa(n: pypsa.Network, *, threads: int = 1) -> None:
    """Optimise ``n`` in place with HiGHS (quietly).

    Raises
    ------
    SolverError
        If HiGHS stops without an optimum.
    """
    import logging

    for name in ("linopy", "pypsa", "highspy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with _solver_output_silenced():
        status, condition = n.optimize(
            solver_name="highs",
            solver_options={"threads": threads, "output_flag": False},
            log_to_console=False,
            include_objective_constant=False,
            io_api="direct",
            progress=False,
        )
    if status not in _SOLVED or condition != "optimal":
        raise SolverError(f"The power dispatch stopped without an optimum: {status} ({condition})")


@contextmanager
def _solver_output_silenced() -> Iterator[None]:
    """HiGHS writes its banner to file descriptor 1 from C++: point it at the null device while solving, so that
    the engine prints nothing (and ``--json`` output stays JSON)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def summarise(system: PowerSystem, n: pypsa.Network) -> PowerResult:
    """Flows, generation, curtailment, exports, emissions and prices of the solved network ``n``."""
    import numpy as np

    w = system.weights
    p = n.generators_t.p
    generation: dict[str, dict[str, float]] = {g.id: {} for g in system.grids}
    curtailed: dict[str, dict[str, float]] = {g.id: {} for g in system.grids}
    available: dict[str, dict[str, float]] = {g.id: {} for g in system.grids}
    emissions = dict.fromkeys(generation, 0.0)
    for k, plant in enumerate(system.plants):
        out = np.asarray(p[plant.id], dtype=float)
        mwh = float(out @ w)
        row = generation[plant.node]
        row[plant.technology] = row.get(plant.technology, 0.0) + mwh / 1e6
        emissions[plant.node] += mwh * plant.co2e_g_per_kwh / 1000.0  # MWh x g/kWh = kg; /1000 -> t
        if plant.technology in ("wind", "solar", "hydro"):
            can = float((system.availability[:, k] * plant.capacity_mw) @ w)
            available[plant.node][plant.technology] = available[plant.node].get(plant.technology, 0.0) + can / 1e6
            cut = max(can - mwh, 0.0) / 1e6
            curtailed[plant.node][plant.technology] = curtailed[plant.node].get(plant.technology, 0.0) + cut
    demand = {g.id: float(system.load_mw[:, j] @ w) / 1e6 for j, g in enumerate(system.grids)}
    unserved = {g.id: float(np.asarray(p[f"unserved-{g.id}"], dtype=float) @ w) / 1e6 for g in system.grids}
    exports, value = {}, {}
    for m in system.markets:
        taken = -np.asarray(p[f"market-{m.id}"], dtype=float)
        exports[m.id] = float(taken @ w) / 1e6
        value[m.id] = exports[m.id] * 1e6 * float(m.price_usd_per_mwh or 0.0)
    intensity = {
        g: (emissions[g] * 1e6 / (sum(generation[g].values()) * 1e9) if sum(generation[g].values()) > 0 else 0.0)
        for g in generation
    }  # g per kWh: t x 1e6 g over TWh x 1e9 kWh
    prices = {}
    for j, g in enumerate(system.grids):
        price = np.asarray(n.buses_t.marginal_price[g.id], dtype=float)
        weight = system.load_mw[:, j] * w
        prices[g.id] = float(price @ weight / weight.sum()) if weight.sum() > 0 else float(price @ w / w.sum())
    return PowerResult(
        year=system.year,
        resolution=system.resolution,
        objective_usd=float(n.objective or 0.0),
        flows=tuple(_flow(ln, n, w) for ln in system.lines),
        generation_twh=generation,
        curtailment_twh=curtailed,
        available_twh=available,
        demand_twh=demand,
        unserved_twh=unserved,
        exports_twh=exports,
        export_value_usd=value,
        emissions_t=emissions,
        intensity_g_per_kwh=intensity,
        price_usd_per_mwh=prices,
        plants=tuple(pl.id for pl in system.plants),
        lines=tuple(ln.id for ln in system.lines),
        co2_price_usd_per_t=system.co2_price_usd_per_t,
        notes=system.notes,
        network=n,
    )


def _flow(line: PowerLine, n: pypsa.Network, w: NDArray[np.float64]) -> LineFlow:
    import numpy as np

    fwd = np.asarray(n.links_t.p0[f"{line.id}-fwd"], dtype=float)
    bwd = np.asarray(n.links_t.p0[f"{line.id}-bwd"], dtype=float)
    sent = float((fwd + bwd) @ w)
    at_limit = (np.maximum(fwd, bwd) >= line.capacity_mw * (1 - 1e-6)).astype(float)
    return LineFlow(
        line=line.id,
        name=line.name,
        from_=line.from_,
        to=line.to,
        capacity_mw=line.capacity_mw,
        forward_twh=float(fwd @ w) / 1e6,
        backward_twh=float(bwd @ w) / 1e6,
        utilisation=sent / (line.capacity_mw * float(w.sum())),
        hours_at_limit=float(at_limit @ w),
        losses_twh=sent * line.loss_fraction / 1e6,
        status=line.status,
        submarine=line.submarine,
    )


# --- feedback to the freight model ------------------------------------------------------------------------------------


def electric_rail_factors(network: Network, result: PowerResult) -> tuple[RailFactor, ...]:
    """The electric-rail emission factors of the countries the power layer models, recomputed from the dispatch:
    well-to-wheel g/tkm = ``RAIL_WH_PER_TKM`` x the grid's CO2e per kWh generated; with each country's electrified
    share of the freight network's rail km (links whose factor is electric, over all its rail links)."""
    node_of = {n.country: n.id for n in network.power_nodes if n.kind == "grid"}
    country_of = {p.id: p.country for p in network.places}
    km: dict[str, tuple[float, float]] = {}
    for link in network.links:
        if link.mode != "rail" or country_of.get(link.from_) != country_of.get(link.to):
            continue
        factor = network.factor_by_id.get(link.emission_factor or "")
        electric = factor is not None and factor.energy == "electricity"
        was = km.get(country_of[link.from_], (0.0, 0.0))
        km[country_of[link.from_]] = (was[0] + (link.distance_km if electric else 0.0), was[1] + link.distance_km)
    out = []
    for factor in network.emission_factors:
        if factor.kind != "transport" or factor.energy != "electricity" or not factor.id.startswith("rail-"):
            continue
        country = factor.id.rsplit("-", 1)[-1].upper()
        node = node_of.get(country)
        if node is None or node not in result.intensity_g_per_kwh:
            continue
        grid = result.intensity_g_per_kwh[node]
        electric_km, total = km.get(country, (0.0, 0.0))
        out.append(
            RailFactor(
                factor=factor.id,
                country=country,
                node=node,
                wtw_g_per_tkm=factor.wtw,
                grid_g_per_kwh=grid,
                modelled_wtw_g_per_tkm=RAIL_WH_PER_TKM * grid / 1000.0,
                electrified_share=electric_km / total if total > 0 else 0.0,
            )
        )
    return tuple(out)


def with_grid_factors(network: Network, result: PowerResult) -> Network:
    """``network`` with its electric-rail factors (of the countries modelled) set from the dispatch: the freight
    CO2e of electric lines then follows the power layer's year."""
    import dataclasses

    modelled = {r.factor: r for r in (result.rail or electric_rail_factors(network, result))}
    # not rounded: an electric line's CO2e then moves by exactly the ratio of the grids' intensities
    factors = tuple(
        f.model_copy(update={"wtw": modelled[f.id].modelled_wtw_g_per_tkm}) if f.id in modelled else f
        for f in network.emission_factors
    )
    return dataclasses.replace(network, emission_factors=factors)


def _with_rail(network: Network, result: PowerResult) -> PowerResult:
    import dataclasses

    rail = electric_rail_factors(network, result)
    by_factor = {r.factor: r for r in rail}
    links = tuple(
        RailLink(
            link=link.id,
            factor=r.factor,
            distance_km=link.distance_km,
            dataset_kg_per_t=r.wtw_g_per_tkm * link.distance_km / 1000.0,
            modelled_kg_per_t=r.modelled_wtw_g_per_tkm * link.distance_km / 1000.0,
        )
        for link in network.links
        if link.mode == "rail" and (r := by_factor.get(link.emission_factor or "")) is not None
    )
    return dataclasses.replace(result, rail=rail, rail_links=links)
