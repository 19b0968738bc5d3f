"""Compile a corridor dataset into a FlowNetwork for assignment: capacity elements, classes, annual demand.

The virtual network (``corridor.model.graph``) is copied once per commodity, so that a capacity which counts only
containers (a container terminal) delays only containers, while a capacity shared by every commodity (a ferry
service, a border crossing) sums them all. Flows are tonnes a year; times hours; money enters each class's
generalized cost as hours of its value of time:

    cost of arc a for class k  =  hours_a + delay(a) + (usd_per_t_a + carbon_price x t_co2e_per_t_a) / vot_k

with ``vot_k`` the value of time in USD per tonne-hour (the dataset's value per FEU-hour over the FEU payload).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import VDF_NAMES, Demand, FlowNetwork, TrafficClass
from corridor.dataset.vocab import COMMODITIES, PASSAGES
from corridor.errors import InvalidOptionError
from corridor.model.durations import durations_of
from corridor.model.graph import ARC_GATE_IN, ARC_GATE_OUT, ARC_LINK, ARC_MID, ARC_THROUGH, graph_of

if TYPE_CHECKING:
    from corridor.assignment.results import AssignmentResult
    from corridor.dataset.network import Network

__all__ = ["CARGO_OF", "DEFAULT_VDF", "flow_network", "passage_volumes", "unit_tonnes"]

#: The cargo unit whose cost per tonne prices each commodity (containers at the FEU payload).
CARGO_OF = {"container": "FEU", "dry_bulk": "t", "liquid_bulk": "liquid"}
#: Default parameters of each delay function (alpha, beta).
DEFAULT_VDF = {"bpr": (0.15, 4.0), "conical": (4.0, 0.0), "queue": (1.0, 0.95)}


def unit_tonnes(network: Network, unit: str) -> float:
    """Tonnes in one capacity unit (t, TEU, wagons, trains), from the dataset's sourced conversions."""
    info = network.info
    if unit == "t":
        return 1.0
    key = {"TEU": "payload_t_per_teu", "wagons": "payload_t_per_wagon", "trains": "payload_t_per_train"}.get(unit)
    quantity = getattr(info, key, None) if key else None
    if quantity is None:
        raise InvalidOptionError(
            f"Capacities in {unit!r} need {key or 'a conversion'} in dataset.yaml to be converted to tonnes"
        )
    return float(quantity.value)


def _arc_names(network: Network) -> tuple[list[str], list[str], list[str], NDArray[np.int32]]:
    """Ids, labels and kinds of the virtual arcs, and the place index of every virtual node (-1: none)."""
    g = graph_of(network)
    places = network.places
    node_place = np.full(g.n_nodes, -1, dtype=np.int32)
    node_place[g.source_node] = np.arange(len(places))
    node_place[g.sink_node] = np.arange(len(places))
    place_index = {place.id: i for i, place in enumerate(places)}
    ids, labels, kinds = [], [], []
    kind_name = {ARC_LINK: "link", ARC_THROUGH: "through", ARC_GATE_IN: "gate", ARC_GATE_OUT: "gate", ARC_MID: "link"}
    for a in range(g.n_arcs):
        k = int(g.kind[a])
        if k == ARC_LINK:
            link = network.links[g.link[a]]
            start, end = (link.to, link.from_) if g.reverse[a] else (link.from_, link.to)
            ids.append(f"{link.id}:reverse" if g.reverse[a] else link.id)
            pa, pz = network.place_by_id[start], network.place_by_id[end]
            labels.append(f"{pa.name} → {pz.name} ({link.mode}{' ' + str(link.gauge) if link.gauge else ''})")
            node_place[g.tail[a]] = place_index[start]
            if node_place[g.head[a]] < 0:
                node_place[g.head[a]] = place_index[end]
        elif k == ARC_MID:
            ids.append(f"mid.{a}")
            labels.append("(parallel link)")
        else:
            place = places[g.place[a]]
            node_place[g.tail[a]] = g.place[a]
            node_place[g.head[a]] = g.place[a]
            ids.append(f"{place.id}:{g.from_layer[a]}>{g.to_layer[a]}")
            if k == ARC_THROUGH:
                labels.append(f"{place.name} ({g.from_layer[a]})")
            else:
                labels.append(f"{place.name}: {g.from_layer[a]} → {g.to_layer[a]}")
        kinds.append(kind_name.get(k, "transfer"))
    return ids, labels, kinds, node_place


def _element_arcs(network: Network, row: Any) -> list[tuple[str, list[int]]]:
    """The virtual arcs of one capacities.csv row: (suffix, arcs), one entry per direction for links/services."""
    g = graph_of(network)
    if row.element_type == "transfer":
        wanted = {i for i, t in enumerate(network.transfers) if t.id in set(row.elements)}
        arcs = [a for a in range(g.n_arcs) if wanted.intersection(g.transfers[a])]
        return [("", arcs)]
    link_ids = set(row.elements)
    if row.element_type == "service":
        link_ids = {lid for s in network.services if s.id in link_ids for lid in s.links}
    index = {i for i, link in enumerate(network.links) if link.id in link_ids}
    forward = [a for a in range(g.n_arcs) if g.kind[a] == ARC_LINK and int(g.link[a]) in index and not g.reverse[a]]
    backward = [a for a in range(g.n_arcs) if g.kind[a] == ARC_LINK and int(g.link[a]) in index and g.reverse[a]]
    return [(suffix, arcs) for suffix, arcs in (("", forward), (":reverse", backward)) if arcs]


def _element_label(network: Network, row: Any) -> str:
    """A readable name: the places a capacity row is about, and what it is."""
    if row.element_type == "transfer":
        names = {network.place_by_id[t.place].name for t in network.transfers if t.id in set(row.elements)}
        return f"{', '.join(sorted(names))} ({row.id})"
    return str(row.id)


def flow_network(
    network: Network,
    *,
    year: int | None = None,
    demand: Sequence[Any] | None = None,
    commodities: Sequence[str] | None = None,
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
    capacity_scale: float = 1.0,
    demand_scale: float = 1.0,
) -> FlowNetwork:
    """The FlowNetwork of a corridor dataset, with its capacity elements and the demand of one year.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    year
        Year of the demand table to attach (default: the latest year in the table).
    demand
        Demand records to use instead of the dataset's table (objects with origin, destination, commodity,
        year, tonnes_per_year and avoid, as ``corridor.dataset.records.DemandRecord``).
    commodities
        Only these commodities (default every commodity of the demand).
    value_of_time_usd_per_t_hour
        USD per tonne-hour in the generalized cost (default the dataset's; the API's one unit of value of time).
    carbon_price_usd_per_t
        USD per t CO2e in the generalized cost (default the dataset's).
    capacity_scale, demand_scale
        Multiply every capacity, or every demand value (what-if volumes).

    Returns
    -------
    FlowNetwork
        One copy of the network per commodity, its capacity elements, and one traffic class per commodity (and avoid
        rule), in tonnes a year.

    Raises
    ------
    InvalidOptionError
        For a year absent from the demand table, an unknown commodity, or bad numbers.

    Examples
    --------
    >>> import corridor
    >>> flows = corridor.flow_network(corridor.load_network(), year=2024)
    >>> flows.demand is not None
    True
    """
    _check_scales(capacity_scale, demand_scale)
    records, chosen = _records_of_year(list(network.demand if demand is None else demand), year)
    used = tuple(commodities) if commodities else COMMODITIES
    for c in used:
        if c not in COMMODITIES:
            raise InvalidOptionError(f"Unknown commodity {c!r}; valid: {', '.join(COMMODITIES)}")
    g = graph_of(network)
    n0, e0, n_c = g.n_nodes, g.n_arcs, len(used)
    ids, labels, kinds, node_place = _arc_names(network)
    places = network.places
    info = network.info
    carbon = info.carbon_price_usd_per_t.value if carbon_price_usd_per_t is None else carbon_price_usd_per_t
    if not (np.isfinite(carbon) and carbon >= 0):
        raise InvalidOptionError(f"The carbon price must be a non-negative number, got {carbon!r}")

    # free-flow time: every element's expected hours over the year (one model of durations); queues come from the
    # capacity elements' delay functions on top
    mean_hours = durations_of(network).arc_mean_hours(None)
    fft = np.concatenate([mean_hours[:, COMMODITIES.index(c)] for c in used])
    elements = _capacity_elements(network, used, capacity_scale)

    # Zones: every place, once per commodity copy.
    xy = np.full((n0, 2), np.nan)
    has = node_place >= 0
    xy[has, 0] = [places[i].lon for i in node_place[has]]
    xy[has, 1] = [places[i].lat for i in node_place[has]]
    node_ids = tuple(f"{c}:{places[p].id if p >= 0 else 'mid'}:{i}" for c in used for i, p in enumerate(node_place))

    classes = _demand_classes(
        network,
        records,
        used,
        carbon_price_usd_per_t=carbon,
        value_of_time_usd_per_t_hour=value_of_time_usd_per_t_hour,
        demand_scale=demand_scale,
    )
    flow_demand = Demand(tuple(classes), year=chosen, label=f"{info.name} demand {chosen}") if classes else None
    return FlowNetwork(
        name=info.name,
        n_nodes=n0 * n_c,
        zones=tuple(f"{p.id}/{c}" for c in used for p in places),
        origin_node=_per_commodity(g.source_node, n0, n_c),
        destination_node=_per_commodity(g.sink_node, n0, n_c),
        no_through=np.zeros(n0 * n_c, dtype=bool),
        link_ids=tuple(f"{c}:{i}" for c in used for i in ids),
        tail=_per_commodity(g.tail, n0, n_c),
        head=_per_commodity(g.head, n0, n_c),
        free_flow_time=fft.astype(np.float64),
        length=np.tile(g.distance_km, n_c).astype(np.float64),
        toll=np.zeros(e0 * n_c),
        element_ids=tuple(elements.ids),
        element_ptr=elements.pointers(),
        element_link=elements.links(),
        vdf=np.asarray(elements.vdf, dtype=np.int8),
        t0=np.asarray(elements.t0, dtype=np.float64),
        capacity=np.asarray(elements.capacity, dtype=np.float64),
        alpha=np.asarray(elements.alpha, dtype=np.float64),
        beta=np.asarray(elements.beta, dtype=np.float64),
        time_unit="h",
        flow_unit="t/year",
        node_ids=node_ids,
        node_xy=np.tile(xy, (n_c, 1)),
        link_kind=tuple(k for _ in used for k in kinds),
        link_label=tuple(f"{lab} [{c}]" for c in used for lab in labels),
        element_kind=tuple(elements.kinds),
        element_label=tuple(elements.labels),
        demand=flow_demand,
        meta={
            "source": network,
            "commodities": used,
            "base_arc": np.tile(np.arange(e0), n_c),
            "commodity": np.repeat(np.arange(n_c), e0),
        },
    )


def _check_scales(capacity_scale: float, demand_scale: float) -> None:
    for name, value in (("capacity scale", capacity_scale), ("demand scale", demand_scale)):
        if not np.isfinite(value) or value < 0:
            raise InvalidOptionError(f"The {name} must be a non-negative number, got {value!r}")
    if capacity_scale == 0:
        raise InvalidOptionError("The capacity scale must be above 0 (a zero capacity cannot carry a delay)")


def _records_of_year(records: list[Any], year: int | None) -> tuple[list[Any], int | None]:
    """The demand records of ``year`` (default: the latest) and that year; no records, no year check."""
    if not records:
        return records, year
    years = sorted({int(r.year) for r in records})
    chosen = years[-1] if year is None else year
    if chosen not in years:
        raise InvalidOptionError(f"No demand for year {chosen}; the demand table has {', '.join(map(str, years))}")
    return [r for r in records if int(r.year) == chosen], chosen


def _per_commodity(nodes: NDArray[Any], n_nodes: int, n_commodities: int) -> NDArray[np.int64]:
    """Node numbers in each commodity's copy of the virtual network, one copy after the other."""
    return np.concatenate([nodes.astype(np.int64) + j * n_nodes for j in range(n_commodities)])


@dataclass
class _Elements:
    """The capacity elements, as they are found: one per capacities.csv row and direction."""

    ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    members: list[NDArray[np.int64]] = field(default_factory=list)  # arcs of each, in every counted commodity
    vdf: list[int] = field(default_factory=list)
    t0: list[float] = field(default_factory=list)
    capacity: list[float] = field(default_factory=list)
    alpha: list[float] = field(default_factory=list)
    beta: list[float] = field(default_factory=list)

    def pointers(self) -> NDArray[np.int64]:
        ptr = np.zeros(len(self.members) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([m.size for m in self.members])
        return ptr

    def links(self) -> NDArray[np.int64]:
        return (np.concatenate(self.members) if self.members else np.zeros(0, dtype=np.int64)).astype(np.int64)


def _capacity_elements(network: Network, used: Sequence[str], capacity_scale: float) -> _Elements:
    """One element per capacities.csv row and direction, counting the commodities the row counts among ``used``."""
    e0 = graph_of(network).n_arcs
    out = _Elements()
    for row in network.capacities:
        counted = [c for c in (row.commodities or COMMODITIES) if c in used]
        if not counted:
            continue
        tonnes = unit_tonnes(network, row.capacity_unit) * float(row.capacity_per_year) * capacity_scale
        default_a, default_b = DEFAULT_VDF[row.vdf]
        a = default_a if row.alpha is None else float(row.alpha)
        b = default_b if row.beta is None else float(row.beta)
        for suffix, arcs in _element_arcs(network, row):
            if not arcs:
                continue
            base = np.asarray(arcs, dtype=np.int64)
            out.members.append(np.concatenate([base + used.index(c) * e0 for c in counted]))
            out.ids.append(row.id + suffix)
            out.labels.append(_element_label(network, row) + (" (reverse)" if suffix else ""))
            out.kinds.append(row.element_type)
            out.vdf.append(VDF_NAMES.index(row.vdf))
            out.t0.append(float(row.t0_hours))
            out.capacity.append(tonnes)
            out.alpha.append(a)
            out.beta.append(0.0 if row.vdf == "conical" else b)
    return out


def _demand_classes(
    network: Network,
    records: list[Any],
    used: Sequence[str],
    *,
    carbon_price_usd_per_t: float,
    value_of_time_usd_per_t_hour: float | None,
    demand_scale: float,
) -> list[TrafficClass]:
    """One class per (commodity, avoid rules) of the records, on its commodity's copy of the network."""
    from corridor.dataset.avoid import parse_avoid
    from corridor.model.avoid import blocked_arcs
    from corridor.model.costs import arc_cost_usd, default_value_of_time_usd_per_t_hour, parse_cargo
    from corridor.model.emissions import WTW, arc_co2e_kg

    g = graph_of(network)
    e0, n_c = g.n_arcs, len(used)
    places, info = network.places, network.info
    n_z = len(places) * n_c
    place_index = {p.id: i for i, p in enumerate(places)}
    grouped: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    for r in records:
        avoid = tuple(sorted(r.avoid)) if r.avoid else ()
        grouped[r.commodity, avoid].append(r)
    classes: list[TrafficClass] = []
    for (commodity, avoid), rows in sorted(grouped.items()):
        if commodity not in used:
            continue
        j = used.index(commodity)
        cargo = parse_cargo(
            CARGO_OF[commodity], info, quantity=1.0 / info.payload_t_per_feu.value if commodity == "container" else 1.0
        )
        vot = (
            default_value_of_time_usd_per_t_hour(info) * cargo.payload_t * cargo.quantity
            if value_of_time_usd_per_t_hour is None
            else value_of_time_usd_per_t_hour
        )
        if not (np.isfinite(vot) and vot > 0):
            raise InvalidOptionError(f"The value of time must be a positive number, got {vot!r}")
        money = arc_cost_usd(g, cargo) + carbon_price_usd_per_t * arc_co2e_kg(g, cargo, scope=WTW) / 1000.0
        fixed = np.full(e0 * n_c, np.inf)
        allowed = np.zeros(e0 * n_c, dtype=bool)
        own = slice(j * e0, (j + 1) * e0)
        fixed[own] = money / vot
        allowed[own] = ~blocked_arcs(g, COMMODITIES.index(commodity), parse_avoid(list(avoid)))
        matrix = np.zeros((n_z, n_z))
        for r in rows:
            o = j * len(places) + place_index[r.origin]
            d = j * len(places) + place_index[r.destination]
            matrix[o, d] += float(r.tonnes_per_year) * demand_scale
        name = commodity + (f" avoiding {','.join(avoid)}" if avoid else "")
        classes.append(
            TrafficClass(name=name, demand=matrix, pce=1.0, fixed_cost=fixed, allowed=allowed, value_of_time=vot)
        )
    return classes


def passage_volumes(result: AssignmentResult) -> dict[str, float]:
    """Tonnes a year through each passage (caspian, suez, cape, ...) of a corridor network's assignment.

    Every route crosses a passage at most once, so the flow on the links tagged with it is the volume through
    it; the ``caspian`` figure is the Middle Corridor's trans-Caspian volume, the statistic published for TITR.

    Parameters
    ----------
    result
        An assignment of a corridor network (``corridor.assign(corridor.flow_network(...))``).

    Returns
    -------
    dict of str to float
        Tonnes a year by passage.

    Examples
    --------
    >>> import corridor
    >>> result = corridor.assign(corridor.flow_network(corridor.load_network(), year=2024), gap=1e-3)
    >>> 3e6 < corridor.passage_volumes(result)["caspian"] < 6e6
    True
    """
    net = result.network
    source = net.meta.get("source")
    if source is None:
        raise InvalidOptionError("Passage volumes need an assignment on a corridor network (not a TNTP network)")
    g = graph_of(source)  # type: ignore[arg-type]
    base = np.asarray(net.meta["base_arc"])
    is_link = g.kind[base] == ARC_LINK
    out = {}
    floor = 1e-9 * max(result.total_demand, 1.0)  # below this a volume is numerical residue
    for i, name in enumerate(PASSAGES):
        mask = is_link & g.passages[base, i]
        total = float(result.link_flow[mask].sum())
        if total > floor:
            out[name] = total
    return out
