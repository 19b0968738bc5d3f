"""Compile a Network into its virtual network: each place expanded by layer, every movement an arc.

Nodes, per place ``p``: a source ``S(p)`` and a sink ``T(p)`` (the shipper's gate), and for each layer ``L``
(mode, gauge for rail) used at ``p`` an arrival node ``I(p, L)`` and a departure node ``O(p, L)``. Arcs:

* link      ``O(a, L) -> I(b, L)`` for a link from ``a`` to ``b`` (and back when bidirectional);
* through   ``I(p, L) -> O(p, L)``: staying in the layer; border rows of ``transfers.csv`` with
  ``from_layer == to_layer`` add their dwell here;
* transfer  ``I(p, L1) -> O(p, L2)``: the sum of the transfer rows for ``L1 -> L2`` at ``p``;
* gate      ``S(p) -> O(p, L)`` and ``I(p, L) -> T(p)``, plus ``gate`` rows of transfers.csv (e.g. terminal
  handling at origin and destination).

Parallel links between the same nodes get a middle node each so that every arc is a distinct (tail, head) pair.
Attributes that depend on the commodity (a transfer row may apply to containers only) are kept per commodity.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.vocab import COMMODITIES, FREIGHT_MODES, MODES, PASSAGES, TARIFF_UNITS
from corridor.model.bulk import BULK_COMMODITIES, bulk_rates_of

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.records import Link

__all__ = [
    "ARC_GATE_IN",
    "ARC_GATE_OUT",
    "ARC_LINK",
    "ARC_MID",
    "ARC_THROUGH",
    "ARC_TRANSFER",
    "VirtualGraph",
    "compile_graph",
    "graph_of",
]

ARC_LINK, ARC_THROUGH, ARC_TRANSFER, ARC_GATE_IN, ARC_GATE_OUT, ARC_MID = range(6)
_COMMODITY_INDEX = {name: i for i, name in enumerate(COMMODITIES)}
_UNIT_INDEX = {name: i for i, name in enumerate(TARIFF_UNITS)}
_PER_T = _UNIT_INDEX["t"]


@dataclass(frozen=True, eq=False)
class VirtualGraph:
    """Arrays of the virtual network, arcs in CSR order (sorted by tail)."""

    n_nodes: int
    indptr: NDArray[np.int64]
    tail: NDArray[np.int32]
    head: NDArray[np.int32]
    kind: NDArray[np.int8]  # ARC_*
    link: NDArray[np.int32]  # index into network.links, -1 if not a link arc
    reverse: NDArray[np.bool_]  # link arc runs to -> from
    place: NDArray[np.int32]  # place of a non-link arc, -1 for link arcs
    from_layer: tuple[str, ...]  # per arc (layers of the tail and head node)
    to_layer: tuple[str, ...]
    transfers: tuple[tuple[int, ...], ...]  # per arc: indices into network.transfers
    distance_km: NDArray[np.float64]
    hours: NDArray[np.float64]  # (E, C, 3): low, typical, high, per commodity
    # (E, C, U): USD per FEU, per TEU, per t, summed per commodity; bulk rows hold USD per t (corridor.model.bulk)
    cost: NDArray[np.float64]
    co2e_g_per_t: NDArray[np.float64]  # (E, C, 2): tank-to-wheel, well-to-wheel
    allowed: NDArray[np.bool_]  # (E, C)
    mode: NDArray[np.int8]  # index into MODES for link arcs, -1 otherwise
    countries: NDArray[np.bool_]  # (E, K): arc touches country K
    country_codes: tuple[str, ...]
    passages: NDArray[np.bool_]  # (E, P)
    corridors: NDArray[np.bool_]  # (E, R): arc may be part of a route of corridor R
    corridor_ids: tuple[str, ...]
    changes_layer: NDArray[np.bool_]  # transfer arc between two different (non-gate) layers
    source_node: NDArray[np.int32]  # per place
    sink_node: NDArray[np.int32]  # per place

    @property
    def n_arcs(self) -> int:
        return int(self.tail.shape[0])

    def arc_between(self, u: int, v: int) -> int:
        """The arc from node ``u`` to node ``v`` (arcs are unique per node pair)."""
        start, stop = int(self.indptr[u]), int(self.indptr[u + 1])
        hits = np.flatnonzero(self.head[start:stop] == v)
        if hits.size == 0:
            raise KeyError((u, v))
        return start + int(hits[0])


#: per-arc attributes that depend on the commodity: hours (C, 3), cost (C, U), co2 (C, 2), allowed (C,)
Attrs = dict[str, NDArray[Any]]


class _Builder:
    """Nodes and arcs as they are added; a second arc between the same two nodes gets a middle node."""

    def __init__(self) -> None:
        self.n_nodes = 0
        self.arcs: list[dict[str, object]] = []
        self.pairs: set[tuple[int, int]] = set()
        self.node_in: dict[tuple[str, str], int] = {}  # (place, layer) -> arrival node
        self.node_out: dict[tuple[str, str], int] = {}  # (place, layer) -> departure node

    def node(self) -> int:
        self.n_nodes += 1
        return self.n_nodes - 1

    def arc(self, tail: int, head: int, **attrs: object) -> None:
        if (tail, head) in self.pairs:
            mid = self.node()
            self.arc(tail, mid, **attrs)
            self.arc(mid, head, kind=ARC_MID, place=-1, from_layer="", to_layer="")
            return
        self.pairs.add((tail, head))
        self.arcs.append({"tail": tail, "head": head, **attrs})


def graph_of(network: Network) -> VirtualGraph:
    """The virtual network of ``network``, compiled on first use and kept with it (a Network never changes)."""
    cache = network.__dict__
    graph = cache.get("_graph")
    if graph is None:
        graph = compile_graph(network)
        cache["_graph"] = graph
    assert isinstance(graph, VirtualGraph)
    return graph


def compile_graph(network: Network) -> VirtualGraph:
    """Build the virtual network of ``network`` (once per Network, through :func:`graph_of`)."""
    layers_at = _layers_at(network)
    b = _Builder()
    source_node, sink_node = _add_nodes(b, network, layers_at)
    country_codes = tuple(
        sorted(
            {place.country for place in network.places}
            | {code for link in network.links for code in link.via_countries}
        )
    )
    _add_link_arcs(b, network)
    _add_place_arcs(b, network, layers_at, source_node, sink_node)
    return _to_graph(b, country_codes, network.corridor_ids, source_node, sink_node)


def _layers_at(network: Network) -> dict[str, set[str]]:
    """The layers (mode, gauge) of the freight links at each place."""
    layers_at: dict[str, set[str]] = defaultdict(set)
    for link in network.links:
        if link.mode in FREIGHT_MODES:
            layers_at[link.from_].add(link.layer)
            layers_at[link.to].add(link.layer)
    return layers_at


def _add_nodes(
    b: _Builder, network: Network, layers_at: dict[str, set[str]]
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Per place: its source and sink, then an arrival and a departure node per layer; returns sources and sinks."""
    source_node = np.full(len(network.places), -1, dtype=np.int32)
    sink_node = np.full(len(network.places), -1, dtype=np.int32)
    for pi, place in enumerate(network.places):
        source_node[pi] = b.node()
        sink_node[pi] = b.node()
        for layer in sorted(layers_at.get(place.id, ())):
            b.node_in[place.id, layer] = b.node()
            b.node_out[place.id, layer] = b.node()
    return source_node, sink_node


def _zeros() -> Attrs:
    n_c = len(COMMODITIES)
    return {
        "hours": np.zeros((n_c, 3)),
        "cost": np.zeros((n_c, len(TARIFF_UNITS))),
        "co2": np.zeros((n_c, 2)),
        "allowed": np.ones(n_c, dtype=bool),
    }


def _grouped_transfers(network: Network) -> dict[tuple[str, str, str], list[int]]:
    """Transfer rows by (place, from_layer, to_layer), both directions for bidirectional rows."""
    grouped: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, transfer in enumerate(network.transfers):
        grouped[transfer.place, transfer.from_layer, transfer.to_layer].append(i)
        if transfer.bidirectional and transfer.from_layer != transfer.to_layer:
            grouped[transfer.place, transfer.to_layer, transfer.from_layer].append(i)
    return grouped


def _transfer_attrs(network: Network, rows: list[int], *, needs_row: bool) -> Attrs:
    """Sum the rows that apply to each commodity; a layer change needs a row for the commodity."""
    n_c = len(COMMODITIES)
    attrs = _zeros()
    hours, cost, co2 = attrs["hours"], attrs["cost"], attrs["co2"]
    allowed = np.zeros(n_c, dtype=bool) if needs_row else np.ones(n_c, dtype=bool)
    factors = network.factor_by_id
    bulk = bulk_rates_of(network)
    for i in rows:
        t = network.transfers[i]
        applies = [_COMMODITY_INDEX[c] for c in t.commodities] if t.commodities else list(range(n_c))
        for c in applies:
            allowed[c] = True
            hours[c] += (t.hours_low, t.hours_typical, t.hours_high)
            if COMMODITIES[c] in BULK_COMMODITIES:
                cost[c, _PER_T] += bulk.transfer_usd_per_t(t, COMMODITIES[c])
            else:
                cost[c, _UNIT_INDEX[t.cost_unit]] += t.cost_usd
            if t.emission_factor is not None:
                f = factors[t.emission_factor]
                co2[c] += (f.ttw * 1000.0, f.wtw * 1000.0)  # kg per t -> g per t
    attrs["allowed"] = allowed
    return attrs


def _link_attrs(network: Network, link: Link) -> Attrs:
    """Hours (running, plus the expected and the longest service wait), tariff, emissions and commodities."""
    services = network.service_of_link
    wait = services[link.id].expected_wait_hours if link.id in services else 0.0
    full_wait = 2 * wait if link.id in services else 0.0
    run = link.link_hours
    attrs = _zeros()
    attrs["hours"][:] = (run, run + wait, run + full_wait)
    assert link.tariff_usd is not None and link.tariff_unit is not None
    attrs["cost"][:, _UNIT_INDEX[link.tariff_unit]] = link.tariff_usd
    bulk = bulk_rates_of(network)
    for commodity in BULK_COMMODITIES:
        per_t = bulk.link_usd_per_t(link, commodity) if commodity in link.commodities else None
        if per_t is not None:  # priced per tonne by bulk_tariffs.csv, instead of as a share of a box
            c = _COMMODITY_INDEX[commodity]
            attrs["cost"][c] = 0.0
            attrs["cost"][c, _PER_T] = per_t
    if link.emission_factor:
        factor = network.factor_by_id[link.emission_factor]
        attrs["co2"][:] = (factor.ttw * link.distance_km, factor.wtw * link.distance_km)
    attrs["allowed"][:] = [c in link.commodities for c in COMMODITIES]
    return attrs


def _add_link_arcs(b: _Builder, network: Network) -> None:
    """One arc per freight link and direction, from the departure node of its layer to the arrival node."""
    corridor_ids = network.corridor_ids
    for li, link in enumerate(network.links):
        if link.mode not in FREIGHT_MODES:
            continue
        pa, pz = network.place_by_id[link.from_], network.place_by_id[link.to]
        attrs = _link_attrs(network, link)
        touched = {pa.country, pz.country, *link.via_countries}
        in_corridor = [("*" in link.corridors) or (cid in link.corridors) for cid in corridor_ids]
        directions = [(link.from_, link.to, False)]
        if link.bidirectional:
            directions.append((link.to, link.from_, True))
        for start, end, rev in directions:
            b.arc(
                b.node_out[start, link.layer],
                b.node_in[end, link.layer],
                kind=ARC_LINK,
                link=li,
                reverse=rev,
                place=-1,
                from_layer=link.layer,
                to_layer=link.layer,
                distance_km=link.distance_km,
                mode=MODES.index(link.mode),
                countries=touched,
                passages=set(link.passages),
                corridors=in_corridor,
                **attrs,
            )


def _add_place_arcs(
    b: _Builder,
    network: Network,
    layers_at: dict[str, set[str]],
    source_node: NDArray[np.int32],
    sink_node: NDArray[np.int32],
) -> None:
    """The arcs inside each place, place by place."""
    grouped = _grouped_transfers(network)
    for pi, place in enumerate(network.places):
        layers = sorted(layers_at.get(place.id, ()))
        _add_arcs_at(b, network, grouped, pi, layers, (int(source_node[pi]), int(sink_node[pi])))


def _add_arcs_at(
    b: _Builder,
    network: Network,
    grouped: dict[tuple[str, str, str], list[int]],
    pi: int,
    layers: list[str],
    gates: tuple[int, int],
) -> None:
    """Per layer of place ``pi``: the through arc, the gate arcs in and out, and the transfers to other layers."""
    place = network.places[pi]
    common = {"place": pi, "countries": {place.country}}

    def add(tail: int, head: int, kind: int, pair: tuple[str, str], *, needs_row: bool = False) -> None:
        rows = grouped.get((place.id, *pair), [])
        b.arc(
            tail,
            head,
            kind=kind,
            from_layer=pair[0],
            to_layer=pair[1],
            transfers=tuple(rows),
            **common,
            **_transfer_attrs(network, rows, needs_row=needs_row),
        )

    source, sink = gates
    for layer in layers:
        arrive, leave = b.node_in[place.id, layer], b.node_out[place.id, layer]
        add(arrive, leave, ARC_THROUGH, (layer, layer))
        add(source, leave, ARC_GATE_IN, ("gate", layer))
        add(arrive, sink, ARC_GATE_OUT, (layer, "gate"))
        for other in layers:
            if other != layer and grouped.get((place.id, layer, other)):
                add(arrive, b.node_out[place.id, other], ARC_TRANSFER, (layer, other), needs_row=True)


def _to_graph(
    b: _Builder,
    country_codes: tuple[str, ...],
    corridor_ids: tuple[str, ...],
    source_node: NDArray[np.int32],
    sink_node: NDArray[np.int32],
) -> VirtualGraph:
    """The arcs as arrays, sorted by tail (stable, so CSR rows keep insertion order)."""
    n_c, n_u = len(COMMODITIES), len(TARIFF_UNITS)
    arcs = b.arcs
    n_e = len(arcs)
    tails = np.fromiter((a["tail"] for a in arcs), dtype=np.int32, count=n_e)
    order = np.argsort(tails, kind="stable")
    arcs = [arcs[i] for i in order]
    tails = tails[order]
    heads = np.fromiter((a["head"] for a in arcs), dtype=np.int32, count=n_e)
    indptr = np.zeros(b.n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, tails + 1, 1)
    indptr = np.cumsum(indptr)

    def stack(key: str, shape: tuple[int, ...], default: float | bool = 0.0) -> NDArray[Any]:
        out = np.full((n_e, *shape), default, dtype=type(default))
        for i, a in enumerate(arcs):
            if key in a:
                out[i] = a[key]
        return out

    countries, passages, corridors = _masks(arcs, country_codes, corridor_ids)
    kind = np.fromiter((a["kind"] for a in arcs), dtype=np.int8, count=n_e)
    from_layer = tuple(str(a.get("from_layer", "")) for a in arcs)
    to_layer = tuple(str(a.get("to_layer", "")) for a in arcs)
    changes = np.array(
        [k == ARC_TRANSFER and f != t for k, f, t in zip(kind, from_layer, to_layer, strict=True)], dtype=bool
    )
    return VirtualGraph(
        n_nodes=b.n_nodes,
        indptr=indptr,
        tail=tails,
        head=heads,
        kind=kind,
        link=np.fromiter((a.get("link", -1) for a in arcs), dtype=np.int32, count=n_e),
        reverse=np.fromiter((a.get("reverse", False) for a in arcs), dtype=bool, count=n_e),
        place=np.fromiter((a.get("place", -1) for a in arcs), dtype=np.int32, count=n_e),
        from_layer=from_layer,
        to_layer=to_layer,
        transfers=tuple(tuple(a.get("transfers", ())) for a in arcs),  # type: ignore[arg-type]
        distance_km=np.fromiter((a.get("distance_km", 0.0) for a in arcs), dtype=float, count=n_e),
        hours=stack("hours", (n_c, 3)),
        cost=stack("cost", (n_c, n_u)),
        co2e_g_per_t=stack("co2", (n_c, 2)),
        allowed=stack("allowed", (n_c,), True),
        mode=np.fromiter((a.get("mode", -1) for a in arcs), dtype=np.int8, count=n_e),
        countries=countries,
        country_codes=country_codes,
        passages=passages,
        corridors=corridors,
        corridor_ids=corridor_ids,
        changes_layer=changes,
        source_node=source_node,
        sink_node=sink_node,
    )


def _masks(
    arcs: list[dict[str, object]], country_codes: tuple[str, ...], corridor_ids: tuple[str, ...]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Per arc: the countries it touches, the passages it goes through and the corridors it may be part of."""
    n_e = len(arcs)
    country_index = {code: i for i, code in enumerate(country_codes)}
    country_mask = np.zeros((n_e, len(country_codes)), dtype=bool)
    passage_mask = np.zeros((n_e, len(PASSAGES)), dtype=bool)
    corridor_mask = np.ones((n_e, len(corridor_ids)), dtype=bool)
    for i, a in enumerate(arcs):
        for code in a.get("countries", ()):  # type: ignore[attr-defined]
            country_mask[i, country_index[code]] = True
        for name in a.get("passages", ()):  # type: ignore[attr-defined]
            passage_mask[i, PASSAGES.index(name)] = True
        if "corridors" in a:
            corridor_mask[i] = a["corridors"]
    return country_mask, passage_mask, corridor_mask
