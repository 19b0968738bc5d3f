"""Compiled kernels of flow assignment (numba): volume-delay functions, shortest-path trees, all-or-nothing loading.

Links are in forward-star (CSR) order: the arcs leaving node ``u`` are ``indptr[u]:indptr[u+1]``. Capacity-limited
elements map to links through ``element_ptr``/``element_link`` (element -> links) and ``link_ptr``/``link_elem``
(link -> elements). A link cost of ``inf`` bars the link. See docs/model.md for the formulas.

Everything here is compiled on first use and cached on disk (``cache=True``); nothing runs at import.
"""

from __future__ import annotations

import math
import os

# Idle OpenMP threads sleep rather than spin, so that a parallel loop does not stall behind another busy process
# (Chicago-Sketch BFW to 1e-4 beside one busy process: 2.4 s -> 1.5 s; on an idle machine about the same). Set
# before numba starts its threads; the user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

__all__ = [
    "aon",
    "element_delay",
    "element_derivative",
    "element_integral",
    "element_volume",
    "line_search",
    "link_time",
    "point_to_point_arcs",
    "price_paths",
    "skim",
    "warm_serial",
]

_BPR, _CONICAL, _QUEUE = 0, 1, 2


@njit(cache=True, inline="always")
def _ratio(v: float, cap: float) -> float:
    if not (0.0 < cap < math.inf):
        return 0.0  # no capacity limit (a zero capacity is only valid with a constant time)
    return v / cap


@njit(cache=True)
def _delay(kind: int, t0: float, cap: float, a: float, b: float, v: float, so: bool) -> float:
    """Delay of one element at volume ``v``; with ``so`` the marginal delay d + v d' (system optimum)."""
    x = _ratio(v, cap)
    if kind == _BPR:
        if a == 0.0:
            return 0.0
        d: float = t0 * a * x**b
        return d * (1.0 + b) if so and b > 0.0 else d
    if kind == _CONICAL:
        if x == 0.0 and not so:
            return 0.0
        bb = (2.0 * a - 1.0) / (2.0 * a - 2.0)
        u = 1.0 - x
        s = math.sqrt(a * a * u * u + bb * bb)
        d = t0 * (1.0 + s - a * u - bb)
        if so:
            d += x * t0 * (a - a * a * u / s)
        return d
    # queue: M/M/1-style t0 * a * x / (1 - x), continued linearly above x = b
    if x <= b:
        d = t0 * a * x / (1.0 - x)
        if so:
            d += x * t0 * a / ((1.0 - x) * (1.0 - x))
        return d
    slope = t0 * a / ((1.0 - b) * (1.0 - b))
    d = t0 * a * b / (1.0 - b) + slope * (x - b)
    if so:
        d += x * slope
    return d


@njit(cache=True)
def _derivative(kind: int, t0: float, cap: float, a: float, b: float, v: float, so: bool) -> float:
    """d delay / d volume (UE), or the derivative of the marginal delay (SO)."""
    if not (0.0 < cap < math.inf):
        return 0.0
    x = v / cap
    if kind == _BPR:
        if a == 0.0 or b == 0.0:
            return 0.0
        if x == 0.0:
            return t0 * a / cap if b == 1.0 else 0.0
        d1: float = t0 * a * b * x ** (b - 1.0) / cap
        return d1 * (1.0 + b) if so else d1
    if kind == _CONICAL:
        bb = (2.0 * a - 1.0) / (2.0 * a - 2.0)
        u = 1.0 - x
        s = math.sqrt(a * a * u * u + bb * bb)
        d1 = t0 * (a - a * a * u / s) / cap
        if so:
            d2 = t0 * a * a * bb * bb / (s * s * s) / (cap * cap)
            return 2.0 * d1 + v * d2
        return d1
    if x <= b:
        d1 = t0 * a / ((1.0 - x) * (1.0 - x)) / cap
        if so:
            d2 = 2.0 * t0 * a / ((1.0 - x) ** 3) / (cap * cap)
            return 2.0 * d1 + v * d2
        return d1
    d1 = t0 * a / ((1.0 - b) * (1.0 - b)) / cap
    return 2.0 * d1 if so else d1


@njit(cache=True)
def _integral(kind: int, t0: float, cap: float, a: float, b: float, v: float, so: bool) -> float:
    """Integral of the delay from 0 to ``v`` (UE, Beckmann), or ``v * delay(v)`` (SO, total delay)."""
    if so:
        return v * _delay(kind, t0, cap, a, b, v, False)
    if kind == _BPR:
        if a == 0.0:
            return 0.0
        if not (0.0 < cap < math.inf):
            return t0 * a * v if b == 0.0 else 0.0
        x = v / cap
        out: float = t0 * a * cap * x ** (b + 1.0) / (b + 1.0)
        return out
    if not (0.0 < cap < math.inf):
        return 0.0
    x = v / cap
    if kind == _CONICAL:
        bb = (2.0 * a - 1.0) / (2.0 * a - 2.0)

        def f(u: float) -> float:
            s = math.sqrt(a * a * u * u + bb * bb)
            return 0.5 * u * s + bb * bb / (2.0 * a) * math.asinh(a * u / bb)

        return cap * t0 * ((1.0 - bb) * x - a * (x - 0.5 * x * x) + f(1.0) - f(1.0 - x))
    if x <= b:
        return cap * t0 * a * (-x - math.log1p(-x))
    base = cap * t0 * a * (-b - math.log1p(-b))
    d_b = t0 * a * b / (1.0 - b)
    slope = t0 * a / ((1.0 - b) * (1.0 - b))
    dx = x - b
    return base + cap * (d_b * dx + 0.5 * slope * dx * dx)


@njit(cache=True)
def element_delay(
    vdf: NDArray[np.int8],
    t0: NDArray[np.float64],
    cap: NDArray[np.float64],
    alpha: NDArray[np.float64],
    beta: NDArray[np.float64],
    volume: NDArray[np.float64],
    so: bool,
) -> NDArray[np.float64]:
    """Delay of every element (marginal delay for SO)."""
    out = np.empty(volume.shape[0])
    for e in range(volume.shape[0]):
        out[e] = _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], volume[e], so)
    return out


@njit(cache=True)
def element_derivative(
    vdf: NDArray[np.int8],
    t0: NDArray[np.float64],
    cap: NDArray[np.float64],
    alpha: NDArray[np.float64],
    beta: NDArray[np.float64],
    volume: NDArray[np.float64],
    so: bool,
) -> NDArray[np.float64]:
    """Derivative of every element's (marginal) delay by its volume."""
    out = np.empty(volume.shape[0])
    for e in range(volume.shape[0]):
        out[e] = _derivative(vdf[e], t0[e], cap[e], alpha[e], beta[e], volume[e], so)
    return out


@njit(cache=True)
def element_integral(
    vdf: NDArray[np.int8],
    t0: NDArray[np.float64],
    cap: NDArray[np.float64],
    alpha: NDArray[np.float64],
    beta: NDArray[np.float64],
    volume: NDArray[np.float64],
    so: bool,
) -> float:
    """Sum over elements of the Beckmann integral (UE) or of volume x delay (SO)."""
    total = 0.0
    for e in range(volume.shape[0]):
        total += _integral(vdf[e], t0[e], cap[e], alpha[e], beta[e], volume[e], so)
    return total


@njit(cache=True)
def element_volume(
    element_ptr: NDArray[np.int64], element_link: NDArray[np.int64], link_volume: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Volume of every element: the sum of the (PCE-weighted) volumes of its links."""
    m = element_ptr.shape[0] - 1
    out = np.zeros(m)
    for e in range(m):
        s = 0.0
        for k in range(element_ptr[e], element_ptr[e + 1]):
            s += link_volume[element_link[k]]
        out[e] = s
    return out


@njit(cache=True)
def link_time(
    fft: NDArray[np.float64],
    link_ptr: NDArray[np.int64],
    link_elem: NDArray[np.int64],
    delay: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Time of every link: its constant time plus the delays of its elements."""
    out = fft.copy()
    for a in range(fft.shape[0]):
        for k in range(link_ptr[a], link_ptr[a + 1]):
            out[a] += delay[link_elem[k]]
    return out


@njit(cache=True)
def _tree(  # noqa: C901 (numba kernel: one compiled loop; splitting it costs calls in the hot path)
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    cost: NDArray[np.float64],
    source: int,
    no_through: NDArray[np.bool_],
    need: NDArray[np.float64],
    n_targets: int,
    dist: NDArray[np.float64],
    pred: NDArray[np.int64],
    done: NDArray[np.bool_],
    order: NDArray[np.int64],
    heap_key: NDArray[np.float64],
    heap_node: NDArray[np.int64],
) -> int:
    """Dijkstra (binary heap, lazy deletion) from ``source``; returns how many nodes were settled into ``order``.

    Stops once ``n_targets`` nodes with ``need > 0`` are settled (all of them when ``n_targets`` < 0).
    Nodes flagged ``no_through`` are settled but not expanded, except the source.
    """
    n = dist.shape[0]
    for i in range(n):
        dist[i] = np.inf
        pred[i] = -1
        done[i] = False
    dist[source] = 0.0
    heap_key[0] = 0.0
    heap_node[0] = source
    size = 1
    count = 0
    left = n_targets
    while size > 0:
        key = heap_key[0]
        u = heap_node[0]
        size -= 1
        if size > 0:
            # sift the last entry down from the root
            lk = heap_key[size]
            ln = heap_node[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and heap_key[c + 1] < heap_key[c]:
                    c += 1
                if heap_key[c] < lk:
                    heap_key[i] = heap_key[c]
                    heap_node[i] = heap_node[c]
                    i = c
                else:
                    break
            heap_key[i] = lk
            heap_node[i] = ln
        if done[u] or key > dist[u]:
            continue
        done[u] = True
        order[count] = u
        count += 1
        if need[u] > 0.0:
            left -= 1
            if left == 0:
                break
        if no_through[u] and u != source:
            continue
        for e in range(indptr[u], indptr[u + 1]):
            w = cost[e]
            if not w < np.inf:
                continue
            v = head[e]
            nd = key + w
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = e
                # push
                j = size
                size += 1
                while j > 0:
                    p = (j - 1) // 2
                    if heap_key[p] > nd:
                        heap_key[j] = heap_key[p]
                        heap_node[j] = heap_node[p]
                        j = p
                    else:
                        break
                heap_key[j] = nd
                heap_node[j] = v
    return count


@njit(cache=True)
def _point_to_point(
    indptr: NDArray[np.int64], head: NDArray[np.int64], cost: NDArray[np.float64], source: int, target: int
) -> tuple[bool, NDArray[np.int64]]:
    """The arcs of a least-cost path from ``source`` to ``target`` by :func:`_tree`, stopping at ``target``."""
    n = indptr.shape[0] - 1
    need = np.zeros(n)
    need[target] = 1.0
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    done = np.empty(n, np.bool_)
    order = np.empty(n, np.int64)
    heap_key = np.empty(head.shape[0] + 1)
    heap_node = np.empty(head.shape[0] + 1, np.int64)
    _tree(indptr, head, cost, source, np.zeros(n, np.bool_), need, 1, dist, pred, done, order, heap_key, heap_node)
    if not dist[target] < np.inf:
        return False, np.empty(0, np.int64)
    length = 0
    node = target
    while node != source:  # the tail of arc e is the row of indptr that holds it
        node = np.searchsorted(indptr, pred[node], side="right") - 1
        length += 1
    arcs = np.empty(length, np.int64)
    node = target
    for k in range(length - 1, -1, -1):
        arcs[k] = pred[node]
        node = np.searchsorted(indptr, pred[node], side="right") - 1
    return True, arcs


def point_to_point_arcs(
    indptr: NDArray[np.int64], head: NDArray[np.int32], weights: NDArray[np.float64], source: int, target: int
) -> list[int] | None:
    """Arcs of a least-weight path from ``source`` to ``target``, or None if unreachable: the answer of
    :func:`corridor.routing.kernels.shortest_path_arcs`, for loops that ask for many paths on one graph.

    The compiled Dijkstra of the assignment's trees (:func:`_tree`, binary heap), stopping once ``target`` is
    settled. A corridor-choice equilibrium asks for hundreds of thousands of such paths, where scipy's
    ``csgraph.dijkstra`` spent most of its time building a sparse matrix per call and the path's arcs were then
    looked up in Python; loading the compiled kernel costs about half a second once per process, which a one-off
    search should not pay.
    """
    found, arcs = _point_to_point(
        indptr, head.astype(np.int64, copy=False), np.ascontiguousarray(weights, dtype=np.float64), source, target
    )
    return [int(a) for a in arcs] if found else None


@njit(cache=True)
def _load_origins(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    tail: NDArray[np.int64],
    cost: NDArray[np.float64],
    origins: NDArray[np.int64],
    origin_node: NDArray[np.int64],
    destination_node: NDArray[np.int64],
    demand: NDArray[np.float64],
    no_through: NDArray[np.bool_],
    first: int,
    stride: int,
    local: NDArray[np.float64],
) -> float:
    """Load origins ``origins[first::stride]`` all-or-nothing into ``local``; returns sum(d_od * c_od)."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    z = destination_node.shape[0]
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    done = np.empty(n, np.bool_)
    order = np.empty(n, np.int64)
    heap_key = np.empty(m + 1)
    heap_node = np.empty(m + 1, np.int64)
    need = np.zeros(n)
    total = 0.0
    for k in range(first, origins.shape[0], stride):
        o = origins[k]
        targets = 0
        for d in range(z):
            q = demand[o, d]
            if q > 0.0:
                node = destination_node[d]
                if need[node] == 0.0:
                    targets += 1
                need[node] += q
        if targets == 0:
            continue
        count = _tree(
            indptr, head, cost, origin_node[o], no_through, need, targets, dist, pred, done, order, heap_key, heap_node
        )
        for d in range(z):
            q = demand[o, d]
            if q > 0.0 and dist[destination_node[d]] < np.inf:
                total += q * dist[destination_node[d]]
        for i in range(count - 1, -1, -1):
            u = order[i]
            f = need[u]
            if f != 0.0:
                e = pred[u]
                if e >= 0:
                    local[e] += f
                    need[tail[e]] += f
                need[u] = 0.0
        for d in range(z):
            need[destination_node[d]] = 0.0
    return total


@njit(cache=True, parallel=True)
def _aon_parallel(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    tail: NDArray[np.int64],
    cost: NDArray[np.float64],
    origins: NDArray[np.int64],
    origin_node: NDArray[np.int64],
    destination_node: NDArray[np.int64],
    demand: NDArray[np.float64],
    no_through: NDArray[np.bool_],
    chunks: int,
) -> tuple[NDArray[np.float64], float]:
    m = head.shape[0]
    flows = np.zeros((chunks, m))
    totals = np.zeros(chunks)
    for c in prange(chunks):
        totals[c] = _load_origins(
            indptr, head, tail, cost, origins, origin_node, destination_node, demand, no_through, c, chunks, flows[c]
        )
    out = np.zeros(m)
    for c in range(chunks):
        out += flows[c]
    return out, totals.sum()


#: Below this many (origins x links) one thread loads everything: starting threads would cost more than it saves.
PARALLEL_WORK = 200_000


def aon(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    tail: NDArray[np.int64],
    cost: NDArray[np.float64],
    origins: NDArray[np.int64],
    origin_node: NDArray[np.int64],
    destination_node: NDArray[np.int64],
    demand: NDArray[np.float64],
    no_through: NDArray[np.bool_],
    n_chunks: int,
) -> tuple[NDArray[np.float64], float]:
    """All-or-nothing loading of ``demand`` (zones x zones) on least-cost paths, in parallel over origins.

    ``origins`` lists the zones with demand. Returns the link flows and the total least cost sum(d_od * c_od).
    """
    chunks = max(1, min(n_chunks, origins.shape[0]))
    if chunks == 1 or origins.shape[0] * head.shape[0] < PARALLEL_WORK:
        out = np.zeros(head.shape[0])
        total = _load_origins(
            indptr, head, tail, cost, origins, origin_node, destination_node, demand, no_through, 0, 1, out
        )
        return out, float(total)
    flows, total = _aon_parallel(
        indptr, head, tail, cost, origins, origin_node, destination_node, demand, no_through, chunks
    )
    return flows, float(total)


@njit(cache=True, parallel=True)
def skim(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    cost: NDArray[np.float64],
    origin_node: NDArray[np.int64],
    destination_node: NDArray[np.int64],
    no_through: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """Least cost from every zone to every zone (inf where unreachable)."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    z = origin_node.shape[0]
    out = np.empty((z, z))
    need = np.zeros(n)
    for o in prange(z):
        dist = np.empty(n)
        pred = np.empty(n, np.int64)
        done = np.empty(n, np.bool_)
        order = np.empty(n, np.int64)
        heap_key = np.empty(m + 1)
        heap_node = np.empty(m + 1, np.int64)
        _tree(indptr, head, cost, origin_node[o], no_through, need, -1, dist, pred, done, order, heap_key, heap_node)
        for d in range(z):
            out[o, d] = dist[destination_node[d]]
    return out


@njit(cache=True)
def line_search(
    vdf: NDArray[np.int8],
    t0: NDArray[np.float64],
    cap: NDArray[np.float64],
    alpha: NDArray[np.float64],
    beta: NDArray[np.float64],
    volume: NDArray[np.float64],
    direction: NDArray[np.float64],
    constant: float,
    upper: float,
    so: bool,
) -> float:
    """The step in [0, upper] minimizing the objective along ``direction`` (element volumes), by bisection.

    The derivative along the step is ``constant + sum_e delay_e(V_e + s D_e) D_e``, where ``constant`` holds the
    parts that do not depend on the step (constant link times and fixed costs times the direction).
    """
    m = volume.shape[0]

    def slope(s: float) -> float:
        g = constant
        for e in range(m):
            de = direction[e]
            if de != 0.0:
                g += _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], volume[e] + s * de, so) * de
        return g

    if slope(0.0) >= 0.0:
        return 0.0
    if slope(upper) <= 0.0:
        return upper
    lo, hi = 0.0, upper
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0.0:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


@njit(cache=True, parallel=True)
def _price_trees(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    cost: NDArray[np.float64],
    no_through: NDArray[np.bool_],
    sources: NDArray[np.int64],
    od_ptr: NDArray[np.int64],
    od_node: NDArray[np.int64],
    pred: NDArray[np.int64],
    dist: NDArray[np.float64],
) -> None:
    """One tree per source, in parallel: ``pred[i]`` its predecessor arcs, ``dist[j]`` the cost to OD pair ``j``."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    for i in prange(sources.shape[0]):
        d = np.empty(n)
        done = np.empty(n, np.bool_)
        order = np.empty(n, np.int64)
        heap_key = np.empty(m + 1)
        heap_node = np.empty(m + 1, np.int64)
        need = np.zeros(n)
        targets = 0
        for j in range(od_ptr[i], od_ptr[i + 1]):
            if need[od_node[j]] == 0.0:
                need[od_node[j]] = 1.0
                targets += 1
        _tree(indptr, head, cost, sources[i], no_through, need, targets, d, pred[i], done, order, heap_key, heap_node)
        for j in range(od_ptr[i], od_ptr[i + 1]):
            dist[j] = d[od_node[j]]


@njit(cache=True)
def _trace_paths(
    pred: NDArray[np.int64],
    tail: NDArray[np.int64],
    od_tree: NDArray[np.int64],
    od_node: NDArray[np.int64],
    chosen: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The arcs of the tree paths to the chosen OD pairs, as CSR (``ptr``, ``arcs``)."""
    ptr = np.zeros(chosen.shape[0] + 1, np.int64)
    for c in range(chosen.shape[0]):
        j = chosen[c]
        tree = pred[od_tree[j]]
        count = 0
        e = tree[od_node[j]]
        while e >= 0:
            count += 1
            e = tree[tail[e]]
        ptr[c + 1] = ptr[c] + count
    arcs = np.empty(ptr[-1], np.int64)
    for c in range(chosen.shape[0]):
        j = chosen[c]
        tree = pred[od_tree[j]]
        k = ptr[c]
        e = tree[od_node[j]]
        while e >= 0:
            arcs[k] = e
            k += 1
            e = tree[tail[e]]
    return ptr, arcs


def price_paths(
    indptr: NDArray[np.int64],
    head: NDArray[np.int64],
    tail: NDArray[np.int64],
    cost: NDArray[np.float64],
    no_through: NDArray[np.bool_],
    sources: NDArray[np.int64],
    od_ptr: NDArray[np.int64],
    od_node: NDArray[np.int64],
    threshold: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]]:
    """Least-cost paths of OD pairs that cost less than their ``threshold`` (column generation's pricing).

    OD pairs are grouped by source: those of ``sources[i]`` are ``od_ptr[i]:od_ptr[i+1]``, ``od_node`` their
    destination nodes. One shortest-path tree per source on ``cost`` (``inf`` bars an arc); returns the OD pairs
    whose least cost is below their threshold, the least cost of every OD pair, and the chosen pairs' paths' arcs
    as CSR (``ptr``, ``arcs``).
    """
    pred = np.empty((sources.shape[0], indptr.shape[0] - 1), np.int64)
    dist = np.empty(od_node.shape[0])
    _price_trees(indptr, head, cost, no_through, sources, od_ptr, od_node, pred, dist)
    chosen = np.flatnonzero(dist < threshold).astype(np.int64)
    od_tree = np.repeat(np.arange(sources.shape[0], dtype=np.int64), np.diff(od_ptr))
    ptr, arcs = _trace_paths(pred, tail, od_tree, od_node, chosen)
    return chosen, dist, ptr, arcs


def warm_serial() -> None:
    """Compile, or load from numba's cache, the serial kernels a corridor-choice equilibrium calls, on a toy graph.

    For a process that forks workers (the job runner's forkserver): the parallel kernels (:func:`skim`,
    :func:`aon`, :func:`price_paths`) are left alone, since running one starts OpenMP threads, which GNU OpenMP
    cannot carry across a fork.
    """
    vdf = np.array([_QUEUE], np.int8)
    one = np.ones(1)
    volume = np.array([0.5])
    element_delay(vdf, one, one, one, one, volume, False)
    element_derivative(vdf, one, one, one, one, volume, False)
    element_integral(vdf, one, one, one, one, volume, False)
    ptr = np.array([0, 1], np.int64)
    element_volume(ptr, np.zeros(1, np.int64), one)
    link_time(one, ptr, np.zeros(1, np.int64), one)
    point_to_point_arcs(np.array([0, 1, 1], np.int64), np.array([1], np.int32), one, 0, 1)
