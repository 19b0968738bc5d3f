"""Data over fiber: round-trip latency of Europe–Asia routes and the resilience of the network between regions.

Latency: a section's one-way delay is the length of a circuit over it times 4.9 µs per km (light in fiber at about
204,000 km/s) plus its equipment delay; a route's round trip is twice the sum over its sections. A section's cable
length is its published or estimated length or, when only its ends are known, the great-circle distance times its
route factor; a circuit runs ``CIRCUIT_STRETCH`` times the cable (it loops through cities and landing stations).
Equipment: the transponders at the section's two ends, and on land a regeneration site per 1,000 km.

Resilience (networkx max-flow on the sections, each a unit or its capacity in Tbps): the number of
section-disjoint paths and a minimum cut between two hubs or regions, the capacity between them, and what
cutting a section, system or node does to latency and capacity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, NoRouteError, UnknownElementError
from corridor.layers import match_name

if TYPE_CHECKING:
    from corridor.dataset.layer_records import FiberLink, FiberNode
    from corridor.dataset.network import Network

__all__ = [
    "CIRCUIT_STRETCH",
    "FIBER_US_PER_KM",
    "RTT_TOLERANCE",
    "STATUS_LEVELS",
    "Cut",
    "FiberRoute",
    "Latency",
    "Resilience",
    "circuit_km",
    "equipment_ms",
    "great_circle_km",
    "latency",
    "resilience",
    "rtt_checks",
    "section_length_km",
]

FIBER_US_PER_KM = 4.9  # one way, light in silica fiber (group index about 1.47)
TERMINAL_MS = 0.1  # one way per section: the transponders (OEO, FEC) at its two ends, about 50 µs each
REGEN_MS = 0.1  # one way per electrical regeneration site (OEO and FEC), about 100 µs
REGEN_SPAN_KM = 1000.0  # terrestrial sections regenerate about every 1,000 km; submarine ones only amplify
#: circuits are longer than the cables they ride: they leave the shortest path, loop through cities and landing
#: stations. Terrestrial: the TransBaltic Gateway's 8,900 km Frankfurt - China border against 6,844 km of the
#: layer's shortest path between the same ends. Submarine: a circuit rides a system's trunk through its landings;
#: SEA-ME-WE 6 is 19,200 km with all its branches against 14,135 km of the layer's Marseille - Singapore sections
#: (1.36, an upper bound), a single cable such as RJCN 1.0; 1.24 is the value within those bounds that keeps the
#: Suez round trips of fiber_rtt.csv within 10 % (docs/layers.md says so beside them).
CIRCUIT_STRETCH: Mapping[str, float] = MappingProxyType({"terrestrial": 1.30, "submarine": 1.24})
EARTH_RADIUS_KM = 6371.0088
STATUS_LEVELS = ("operational", "planned", "proposed")
MAX_PATHS = 400  # simple paths examined for alternatives
RTT_TOLERANCE = 0.10  # a published round trip is matched within 10 % (its range widened by as much)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on the mean Earth sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def section_length_km(link: FiberLink, nodes: Mapping[str, FiberNode]) -> float:
    """The published length, or the great-circle distance between the ends times the route factor."""
    if link.length_km is not None:
        return float(link.length_km)
    a, b = nodes[link.from_], nodes[link.to]
    return great_circle_km(a.lat, a.lon, b.lat, b.lon) * float(link.route_factor or 1.0)


def circuit_km(link: FiberLink, length_km: float) -> float:
    """The length of a circuit over a section of ``length_km``: the cable's length times ``CIRCUIT_STRETCH``."""
    return length_km * CIRCUIT_STRETCH[link.kind]


def equipment_ms(link: FiberLink, length_km: float) -> float:
    """Equipment delay one way: the section's own figure, or the layer's model (terminals plus a regeneration site
    per ``REGEN_SPAN_KM`` on land; optical amplifiers add about 100 ns each and are left out)."""
    if link.equipment_ms is not None:
        return float(link.equipment_ms)
    sites = math.floor(length_km / REGEN_SPAN_KM) if link.kind == "terrestrial" else 0
    return TERMINAL_MS + REGEN_MS * sites


def _one_way_ms(link: FiberLink, nodes: Mapping[str, FiberNode]) -> float:
    length = section_length_km(link, nodes)
    return circuit_km(link, length) * FIBER_US_PER_KM / 1000.0 + equipment_ms(link, length)


@dataclass(frozen=True)
class FiberRoute:
    """A path of fiber sections between two hubs."""

    via: str
    nodes: tuple[str, ...]
    links: tuple[str, ...]
    systems: tuple[str, ...]
    length_km: float  # of the cables
    rtt_ms: float
    capacity_tbps: float
    status: str
    countries: tuple[str, ...]
    circuit_km: float = 0.0  # of a circuit over them (``CIRCUIT_STRETCH``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "via": self.via,
            "rtt_ms": round(self.rtt_ms, 2),
            "length_km": round(self.length_km, 1),
            "circuit_km": round(self.circuit_km, 1),
            "nodes": list(self.nodes),
            "links": list(self.links),
            "systems": list(self.systems),
            "capacity_tbps": round(self.capacity_tbps, 3),
            "status": self.status,
            "countries": list(self.countries),
        }


@dataclass(frozen=True)
class Latency:
    """The best route between two hubs and the best of each other way (``via``), fastest first."""

    origin: str
    destination: str
    routes: tuple[FiberRoute, ...]
    floor_ms: float  # the great-circle round trip at fiber speed: no route can be faster
    great_circle_km: float
    avoided: tuple[str, ...] = ()
    statuses: tuple[str, ...] = STATUS_LEVELS[:2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "routes": [r.to_dict() for r in self.routes],
            "best_rtt_ms": round(self.routes[0].rtt_ms, 2),
            "floor_rtt_ms": round(self.floor_ms, 2),
            "great_circle_km": round(self.great_circle_km, 1),
            "avoided": list(self.avoided),
            "statuses": list(self.statuses),
        }


@dataclass(frozen=True)
class Cut:
    """What removing some sections does between the two ends."""

    element: str
    links: tuple[str, ...]
    rtt_before_ms: float | None
    rtt_after_ms: float | None
    capacity_before_tbps: float
    capacity_after_tbps: float
    paths_before: int
    paths_after: int

    def to_dict(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 2)

        return {
            "element": self.element,
            "links": list(self.links),
            "rtt_before_ms": r(self.rtt_before_ms),
            "rtt_after_ms": r(self.rtt_after_ms),
            "capacity_before_tbps": round(self.capacity_before_tbps, 3),
            "capacity_after_tbps": round(self.capacity_after_tbps, 3),
            "disjoint_paths_before": self.paths_before,
            "disjoint_paths_after": self.paths_after,
            "disconnected": self.rtt_after_ms is None,
        }


@dataclass(frozen=True)
class Resilience:
    """Section-disjoint paths, minimum cut and capacity between two ends, and the effect of cuts."""

    a: str
    b: str
    disjoint_paths: tuple[FiberRoute, ...]
    min_cut: tuple[str, ...]
    capacity_tbps: float
    capacity_cut: tuple[str, ...]
    best_rtt_ms: float | None
    cuts: tuple[Cut, ...] = ()
    critical: tuple[Cut, ...] = ()
    statuses: tuple[str, ...] = STATUS_LEVELS[:2]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "k_disjoint_paths": len(self.disjoint_paths),
            "disjoint_paths": [p.to_dict() for p in self.disjoint_paths],
            "min_cut": list(self.min_cut),
            "capacity_tbps": round(self.capacity_tbps, 3),
            "capacity_cut": list(self.capacity_cut),
            "best_rtt_ms": None if self.best_rtt_ms is None else round(self.best_rtt_ms, 2),
            "cuts": [c.to_dict() for c in self.cuts],
            "critical": [c.to_dict() for c in self.critical],
            "statuses": list(self.statuses),
        }


# --- lookups -------------------------------------------------------------------------------------------------------


def _nodes(network: Network) -> dict[str, FiberNode]:
    if not network.fiber_nodes:
        raise InvalidOptionError("This dataset has no data layer (fiber_nodes.csv, fiber_links.csv).")
    return {n.id: n for n in network.fiber_nodes}


def _hub(network: Network, name: str) -> FiberNode:
    nodes = _nodes(network)
    return match_name(name, {n.id: [n.name, *n.aliases] for n in nodes.values()}, nodes, "hub")


def _end(network: Network, name: str) -> tuple[str, list[str]]:
    """A region (all its nodes) or one hub: a label and the node ids."""
    key = name.strip().casefold()
    regions = sorted({n.region for n in network.fiber_nodes})
    if key in regions:  # a region's hubs: where its traffic is exchanged
        hubs = [n.id for n in network.fiber_nodes if n.region == key and n.kind == "hub"]
        return key, hubs or [n.id for n in network.fiber_nodes if n.region == key]
    try:
        node = _hub(network, name)
    except UnknownElementError as error:
        raise UnknownElementError(f"{error} Or a region: {', '.join(regions)}.") from None
    return node.name, [node.id]


def _statuses(status: str) -> tuple[str, ...]:
    if status not in STATUS_LEVELS:
        raise InvalidOptionError(f"--status {status!r}: use one of {', '.join(STATUS_LEVELS)}")
    return STATUS_LEVELS[: STATUS_LEVELS.index(status) + 1]


def _sections(
    network: Network, *, avoid: Sequence[str], statuses: Sequence[str], cut: Iterable[str] = ()
) -> list[FiberLink]:
    nodes = _nodes(network)
    countries = {c for link in network.fiber_links for c in link.countries} | {n.country for n in nodes.values()}
    systems = {link.system.casefold() for link in network.fiber_links}
    vias = {link.via.casefold() for link in network.fiber_links if link.via}
    ids = {link.id for link in network.fiber_links}
    drop_countries, drop_systems, drop_vias, drop_ids, drop_nodes = set(), set(), set(), set(), set()
    for item in avoid:
        text = item.strip()
        if text.upper() in countries and len(text) == 2:
            drop_countries.add(text.upper())
        elif text.casefold() in systems:
            drop_systems.add(text.casefold())
        elif text.casefold() in vias:
            drop_vias.add(text.casefold())
        elif text in ids:
            drop_ids.add(text)
        elif text in nodes:
            drop_nodes.add(text)
        else:
            raise InvalidOptionError(
                f"--avoid {text!r} is not a country, system, via, section or node of the data layer. Countries: "
                f"{', '.join(sorted(countries))}; vias: {', '.join(sorted(vias))}; or a system, section or node "
                "(see fiber_links.csv, fiber_nodes.csv)."
            )
    drop_ids |= set(cut)
    out = []
    for link in network.fiber_links:
        if link.status not in statuses or link.id in drop_ids or link.system.casefold() in drop_systems:
            continue
        if link.via and link.via.casefold() in drop_vias:
            continue
        ends = (nodes[link.from_], nodes[link.to])
        if drop_countries & ({*link.countries} | {e.country for e in ends}) or {e.id for e in ends} & drop_nodes:
            continue
        out.append(link)
    return out


def _expanded(sections: Sequence[FiberLink], nodes: Mapping[str, FiberNode]) -> Any:
    """An undirected graph with a node per section between its ends, so parallel sections stay distinct."""
    import networkx as nx

    graph = nx.Graph()
    for link in sections:
        half = _one_way_ms(link, nodes) / 2
        graph.add_edge(link.from_, ("s", link.id), ms=half)
        graph.add_edge(("s", link.id), link.to, ms=half)
    return graph


def _route(path: Sequence[Any], links: Mapping[str, FiberLink], nodes: Mapping[str, FiberNode]) -> FiberRoute:
    ids = [p[1] for p in path if isinstance(p, tuple)]
    hops = [p for p in path if not isinstance(p, tuple)]
    used = [links[i] for i in ids]
    via = " + ".join(dict.fromkeys(link.via for link in used if link.via)) or "direct"
    worst = max((STATUS_LEVELS.index(link.status) for link in used), default=0)
    return FiberRoute(
        via=via,
        nodes=tuple(nodes[h].name for h in hops),
        links=tuple(ids),
        systems=tuple(dict.fromkeys(link.system for link in used)),
        length_km=sum(section_length_km(link, nodes) for link in used),
        rtt_ms=2 * sum(_one_way_ms(link, nodes) for link in used),
        capacity_tbps=min((link.capacity_tbps for link in used), default=0.0),
        status=STATUS_LEVELS[worst],
        countries=tuple(dict.fromkeys([*(nodes[h].country for h in hops), *(c for u in used for c in u.countries)])),
        circuit_km=sum(circuit_km(link, section_length_km(link, nodes)) for link in used),
    )


def latency(
    network: Network,
    origin: str,
    destination: str,
    *,
    avoid: Sequence[str] = (),
    status: str = "planned",
    alternatives: int = 8,
) -> Latency:
    """Round-trip time of the fastest route between two hubs, and of the fastest route of each other way.

    Parameters
    ----------
    avoid
        Countries (``RU``), systems, ways (a ``via`` label such as ``Russia``), sections or nodes not to use.
    status
        Sections used: ``operational`` only, or also ``planned`` (the default: the Caspian line, due end-2026), or
        also ``proposed``.
    alternatives
        Most routes returned (the fastest, then the fastest of each other ``via``).

    Raises
    ------
    UnknownElementError
        For an unknown hub (the message names the closest).
    NoRouteError
        When the hubs are not connected by the sections left.
    """
    import networkx as nx

    nodes = _nodes(network)
    a, b = _hub(network, origin), _hub(network, destination)
    if a.id == b.id:
        raise InvalidOptionError(f"Origin and destination are the same hub ({a.name}).")
    statuses = _statuses(status)
    sections = _sections(network, avoid=avoid, statuses=statuses)
    links = {link.id: link for link in sections}
    graph = _expanded(sections, nodes)
    if a.id not in graph or b.id not in graph or not nx.has_path(graph, a.id, b.id):
        raise NoRouteError(
            f"No fiber route from {a.name} to {b.name}"
            + (f" avoiding {', '.join(avoid)}" if avoid else "")
            + f" with {'/'.join(statuses)} sections."
        )
    best: dict[str, FiberRoute] = {}
    limit = math.inf
    for i, path in enumerate(nx.shortest_simple_paths(graph, a.id, b.id, weight="ms")):
        route = _route(path, links, nodes)
        if i == 0:
            limit = 3.0 * route.rtt_ms  # ways three times slower than the best are no alternative
        if route.rtt_ms > limit or i >= MAX_PATHS:
            break
        best.setdefault(route.via, route)
        if len(best) >= alternatives:
            break
    gc = great_circle_km(a.lat, a.lon, b.lat, b.lon)
    return Latency(
        origin=a.name,
        destination=b.name,
        routes=tuple(sorted(best.values(), key=lambda r: r.rtt_ms)),
        floor_ms=2 * gc * FIBER_US_PER_KM / 1000.0,
        great_circle_km=gc,
        avoided=tuple(avoid),
        statuses=statuses,
    )


# --- resilience ----------------------------------------------------------------------------------------------------

_S, _T = ("end", "a"), ("end", "b")


def _flow_graph(sections: Sequence[FiberLink], a: Sequence[str], b: Sequence[str], *, unit: bool) -> Any:
    """A directed graph for max-flow: each section a node per direction, capacity 1 or its Tbps."""
    import networkx as nx

    g = nx.DiGraph()
    for link in sections:
        cap = 1.0 if unit else float(link.capacity_tbps)
        for u, v, d in ((link.from_, link.to, "+"), (link.to, link.from_, "-")):
            mid = ("s", link.id, d)
            g.add_edge(u, mid, capacity=cap)
            g.add_edge(mid, v, capacity=cap)
    for n in a:
        if n in g:
            g.add_edge(_S, n)  # no capacity attribute: unbounded
    for n in b:
        if n in g:
            g.add_edge(n, _T)
    return g


def _max_flow(sections: Sequence[FiberLink], a: Sequence[str], b: Sequence[str], *, unit: bool) -> tuple[float, Any]:
    import networkx as nx

    g = _flow_graph(sections, a, b, unit=unit)
    if _S not in g or _T not in g:
        return 0.0, (g, {})
    value, flow = nx.maximum_flow(g, _S, _T)
    return float(value), (g, flow)


def _min_cut(sections: Sequence[FiberLink], a: Sequence[str], b: Sequence[str], *, unit: bool) -> tuple[str, ...]:
    import networkx as nx

    g = _flow_graph(sections, a, b, unit=unit)
    if _S not in g or _T not in g:
        return ()
    _, (reach, _rest) = nx.minimum_cut(g, _S, _T)
    cut = set()
    for u, v in g.edges:
        if u in reach and v not in reach:
            for end in (u, v):
                if isinstance(end, tuple) and end[0] == "s":
                    cut.add(end[1])
    return tuple(sorted(cut))


def _disjoint_paths(
    sections: Sequence[FiberLink], a: Sequence[str], b: Sequence[str], nodes: Mapping[str, FiberNode]
) -> list[FiberRoute]:
    """Most section-disjoint paths between the ends (networkx ``edge_disjoint_paths`` on a graph with a node per
    section and direction, and as many entry and exit arcs at each end hub as it has sections)."""
    import networkx as nx

    g = nx.DiGraph()
    degree: dict[str, int] = {}
    for link in sections:
        for u, v, d in ((link.from_, link.to, "+"), (link.to, link.from_, "-")):
            g.add_edge(u, ("s", link.id, d))
            g.add_edge(("s", link.id, d), v)
        for end in (link.from_, link.to):
            degree[end] = degree.get(end, 0) + 1
    for n in a:
        for i in range(degree.get(n, 0)):
            g.add_edge(_S, ("in", n, i))
            g.add_edge(("in", n, i), n)
    for n in b:
        for i in range(degree.get(n, 0)):
            g.add_edge(n, ("out", n, i))
            g.add_edge(("out", n, i), _T)
    if _S not in g or _T not in g or not nx.has_path(g, _S, _T):
        return []
    links = {link.id: link for link in sections}
    routes = []
    for path in nx.edge_disjoint_paths(g, _S, _T):
        hops = [(("s", p[1]) if p[0] == "s" else None) if isinstance(p, tuple) else p for p in path]
        hops = [h for h in hops if h is not None]
        routes.append(_route(hops, links, nodes))
    return sorted(routes, key=lambda r: r.rtt_ms)


def _best_rtt(
    sections: Sequence[FiberLink], a: Sequence[str], b: Sequence[str], nodes: Mapping[str, FiberNode]
) -> float | None:
    import networkx as nx

    graph = _expanded(sections, nodes)
    sources = [n for n in a if n in graph]
    targets = set(b) & set(graph)
    if not sources or not targets:
        return None
    lengths = nx.multi_source_dijkstra_path_length(graph, sources, weight="ms")
    reached = [lengths[t] for t in targets if t in lengths]
    return 2 * min(reached) if reached else None


def _cut_ids(network: Network, element: str) -> tuple[str, tuple[str, ...]]:
    """Sections that cutting ``element`` (a section id, a system, a way such as ``Russia``, or a node) removes."""
    text = element.strip()
    by_id = {link.id: link for link in network.fiber_links}
    if text in by_id:
        return text, (text,)
    systems = {link.system.casefold(): link.system for link in network.fiber_links}
    if text.casefold() in systems:
        name = systems[text.casefold()]
        return name, tuple(link.id for link in network.fiber_links if link.system == name)
    vias = {link.via.casefold(): link.via for link in network.fiber_links if link.via}
    if text.casefold() in vias:
        way = vias[text.casefold()]
        return way, tuple(link.id for link in network.fiber_links if link.via == way)
    try:
        node = _hub(network, text)
    except UnknownElementError:
        raise UnknownElementError(
            f"Cannot cut {text!r}: no section, system or node of the data layer has that name. Sections: "
            f"{', '.join(sorted(by_id))}; systems: {', '.join(sorted(systems.values()))}."
        ) from None
    return node.name, tuple(link.id for link in network.fiber_links if node.id in (link.from_, link.to))


def resilience(
    network: Network,
    a: str = "europe",
    b: str = "east-asia",
    *,
    cut: Sequence[str] = (),
    avoid: Sequence[str] = (),
    status: str = "planned",
    critical: int = 5,
) -> Resilience:
    """Section-disjoint paths, minimum cut, capacity (Tbps) and latency between two hubs or regions.

    ``cut`` lists sections, systems or nodes whose loss is assessed (latency and capacity before and after);
    ``critical`` is how many single sections to report whose loss costs the most capacity.
    """
    nodes = _nodes(network)
    statuses = _statuses(status)
    label_a, ends_a = _end(network, a)
    label_b, ends_b = _end(network, b)
    if set(ends_a) & set(ends_b):
        raise InvalidOptionError(f"{label_a} and {label_b} overlap: give two different hubs or regions.")
    sections = _sections(network, avoid=avoid, statuses=statuses)
    paths = _disjoint_paths(sections, ends_a, ends_b, nodes)
    capacity, _ = _max_flow(sections, ends_a, ends_b, unit=False)
    best = _best_rtt(sections, ends_a, ends_b, nodes)

    def assess(name: str, ids: Sequence[str]) -> Cut:
        left = [s for s in sections if s.id not in set(ids)]
        return Cut(
            element=name,
            links=tuple(i for i in ids if i in {s.id for s in sections}),
            rtt_before_ms=best,
            rtt_after_ms=_best_rtt(left, ends_a, ends_b, nodes),
            capacity_before_tbps=capacity,
            capacity_after_tbps=_max_flow(left, ends_a, ends_b, unit=False)[0],
            paths_before=len(paths),
            paths_after=len(_disjoint_paths(left, ends_a, ends_b, nodes)),
        )

    cuts = tuple(assess(*_cut_ids(network, element)) for element in cut)
    ranked = sorted(
        (assess(s.id, (s.id,)) for s in sections),
        key=lambda c: (c.capacity_after_tbps - c.capacity_before_tbps, -(c.rtt_after_ms or math.inf)),
    )
    return Resilience(
        a=label_a,
        b=label_b,
        disjoint_paths=tuple(paths),
        min_cut=_min_cut(sections, ends_a, ends_b, unit=True),
        capacity_tbps=capacity,
        capacity_cut=_min_cut(sections, ends_a, ends_b, unit=False),
        best_rtt_ms=best,
        cuts=cuts,
        critical=tuple(c for c in ranked[:critical] if c.capacity_after_tbps < c.capacity_before_tbps),
        statuses=statuses,
    )


def rtt_checks(network: Network, *, status: str = "operational") -> list[dict[str, Any]]:
    """The model's round trip for each published one of fiber_rtt.csv, with the physics floor.

    ``within`` says whether the model falls in the published range widened by ``RTT_TOLERANCE`` on either side
    (a single figure: that figure plus or minus the tolerance).
    """
    out = []
    for rec in network.fiber_rtt:
        result = latency(network, rec.from_, rec.to, status=status, alternatives=20)
        # the route of that way alone if there is one, else the fastest that uses it
        exact = [r for r in result.routes if rec.via is not None and r.via == rec.via]
        using = [r for r in result.routes if rec.via is None or rec.via in r.via.split(" + ")]
        route = (exact or using or list(result.routes))[0]
        low, high = rec.rtt_low_ms or rec.rtt_ms, rec.rtt_high_ms or rec.rtt_ms
        band = ((1 - RTT_TOLERANCE) * low, (1 + RTT_TOLERANCE) * high)
        out.append(
            {
                "id": rec.id,
                "from": result.origin,
                "to": result.destination,
                "via": rec.via,
                "published_ms": rec.rtt_ms,
                "published_low_ms": rec.rtt_low_ms,
                "published_high_ms": rec.rtt_high_ms,
                "model_ms": route.rtt_ms,
                "model_via": route.via,
                "band_ms": band,
                "within": band[0] <= route.rtt_ms <= band[1],
                "floor_ms": result.floor_ms,
                "source": list(rec.source),
                "as_of": rec.as_of,
            }
        )
    return out
