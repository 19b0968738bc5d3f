"""Routing on the virtual network: the best route by one criterion, and the best of each corridor (comparison).

Sets of routes (Pareto, k alternatives) are in ``corridor.routing.route_sets``; simulated trips and deadlines in
``corridor.routing.timing``.

Every function is pure: a Network and options in, typed results out (see ``corridor.routing.results``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.anyplace import join_places
from corridor.dataset.avoid import Avoid, parse_avoid
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError, NoRouteError
from corridor.model.avoid import blocked_arcs
from corridor.model.costs import Cargo, arc_cost_usd, default_value_of_time_usd_per_t_hour, parse_cargo
from corridor.model.durations import DurationModel, durations_of
from corridor.model.emissions import TTW, WTW, arc_co2e_kg
from corridor.model.graph import ARC_LINK, ARC_MID, VirtualGraph, graph_of
from corridor.reliability.engine import (
    as_datetime,
    percentiles,
    plan_route,
    simulate_hours,
)
from corridor.routing.kernels import TreeCache, shortest_path_arcs
from corridor.routing.results import Comparison, Leg, Route, TransitTime

if TYPE_CHECKING:
    pass

__all__ = [
    "OBJECTIVES",
    "TIMING_SAMPLES",
    "Avoid",
    "blocked_arcs",
    "compare",
    "corridor_paths",
    "grow_default_trees",
    "parse_avoid",
    "route",
    "time_route",
]

Objective = Literal["time", "cost", "co2e", "generalized", "p90"]
OBJECTIVES: tuple[str, ...] = ("time", "cost", "co2e", "generalized", "p90")
#: Monte Carlo samples behind the distribution of a routed trip (P50 within about 0.5% of a 100,000-sample run)
TIMING_SAMPLES = 8192
#: routes tried per corridor for the best 90th percentile (the k fastest by expected time)
P90_CANDIDATES = 4
Depart = date | datetime | str | None


@dataclass(frozen=True, slots=True)
class _Query:
    network: Network
    graph: VirtualGraph
    origin: int  # place index
    destination: int
    cargo: Cargo
    blocked: NDArray[np.bool_]
    hours: NDArray[np.float64]  # expected hours of every arc
    typical: NDArray[np.float64]  # most likely hours of every arc
    durations: DurationModel
    depart: datetime
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
        if objective in ("time", "p90"):
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
    value_of_time_usd_per_t_hour: float | None,
    carbon_price_usd_per_t: float | None,
    depart: Depart = None,
    durations: DurationModel | None = None,
) -> _Query:
    start, end = network.place(origin), network.place(destination)
    instant = as_datetime(depart)
    model = durations_of(network) if durations is None else durations
    if model.network is not network:
        raise InvalidOptionError("The duration model belongs to another network.")
    if start.id == end.id:
        raise InvalidOptionError(f"Origin and destination are the same place ({start.name})")
    unit = parse_cargo(cargo, network.info, quantity=quantity)
    rules = avoid if isinstance(avoid, Avoid) else parse_avoid(avoid)
    for role, place in (("Origin", start), ("Destination", end)):
        if place.country in rules.countries:
            raise NoRouteError(f"{role} {place.name} is in {place.country}, which is to be avoided")
    graph = graph_of(network)
    c = unit.commodity_index
    blocked = blocked_arcs(graph, c, rules)
    # one unit across the API: USD per tonne of goods per hour (the dataset's per-FEU-hour value over an FEU's payload)
    vot = (
        default_value_of_time_usd_per_t_hour(network.info)
        if value_of_time_usd_per_t_hour is None
        else value_of_time_usd_per_t_hour
    )
    carbon = network.info.carbon_price_usd_per_t.value if carbon_price_usd_per_t is None else carbon_price_usd_per_t
    for name, value in (("value of time", vot), ("carbon price", carbon)):
        if not np.isfinite(value) or value < 0:
            raise InvalidOptionError(f"The {name} must be a non-negative number, got {value!r}")
    return _Query(
        network=network,
        graph=graph,
        origin=network.place_index_by_id[start.id],
        destination=network.place_index_by_id[end.id],
        cargo=unit,
        blocked=blocked,
        hours=model.arc_mean_hours(instant.month)[:, c].copy(),
        typical=model.arc_typical_hours()[:, c],
        durations=model,
        depart=instant,
        cost=arc_cost_usd(graph, unit),
        co2e=arc_co2e_kg(graph, unit, scope=WTW),
        co2e_ttw=arc_co2e_kg(graph, unit, scope=TTW),
        value_of_time=vot * unit.payload_t * unit.quantity,
        carbon_price=carbon / 1000.0,
    )


def _joined(
    network: Network, origin: str, destination: str, durations: DurationModel | None
) -> tuple[Network, str, str, DurationModel | None]:
    """The network with places off it joined by road (see ``corridor.dataset.anyplace``), their ids there, and the
    duration model (with the same queueing waits) of that network."""
    joined, start, end = join_places(network, origin, destination)
    if joined is network or durations is None:
        return joined, start, end, durations
    if durations.network is not network:
        raise InvalidOptionError("The duration model belongs to another network.")
    return joined, start, end, durations_of(joined).with_congestion(durations.congestion)


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

    # the arcs' figures read at once, as Python floats (the same values as reading them one by one)
    at = np.asarray(arcs, dtype=np.int64)
    kinds_of, lows, highs = graph.kind[at].tolist(), graph.hours[at, c, 0].tolist(), graph.hours[at, c, 2].tolist()
    typicals, means = q.typical[at].tolist(), q.hours[at].tolist()
    costs, co2es, co2es_ttw = q.cost[at].tolist(), q.co2e[at].tolist(), q.co2e_ttw[at].tolist()
    for i, a in enumerate(arcs):
        kind = kinds_of[i]
        if kind == ARC_MID:
            continue
        low, high, typ, mean = lows[i], highs[i], typicals[i], means[i]
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
                    hours=mean,
                    hours_typical=typ,
                    hours_low=low,
                    hours_high=high,
                    cost_usd=costs[i],
                    co2e_kg=co2es[i],
                    co2e_ttw_kg=co2es_ttw[i],
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
        if not rows and mean == 0 and costs[i] == 0:
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
                hours=mean,
                hours_typical=typ,
                hours_low=low,
                hours_high=high,
                cost_usd=costs[i],
                co2e_kg=co2es[i],
                co2e_ttw_kg=co2es_ttw[i],
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
        commodity=q.cargo.commodity,
        depart=q.depart.isoformat(),
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
    value_of_time_usd_per_t_hour: float | None,
    carbon_price_usd_per_t: float | None,
    depart: Depart,
    durations: DurationModel | None,
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
        value_of_time_usd_per_t_hour=value_of_time_usd_per_t_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
        depart=depart,
        durations=durations,
    )
    weights = q.weights(optimize)
    if corridor is not None:
        weights[q.restricted(corridor)] = np.inf
    return q, weights


def _check_samples(samples: int) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 100 <= samples <= 1_000_000:
        raise InvalidOptionError(f"timing samples must be a whole number from 100 to 1000000, got {samples!r}.")


def time_route(
    network: Network,
    route: Route,
    *,
    depart: Depart = None,
    samples: int = TIMING_SAMPLES,
    seed: int = 0,
    durations: DurationModel | None = None,
) -> Route:
    """The route with its door-to-door time distribution (mean, P10, P50, P90) from ``depart`` attached.

    The distribution is the reliability engine's (the same stages and draws as :func:`simulate`), so a compared
    route and a simulated one agree up to the sampling error.
    """
    _check_samples(samples)
    instant = as_datetime(depart)
    hours = simulate_hours(plan_route(network, route, durations=durations), depart=instant, samples=samples, seed=seed)
    p10, p50, p90 = (float(x) / 24.0 for x in percentiles(hours, (10, 50, 90)))
    timing = TransitTime(
        depart=instant.isoformat(),
        samples=samples,
        seed=seed,
        mean_days=float(hours.mean()) / 24.0,
        p10_days=p10,
        p50_days=p50,
        p90_days=p90,
        typical_days=route.typical_days,
    )
    return replace(route, timing=timing)


def _most_reliable(q: _Query, candidates: Sequence[Route], *, samples: int, seed: int) -> Route:
    """The candidate with the lowest 90th percentile (then median), each timed from the query's departure."""
    timed = [
        time_route(q.network, r, depart=q.depart, samples=samples, seed=seed, durations=q.durations) for r in candidates
    ]
    return min(timed, key=lambda r: (r.p90_days, r.days))


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
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
    depart: Depart = None,
    durations: DurationModel | None = None,
    timing_samples: int = TIMING_SAMPLES,
    seed: int = 0,
) -> Route:
    """The best route by one objective, timed from a departure.

    Routes are chosen on expected values: generalized cost = cost_usd + value of time x tonnes x expected hours +
    carbon price x t CO2e (well-to-wheel); expected hours take the weather of the departure month. ``p90`` picks,
    among the fastest routes by expected time, the one with the lowest simulated 90th percentile. The route comes
    back with its distribution (``Route.timing``) from ``depart``.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    optimize
        ``time``, ``cost``, ``co2e``, ``generalized`` (default) or ``p90``.
    cargo
        ``FEU`` (default), ``TEU``, ``t`` (dry bulk, tonnes) or ``liquid`` (tonnes).
    quantity
        How many units of ``cargo`` are shipped; costs, CO2e and the value of time scale with it.
    avoid
        Countries (ISO codes), passages (``caspian``, ``suez``, ...) or modes to keep out of the route, as a
        comma-separated string, a list or an :class:`Avoid`.
    corridor
        Keep to one corridor (``middle``, ``northern``, ``southern-iran``, ``maritime-suez``, ``maritime-cape``).
    value_of_time_usd_per_t_hour
        Value of time in USD per tonne of goods per hour, the one unit of the whole API; default the dataset's
        (its USD per FEU-hour over an FEU's payload: 0.25 on the embedded dataset).
    carbon_price_usd_per_t
        Carbon price in USD per tonne of CO2e (well-to-wheel) in the generalized cost; default the dataset's.
    depart
        When the shipment leaves: a date, a datetime or an ISO string (default: today). Expected hours take that
        month's weather; the simulated distribution starts there.
    durations
        A duration model of ``network`` to time with (e.g. one with a scenario's queueing waits); default the
        network's own.
    timing_samples
        Shipments simulated to give the route its distribution (``Route.timing``: P50, P90, arrival dates).
    seed
        Random seed of that simulation.

    Returns
    -------
    Route
        The itinerary, leg by leg, with its totals and distribution; ``to_frame()``, ``to_dict()``,
        ``to_geojson()``.

    Raises
    ------
    UnknownPlaceError
        For a place the network and the gazetteer do not know, naming the closest by spelling and distance.
    InvalidOptionError
        For an unknown objective, cargo or corridor, or a negative value of time or carbon price.
    NoRouteError
        When the constraints leave no route, saying which.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> best = corridor.route(network, "Xian", "Duisburg", optimize="time", depart="2025-03-01")
    >>> best.corridor, best.timing is not None
    ('northern', True)
    >>> corridor.route(network, "Xian", "Duisburg", corridor="middle", depart="2025-03-01").corridor
    'middle'
    """
    _check_samples(timing_samples)
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    q, weights = _weighted(
        network,
        origin,
        destination,
        optimize=optimize,
        corridor=corridor,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_t_hour=value_of_time_usd_per_t_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
        depart=depart,
        durations=durations,
    )
    if optimize == "p90":
        candidates = _yen(q, weights, P90_CANDIDATES)
        if not candidates:
            raise _no_route(q, avoid, corridor)
        routes = [_build_route(q, arcs, corridor) for arcs in candidates]
        return _most_reliable(q, routes, samples=timing_samples, seed=seed)
    arcs = shortest_path_arcs(q.graph.indptr, q.graph.head, weights, q.source, q.target)
    if arcs is None:
        raise _no_route(q, avoid, corridor)
    found = _build_route(q, arcs, corridor)
    return time_route(network, found, depart=q.depart, samples=timing_samples, seed=seed, durations=q.durations)


def _best_in_corridor(q: _Query, base: NDArray[np.float64], corridor: str | None) -> list[int] | None:
    """Arcs of the least-weight route within ``corridor`` (anywhere for None), or None if there is none."""
    weights = base.copy()
    weights[q.restricted(corridor)] = np.inf
    return shortest_path_arcs(q.graph.indptr, q.graph.head, weights, q.source, q.target, trees=_trees_of(q.graph))


def grow_default_trees(network: Network, *, depart: Depart = None) -> int:
    """Grow the shortest-path trees of the default comparison (an FEU, generalized cost, the month of ``depart``,
    default today) from every place, one per corridor; returns how many trees the graph keeps then.

    A server does it once at start (``corridor.api.preload.warm``): a comparison from any origin then finds its
    corridors' routes without a search. The trees are those :func:`compare` grows (the same weights, the same key),
    so the answers are the same with them or without.
    """
    ids = [place.id for place in network.places]
    trees = _trees_of(graph_of(network))
    for origin in ids:
        try:
            q = _prepare(
                network,
                origin,
                ids[1] if origin == ids[0] else ids[0],
                cargo="FEU",
                quantity=1.0,
                avoid=None,
                value_of_time_usd_per_t_hour=None,
                carbon_price_usd_per_t=None,
                depart=depart,
            )
        except (InvalidOptionError, NoRouteError):
            continue
        base = q.weights("generalized")
        for cid in network.corridor_ids:
            weights = base.copy()
            weights[q.restricted(cid)] = np.inf
            trees.tree(q.graph.indptr, q.graph.head, weights, q.source)
    return len(trees)


def _trees_of(graph: VirtualGraph) -> TreeCache:
    """The shortest-path trees grown on ``graph``, kept with it (the best route of each corridor from an origin is
    read off the tree of its weights: another destination from the same origin needs no search)."""
    trees = graph.__dict__.get("_trees")
    if trees is None:
        trees = graph.__dict__.setdefault("_trees", TreeCache())
    assert isinstance(trees, TreeCache)
    return trees


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
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
    depart: Depart = None,
    durations: DurationModel | None = None,
    timing_samples: int = TIMING_SAMPLES,
    seed: int = 0,
) -> Comparison:
    """The best route of each corridor, timed from ``depart`` and ranked by the objective.

    Each corridor's route is chosen as :func:`route` chooses (expected values; ``p90`` by the simulated 90th
    percentile). Corridors with no route under the constraints are listed in ``Comparison.unavailable`` with the
    reason.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    optimize
        ``time``, ``cost``, ``co2e``, ``generalized`` (default) or ``p90``: how each corridor's route is chosen and
        the options ranked.
    cargo
        ``FEU`` (default), ``TEU``, ``t`` (dry bulk, tonnes) or ``liquid`` (tonnes).
    quantity
        How many units of ``cargo`` are shipped; costs, CO2e and the value of time scale with it.
    avoid
        Countries (ISO codes), passages (``caspian``, ``suez``, ...) or modes to keep out of the route, as a
        comma-separated string, a list or an :class:`Avoid`.
    corridors
        Compare only these corridors (default: every corridor of the network).
    value_of_time_usd_per_t_hour
        Value of time in USD per tonne of goods per hour, the one unit of the whole API; default the dataset's
        (its USD per FEU-hour over an FEU's payload: 0.25 on the embedded dataset).
    carbon_price_usd_per_t
        Carbon price in USD per tonne of CO2e (well-to-wheel) in the generalized cost; default the dataset's.
    depart
        When the shipment leaves: a date, a datetime or an ISO string (default: today). Expected hours take that
        month's weather; the simulated distribution starts there.
    durations
        A duration model of ``network`` to time with (e.g. one with a scenario's queueing waits); default the
        network's own.
    timing_samples
        Shipments simulated to give the route its distribution (``Route.timing``: P50, P90, arrival dates).
    seed
        Random seed of that simulation.

    Returns
    -------
    Comparison
        One :class:`Route` per corridor in ``options``, best first; ``to_frame()`` gives one row per corridor.

    Raises
    ------
    UnknownPlaceError, InvalidOptionError
        As :func:`route`.
    NoRouteError
        If no corridor has a route.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> comparison = corridor.compare(network, "Xian", "Duisburg", depart="2025-03-01")
    >>> sorted(route.corridor for route in comparison.options)
    ['maritime-cape', 'maritime-suez', 'middle', 'northern', 'southern-iran']
    >>> list(comparison.to_frame().columns[:3])
    ['corridor', 'via', 'days']
    """
    _check_objective(optimize)
    _check_samples(timing_samples)
    wanted = tuple(corridors) if corridors else network.corridor_ids
    for cid in wanted:
        _check_corridor(network, cid)
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_t_hour=value_of_time_usd_per_t_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
        depart=depart,
        durations=durations,
    )
    base = q.weights(optimize)
    found: list[tuple[float, Route]] = []
    unavailable: dict[str, str] = {}
    for cid in wanted:
        if optimize == "p90":
            weights = base.copy()
            weights[q.restricted(cid)] = np.inf
            candidates = _yen(q, weights, P90_CANDIDATES)
            if not candidates:
                unavailable[cid] = str(_no_route(q, avoid, cid))
                continue
            best = _most_reliable(q, [_build_route(q, a, cid) for a in candidates], samples=timing_samples, seed=seed)
            found.append((best.p90_days, best))
            continue
        arcs = _best_in_corridor(q, base, cid)
        if arcs is None:
            unavailable[cid] = str(_no_route(q, avoid, cid))
            continue
        timed = time_route(
            network,
            _build_route(q, arcs, cid),
            depart=q.depart,
            samples=timing_samples,
            seed=seed,
            durations=q.durations,
        )
        found.append((float(base[arcs].sum()), timed))
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
        depart=q.depart.isoformat(),
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
    depart: Depart = None,
    durations: DurationModel | None = None,
) -> dict[str, tuple[NDArray[np.int64], Route]]:
    """The best route of every corridor that has one, with its arcs of the virtual network (for flow models).

    Routes are not timed here (the caller simulates them). A trip that no single corridor covers gets its best
    route overall under the key ``other``.
    """
    _check_objective(optimize)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_t_hour=None,
        carbon_price_usd_per_t=None,
        depart=depart,
        durations=durations,
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


def _yen(q: _Query, weights: NDArray[np.float64], k: int) -> list[list[int]]:
    """Arcs of the ``k`` least-weight routes that differ in at least one link (Yen's algorithm); [] if none."""
    g = q.graph
    first = shortest_path_arcs(g.indptr, g.head, weights, q.source, q.target)
    if first is None:
        return []

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
    return list(distinct.values())
