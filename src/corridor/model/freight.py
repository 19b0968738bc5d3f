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
            node_place[g.tail[a]] = network.places.index(pa)
            if node_place[g.head[a]] < 0:
                node_place[g.head[a]] = network.places.index(pz)
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
    year
        Year of the demand table to attach (default: the latest year in the table).
    demand
        Demand records to use instead of the dataset's table (objects with origin, destination, commodity,
        year, tonnes_per_year and avoid, as ``corridor.dataset.records.DemandRecord``).
    value_of_time_usd_per_t_hour, carbon_price_usd_per_t
        Override the dataset's defaults in the generalized cost.
    capacity_scale, demand_scale
        Multiply every capacity, or every demand value (what-if volumes).

    Raises
    ------
    InvalidOptionError
        For a year absent from the demand table, an unknown commodity, or bad numbers.
    """
    from corridor.dataset.avoid import parse_avoid
    from corridor.model.avoid import blocked_arcs
    from corridor.model.costs import arc_cost_usd, parse_cargo
    from corridor.model.emissions import WTW, arc_co2e_kg

    for name, value in (("capacity scale", capacity_scale), ("demand scale", demand_scale)):
        if not np.isfinite(value) or value < 0:
            raise InvalidOptionError(f"The {name} must be a non-negative number, got {value!r}")
    if capacity_scale == 0:
        raise InvalidOptionError("The capacity scale must be above 0 (a zero capacity cannot carry a delay)")
    records = list(network.demand if demand is None else demand)
    chosen: int | None = year
    if records:
        years = sorted({int(r.year) for r in records})
        chosen = years[-1] if year is None else year
        if chosen not in years:
            raise InvalidOptionError(f"No demand for year {chosen}; the demand table has {', '.join(map(str, years))}")
        records = [r for r in records if int(r.year) == chosen]
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

    tail = np.concatenate([g.tail.astype(np.int64) + j * n0 for j in range(n_c)])
    head = np.concatenate([g.head.astype(np.int64) + j * n0 for j in range(n_c)])
    # free-flow time: every element's expected hours over the year (one model of durations); queues come from the
    # capacity elements' delay functions on top
    mean_hours = durations_of(network).arc_mean_hours(None)
    fft = np.concatenate([mean_hours[:, COMMODITIES.index(c)] for c in used])
    length = np.tile(g.distance_km, n_c)
    link_ids = tuple(f"{c}:{i}" for c in used for i in ids)
    link_label = tuple(f"{lab} [{c}]" for c in used for lab in labels)
    link_kind = tuple(k for _ in used for k in kinds)

    # Capacity elements.
    e_ids: list[str] = []
    e_labels: list[str] = []
    e_kinds: list[str] = []
    members: list[NDArray[np.int64]] = []
    vdf, t0, cap, alpha, beta = [], [], [], [], []
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
            members.append(np.concatenate([base + used.index(c) * e0 for c in counted]))
            e_ids.append(row.id + suffix)
            e_labels.append(_element_label(network, row) + (" (reverse)" if suffix else ""))
            e_kinds.append(row.element_type)
            vdf.append(VDF_NAMES.index(row.vdf))
            t0.append(float(row.t0_hours))
            cap.append(tonnes)
            alpha.append(a)
            beta.append(0.0 if row.vdf == "conical" else b)
    element_ptr = np.zeros(len(members) + 1, dtype=np.int64)
    element_ptr[1:] = np.cumsum([m.size for m in members])
    element_link = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)

    # Zones: every place, once per commodity copy.
    zones = tuple(f"{p.id}/{c}" for c in used for p in places)
    origin_node = np.concatenate([g.source_node.astype(np.int64) + j * n0 for j in range(n_c)])
    destination_node = np.concatenate([g.sink_node.astype(np.int64) + j * n0 for j in range(n_c)])
    xy = np.full((n0, 2), np.nan)
    has = node_place >= 0
    xy[has, 0] = [places[i].lon for i in node_place[has]]
    xy[has, 1] = [places[i].lat for i in node_place[has]]
    node_xy = np.tile(xy, (n_c, 1))
    node_ids = tuple(f"{c}:{places[p].id if p >= 0 else 'mid'}:{i}" for c in used for i, p in enumerate(node_place))

    # Demand classes: one per (commodity, avoid rules).
    classes: list[TrafficClass] = []
    grouped: dict[tuple[str, tuple[str, ...]], list[Any]] = defaultdict(list)
    for r in records:
        avoid = tuple(sorted(r.avoid)) if r.avoid else ()
        grouped[r.commodity, avoid].append(r)
    n_z = len(zones)
    place_index = {p.id: i for i, p in enumerate(places)}
    for (commodity, avoid), rows in sorted(grouped.items()):
        if commodity not in used:
            continue
        j = used.index(commodity)
        cargo = parse_cargo(
            CARGO_OF[commodity], info, quantity=1.0 / info.payload_t_per_feu.value if commodity == "container" else 1.0
        )
        vot = (
            info.value_of_time_usd_per_feu_hour.value * cargo.feu_equivalent * cargo.quantity
            if value_of_time_usd_per_t_hour is None
            else value_of_time_usd_per_t_hour
        )
        if not (np.isfinite(vot) and vot > 0):
            raise InvalidOptionError(f"The value of time must be a positive number, got {vot!r}")
        money = arc_cost_usd(g, cargo) + carbon * arc_co2e_kg(g, cargo, scope=WTW) / 1000.0
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
    flow_demand = Demand(tuple(classes), year=chosen, label=f"{info.name} demand {chosen}") if classes else None
    base_arc = np.tile(np.arange(e0), n_c)
    commodity_of = np.repeat(np.arange(n_c), e0)
    return FlowNetwork(
        name=info.name,
        n_nodes=n0 * n_c,
        zones=zones,
        origin_node=origin_node,
        destination_node=destination_node,
        no_through=np.zeros(n0 * n_c, dtype=bool),
        link_ids=link_ids,
        tail=tail,
        head=head,
        free_flow_time=fft.astype(np.float64),
        length=length.astype(np.float64),
        toll=np.zeros(e0 * n_c),
        element_ids=tuple(e_ids),
        element_ptr=element_ptr,
        element_link=element_link.astype(np.int64),
        vdf=np.asarray(vdf, dtype=np.int8),
        t0=np.asarray(t0, dtype=np.float64),
        capacity=np.asarray(cap, dtype=np.float64),
        alpha=np.asarray(alpha, dtype=np.float64),
        beta=np.asarray(beta, dtype=np.float64),
        time_unit="h",
        flow_unit="t/year",
        node_ids=node_ids,
        node_xy=node_xy,
        link_kind=link_kind,
        link_label=link_label,
        element_kind=tuple(e_kinds),
        element_label=tuple(e_labels),
        demand=flow_demand,
        meta={"source": network, "commodities": used, "base_arc": base_arc, "commodity": commodity_of},
    )


def passage_volumes(result: AssignmentResult) -> dict[str, float]:
    """Tonnes a year through each passage (caspian, suez, cape, ...) of a corridor network's assignment.

    Every route crosses a passage at most once, so the flow on the links tagged with it is the volume through
    it; the ``caspian`` figure is the Middle Corridor's trans-Caspian volume, the statistic published for TITR.
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
