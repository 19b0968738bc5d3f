"""Routing on the virtual network: shortest paths by one criterion, Pareto sets, k alternatives, corridor comparison.

Every function is pure: a Network and options in, typed results out (see ``corridor.results``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from corridor._graph import ARC_LINK, ARC_MID, VirtualGraph
from corridor._kernels import pareto_paths, shortest_path_arcs
from corridor.costs import Cargo, arc_cost_usd, parse_cargo
from corridor.emissions import TTW, WTW, arc_co2e_kg
from corridor.errors import InvalidOptionError, NoRouteError
from corridor.network import Network
from corridor.results import Comparison, Leg, Route
from corridor.schema import COUNTRIES, FREIGHT_MODES, MODES, PASSAGES

__all__ = ["OBJECTIVES", "Avoid", "alternatives", "blocked_arcs", "compare", "pareto", "parse_avoid", "route"]

Objective = Literal["time", "cost", "co2e", "generalized"]
OBJECTIVES: tuple[str, ...] = ("time", "cost", "co2e", "generalized")


@dataclass(frozen=True, slots=True)
class Avoid:
    """What a route must not touch: countries (ISO codes), passages and modes."""

    countries: frozenset[str] = frozenset()
    passages: frozenset[str] = frozenset()
    modes: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.countries or self.passages or self.modes)

    def describe(self) -> str:
        return ", ".join(sorted(self.countries) + sorted(self.passages) + sorted(self.modes)) or "nothing"


def parse_avoid(items: Iterable[str] | str | None) -> Avoid:
    """Sort avoid tokens into countries, passages and modes (``"RU,IR,suez"`` or ``["RU", "suez"]``).

    Raises
    ------
    InvalidOptionError
        For a token that is none of them, with the valid choices.
    """
    if items is None:
        return Avoid()
    tokens = items.split(",") if isinstance(items, str) else [t for item in items for t in item.split(",")]
    countries, passages, modes = set(), set(), set()
    for raw in tokens:
        token = raw.strip()
        if not token:
            continue
        if token.lower() in PASSAGES:
            passages.add(token.lower())
        elif token.lower() in FREIGHT_MODES:
            modes.add(token.lower())
        elif token.upper() in COUNTRIES and len(token) == 2:
            countries.add(token.upper())
        else:
            raise InvalidOptionError(
                f"Cannot avoid {token!r}: not an ISO country code (e.g. RU, IR), a passage "
                f"({', '.join(PASSAGES)}) or a mode ({', '.join(FREIGHT_MODES)})"
            )
    return Avoid(frozenset(countries), frozenset(passages), frozenset(modes))


def blocked_arcs(graph: VirtualGraph, commodity_index: int, rules: Avoid) -> NDArray[np.bool_]:
    """Arcs a shipment of this commodity may not use: not allowed for it, or touching what ``rules`` avoid."""
    blocked: NDArray[np.bool_] = ~graph.allowed[:, commodity_index]
    country_cols = [i for i, code in enumerate(graph.country_codes) if code in rules.countries]
    if country_cols:
        blocked |= graph.countries[:, country_cols].any(axis=1)
    passage_cols = [PASSAGES.index(p) for p in rules.passages]
    if passage_cols:
        blocked |= graph.passages[:, passage_cols].any(axis=1)
    if rules.modes:
        blocked |= np.isin(graph.mode, [MODES.index(m) for m in rules.modes])
    return blocked


@dataclass(frozen=True, slots=True)
class _Query:
    network: Network
    graph: VirtualGraph
    origin: int  # place index
    destination: int
    cargo: Cargo
    blocked: NDArray[np.bool_]
    hours: NDArray[np.float64]
    cost: NDArray[np.float64]
    co2e: NDArray[np.float64]
    co2e_ttw: NDArray[np.float64]
    value_of_time: float  # USD per hour for the whole shipment
    carbon_price: float  # USD per kg CO2e

    @property
    def source(self) -> int:
        return int(self.graph.source_node[self.origin])

    @property
    def target(self) -> int:
        return int(self.graph.sink_node[self.destination])

    def weights(self, objective: str) -> NDArray[np.float64]:
        if objective == "time":
            w = self.hours
        elif objective == "cost":
            w = self.cost
        elif objective == "co2e":
            w = self.co2e
        else:
            w = self.cost + self.value_of_time * self.hours + self.carbon_price * self.co2e
        out = w.copy()
        out[self.blocked] = np.inf
        return out

    def restricted(self, corridor: str | None) -> NDArray[np.bool_]:
        if corridor is None:
            return self.blocked
        index = self.graph.corridor_ids.index(corridor)
        blocked: NDArray[np.bool_] = self.blocked | ~self.graph.corridors[:, index]
        return blocked


def _prepare(
    network: Network,
    origin: str,
    destination: str,
    *,
    cargo: str,
    quantity: float,
    avoid: Avoid | Iterable[str] | str | None,
    value_of_time_usd_per_hour: float | None,
    carbon_price_usd_per_t: float | None,
) -> _Query:
    start, end = network.place(origin), network.place(destination)
    if start.id == end.id:
        raise InvalidOptionError(f"Origin and destination are the same place ({start.name})")
    unit = parse_cargo(cargo, network.info, quantity=quantity)
    rules = avoid if isinstance(avoid, Avoid) else parse_avoid(avoid)
    for role, place in (("Origin", start), ("Destination", end)):
        if place.country in rules.countries:
            raise NoRouteError(f"{role} {place.name} is in {place.country}, which is to be avoided")
    graph = network.graph
    c = unit.commodity_index
    blocked = blocked_arcs(graph, c, rules)
    vot = (
        network.info.value_of_time_usd_per_feu_hour.value
        if value_of_time_usd_per_hour is None
        else (value_of_time_usd_per_hour)
    )
    carbon = network.info.carbon_price_usd_per_t.value if carbon_price_usd_per_t is None else carbon_price_usd_per_t
    for name, value in (("value of time", vot), ("carbon price", carbon)):
        if not np.isfinite(value) or value < 0:
            raise InvalidOptionError(f"The {name} must be a non-negative number, got {value!r}")
    return _Query(
        network=network,
        graph=graph,
        origin=network.places.index(start),
        destination=network.places.index(end),
        cargo=unit,
        blocked=blocked,
        hours=graph.hours[:, c, 1].copy(),
        cost=arc_cost_usd(graph, unit),
        co2e=arc_co2e_kg(graph, unit, scope=WTW),
        co2e_ttw=arc_co2e_kg(graph, unit, scope=TTW),
        value_of_time=vot * unit.feu_equivalent * unit.quantity,
        carbon_price=carbon / 1000.0,
    )


def _check_objective(optimize: str) -> None:
    if optimize not in OBJECTIVES:
        raise InvalidOptionError(f"Unknown objective {optimize!r}; valid: {', '.join(OBJECTIVES)}")


def _check_corridor(network: Network, corridor: str | None) -> None:
    if corridor is not None and corridor not in network.corridor_ids:
        raise InvalidOptionError(f"Unknown corridor {corridor!r}; valid: {', '.join(network.corridor_ids)}")


def _classify(network: Network, graph: VirtualGraph, arcs: Sequence[int]) -> str:
    """The corridor every link of the route belongs to (links tagged '*' belong to all), else 'mixed'."""
    common: set[str] | None = None
    for a in arcs:
        if graph.kind[a] == ARC_LINK:
            tags = network.links[graph.link[a]].corridors
            if "*" in tags:
                continue
            common = set(tags) if common is None else common & set(tags)
    if common is None:
        return "local"
    for cid in network.corridor_ids:
        if cid in common:
            return cid
    return "mixed"


def _build_route(q: _Query, arcs: Sequence[int], corridor: str | None) -> Route:
    network, graph, c = q.network, q.graph, q.cargo.commodity_index
    places = network.places
    legs: list[Leg] = []
    countries: list[str] = []
    via: list[str] = []

    def visit(code: str) -> None:
        if not countries or countries[-1] != code:
            countries.append(code)

    for a in arcs:
        kind = int(graph.kind[a])
        if kind == ARC_MID:
            continue
        low, typ, high = (float(x) for x in graph.hours[a, c])
        if kind == ARC_LINK:
            link = network.links[graph.link[a]]
            start, end = (link.to, link.from_) if graph.reverse[a] else (link.from_, link.to)
            pa, pz = network.place_by_id[start], network.place_by_id[end]
            service = network.service_of_link.get(link.id)
            factor = network.factor_by_id.get(link.emission_factor or "")
            visit(pa.country)
            for code in link.via_countries:
                visit(code)
            visit(pz.country)
            legs.append(
                Leg(
                    kind="move",
                    from_place=pa.name,
                    to_place=pz.name,
                    from_id=pa.id,
                    to_id=pz.id,
                    mode=link.mode,
                    gauge=link.gauge,
                    distance_km=link.distance_km,
                    hours=typ,
                    hours_low=low,
                    hours_high=high,
                    cost_usd=float(q.cost[a]),
                    co2e_kg=float(q.co2e[a]),
                    co2e_ttw_kg=float(q.co2e_ttw[a]),
                    element=link.id,
                    wait_hours=service.expected_wait_hours if service else 0.0,
                    coordinates=((pa.lon, pa.lat), (pz.lon, pz.lat)),
                    emission_quality=factor.quality if factor else "",
                )
            )
            continue
        rows = [
            network.transfers[i]
            for i in graph.transfers[a]
            if not network.transfers[i].commodities or q.cargo.commodity in network.transfers[i].commodities
        ]
        if not rows and typ == 0 and q.cost[a] == 0:
            continue
        place = places[graph.place[a]]
        kinds = "+".join(dict.fromkeys(row.kind for row in rows)) or "transfer"
        crossing = graph.changes_layer[a] or any(row.kind == "border" for row in rows)
        if crossing and (not via or via[-1] != place.name):
            via.append(place.name)
        qualities = sorted({network.factor_by_id[r.emission_factor].quality for r in rows if r.emission_factor})
        legs.append(
            Leg(
                kind="stop",
                from_place=place.name,
                to_place=place.name,
                from_id=place.id,
                to_id=place.id,
                mode=kinds,
                distance_km=0.0,
                hours=typ,
                hours_low=low,
                hours_high=high,
                cost_usd=float(q.cost[a]),
                co2e_kg=float(q.co2e[a]),
                co2e_ttw_kg=float(q.co2e_ttw[a]),
                element="+".join(row.id for row in rows),
                coordinates=((place.lon, place.lat),),
                emission_quality="+".join(qualities),
            )
        )
    return Route(
        origin=places[q.origin].name,
        destination=places[q.destination].name,
        corridor=corridor or _classify(network, graph, arcs),
        cargo=q.cargo.label,
        quantity=q.cargo.quantity,
        legs=tuple(legs),
        via=tuple(via),
        countries=tuple(countries),
    )


def _no_route(q: _Query, avoid: Avoid | Iterable[str] | str | None, corridor: str | None) -> NoRouteError:
    rules = avoid if isinstance(avoid, Avoid) else parse_avoid(avoid)
    what = f"No {q.cargo.label} route from {q.network.places[q.origin].name} to {q.network.places[q.destination].name}"
    if corridor:
        what += f" on the {corridor} corridor"
    if rules:
        what += f" avoiding {rules.describe()}"
    return NoRouteError(what + ".")


def _weighted(
    network: Network,
    origin: str,
    destination: str,
    *,
    optimize: str,
    corridor: str | None,
    cargo: str,
    quantity: float,
    avoid: Avoid | Iterable[str] | str | None,
    value_of_time_usd_per_hour: float | None,
    carbon_price_usd_per_t: float | None,
) -> tuple[_Query, NDArray[np.float64]]:
    """Check the options, prepare the query and weigh every arc by the objective (inf: not usable)."""
    _check_objective(optimize)
    _check_corridor(network, corridor)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=value_of_time_usd_per_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
    )
    weights = q.weights(optimize)
    if corridor is not None:
        weights[q.restricted(corridor)] = np.inf
    return q, weights


def route(
    network: Network,
    origin: str,
    destination: str,
    *,
    optimize: Objective | str = "generalized",
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridor: str | None = None,
    value_of_time_usd_per_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
) -> Route:
    """The best route by one objective: ``time``, ``cost``, ``co2e`` or ``generalized``.

    Generalized cost = cost_usd + value_of_time x hours + carbon_price x t CO2e (well-to-wheel), with the
    dataset's defaults for value of time (per FEU-hour, scaled to the cargo) and carbon price.

    Raises
    ------
    UnknownPlaceError, InvalidOptionError, NoRouteError
    """
    q, weights = _weighted(
        network,
        origin,
        destination,
        optimize=optimize,
        corridor=corridor,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=value_of_time_usd_per_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
    )
    arcs = shortest_path_arcs(q.graph.indptr, q.graph.head, weights, q.source, q.target)
    if arcs is None:
        raise _no_route(q, avoid, corridor)
    return _build_route(q, arcs, corridor)


def _best_in_corridor(q: _Query, base: NDArray[np.float64], corridor: str | None) -> list[int] | None:
    """Arcs of the least-weight route within ``corridor`` (anywhere for None), or None if there is none."""
    weights = base.copy()
    weights[q.restricted(corridor)] = np.inf
    return shortest_path_arcs(q.graph.indptr, q.graph.head, weights, q.source, q.target)


def compare(
    network: Network,
    origin: str,
    destination: str,
    *,
    optimize: Objective | str = "generalized",
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridors: Sequence[str] | None = None,
    value_of_time_usd_per_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
) -> Comparison:
    """The best route of each corridor, ranked by the objective.

    Corridors with no route under the constraints are listed in ``Comparison.unavailable`` with the reason.
    Raises NoRouteError if no corridor has a route.
    """
    _check_objective(optimize)
    wanted = tuple(corridors) if corridors else network.corridor_ids
    for cid in wanted:
        _check_corridor(network, cid)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=value_of_time_usd_per_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
    )
    base = q.weights(optimize)
    found: list[tuple[float, Route]] = []
    unavailable: dict[str, str] = {}
    for cid in wanted:
        arcs = _best_in_corridor(q, base, cid)
        if arcs is None:
            unavailable[cid] = str(_no_route(q, avoid, cid))
            continue
        found.append((float(base[arcs].sum()), _build_route(q, arcs, cid)))
    if not found:
        raise _no_route(q, avoid, None)
    found.sort(key=lambda item: item[0])
    return Comparison(
        origin=network.places[q.origin].name,
        destination=network.places[q.destination].name,
        cargo=q.cargo.label,
        quantity=q.cargo.quantity,
        optimize=optimize,
        options=tuple(r for _, r in found),
        unavailable=unavailable,
    )


def corridor_paths(
    network: Network,
    origin: str,
    destination: str,
    *,
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    optimize: Objective | str = "generalized",
) -> dict[str, tuple[NDArray[np.int64], Route]]:
    """The best route of every corridor that has one, with its arcs of the virtual network (for flow models).

    A trip that no single corridor covers gets its best route overall under the key ``other``.
    """
    _check_objective(optimize)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=None,
        carbon_price_usd_per_t=None,
    )
    base = q.weights(optimize)
    out: dict[str, tuple[NDArray[np.int64], Route]] = {}
    for cid in network.corridor_ids:
        arcs = _best_in_corridor(q, base, cid)
        if arcs is not None:
            out[cid] = (np.asarray(arcs, dtype=np.int64), _build_route(q, arcs, cid))
    if not out:  # no single corridor covers the trip: the best route overall, as "other"
        arcs = _best_in_corridor(q, base, None)
        if arcs is not None:
            out["other"] = (np.asarray(arcs, dtype=np.int64), _build_route(q, arcs, None))
    return out


def pareto(
    network: Network,
    origin: str,
    destination: str,
    *,
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridor: str | None = None,
    max_labels: int = 2_000_000,
) -> list[Route]:
    """Every route that is Pareto-optimal over (hours, cost USD, kg CO2e), fastest first.

    The search is exact (multi-objective label setting in compiled code); ``max_labels`` bounds its memory.
    """
    _check_corridor(network, corridor)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=None,
        carbon_price_usd_per_t=None,
    )
    blocked = q.restricted(corridor)
    weights = np.column_stack([q.hours, q.cost, q.co2e])
    weights[blocked, 0] = np.inf
    paths, _, truncated = pareto_paths(q.graph.indptr, q.graph.head, weights, q.source, q.target, max_labels=max_labels)
    if truncated:
        raise InvalidOptionError(f"The Pareto search passed max_labels={max_labels}; raise it or narrow the query")
    if not paths:
        raise _no_route(q, avoid, corridor)
    routes = [_build_route(q, arcs, corridor) for arcs in paths]
    return sorted(routes, key=lambda r: (r.hours, r.cost_usd, r.co2e_kg))


def alternatives(
    network: Network,
    origin: str,
    destination: str,
    *,
    k: int = 3,
    optimize: Objective | str = "generalized",
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridor: str | None = None,
    value_of_time_usd_per_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
) -> list[Route]:
    """The ``k`` best routes that differ in at least one link (Yen's algorithm on the virtual network)."""
    if k < 1:
        raise InvalidOptionError(f"k must be at least 1, got {k}")
    q, weights = _weighted(
        network,
        origin,
        destination,
        optimize=optimize,
        corridor=corridor,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_hour=value_of_time_usd_per_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
    )
    g = q.graph
    first = shortest_path_arcs(g.indptr, g.head, weights, q.source, q.target)
    if first is None:
        raise _no_route(q, avoid, corridor)

    def links_of(arcs: Sequence[int]) -> tuple[tuple[int, bool], ...]:
        return tuple((int(g.link[a]), bool(g.reverse[a])) for a in arcs if g.kind[a] == ARC_LINK)

    accepted: list[list[int]] = [first]
    distinct: dict[tuple[tuple[int, bool], ...], list[int]] = {links_of(first): first}
    candidates: list[tuple[float, tuple[int, ...]]] = []
    seen: set[tuple[int, ...]] = {tuple(first)}
    budget = 50 * k  # accepted paths that differ only off the links do not count towards k
    while len(distinct) < k and budget > 0:
        budget -= 1
        prev = accepted[-1]
        nodes = [q.source] + [int(g.head[a]) for a in prev]
        for j in range(len(prev)):
            spur = nodes[j]
            if g.indptr[spur + 1] - g.indptr[spur] <= 1:
                continue  # nowhere else to go from here
            root = prev[:j]
            trial = weights.copy()
            for path in accepted:
                if path[:j] == root:
                    trial[path[j]] = np.inf
            if j:
                trial[np.isin(g.head, nodes[:j])] = np.inf
            spur_arcs = shortest_path_arcs(g.indptr, g.head, trial, spur, q.target)
            if spur_arcs is None:
                continue
            total = tuple(root + spur_arcs)
            if total not in seen:
                seen.add(total)
                heapq.heappush(candidates, (float(weights[list(total)].sum()), total))
        if not candidates:
            break
        _, best = heapq.heappop(candidates)
        accepted.append(list(best))
        distinct.setdefault(links_of(best), list(best))
    return [_build_route(q, arcs, corridor) for arcs in distinct.values()]
