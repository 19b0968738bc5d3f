"""FlowNetwork: a capacitated network with zones and volume-delay functions, the input of flow assignment.

Built from a TNTP folder (``corridor.dataset.tntp``) or compiled from a corridor dataset (``corridor.model.freight``).
Arrays are indexed by link (``E``), node (``N``) or zone (``Z``); nothing is mutated after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError

__all__ = [
    "VDF_BPR",
    "VDF_CONICAL",
    "VDF_NAMES",
    "VDF_QUEUE",
    "Demand",
    "FlowNetwork",
    "TrafficClass",
    "one_element_per_link",
]

#: Volume-delay functions, by code. See docs/model.md for the formulas.
VDF_BPR, VDF_CONICAL, VDF_QUEUE = 0, 1, 2
VDF_NAMES: tuple[str, ...] = ("bpr", "conical", "queue")


@dataclass(frozen=True, eq=False)
class TrafficClass:
    """One class of demand: its OD matrix, how much capacity a unit uses, its own costs and allowed links.

    ``fixed_cost`` is added to the congested time of every link for this class, in the network's time unit
    (a toll divided by the class's value of time, say); ``allowed`` False bars a link to this class.

    Examples
    --------
    >>> import corridor
    >>> demand = corridor.flow_network(corridor.load_network(), year=2024).demand
    >>> first = demand.classes[0]
    >>> isinstance(first, corridor.TrafficClass), first.value_of_time > 0
    (True, True)
    """

    name: str
    demand: NDArray[np.float64]  # (Z, Z), origin rows, destination columns
    pce: float = 1.0
    fixed_cost: NDArray[np.float64] | None = None  # (E,)
    allowed: NDArray[np.bool_] | None = None  # (E,)
    value_of_time: float = 1.0  # money per time unit per flow unit, for reports only

    @property
    def total(self) -> float:
        return float(self.demand.sum())


@dataclass(frozen=True, eq=False)
class Demand:
    """The demand of an assignment: one or more traffic classes over the zones of one FlowNetwork.

    Examples
    --------
    >>> import corridor
    >>> demand = corridor.flow_network(corridor.load_network(), year=2024).demand
    >>> isinstance(demand, corridor.Demand), len(demand.classes) > 0
    (True, True)
    """

    classes: tuple[TrafficClass, ...]
    year: int | None = None
    label: str = ""

    @property
    def total(self) -> float:
        return sum(c.total for c in self.classes)

    def scaled(self, factor: float) -> Demand:
        """The same demand times ``factor`` (every class, every OD pair)."""
        if not np.isfinite(factor) or factor < 0:
            raise InvalidOptionError(f"A demand scale factor must be a non-negative number, got {factor!r}")
        classes = tuple(
            TrafficClass(
                name=c.name,
                demand=c.demand * factor,
                pce=c.pce,
                fixed_cost=c.fixed_cost,
                allowed=c.allowed,
                value_of_time=c.value_of_time,
            )
            for c in self.classes
        )
        return Demand(classes=classes, year=self.year, label=self.label)


_ARRAY_FIELDS: dict[str, type] = {
    "origin_node": np.int64,
    "destination_node": np.int64,
    "no_through": np.bool_,
    "tail": np.int64,
    "head": np.int64,
    "free_flow_time": np.float64,
    "length": np.float64,
    "toll": np.float64,
    "element_ptr": np.int64,
    "element_link": np.int64,
    "vdf": np.int8,
    "t0": np.float64,
    "capacity": np.float64,
    "alpha": np.float64,
    "beta": np.float64,
}


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """A directed network for equilibrium assignment: links, and the capacity-limited elements they use.

    Zones are where trips start and end: zone ``z`` starts at node ``origin_node[z]`` and ends at
    ``destination_node[z]`` (the same node in TNTP networks). Nodes flagged ``no_through`` may start or end a
    path but not be passed through (TNTP zones below FIRST THRU NODE).

    Time on link ``a`` for class ``c``:

        t_a = free_flow_time_a + sum over elements e of a of delay_e(V_e)      (+ fixed cost of class c)

    where ``V_e`` is the volume of element ``e`` (the PCE-weighted flow of every link that uses it) and
    ``delay_e`` its volume-delay function (BPR, conical or queue, see docs/model.md) with reference time ``t0``,
    ``capacity``, ``alpha`` and ``beta``. In a TNTP network every link is its own element with ``t0`` equal to
    its free-flow time, so ``t_a = fft (1 + B (v/c)^power)``. In a corridor network one element (a port, a
    ferry service, a border crossing) may be shared by several links; links with no element have constant time.

    Examples
    --------
    >>> import corridor
    >>> flows = corridor.flow_network(corridor.load_network(), year=2024)
    >>> isinstance(flows, corridor.FlowNetwork), len(flows.tail) == len(flows.head)
    (True, True)
    """

    name: str
    n_nodes: int
    zones: tuple[str, ...]
    origin_node: NDArray[np.int64]  # (Z,)
    destination_node: NDArray[np.int64]  # (Z,)
    no_through: NDArray[np.bool_]  # (N,)
    link_ids: tuple[str, ...]  # (E,)
    tail: NDArray[np.int64]  # (E,)
    head: NDArray[np.int64]  # (E,)
    free_flow_time: NDArray[np.float64]  # (E,) constant part of the link time, in time_unit
    length: NDArray[np.float64]  # (E,)
    toll: NDArray[np.float64]  # (E,)
    element_ids: tuple[str, ...]  # (M,)
    element_ptr: NDArray[np.int64]  # (M + 1,) element e uses links element_link[element_ptr[e]:element_ptr[e+1]]
    element_link: NDArray[np.int64]
    vdf: NDArray[np.int8]  # (M,) VDF_*
    t0: NDArray[np.float64]  # (M,) reference time of the delay function, in time_unit
    capacity: NDArray[np.float64]  # (M,) in flow_unit per period
    alpha: NDArray[np.float64]  # (M,)
    beta: NDArray[np.float64]  # (M,)
    time_unit: str = "min"
    flow_unit: str = "veh/h"
    node_ids: tuple[str, ...] = ()  # (N,) labels; empty: "1".."N"
    node_xy: NDArray[np.float64] | None = None  # (N, 2) lon, lat (or x, y); NaN where unknown
    link_kind: tuple[str, ...] = ()  # (E,) empty: all "link"
    link_label: tuple[str, ...] = ()  # (E,) human-readable names; empty: link_ids
    element_kind: tuple[str, ...] = ()  # (M,) e.g. link, port, ferry service, border; empty: all "link"
    element_label: tuple[str, ...] = ()  # (M,) empty: element_ids
    demand: Demand | None = None  # the network's own demand (TNTP trips, the embedded table)
    reference_flow: NDArray[np.float64] | None = None  # (E,) best-known link flows, when published
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Kernels are compiled for contiguous arrays of one dtype each: normalise once here.
        for name, dtype in _ARRAY_FIELDS.items():
            value = getattr(self, name)
            object.__setattr__(self, name, np.ascontiguousarray(value, dtype=dtype))

    def __repr__(self) -> str:
        return (
            f"FlowNetwork({self.name!r}: {self.n_nodes} nodes, {self.n_links} links, {self.n_elements} "
            f"capacity elements, {self.n_zones} zones; time in {self.time_unit}, flow in {self.flow_unit})"
        )

    @property
    def n_links(self) -> int:
        return int(self.tail.shape[0])

    @property
    def n_elements(self) -> int:
        return len(self.element_ids)

    @property
    def n_zones(self) -> int:
        return len(self.zones)

    @cached_property
    def zone_index(self) -> dict[str, int]:
        return {z: i for i, z in enumerate(self.zones)}

    @cached_property
    def csr(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Forward star: ``(indptr, order, head_sorted)``; ``order[k]`` is the link of the k-th CSR arc."""
        order = np.argsort(self.tail, kind="stable").astype(np.int64)
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.add.at(indptr, self.tail + 1, 1)
        return np.cumsum(indptr), order, self.head[order].astype(np.int64)

    @cached_property
    def link_elements(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Link to elements, CSR: ``(ptr, element)``; link ``a`` uses ``element[ptr[a]:ptr[a+1]]``."""
        counts = np.diff(self.element_ptr)
        owner = np.repeat(np.arange(self.n_elements, dtype=np.int64), counts)
        order = np.argsort(self.element_link, kind="stable")
        ptr = np.zeros(self.n_links + 1, dtype=np.int64)
        np.add.at(ptr, self.element_link + 1, 1)
        return np.cumsum(ptr), owner[order]

    @property
    def link_kinds(self) -> tuple[str, ...]:
        return self.link_kind or ("link",) * self.n_links

    @property
    def link_labels(self) -> tuple[str, ...]:
        return self.link_label or self.link_ids

    @property
    def element_kinds(self) -> tuple[str, ...]:
        return self.element_kind or ("link",) * self.n_elements

    @property
    def element_labels(self) -> tuple[str, ...]:
        return self.element_label or self.element_ids


def one_element_per_link(n_links: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(element_ptr, element_link)`` for a network whose every link is its own element (TNTP)."""
    return np.arange(n_links + 1, dtype=np.int64), np.arange(n_links, dtype=np.int64)
