"""Crude-oil export routes: least-cost allocation of an export volume under capacities (a linear program).

A route is a path of the oil layer from a field to a market: feeder pipelines, a trunk pipeline or a tanker
crossing or rail tank cars, an export terminal, and the tanker leg to the market. Its cost per tonne is the sum of
its legs' tariffs and its terminals' fees. The allocation minimises total cost subject to each leg's open capacity
(capacity less other shippers' use), each terminal's throughput and each field's production, and ships at least
each contracted minimum of the year (take-or-pay); a line idle in that year offers no capacity. Volume that no
route can carry is reported as a shortfall, never dropped silently; contracts no route can honour are an error
that names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, NoRouteError, SolverError
from corridor.layers import match_name

if TYPE_CHECKING:
    from corridor.dataset.layer_records import OilLink, OilNode
    from corridor.dataset.network import Network

__all__ = [
    "DEFAULT_YEAR",
    "Breakeven",
    "Contract",
    "IdleLink",
    "OilAllocation",
    "OilRoute",
    "RouteFlow",
    "allocate_oil",
    "oil_routes",
]

#: routes with more legs than this are not enumerated (the embedded layer's longest has 6)
MAX_LEGS = 10
#: the year whose contracts and idle lines are modelled unless another is asked for (the layer's data are of 2024)
DEFAULT_YEAR = 2024
#: years ``--year`` accepts
YEARS = range(1990, 2101)


@dataclass(frozen=True)
class OilRoute:
    """A path from a field to a market and what a tonne pays on it."""

    name: str
    field: str
    terminal: str
    market: str
    links: tuple[str, ...]
    systems: tuple[str, ...]
    cost_usd_per_t: float
    cost_low_usd_per_t: float
    cost_high_usd_per_t: float
    distance_km: float
    days: float
    countries: tuple[str, ...]


@dataclass(frozen=True)
class RouteFlow:
    """Tonnes allocated to a named route (all its paths together) and how many more it could take."""

    name: str
    volume_mt: float
    cost_usd_per_t: float
    spare_mt: float
    paths: tuple[OilRoute, ...]


@dataclass(frozen=True)
class Breakeven:
    """The tariff of ``system`` at which its best route costs the same as the best route without it."""

    system: str
    route: str
    tariff_usd_per_t: float
    breakeven_usd_per_t: float | None
    against: str
    cheaper_now: bool


@dataclass(frozen=True)
class Contract:
    """A contracted minimum on a leg in the year modelled, what the allocation ships on the leg and what the
    contract costs: the rise in total cost per tonne of minimum (its shadow price, 0 when it does not bind)."""

    link: str
    system: str
    minimum_mt: float
    volume_mt: float
    shadow_usd_per_t: float
    source: tuple[str, ...]
    honoured: bool = True  # False when the leg is avoided: the contract is then left out of the allocation

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "system": self.system,
            "minimum_mt": round(self.minimum_mt, 4),
            "volume_mt": round(self.volume_mt, 4),
            "binding": self.honoured and self.shadow_usd_per_t > 1e-7,
            "shadow_usd_per_t": round(self.shadow_usd_per_t, 2),
            "honoured": self.honoured,
            "source": list(self.source),
        }


@dataclass(frozen=True)
class IdleLink:
    """A leg idle in the year modelled (no capacity offered), with the date it stopped."""

    link: str
    system: str
    since: str
    capacity_mt: float
    source: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "system": self.system,
            "idle_since": self.since,
            "capacity_mt": self.capacity_mt,
            "source": list(self.source),
        }


@dataclass(frozen=True)
class OilAllocation:
    """The least-cost allocation of ``volume_mt`` across routes."""

    volume_mt: float
    allocated_mt: float
    shortfall_mt: float
    routes: tuple[RouteFlow, ...]
    total_cost_usd: float
    binding: tuple[dict[str, Any], ...]
    breakeven: Breakeven | None
    fields: tuple[str, ...]
    avoided: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    year: int = DEFAULT_YEAR
    contracts: tuple[Contract, ...] = ()
    idle: tuple[IdleLink, ...] = ()

    @property
    def spare_capacity_mt(self) -> dict[str, float]:
        return {r.name: r.spare_mt for r in self.routes}

    def to_dict(self) -> dict[str, Any]:
        return {
            "volume_mt": self.volume_mt,
            "year": self.year,
            "routes": [
                {
                    "name": r.name,
                    "volume_mt": round(r.volume_mt, 4),
                    "cost_usd_per_t": round(r.cost_usd_per_t, 2),
                    "cost_low_usd_per_t": round(min(p.cost_low_usd_per_t for p in r.paths), 2),
                    "cost_high_usd_per_t": round(min(p.cost_high_usd_per_t for p in r.paths), 2),
                    "spare_mt": round(r.spare_mt, 4),
                    "terminal": r.paths[0].terminal,
                    "market": r.paths[0].market,
                    "days": round(min(p.days for p in r.paths), 2),
                    "countries": sorted({c for p in r.paths for c in p.countries}),
                    "paths": [
                        {"field": p.field, "links": list(p.links), "cost_usd_per_t": round(p.cost_usd_per_t, 2)}
                        for p in r.paths
                    ],
                }
                for r in self.routes
            ],
            "spare_capacity_mt": {k: round(v, 4) for k, v in self.spare_capacity_mt.items()},
            "allocated_mt": round(self.allocated_mt, 4),
            "shortfall_mt": round(self.shortfall_mt, 4),
            "total_cost_usd": round(self.total_cost_usd, 0),
            "binding": list(self.binding),
            "breakeven": None
            if self.breakeven is None
            else {
                "system": self.breakeven.system,
                "route": self.breakeven.route,
                "tariff_usd_per_t": round(self.breakeven.tariff_usd_per_t, 2),
                "breakeven_usd_per_t": None
                if self.breakeven.breakeven_usd_per_t is None
                else round(self.breakeven.breakeven_usd_per_t, 2),
                "against": self.breakeven.against,
                "cheaper_now": self.breakeven.cheaper_now,
            },
            "contracts": [c.to_dict() for c in self.contracts],
            "idle": [i.to_dict() for i in self.idle],
            "fields": list(self.fields),
            "avoided": list(self.avoided),
            "notes": list(self.notes),
        }


def _node(network: Network, name: str, *, kinds: Iterable[str], what: str) -> OilNode:
    nodes = {n.id: n for n in network.oil_nodes if n.kind in set(kinds)}
    labels = {n.id: [n.name, *n.aliases] for n in nodes.values()}
    return match_name(name, labels, nodes, what)


def _avoid_sets(network: Network, avoid: Sequence[str]) -> tuple[set[str], set[str], set[str], set[str]]:
    """Countries, systems, link ids and node ids named in ``avoid`` (case-insensitive for systems)."""
    countries = {c for link in network.oil_links for c in link.countries}
    systems = {link.system.casefold(): link.system for link in network.oil_links}
    links = {link.id for link in network.oil_links}
    nodes = {n.id for n in network.oil_nodes}
    out: tuple[set[str], set[str], set[str], set[str]] = (set(), set(), set(), set())
    for item in avoid:
        text = item.strip()
        if text.upper() in countries:
            out[0].add(text.upper())
        elif text.casefold() in systems:
            out[1].add(systems[text.casefold()])
        elif text in links:
            out[2].add(text)
        elif text in nodes:
            out[3].add(text)
        else:
            raise InvalidOptionError(
                f"--avoid {text!r} is not a country, system, link or node of the oil layer. Countries: "
                f"{', '.join(sorted(countries))}; systems: {', '.join(sorted(systems.values()))}; or a link or "
                "node id (see oil_links.csv, oil_nodes.csv)."
            )
    return out


def oil_routes(network: Network, *, fields: Sequence[str] | None = None, avoid: Sequence[str] = ()) -> list[OilRoute]:
    """Every route (simple path) from the fields (all, or those named) to a market, cheapest first.

    Raises
    ------
    UnknownElementError
        For a field name that matches no field (the message lists the fields).
    InvalidOptionError
        For an ``avoid`` item that is no country, system, link or node of the layer.
    """
    import networkx as nx

    if not network.oil_nodes:
        raise InvalidOptionError("This dataset has no oil layer (oil_nodes.csv, oil_links.csv).")
    chosen = (
        [_node(network, f, kinds=("field",), what="field") for f in fields]
        if fields
        else [n for n in network.oil_nodes if n.kind == "field"]
    )
    countries, systems, link_ids, node_ids = _avoid_sets(network, avoid)
    nodes = {n.id: n for n in network.oil_nodes}
    graph = nx.MultiDiGraph()
    for link in network.oil_links:
        if (
            set(link.countries) & countries
            or link.system in systems
            or link.id in link_ids
            or {link.from_, link.to} & node_ids
            or nodes[link.from_].country in countries
            or nodes[link.to].country in countries
        ):
            continue
        graph.add_edge(link.from_, link.to, key=link.id, link=link)
    markets = [n.id for n in network.oil_nodes if n.kind == "market" and n.id in graph]
    routes: list[OilRoute] = []
    for f in chosen:
        if f.id not in graph:
            continue
        for path in nx.all_simple_edge_paths(graph, f.id, markets, cutoff=MAX_LEGS):
            legs: list[OilLink] = [graph.edges[u, v, k]["link"] for u, v, k in path]
            routes.append(_route(legs, nodes))
    routes.sort(key=lambda r: (r.cost_usd_per_t, r.name, r.field))
    return routes


def _route(legs: Sequence[OilLink], nodes: Mapping[str, OilNode]) -> OilRoute:
    stops = [legs[0].from_, *(leg.to for leg in legs)]
    fees = sum(nodes[s].fee_usd_per_t for s in stops[1:])
    terminals = [s for s in stops if nodes[s].kind == "terminal"]
    terminal = nodes[terminals[-1]].name if terminals else nodes[stops[-2]].name
    systems = tuple(dict.fromkeys(leg.system for leg in legs if not leg.feeder))
    name = " → ".join(systems) + f" ({terminal})"
    return OilRoute(
        name=name,
        field=legs[0].from_,
        terminal=terminal,
        market=nodes[stops[-1]].name,
        links=tuple(leg.id for leg in legs),
        systems=tuple(leg.system for leg in legs),
        cost_usd_per_t=sum(leg.tariff_usd_per_t for leg in legs) + fees,
        cost_low_usd_per_t=sum(_or(leg.tariff_low_usd_per_t, leg.tariff_usd_per_t) for leg in legs) + fees,
        cost_high_usd_per_t=sum(_or(leg.tariff_high_usd_per_t, leg.tariff_usd_per_t) for leg in legs) + fees,
        distance_km=sum(leg.distance_km for leg in legs),
        days=sum(leg.days or 0.0 for leg in legs),
        countries=tuple(dict.fromkeys(c for leg in legs for c in leg.countries)),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def allocate_oil(
    network: Network,
    volume_mt: float,
    *,
    fields: Sequence[str] | None = None,
    avoid: Sequence[str] = (),
    compete: str = "BTC",
    year: int = DEFAULT_YEAR,
    contracts: bool = True,
    include_idle: bool = False,
) -> OilAllocation:
    """Allocate ``volume_mt`` (Mt a year) from the fields across routes at least total cost under capacities.

    Parameters
    ----------
    fields
        Fields the volume may come from (all fields of the layer if None), each up to its production.
    avoid
        Countries (``RU``), systems (``CPC``), link or node ids the routes must not use.
    compete
        The system whose break-even tariff is reported: the tariff at which its cheapest route costs as much as the
        cheapest route without it.
    year
        The year whose contracted minimums and idle lines apply (capacities, tariffs and production are the
        layer's, of 2024).
    contracts
        Honour the contracted minimums of ``year`` (take-or-pay: at least that much ships on the leg). A contract on
        an avoided leg is left out and reported with ``honoured`` False.
    include_idle
        Offer the capacity of lines idle in ``year`` as if they had restarted.

    Raises
    ------
    InvalidOptionError
        For a negative or non-finite volume, a year out of range, bad ``avoid`` items, or contracted minimums the
        routes cannot carry (the message names the contracts).
    UnknownElementError
        For an unknown field.
    NoRouteError
        When no route is left (everything avoided).
    """
    import math

    if not math.isfinite(volume_mt) or volume_mt < 0:
        raise InvalidOptionError(f"--volume-mt {volume_mt!r}: give a volume of 0 or more (Mt a year)")
    if year not in YEARS:
        raise InvalidOptionError(f"--year {year}: give a year from {YEARS.start} to {YEARS.stop - 1}")
    routes = oil_routes(network, fields=fields, avoid=avoid)
    if not routes:
        raise NoRouteError(
            "No oil route is left from "
            + (", ".join(fields) if fields else "the fields")
            + (f" avoiding {', '.join(avoid)}" if avoid else "")
            + "."
        )
    problem = _Problem.build(network, routes, year=year, contracts=contracts, include_idle=include_idle)
    x, shortfall, duals = problem.solve(volume_mt)
    return problem.allocation(x, shortfall, duals, volume_mt=volume_mt, compete=compete, avoid=avoid)


@dataclass
class _Problem:
    """The allocation LP of one request: a column per route and one for the shortfall; rows for capacities (legs,
    terminals, fields) and for contracted minimums (written as ``-sum x <= -minimum``)."""

    network: Network
    routes: Sequence[OilRoute]
    year: int
    rows: list[list[float]]
    bounds: list[float]
    labels: list[tuple[str, str]]
    minimums: list[tuple[OilLink, float]]
    skipped: list[OilLink]
    idle: list[OilLink]

    @classmethod
    def build(
        cls, network: Network, routes: Sequence[OilRoute], *, year: int, contracts: bool, include_idle: bool
    ) -> _Problem:
        nodes = {n.id: n for n in network.oil_nodes}
        links = {link.id: link for link in network.oil_links}
        problem = cls(network, routes, year, [], [], [], [], [], [])
        used_links = sorted({lid for r in routes for lid in r.links})
        for lid in used_links:
            link = links[lid]
            idle = link.idle_in(year) and not include_idle
            if link.idle_in(year):
                problem.idle.append(link)
            problem.add([1.0 if lid in r.links else 0.0 for r in routes], 0.0 if idle else link.open_mt, ("link", lid))
        for nid in sorted({s for r in routes for s in _stops(r, links)}):
            throughput = nodes[nid].throughput_mt
            if throughput is not None:
                row = [1.0 if nid in _stops(r, links) else 0.0 for r in routes]
                problem.add(row, float(throughput), ("terminal", nid))
        for fid in dict.fromkeys(r.field for r in routes):
            row = [1.0 if r.field == fid else 0.0 for r in routes]
            problem.add(row, float(nodes[fid].production_mt or 0.0), ("field", fid))
        for link in network.oil_links if contracts else ():
            minimum = link.contract_mt(year)
            if minimum <= 0:
                continue
            if link.id not in used_links:
                problem.skipped.append(link)
                continue
            problem.minimums.append((link, minimum))
            problem.add([-1.0 if link.id in r.links else 0.0 for r in routes], -minimum, ("contract", link.id))
        return problem

    def add(self, row: list[float], bound: float, label: tuple[str, str]) -> None:
        self.rows.append([*row, 0.0])  # the shortfall column takes no capacity
        self.bounds.append(bound)
        self.labels.append(label)

    @property
    def costs(self) -> list[float]:
        return [r.cost_usd_per_t for r in self.routes]

    def solve(self, volume_mt: float) -> tuple[Any, float, Any]:
        """Route volumes, shortfall and the duals of the rows (what a unit more of each bound saves)."""
        import numpy as np
        from scipy.optimize import linprog

        penalty = 10.0 * max(self.costs) + 1000.0
        result = linprog(
            np.array([*self.costs, penalty]),
            A_ub=np.array(self.rows),
            b_ub=np.array(self.bounds),
            A_eq=np.ones((1, len(self.routes) + 1)),
            b_eq=np.array([volume_mt]),
            bounds=[(0, None)] * (len(self.routes) + 1),
            method="highs",
        )
        if result.status == 2:
            raise InvalidOptionError(self._infeasible(volume_mt))
        if result.status != 0:
            raise SolverError(f"The oil allocation LP stopped without an optimum: {result.message}")
        x = np.maximum(result.x[: len(self.routes)], 0.0)
        return x, float(max(result.x[-1], 0.0)), -np.asarray(result.ineqlin.marginals)

    def _infeasible(self, volume_mt: float) -> str:
        """Which contracts cannot be honoured, and why (the volume asked, or what the routes can carry)."""
        named = "; ".join(self._contract_label(link, minimum) for link, minimum in self.minimums)
        total = sum(minimum for _, minimum in self.minimums)
        if total > volume_mt + 1e-9:
            return (
                f"The contracted minimums of {self.year} ({named}) add up to {total:g} Mt, more than the "
                f"{volume_mt:g} Mt asked: ask for at least {total:g} Mt, or leave the contracts out (--no-contracts)."
            )
        short = [
            f"{self._contract_label(link, minimum)}: its routes can carry at most {most:.3g} Mt"
            for link, minimum in self.minimums
            if (most := self._most_through(link.id, volume_mt)) < minimum - 1e-9
        ]
        why = "; ".join(short) if short else f"{named}: their routes share capacity"
        return (
            f"The contracted minimums of {self.year} cannot be honoured: {why}. Offer idle lines (--include-idle), "
            "avoid less, or leave the contracts out (--no-contracts)."
        )

    def _contract_label(self, link: OilLink, minimum: float) -> str:
        state = f", idle since {link.idle_since}" if link in self.idle else ""
        return f"{link.system} ({link.id}) {minimum:g} Mt{state}, sources {', '.join(link.contract_source)}"

    def _most_through(self, link_id: str, volume_mt: float) -> float:
        """The most the routes can ship on one leg under the capacities alone (an LP)."""
        import numpy as np
        from scipy.optimize import linprog

        keep = [i for i, (kind, _) in enumerate(self.labels) if kind != "contract"]
        a_ub = np.array([self.rows[i][:-1] for i in keep] + [[1.0] * len(self.routes)])
        b_ub = np.array([self.bounds[i] for i in keep] + [volume_mt])
        result = linprog(
            -np.array([1.0 if link_id in r.links else 0.0 for r in self.routes]),
            A_ub=a_ub,
            b_ub=b_ub,
            bounds=[(0, None)] * len(self.routes),
            method="highs",
        )
        return max(0.0, float(-result.fun)) if result.status == 0 else 0.0

    def allocation(
        self, x: Any, shortfall: float, duals: Any, *, volume_mt: float, compete: str, avoid: Sequence[str]
    ) -> OilAllocation:
        import numpy as np

        routes, links = self.routes, {link.id: link for link in self.network.oil_links}
        used = np.array(self.rows)[:, :-1] @ x
        slack = {label: float(b - u) for label, b, u in zip(self.labels, self.bounds, used, strict=True)}
        binding = tuple(
            {"kind": kind, "element": eid, "shadow_usd_per_t": round(float(d), 2), "capacity_mt": round(b, 4)}
            for (kind, eid), d, b in zip(self.labels, duals, self.bounds, strict=True)
            if kind != "contract" and d > 1e-7 and abs(slack[(kind, eid)]) < 1e-6
        )
        dual = dict(zip(self.labels, duals, strict=True))
        contracts = [
            Contract(
                link.id,
                link.system,
                minimum,
                float(-used[self.labels.index(("contract", link.id))]),
                max(float(dual[("contract", link.id)]), 0.0),
                tuple(link.contract_source),
            )
            for link, minimum in self.minimums
        ]
        contracts += [
            Contract(link.id, link.system, link.contract_mt(self.year), 0.0, 0.0, tuple(link.contract_source), False)
            for link in self.skipped
        ]
        notes = [
            f"The contract of {c.system} ({c.link}, {c.minimum_mt:g} Mt in {self.year}) is not honoured: the leg is "
            "avoided or no route reaches it."
            for c in contracts
            if not c.honoured
        ]
        if shortfall > 1e-9:
            notes.append(
                f"{shortfall:.3f} Mt of the {volume_mt:g} Mt asked cannot be carried: the routes' open capacity "
                "(or the fields' production) is used up."
            )
        return OilAllocation(
            volume_mt=float(volume_mt),
            allocated_mt=float(x.sum()),
            shortfall_mt=shortfall,
            routes=_flows(routes, x, slack, links),
            total_cost_usd=float(x @ np.array(self.costs)) * 1e6,
            binding=binding,
            breakeven=_breakeven(routes, links, compete, used={routes[i].links for i in range(len(x)) if x[i] > 1e-9}),
            fields=tuple(dict.fromkeys(r.field for r in routes)),
            avoided=tuple(avoid),
            notes=tuple(notes),
            year=self.year,
            contracts=tuple(contracts),
            idle=tuple(
                IdleLink(link.id, link.system, str(link.idle_since), link.capacity_mt, tuple(link.source))
                for link in self.idle
            ),
        )


def _flows(
    routes: Sequence[OilRoute], x: Any, slack: Mapping[tuple[str, str], float], links: Mapping[str, OilLink]
) -> tuple[RouteFlow, ...]:
    """Volume, unit cost and spare capacity per named route (its paths together), the largest first."""

    def spare(route: OilRoute) -> float:
        limits = [slack[("link", lid)] for lid in route.links]
        limits += [slack[("terminal", s)] for s in _stops(route, links) if ("terminal", s) in slack]
        limits.append(slack[("field", route.field)])
        return max(min(limits), 0.0)

    by_name: dict[str, list[int]] = {}
    for i, r in enumerate(routes):
        by_name.setdefault(r.name, []).append(i)
    flows = []
    for name, idx in by_name.items():
        volume = float(sum(x[i] for i in idx))
        paths = tuple(routes[i] for i in idx)
        unit = (
            float(sum(x[i] * routes[i].cost_usd_per_t for i in idx) / volume)
            if volume > 1e-9
            else min(p.cost_usd_per_t for p in paths)
        )
        flows.append(RouteFlow(name, volume, unit, max(spare(routes[i]) for i in idx), paths))
    flows.sort(key=lambda f: (-f.volume_mt, f.cost_usd_per_t, f.name))
    return tuple(flows)


def _stops(route: OilRoute, links: Mapping[str, OilLink]) -> list[str]:
    return [links[route.links[0]].from_, *(links[lid].to for lid in route.links)]


def _breakeven(
    routes: Sequence[OilRoute], links: Mapping[str, OilLink], system: str, *, used: set[tuple[str, ...]]
) -> Breakeven | None:
    """Against the dearest route the allocation uses without ``system`` (the first it would give up), or else the
    cheapest route without it."""
    key = system.casefold()
    with_it = [r for r in routes if any(s.casefold() == key for s in r.systems)]
    without = [r for r in routes if all(s.casefold() != key for s in r.systems)]
    if not with_it or not without:
        return None
    best = min(with_it, key=lambda r: r.cost_usd_per_t)
    carrying = [r for r in without if r.links in used]
    other = max(carrying, key=lambda r: r.cost_usd_per_t) if carrying else min(without, key=lambda r: r.cost_usd_per_t)
    tariff = sum(links[lid].tariff_usd_per_t for lid in best.links if links[lid].system.casefold() == key)
    level = tariff - (best.cost_usd_per_t - other.cost_usd_per_t)
    return Breakeven(
        system=next(s for s in best.systems if s.casefold() == key),
        route=best.name,
        tariff_usd_per_t=tariff,
        breakeven_usd_per_t=level if level >= 0 else None,
        against=other.name,
        cheaper_now=best.cost_usd_per_t <= other.cost_usd_per_t,
    )
