"""Hard-capacity flow assignment: a min-cost multicommodity flow LP (HiGHS), with unserved demand and shadow prices.

Where equilibrium assignment (:mod:`corridor.assignment.solve`) lets congestion grow without bound, this mode treats
every capacity element as a wall: flows travel at free-flow cost, an element carries at most its capacity, and what
does not fit is reported as unserved. The duals of the capacity constraints say what one more unit of capacity at
each bottleneck is worth.

The linear program, for classes ``k`` and origins ``o`` (one commodity per class and origin zone)::

    minimize    sum_{k,o,a} c_ka x_koa  +  P sum_{k,o,d} u_kod
    subject to  sum_{a out of n} x_koa - sum_{a into n} x_koa
                    = [n = s_o] sum_d (q_kod - u_kod) - sum_{d: t_d = n} (q_kod - u_kod)   for every k, o, node n
                sum_{a in e} sum_{k,o} pce_k x_koa <= capacity_scale * capacity_e          for every element e
                x_koa >= 0,  0 <= u_kod <= q_kod

with ``c_ka`` the link's free-flow time plus the class's fixed cost (barred links get no variable), ``s_o`` and
``t_d`` the origin and destination nodes of the zones, and ``P`` the unserved penalty. Arcs leaving a
``no_through`` node exist only in the commodity whose origin is that node.

Two ways to solve it, with the same optimum:

- ``method="columns"`` (default; :mod:`corridor.assignment.columns`): the same LP over paths, by column
  generation (Dantzig-Wolfe). The OD pairs are grouped in blocks of up to
  :data:`corridor.assignment.columns.BLOCK_SIZE` pairs of one class and origin; a column of the restricted master
  serves its block's pairs on one path each (or leaves some unserved), and its variable is the share of the
  block's demand that takes it (one row per block: the shares sum to at most 1, the rest unserved), with one row
  per capped element. Each round finds, with one shortest-path tree per class and origin (the compiled kernels of
  :mod:`corridor.assignment.kernels`), the least-cost path of every pair on the link costs plus ``pce_k`` times
  the capacity duals; a block's column of these paths that costs less than its block's dual has a negative
  reduced cost and enters the master, which HiGHS (through highspy) re-solves from its last basis. When no column
  enters, the master's optimum is the LP's, and its duals are LP duals (the trees give node potentials for the
  arc form). The master stays small: a few columns per block instead of a variable per commodity and link.
- ``method="full"``: the arc-based LP in one piece, through scipy's linprog. Each commodity keeps only the nodes
  and arcs its origin reaches, and its origin's row is left out (implied by the others); HiGHS solves it by dual
  simplex or, for large LPs, interior point with crossover. Kept as the reference.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import Demand, FlowNetwork
from corridor.errors import InvalidOptionError, SolverError

if TYPE_CHECKING:
    import pandas as pd

    from corridor.assignment.problem import Problem

__all__ = [
    "IPM_ABOVE",
    "MAX_VARIABLES",
    "METHODS",
    "CapacityResult",
    "SolverError",
    "Unserved",
    "capacitated_flow",
]

Method = Literal["columns", "full"]
METHODS: tuple[str, ...] = ("columns", "full")

#: Refuse full LPs with more flow variables (commodities x links) than this: about 1 GB of solver memory.
MAX_VARIABLES = 5_000_000
#: Above this many variables use HiGHS's interior point method (with crossover, so duals are still a vertex's):
#: dual simplex / IPM took 1.5 s / 2.5 s on Anaheim (33k variables), 206 s / 124 s on Barcelona (225k), and
#: over 20 min (unfinished) / 25 min on Chicago-Sketch (1.2M).
IPM_ABOVE = 100_000


@dataclass(frozen=True, slots=True)
class Unserved:
    """Demand between two zones that the capacities (or the lack of any path, ``no_path``) leave unserved."""

    traffic_class: str
    origin: str
    destination: str
    amount: float
    no_path: bool = False


@dataclass(frozen=True, eq=False)
class CapacityResult:
    """The outcome of :func:`capacitated_flow`. Arrays are in the network's link and element order.

    ``shadow_price[e]`` is what one more unit of capacity of element ``e`` (in PCE flow units) would save, in the
    network's time unit per flow unit: zero where the element has spare or unlimited capacity. An element can be
    ``binding`` (full) with a zero price when more capacity would not help. ``objective`` counts travel cost and
    the penalty on demand left unserved by capacity; demand with no path at all is outside the LP.
    """

    network: FlowNetwork
    status: str
    objective: float
    served: float
    unserved_total: float
    unserved: tuple[Unserved, ...]
    unserved_penalty: float
    capacity_scale: float
    class_names: tuple[str, ...]
    class_flow: NDArray[np.float64]  # (K, E) in each class's units
    link_flow: NDArray[np.float64]  # (E,) PCE-weighted total
    element_volume: NDArray[np.float64]  # (M,) PCE-weighted
    element_capacity: NDArray[np.float64]  # (M,) capacity_scale x capacity, inf where unlimited
    shadow_price: NDArray[np.float64]  # (M,) >= 0
    binding: NDArray[np.bool_]  # (M,) at capacity
    total_demand: float
    n_variables: int
    seconds: float

    @property
    def utilization(self) -> NDArray[np.float64]:
        """Volume over (scaled) capacity per element; NaN where the capacity is unlimited or zero."""
        cap = self.element_capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            out: NDArray[np.float64] = np.where(np.isfinite(cap) & (cap > 0), self.element_volume / cap, np.nan)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The capacity elements with volume, capacity, binding and shadow price (as :meth:`elements_frame`).

        Returns
        -------
        pandas.DataFrame
            One row per element.
        """
        return self.elements_frame()

    def elements_frame(self) -> pd.DataFrame:
        """One row per capacity element: volume, (scaled) capacity, utilization, shadow price, binding."""
        import pandas as pd

        net = self.network
        return pd.DataFrame(
            {
                "element": net.element_ids,
                "label": net.element_labels,
                "kind": net.element_kinds,
                "volume": self.element_volume,
                "capacity": self.element_capacity,
                "utilization": self.utilization,
                "shadow_price": self.shadow_price,
                "binding": self.binding,
            }
        )

    def bottlenecks(self, n: int | None = None) -> pd.DataFrame:
        """Elements with a finite capacity ranked by shadow price, then utilization; ``n`` keeps the first n."""
        every = self.elements_frame()
        limited: pd.DataFrame = every.loc[np.isfinite(every["capacity"].to_numpy())]
        frame: pd.DataFrame = limited.sort_values(
            ["shadow_price", "utilization"], ascending=False, kind="stable", na_position="last"
        ).reset_index(drop=True)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        if n is not None:
            frame = frame.head(n)
        return frame

    def to_dict(self, *, top: int = 10) -> dict[str, Any]:
        """A JSON-ready summary: status, costs, unserved demand and the ``top`` bottlenecks."""
        return {
            "network": self.network.name,
            "time_unit": self.network.time_unit,
            "flow_unit": self.network.flow_unit,
            "status": self.status,
            "objective": self.objective,
            "total_demand": self.total_demand,
            "served": self.served,
            "unserved_total": self.unserved_total,
            "unserved_penalty": self.unserved_penalty,
            "capacity_scale": self.capacity_scale,
            "unserved": [
                {
                    "class": u.traffic_class,
                    "origin": u.origin,
                    "destination": u.destination,
                    "amount": u.amount,
                    "no_path": u.no_path,
                }
                for u in self.unserved
            ],
            "bottlenecks": [
                {
                    "element": str(row["element"]),
                    "label": str(row["label"]),
                    "kind": str(row["kind"]),
                    "volume": float(row["volume"]),
                    "capacity": float(row["capacity"]),
                    "utilization": None if math.isnan(row["utilization"]) else float(row["utilization"]),
                    "shadow_price": float(row["shadow_price"]),
                }
                for row in self.bottlenecks(top).to_dict(orient="records")
            ],
        }


@dataclass(frozen=True)
class _Commodity:
    """One class and origin zone: its arcs, and its nodes (but the origin's) numbered as conservation rows."""

    cls: int
    origin: int  # zone
    source: int  # node
    arcs: NDArray[np.int64]  # CSR arcs with a variable: usable by the class and reachable from the source
    row: NDArray[np.int64]  # (N,) conservation row of each node, -1 for the source and unreachable nodes
    destinations: NDArray[np.int64]  # zones with demand
    amounts: NDArray[np.float64]


def _free_flow_costs(p: Problem) -> NDArray[np.float64]:
    """(K, E) link cost per class at volume zero, CSR order, inf where barred."""
    from corridor.assignment.kernels import element_delay, link_time

    zero = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, np.zeros(p.vdf.shape[0]), False)
    free = link_time(p.fft, p.link_ptr, p.link_elem, zero)
    out: NDArray[np.float64] = free[None, :] + p.fixed
    return out


def _commodities(p: Problem, costs: NDArray[np.float64]) -> tuple[list[_Commodity], int]:
    """The commodities with demand, and the number of conservation rows.

    Each commodity keeps only the arcs it can reach, and drops its source's row: the rows of one commodity sum to
    zero, so one is redundant, and leaving it in costs HiGHS a long search for dependent equations.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n = p.indptr.size - 1

    def graph(mask: NDArray[np.bool_]) -> Any:
        g = csr_matrix((mask.astype(np.float64), p.head, p.indptr), shape=(n, n))
        g.eliminate_zeros()
        return g

    out = []
    first_row = 0
    blocked_tail = p.no_through[p.tail]
    for k in range(costs.shape[0]):
        usable = np.isfinite(costs[k])
        common = usable & ~blocked_tail
        shared = None
        for o in p.origins[k]:
            src = int(p.origin_node[o])
            if p.no_through[src]:
                # A no-through node may start a path: its own arcs belong to the commodity starting there.
                own = slice(p.indptr[src], p.indptr[src + 1])
                mask = common.copy()
                mask[own] = usable[own]
                g = graph(mask)
            else:
                mask = common
                shared = graph(common) if shared is None else shared
                g = shared
            reached = np.zeros(n, dtype=np.bool_)
            reached[breadth_first_order(g, src, directed=True, return_predecessors=False)] = True
            arcs = np.flatnonzero(mask & reached[p.tail])
            reached[src] = False
            row = np.full(n, -1, dtype=np.int64)
            count = int(reached.sum())
            row[reached] = first_row + np.arange(count)
            first_row += count
            demand_row = p.demand[k, o]
            dest = np.flatnonzero(demand_row > 0)
            out.append(_Commodity(k, int(o), src, arcs.astype(np.int64), row, dest.astype(np.int64), demand_row[dest]))
    return out, first_row


def _default_penalty(p: Problem, costs: NDArray[np.float64]) -> float:
    """10 x the longest free-flow least cost of any OD pair with demand, plus 1."""
    from corridor.assignment.kernels import skim

    longest = 0.0
    for k in range(costs.shape[0]):
        if not p.origins[k].size:
            continue
        dist = skim(p.indptr, p.head, costs[k], p.origin_node, p.destination_node, p.no_through)
        need = p.demand[k] > 0
        longest = max(longest, float(dist[need].max()))
    return 10.0 * longest + 1.0


def _gather(
    ptr: NDArray[np.int64], items: NDArray[np.int64], keys: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For CSR ``(ptr, items)``: (position in ``keys`` repeated per item, the items of each key, concatenated)."""
    counts = ptr[keys + 1] - ptr[keys]
    owner = np.repeat(np.arange(keys.size, dtype=np.int64), counts)
    starts = np.repeat(ptr[keys] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return owner, items[starts + np.arange(owner.size)]


@dataclass(frozen=True)
class _Pairs:
    """The OD pairs with demand, class by class and origin by origin: the demand rows of the path LP."""

    cls: NDArray[np.int64]
    origin: NDArray[np.int64]  # zone
    destination: NDArray[np.int64]  # zone
    amount: NDArray[np.float64]

    @classmethod
    def of(cls, p: Problem) -> _Pairs:
        k, o, d = np.nonzero(p.demand > 0)
        return cls(k.astype(np.int64), o.astype(np.int64), d.astype(np.int64), p.demand[k, o, d])


@dataclass(frozen=True)
class _Solution:
    """What either method hands back: class flows in CSR order, unserved per OD pair, duals per capped element."""

    csr_flow: NDArray[np.float64]  # (K, E)
    unserved: NDArray[np.float64]  # per OD pair of _Pairs
    objective: float
    status: str
    duals: NDArray[np.float64]  # (capped elements,), >= 0
    n_variables: int


def _capped_of_links(p: Problem) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Elements with a finite capacity, and for CSR links their capped elements (``ptr``, ``elements``)."""
    capped = np.isfinite(p.cap)
    keep = capped[p.link_elem]
    link_owner = np.repeat(np.arange(p.n_links, dtype=np.int64), np.diff(p.link_ptr))
    ptr = np.concatenate(([0], np.cumsum(np.bincount(link_owner[keep], minlength=p.n_links)))).astype(np.int64)
    return capped, ptr, p.link_elem[keep]


def _solve_full(
    p: Problem,
    costs: NDArray[np.float64],
    penalty: float,
    capacity_scale: float,
    max_seconds: float | None,
    pairs: _Pairs,
) -> _Solution:
    """The arc-based LP of the module docstring, in one piece (scipy's linprog, HiGHS)."""
    from scipy import sparse
    from scipy.optimize import linprog

    n_commodities = sum(int(o.size) for o in p.origins)
    n_links = p.n_links
    if n_commodities * n_links > MAX_VARIABLES:
        raise InvalidOptionError(
            f"The capacity LP would have {n_commodities} commodities (class, origin) x {n_links} links = "
            f"{n_commodities * n_links:,} flow variables, above the limit of {MAX_VARIABLES:,}; aggregate zones, "
            "use method='columns' or equilibrium assignment (corridor.assign)"
        )
    comms, n_rows = _commodities(p, costs)
    n_k = len(p.class_names)

    # Flow columns, commodity by commodity; unserved columns after them, one per OD pair with demand (a virtual
    # arc from the origin node to the destination node, bounded by the demand), in the order of _Pairs.
    arc = np.concatenate([c.arcs for c in comms]) if comms else np.zeros(0, np.int64)
    col_cls = np.concatenate([np.full(c.arcs.size, c.cls, dtype=np.int64) for c in comms]) if comms else arc
    n_flow = int(arc.size)
    u_amount = np.concatenate([c.amounts for c in comms]) if comms else np.zeros(0)
    n_u = int(u_amount.size)
    n_var = n_flow + n_u

    # Conservation, out - in = supply - demand, on every reachable node but the source (whose row is implied).
    # Where two zones share a destination node their unserved variables split the shortfall arbitrarily.
    tail_row = np.concatenate([c.row[p.tail[c.arcs]] for c in comms]) if comms else arc
    head_row = np.concatenate([c.row[p.head[c.arcs]] for c in comms]) if comms else arc
    u_row = np.concatenate([c.row[p.destination_node[c.destinations]] for c in comms]) if comms else arc
    flow_cols = np.arange(n_flow, dtype=np.int64)
    rows = np.concatenate((tail_row, head_row, u_row))
    cols = np.concatenate((flow_cols, flow_cols, n_flow + np.arange(n_u, dtype=np.int64)))
    vals = np.concatenate((np.ones(n_flow), -np.ones(n_flow), -np.ones(n_u)))
    present = rows >= 0
    a_eq = sparse.csr_matrix((vals[present], (rows[present], cols[present])), shape=(n_rows, n_var))
    b_eq = np.zeros(n_rows)
    np.add.at(b_eq, u_row[u_row >= 0], -u_amount[u_row >= 0])

    # Capacity: one row per element with a finite capacity.
    capped, capped_ptr, capped_elem = _capped_of_links(p)
    row_of = np.full(p.cap.size, -1, dtype=np.int64)
    row_of[capped] = np.arange(int(capped.sum()))
    owner, elem = _gather(capped_ptr, capped_elem, arc)
    a_ub = sparse.csr_matrix((p.pce[col_cls[owner]], (row_of[elem], owner)), shape=(int(capped.sum()), n_var))
    b_ub = capacity_scale * p.cap[capped]

    c = np.concatenate((costs[col_cls, arc], np.full(n_u, penalty)))
    bounds = np.zeros((n_var, 2))
    bounds[:n_flow, 1] = np.inf
    bounds[n_flow:, 1] = u_amount

    if not n_var:
        return _Solution(
            np.zeros((n_k, n_links)), np.zeros(0), 0.0, "No demand to assign", np.zeros(int(capped.sum())), 0
        )
    res = linprog(
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs-ipm" if n_var > IPM_ABOVE else "highs-ds",
        options={} if max_seconds is None else {"time_limit": float(max_seconds)},
    )
    if res.status != 0:
        raise SolverError(f"The capacity LP was not solved: {res.message}")
    x = np.asarray(res.x, dtype=np.float64)
    # HiGHS marginals are d objective / d b_ub: <= 0 for a <= constraint of a minimization.
    duals = -np.asarray(res.ineqlin.marginals, dtype=np.float64) if a_ub.shape[0] else np.zeros(0)
    csr_flow = np.zeros((n_k, n_links))
    np.add.at(csr_flow, (col_cls, arc), np.maximum(x[:n_flow], 0.0))
    return _Solution(csr_flow, x[n_flow:], float(res.fun), str(res.message), np.maximum(duals, 0.0), n_var)


def capacitated_flow(
    network: FlowNetwork,
    demand: Demand | None = None,
    *,
    toll_factor: float = 0.0,
    distance_factor: float = 0.0,
    unserved_penalty: float | None = None,
    capacity_scale: float = 1.0,
    max_seconds: float | None = None,
    method: Method = "columns",
) -> CapacityResult:
    """Least-cost flows of ``demand`` on ``network`` within hard element capacities (a linear program, HiGHS).

    Parameters
    ----------
    network
        A FlowNetwork; each element with a finite capacity becomes a constraint (inf: unlimited, and 0 closes
        the element's links).
    demand
        The classes and their OD matrices; ``None`` for the network's own demand.
    toll_factor, distance_factor
        Generalized cost: free-flow time + toll_factor x toll + distance_factor x length (+ the class's fixed
        cost), in the network's time unit.
    unserved_penalty
        Cost per unit of demand left unserved, in the network's time unit. Default: 10 x the longest free-flow
        least cost of any OD pair with demand, plus 1, so that demand is served wherever capacity allows. A
        penalty below an OD pair's path cost leaves that demand unserved on purpose (lost trade).
    capacity_scale
        Multiplies every capacity (0.5: half the capacity everywhere).
    max_seconds
        Stop the solver after this long (raising :class:`SolverError`); default no limit.
    method
        ``"columns"``: the path-based LP by column generation (HiGHS through highspy, warm-started between
        rounds); ``"full"``: the arc-based LP in one piece (scipy's linprog), the reference. Same optimum.

    Returns
    -------
    CapacityResult
        Link and element flows, binding elements and their shadow prices, unserved demand; ``to_frame()`` and
        ``to_dict()``.

    Raises
    ------
    InvalidOptionError
        For bad numbers, demand that does not fit the network, an unknown method, or (``"full"``) an LP above
        :data:`MAX_VARIABLES`.
    SolverError
        When HiGHS stops without an optimal solution; the message is the solver's.

    Notes
    -----
    Shadow prices are the duals of the capacity rows, negated: HiGHS reports the derivative of the objective by
    the right-hand side, which is <= 0 for a <= row of a minimization (more capacity lowers the cost). Where the
    optimum is degenerate (several dual solutions) the price is the solver's vertex, one of several valid values,
    and the two methods may return different ones (each an optimal dual: same dual objective).

    Examples
    --------
    >>> import corridor
    >>> result = corridor.capacitated_flow(corridor.flow_network(corridor.load_network(), year=2024))
    >>> result.served > 0
    True
    >>> list(result.to_frame().columns[:2])
    ['element', 'label']
    """
    from corridor.assignment.problem import prepare

    if method not in METHODS:
        raise InvalidOptionError(f"Unknown method {method!r}; valid: {', '.join(METHODS)}")
    if not (np.isfinite(capacity_scale) and capacity_scale > 0):
        raise InvalidOptionError(f"The capacity scale must be a positive number, got {capacity_scale!r}")
    if unserved_penalty is not None and not (np.isfinite(unserved_penalty) and unserved_penalty > 0):
        raise InvalidOptionError(
            f"The unserved penalty must be a positive number (cost per unit of unserved demand), "
            f"got {unserved_penalty!r}"
        )
    if max_seconds is not None and not (np.isfinite(max_seconds) and max_seconds > 0):
        raise InvalidOptionError(f"max_seconds must be a positive number, got {max_seconds!r}")
    if demand is None:
        if network.demand is None:
            raise InvalidOptionError(f"Network {network.name!r} has no demand of its own; pass one")
        demand = network.demand
    p = prepare(network, demand, toll_factor=toll_factor, distance_factor=distance_factor)
    started = time.perf_counter()
    costs = _free_flow_costs(p)
    penalty = _default_penalty(p, costs) if unserved_penalty is None else float(unserved_penalty)
    pairs = _Pairs.of(p)
    if method == "columns":
        from corridor.assignment.columns import solve_columns as solve
    else:
        solve = _solve_full
    solution = solve(p, costs, penalty, capacity_scale, max_seconds, pairs)
    seconds = time.perf_counter() - started

    capped = np.isfinite(p.cap)
    class_flow = np.empty_like(solution.csr_flow)
    class_flow[:, p.perm] = solution.csr_flow
    link_flow = p.pce @ class_flow
    volume = np.zeros(network.n_elements)
    np.add.at(
        volume, np.repeat(np.arange(network.n_elements), np.diff(network.element_ptr)), link_flow[network.element_link]
    )
    element_capacity = np.where(capped, capacity_scale * p.cap, np.inf)
    shadow = np.zeros(network.n_elements)
    shadow[capped] = solution.duals
    binding = np.zeros(network.n_elements, dtype=np.bool_)
    limit = element_capacity[capped]
    binding[capped] = volume[capped] >= limit - 1e-7 * np.maximum(1.0, limit)

    zones = network.zones
    scale = max(1.0, float(pairs.amount.max())) if pairs.amount.size else 1.0
    lost = [
        Unserved(p.class_names[int(k)], zones[int(o)], zones[int(d)], float(amount))
        for k, o, d, amount in zip(pairs.cls, pairs.origin, pairs.destination, solution.unserved, strict=True)
        if amount > 1e-9 * scale
    ]
    lost += [Unserved(name, zones[o], zones[d], q, no_path=True) for name, o, d, q in p.unassigned]
    total = demand.total
    unserved_total = float(sum(u.amount for u in lost))
    return CapacityResult(
        network=network,
        status=solution.status,
        objective=solution.objective,
        served=total - unserved_total,
        unserved_total=unserved_total,
        unserved=tuple(lost),
        unserved_penalty=penalty,
        capacity_scale=float(capacity_scale),
        class_names=p.class_names,
        class_flow=class_flow,
        link_flow=link_flow,
        element_volume=volume,
        element_capacity=element_capacity,
        shadow_price=shadow,
        binding=binding,
        total_demand=total,
        n_variables=solution.n_variables,
        seconds=seconds,
    )
