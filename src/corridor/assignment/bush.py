"""Algorithm B (Dial, 2006): origin-based equilibrium assignment on acyclic bushes, for tight relative gaps.

One bush per (class, origin zone): an acyclic set of links rooted at the zone's origin node that carries all of
that zone's trips of that class. A sweep visits the bushes in turn, Gauss-Seidel: link costs follow every shift.

* Start: the least-cost tree of each origin, at the costs left by the origins loaded before it.
* Bush update: drop the links without flow that are not on the bush's least-cost tree, then add every link
  (i, j) with U_i + c_ij < U_j, where U is the longest-path label over all bush links. U never decreases along a
  bush link and strictly increases along an added one, so no cycle can form, zero-cost links and ties included;
  the topological order is then rebuilt by Kahn's algorithm rather than inferred from labels. Links out of
  ``no_through`` nodes (other than the root) never enter a bush.
* Flow shift: at every node j, farthest first, follow the least-cost path and the longest used path back to
  where they meet; move flow from the longest segment to the cheapest by a Newton step on their cost
  difference. The derivative counts shared capacity elements exactly (an element used by both segments cancels,
  one used twice counts four times), the step is bounded by the least flow on the longest segment, and pulled
  back by regula falsi where it would overshoot (the cheap segment becoming the dearer one). Where another
  class from the same zone prefers the longest segment (its fixed costs differ), the two first swap flow
  between the segments: volumes and costs stay as they are, so no Newton step would ever get there.
* Extrapolation: after the sweeps of an iteration, every bush carries on along its move of the iteration as far
  as an exact line search on the objective allows (classes of one PCE only: the objective is then a potential).
  Sweeps can undo each other, bushes passing flow round a cycle of routes that barely moves the link flows;
  along the whole move the objective is flat and falling, and the line search goes to where a bush runs dry.

Nie (2010, "A class of bush-based algorithms for the traffic assignment problem") compares these rules; Boyles'
TAP-B follows the same structure. Class flows are rebuilt from the bush flows at the start of every sweep so
that rounding does not accumulate.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit
from numpy.typing import NDArray

from corridor.assignment.kernels import _delay, _derivative, _tree
from corridor.assignment.problem import Problem, Progress, State, evaluate, link_costs, relative_gap

__all__ = ["algorithm_b"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]
B1 = NDArray[np.bool_]

#: indptr, head, tail, fft, link_ptr, link_elem, element_ptr, element_link, vdf, t0, cap, alpha, beta, no_through
Net = tuple[I64, I64, I64, F64, I64, I64, I64, I64, I8, F64, F64, F64, F64, B1]
#: class flows x (K, E), element volume, delay and its derivative (M,), link time (E,): UE or SO (marginal)
Loads = tuple[F64, F64, F64, F64, F64]
#: bush class, bush root node, flow (B, E), in_bush (B, E), node order (B, N), nodes, links in order (B, E), links,
#: the bush of each class from the same zone (B, K; -1 where that class has no trips from there)
Bushes = tuple[I64, I64, F64, B1, I32, I64, I32, I64, I64]
#: least-cost label and link, longest-path label and link, topological position, in-degree (N,);
#: element count and touched elements (M,)
Work = tuple[F64, I64, F64, I64, I64, I64, I64, I64]

_SWEEPS = 6  # sweeps between two gap computations (each costs a shortest-path tree per origin)
_UPDATE_EVERY = 2  # bush updates on every other sweep; the sweeps between only shift flows
_PASSES = 3  # most shift passes over one bush in one sweep
_TOL_FACTOR = 0.1  # a bush is left once its largest relative spread (U - L) / U is this times the gap
_SAFE_ITER = 8  # regula falsi steps when a Newton step overshoots
_RESIDUE = 1e-11  # flow left by a shift on a link, relative to its flow before, that is only rounding
_MIN_REACH = 1.0  # extrapolation moves the bushes that can go at least this far again along their last move


# --------------------------------------------------------------------------------------------------------------
# Link costs


@njit(cache=True)
def _refresh_all(net: Net, so: bool, pce: F64, loads: Loads) -> None:
    """Element volumes, delays, derivatives and link times from the class flows, from scratch."""
    _, _, _, fft, link_ptr, link_elem, element_ptr, element_link, vdf, t0, cap, alpha, beta, _ = net
    x, volume, edelay, ederiv, link_t = loads
    for e in range(volume.shape[0]):
        v = 0.0
        for i in range(element_ptr[e], element_ptr[e + 1]):
            a = element_link[i]
            for k in range(x.shape[0]):
                v += pce[k] * x[k, a]
        volume[e] = v
        edelay[e] = _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
        ederiv[e] = _derivative(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
    for a in range(fft.shape[0]):
        t = fft[a]
        for i in range(link_ptr[a], link_ptr[a + 1]):
            t += edelay[link_elem[i]]
        link_t[a] = t


@njit(cache=True)
def _refresh_elements(net: Net, so: bool, loads: Loads, touched: I64, n_touched: int) -> None:
    """Delays of the elements ``touched[:n_touched]`` and the time of every link that uses one of them."""
    _, _, _, fft, link_ptr, link_elem, element_ptr, element_link, vdf, t0, cap, alpha, beta, _ = net
    _, volume, edelay, ederiv, link_t = loads
    for i in range(n_touched):
        e = touched[i]
        if volume[e] < 0.0:  # rounding: a negative ratio has no real power
            volume[e] = 0.0
        v = volume[e]
        edelay[e] = _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
        ederiv[e] = _derivative(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
    for i in range(n_touched):
        e = touched[i]
        for j in range(element_ptr[e], element_ptr[e + 1]):
            a = element_link[j]
            t = fft[a]
            for q in range(link_ptr[a], link_ptr[a + 1]):
                t += edelay[link_elem[q]]
            link_t[a] = t


# --------------------------------------------------------------------------------------------------------------
# Bushes


@njit(cache=True)
def _collect(b: int, net: Net, bushes: Bushes) -> None:
    """List the bush's links by the topological position of their tails."""
    indptr = net[0]
    _, _, _, in_bush, order, n_order, links, n_links, _ = bushes
    n = 0
    for i in range(n_order[b]):
        u = order[b, i]
        for a in range(indptr[u], indptr[u + 1]):
            if in_bush[b, a]:
                links[b, n] = a
                n += 1
    n_links[b] = n


@njit(cache=True)
def _init_bushes(
    net: Net,
    so: bool,
    pce: F64,
    fixed: F64,
    demand: F64,
    bush_zone: I64,
    destination_node: I64,
    bushes: Bushes,
    loads: Loads,
) -> None:
    """Each bush starts as the least-cost tree of its origin, at the costs left by the bushes loaded before it."""
    indptr, head, tail, _, link_ptr, link_elem, _, _, _, _, _, _, _, no_through = net
    bush_class, bush_root, flow, in_bush, order, n_order, _, _, _ = bushes
    x, volume, _, _, link_t = loads
    n = indptr.shape[0] - 1
    m = head.shape[0]
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    done = np.empty(n, np.bool_)
    settled = np.empty(n, np.int64)
    heap_key = np.empty(m + 1)
    heap_node = np.empty(m + 1, np.int64)
    zero = np.zeros(n)
    need = np.zeros(n)
    cost = np.empty(m)
    mark = np.zeros(volume.shape[0], np.bool_)
    touched = np.empty(volume.shape[0], np.int64)
    _refresh_all(net, so, pce, loads)
    for b in range(bush_class.shape[0]):
        k = bush_class[b]
        for a in range(m):
            cost[a] = link_t[a] + fixed[k, a]
        # Dijkstra settles every node after its tree predecessor: a topological order of the tree.
        count = _tree(
            indptr, head, cost, bush_root[b], no_through, zero, -1, dist, pred, done, settled, heap_key, heap_node
        )
        n_order[b] = count
        for i in range(count):
            order[b, i] = settled[i]
        for d in range(destination_node.shape[0]):
            need[destination_node[d]] += demand[k, bush_zone[b], d]
        n_touched = 0
        for i in range(count - 1, -1, -1):
            u = settled[i]
            a = pred[u]
            if a >= 0:
                in_bush[b, a] = True
                f = need[u]
                if f > 0.0:
                    flow[b, a] = f
                    x[k, a] += f
                    need[tail[a]] += f
                    for j in range(link_ptr[a], link_ptr[a + 1]):
                        e = link_elem[j]
                        volume[e] += pce[k] * f
                        if not mark[e]:
                            mark[e] = True
                            touched[n_touched] = e
                            n_touched += 1
            need[u] = 0.0
        _refresh_elements(net, so, loads, touched, n_touched)
        for i in range(n_touched):
            mark[touched[i]] = False
        _collect(b, net, bushes)


@njit(cache=True)
def _labels(b: int, k: int, fixed: F64, net: Net, loads: Loads, bushes: Bushes, used_only: bool, work: Work) -> None:
    """Least-cost labels over all bush links, longest-path labels over the used (or all) bush links."""
    head, tail = net[1], net[2]
    link_t = loads[4]
    _, bush_root, flow, _, order, n_order, links, n_links, _ = bushes
    lo, lo_pred, hi, hi_pred = work[0], work[1], work[2], work[3]
    for i in range(n_order[b]):
        u = order[b, i]
        lo[u] = np.inf
        hi[u] = -np.inf
        lo_pred[u] = -1
        hi_pred[u] = -1
    root = bush_root[b]
    lo[root] = 0.0
    hi[root] = 0.0
    for i in range(n_links[b]):
        a = links[b, i]
        u = tail[a]
        v = head[a]
        c = link_t[a] + fixed[k, a]
        if lo[u] + c < lo[v]:
            lo[v] = lo[u] + c
            lo_pred[v] = a
        if (flow[b, a] > 0.0 or not used_only) and hi[u] + c > hi[v]:
            hi[v] = hi[u] + c
            hi_pred[v] = a


@njit(cache=True)
def _topological_order(b: int, net: Net, bushes: Bushes, work: Work) -> None:
    """Kahn's algorithm over the bush links: exact whatever the costs, ties and zero-cost links included."""
    indptr, head = net[0], net[1]
    _, bush_root, _, in_bush, order, n_order, _, _, _ = bushes
    indegree = work[5]
    count = n_order[b]
    for i in range(count):
        indegree[order[b, i]] = 0
    for i in range(count):
        u = order[b, i]
        for a in range(indptr[u], indptr[u + 1]):
            if in_bush[b, a]:
                indegree[head[a]] += 1
    order[b, 0] = bush_root[b]
    n_out = 1
    i = 0
    while i < n_out:
        u = order[b, i]
        i += 1
        for a in range(indptr[u], indptr[u + 1]):
            if in_bush[b, a]:
                v = head[a]
                indegree[v] -= 1
                if indegree[v] == 0:
                    order[b, n_out] = v
                    n_out += 1
    if n_out != count:
        raise RuntimeError("Algorithm B: a bush lost its topological order (a cycle)")


@njit(cache=True)
def _update_bush(b: int, k: int, fixed: F64, net: Net, loads: Loads, bushes: Bushes, work: Work) -> int:
    """Drop unused links off the least-cost tree, add the links that shorten a longest path; returns links added."""
    indptr, head, no_through = net[0], net[1], net[13]
    link_t = loads[4]
    _, bush_root, flow, in_bush, order, n_order, links, n_links, _ = bushes
    lo_pred, hi = work[1], work[2]
    _labels(b, k, fixed, net, loads, bushes, True, work)
    kept = 0
    for i in range(n_links[b]):
        a = links[b, i]
        if flow[b, a] > 0.0 or lo_pred[head[a]] == a:
            links[b, kept] = a
            kept += 1
        else:
            in_bush[b, a] = False
    n_links[b] = kept
    # Longest paths over every remaining link: a potential that no bush link decreases.
    _labels(b, k, fixed, net, loads, bushes, False, work)
    root = bush_root[b]
    added = 0
    for i in range(n_order[b]):
        u = order[b, i]
        if no_through[u] and u != root:
            continue
        hu = hi[u]
        for a in range(indptr[u], indptr[u + 1]):
            # Strict: an added link raises the potential, so it cannot close a cycle; inf costs never pass.
            if not in_bush[b, a] and hu + (link_t[a] + fixed[k, a]) < hi[head[a]]:
                in_bush[b, a] = True
                added += 1
    if added:
        _topological_order(b, net, bushes, work)
        _collect(b, net, bushes)
    return added


# --------------------------------------------------------------------------------------------------------------
# Flow shifts


@njit(cache=True)
def _delay_sum(step: float, pce: float, net: Net, so: bool, volume: F64, count_e: I64, touched: I64, n: int) -> float:
    """Sum of count x delay over the touched elements once ``step`` moved (count: cheap minus long segment uses)."""
    vdf, t0, cap, alpha, beta = net[8], net[9], net[10], net[11], net[12]
    total = 0.0
    for q in range(n):
        e = touched[q]
        ce = count_e[e]
        if ce != 0:
            v = max(volume[e] + pce * step * ce, 0.0)
            total += ce * _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
    return total


@njit(cache=True)
def _safe_step(
    step: float,
    diff: float,
    constant: float,
    pce: float,
    net: Net,
    so: bool,
    volume: F64,
    count_e: I64,
    touched: I64,
    n: int,
) -> float:
    """``step``, or less where the cost difference ``constant - delay_sum(step)`` would turn clearly negative."""
    g = constant - _delay_sum(step, pce, net, so, volume, count_e, touched, n)
    if g >= -1e-3 * diff:
        return step
    # Regula falsi, Illinois variant, on [0, step] where the difference goes from diff > 0 to g < 0.
    lo_s, lo_g, hi_s, hi_g = 0.0, diff, step, g
    side = 0
    for _ in range(_SAFE_ITER):
        s = lo_s + (hi_s - lo_s) * lo_g / (lo_g - hi_g)
        g = constant - _delay_sum(s, pce, net, so, volume, count_e, touched, n)
        if abs(g) <= 1e-3 * diff:
            return s
        if g > 0.0:
            lo_s, lo_g = s, g
            if side == 1:
                hi_g *= 0.5  # the same end moved twice: halve the other's weight
            side = 1
        else:
            hi_s, hi_g = s, g
            if side == -1:
                lo_g *= 0.5
            side = -1
    return lo_s  # the largest step known not to overshoot


@njit(cache=True)
def _exchange(
    b: int,
    k: int,
    j: int,
    meet: int,
    diff: float,
    least: float,
    pce: F64,
    fixed: F64,
    tail: I64,
    x: F64,
    flow: F64,
    in_bush: B1,
    sibling: I64,
    lo_pred: I64,
    hi_pred: I64,
) -> float:
    """Swap flow with the other classes from the same zone that prefer the longest segment; returns ``least`` left.

    Class k would move from the longest segment to the cheapest; a class l whose fixed costs make the longest one
    cheaper for it would move the other way. Moving both by the same capacity use leaves every volume, hence
    every cost, as it was: the two would trade small Newton steps back and forth for ever, as the objective is
    flat along the swap but for the fixed costs. Swap as much as their flows allow instead.
    """
    for cls in range(sibling.shape[1]):
        b2 = sibling[b, cls]
        if b2 < 0 or cls == k:
            continue
        # Both segments in the other bush, and flow on all of the cheapest one there.
        shift_other = 0.0  # the fixed-cost difference of class cls less that of class k, longest minus cheapest
        room = np.inf
        ok = True
        w = j
        while w != meet:
            a = lo_pred[w]
            if not in_bush[b2, a]:
                ok = False
                break
            room = min(room, flow[b2, a])
            shift_other -= fixed[cls, a] - fixed[k, a]
            w = tail[a]
        if not ok or not room > 0.0:
            continue
        w = j
        while w != meet:
            a = hi_pred[w]
            if not in_bush[b2, a]:
                ok = False
                break
            shift_other += fixed[cls, a] - fixed[k, a]
            w = tail[a]
        if not ok or not diff + shift_other < 0.0:
            continue
        # Same capacity use both ways: pce_k * ours == pce_cls * theirs.
        if pce[k] * least <= pce[cls] * room:
            ours, theirs = least, pce[k] * least / pce[cls]
        else:
            ours, theirs = pce[cls] * room / pce[k], room
        w = j
        while w != meet:
            a = hi_pred[w]
            f = flow[b, a]
            flow[b, a] = f - ours if f - ours > _RESIDUE * f else 0.0
            x[k, a] -= ours
            flow[b2, a] += theirs
            x[cls, a] += theirs
            w = tail[a]
        w = j
        while w != meet:
            a = lo_pred[w]
            flow[b, a] += ours
            x[k, a] += ours
            f = flow[b2, a]
            flow[b2, a] = f - theirs if f - theirs > _RESIDUE * f else 0.0
            x[cls, a] -= theirs
            w = tail[a]
        least -= ours
        if not least > _RESIDUE * ours:
            return 0.0
    return least


@njit(cache=True)
def _shift_bush(  # noqa: C901 (numba kernel: one compiled loop; splitting it costs calls in the hot path)
    b: int, k: int, pce: F64, fixed: F64, net: Net, so: bool, loads: Loads, bushes: Bushes, tol: float, work: Work
) -> float:
    """One pass of flow shifts over a bush; returns the largest relative spread (U - L) / U it met."""
    tail, link_ptr, link_elem = net[2], net[4], net[5]
    x, volume, edelay, ederiv, link_t = loads
    _, _, flow, in_bush, order, n_order, _, _, sibling = bushes
    lo, lo_pred, hi, hi_pred, pos, _, count_e, touched = work
    _labels(b, k, fixed, net, loads, bushes, True, work)
    count = n_order[b]
    for i in range(count):
        pos[order[b, i]] = i
    g_pce = pce[k]
    worst = 0.0
    for i in range(count - 1, 0, -1):
        j = order[b, i]
        hp = hi_pred[j]
        lp = lo_pred[j]
        if hp < 0 or lp == hp:
            continue  # no flow reaches j, or the two paths part further upstream and are handled there
        spread = hi[j] - lo[j]
        if not spread > 0.0:
            continue
        rel = spread / hi[j]
        worst = max(worst, rel)
        if rel <= tol:
            continue
        # Where the least-cost and the longest used path to j meet.
        u = tail[lp]
        v = tail[hp]
        last = hp
        while u != v:
            if pos[u] > pos[v]:
                u = tail[lo_pred[u]]
            else:
                a = hi_pred[v]
                if a < 0:
                    break
                last = a
                v = tail[a]
        if u != v:
            # Flow leaves v but none enters: the rounding residue of earlier shifts. Drop it.
            x[k, last] -= flow[b, last]
            flow[b, last] = 0.0
            continue
        meet = u
        # Segment costs, the least flow on the longest segment, and how often each segment uses each element.
        n_t = 0
        c_lo = 0.0
        w = j
        while w != meet:
            a = lo_pred[w]
            c_lo += link_t[a] + fixed[k, a]
            for q in range(link_ptr[a], link_ptr[a + 1]):
                e = link_elem[q]
                if count_e[e] == 0:
                    touched[n_t] = e
                    n_t += 1
                count_e[e] += 1
            w = tail[a]
        c_hi = 0.0
        least = np.inf
        w = j
        while w != meet:
            a = hi_pred[w]
            c_hi += link_t[a] + fixed[k, a]
            least = min(least, flow[b, a])
            for q in range(link_ptr[a], link_ptr[a + 1]):
                e = link_elem[q]
                if count_e[e] == 0:
                    touched[n_t] = e
                    n_t += 1
                count_e[e] -= 1
            w = tail[a]
        diff = c_hi - c_lo
        if diff > 0.0 and least > 0.0 and sibling.shape[1] > 1:
            least = _exchange(b, k, j, meet, diff, least, pce, fixed, tail, x, flow, in_bush, sibling, lo_pred, hi_pred)
        if diff > 0.0 and least > 0.0:
            slope = 0.0
            constant = diff  # the cost difference less its volume-dependent part
            for q in range(n_t):
                e = touched[q]
                ce = count_e[e]
                slope += ederiv[e] * ce * ce
                constant += ce * edelay[e]
            slope *= g_pce
            step = diff / slope if slope > 0.0 and diff < slope * least else least
            step = _safe_step(step, diff, constant, g_pce, net, so, volume, count_e, touched, n_t)
            w = j
            while w != meet:
                a = hi_pred[w]
                f = flow[b, a]
                rest = f - step  # exactly zero on the link that bounds the step
                flow[b, a] = rest if rest > _RESIDUE * f else 0.0
                x[k, a] -= step
                w = tail[a]
            w = j
            while w != meet:
                a = lo_pred[w]
                flow[b, a] += step
                x[k, a] += step
                w = tail[a]
            dv = g_pce * step
            for q in range(n_t):
                e = touched[q]
                volume[e] += dv * count_e[e]
            _refresh_elements(net, so, loads, touched, n_t)
        for q in range(n_t):
            count_e[touched[q]] = 0
    return worst


@njit(cache=True)
def _sweep(
    net: Net, so: bool, pce: F64, fixed: F64, bushes: Bushes, loads: Loads, update: bool, passes: int, tol: float
) -> int:
    """Visit every bush once: update it if asked, then shift flows until its spread is within ``tol``."""
    bush_class, _, flow, _, _, _, _, _, _ = bushes
    x = loads[0]
    n = net[0].shape[0] - 1
    m_elements = net[9].shape[0]
    # Class flows from the bush flows and costs from scratch: no drift from the incremental updates.
    x[:, :] = 0.0
    for b in range(bush_class.shape[0]):
        k = bush_class[b]
        for a in range(flow.shape[1]):
            x[k, a] += flow[b, a]
    _refresh_all(net, so, pce, loads)
    work = (
        np.empty(n),
        np.empty(n, np.int64),
        np.empty(n),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.zeros(m_elements, np.int64),
        np.empty(m_elements, np.int64),
    )
    done = 0
    for b in range(bush_class.shape[0]):
        k = bush_class[b]
        if update:
            _update_bush(b, k, fixed, net, loads, bushes, work)
        for _ in range(passes):
            done += 1
            if _shift_bush(b, k, pce, fixed, net, so, loads, bushes, tol, work) <= tol:
                break
    return done


@njit(cache=True)
def _extrapolate(  # noqa: C901 (numba kernel: one compiled loop; splitting it costs calls in the hot path)
    net: Net, so: bool, pce: F64, fixed: F64, bushes: Bushes, before: F64, loads: Loads, min_reach: float
) -> float:
    """Carry on along the last iteration's move, ``flow - before``, as far as the objective keeps falling.

    Sweeps over the bushes one at a time can each undo the others: bushes of several origins (or classes with
    different fixed costs) passing flow round a cycle of routes move the link flows little and the objective
    less, so each sweep makes the same small step again. Along the whole move, though, the objective is nearly
    flat and falling: an exact line search on it goes to where some bush runs out of flow. Bushes that cannot go
    ``min_reach`` times as far again (a link about to empty) keep still; the rest move by a common step.
    Returns the step (0 where the move does not pay).
    """
    _, _, _, fft, link_ptr, link_elem, _, _, vdf, t0, cap, alpha, beta, _ = net
    bush_class, _, flow, _, _, _, _, _, _ = bushes
    x, volume, _, _, _ = loads
    n_bush, m = flow.shape
    reach = np.full(n_bush, np.inf)
    for b in range(n_bush):
        for a in range(m):
            d = flow[b, a] - before[b, a]
            if d < 0.0:
                reach[b] = min(reach[b], flow[b, a] / -d)
    direction = np.zeros(x.shape)
    top = np.inf
    moving = False
    for b in range(n_bush):
        if reach[b] < min_reach:
            continue
        k = bush_class[b]
        for a in range(m):
            d = flow[b, a] - before[b, a]
            if d != 0.0:
                direction[k, a] += d
                moving = True
        top = min(top, reach[b])
    if not moving:
        return 0.0
    top = min(top, 1e6)
    # Along the move: volumes change by dv (PCE-weighted), class costs are weighed by du (flows).
    m_el = volume.shape[0]
    dv = np.zeros(m_el)
    du = np.zeros(m_el)
    constant = 0.0
    for k in range(x.shape[0]):
        for a in range(m):
            d = direction[k, a]
            if d != 0.0:
                constant += (fft[a] + fixed[k, a]) * d
                for q in range(link_ptr[a], link_ptr[a + 1]):
                    e = link_elem[q]
                    dv[e] += pce[k] * d
                    du[e] += d

    def slope(s: float) -> float:
        g = constant
        for e in range(m_el):
            if du[e] != 0.0:
                v = max(volume[e] + s * dv[e], 0.0)
                g += du[e] * _delay(vdf[e], t0[e], cap[e], alpha[e], beta[e], v, so)
        return g

    if slope(0.0) >= 0.0:
        return 0.0
    if slope(top) <= 0.0:
        step = top
    else:
        lo, hi = 0.0, top
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if slope(mid) > 0.0:
                hi = mid
            else:
                lo = mid
            if hi - lo <= 1e-12 * hi:
                break
        step = lo
    for b in range(n_bush):
        if reach[b] < min_reach:
            continue
        for a in range(m):
            d = flow[b, a] - before[b, a]
            if d != 0.0:
                f = flow[b, a]
                v = f + step * d
                flow[b, a] = v if v > _RESIDUE * max(f, before[b, a]) else 0.0
    return step


@njit(cache=True)
def _class_flows(bush_class: I64, flow: F64, n_classes: int) -> F64:
    out = np.zeros((n_classes, flow.shape[1]))
    for b in range(flow.shape[0]):
        k = bush_class[b]
        for a in range(flow.shape[1]):
            out[k, a] += flow[b, a]
    return out


# --------------------------------------------------------------------------------------------------------------
# Driver


def algorithm_b(
    p: Problem, *, gap: float, max_iter: int, max_seconds: float | None, progress: Progress | None
) -> State:
    """Origin-based assignment (Algorithm B) to relative gap ``gap``: user equilibrium, or system optimum if ``p.so``.

    One iteration is a few sweeps over all bushes (``_SWEEPS``); the relative gap and the objective are then
    computed as for the Frank-Wolfe family, so that histories compare. Memory: one flow and one link list per
    bush and link, about 13 bytes x bushes x links.
    """
    start = time.perf_counter()
    n_classes, m = p.fixed.shape
    n_nodes = p.indptr.shape[0] - 1
    bush_class = np.concatenate([np.full(o.size, k, dtype=np.int64) for k, o in enumerate(p.origins)])
    bush_zone = np.concatenate([o.astype(np.int64) for o in p.origins])
    n_bush = bush_class.size
    lookup = np.full((n_classes, p.origin_node.shape[0]), -1, dtype=np.int64)
    lookup[bush_class, bush_zone] = np.arange(n_bush)
    sibling = np.ascontiguousarray(lookup[:, bush_zone].T)  # (B, K): the bush of each class from b's zone
    net: Net = (
        p.indptr, p.head, p.tail, p.fft, p.link_ptr, p.link_elem, p.element_ptr, p.element_link, p.vdf, p.t0,
        p.cap, p.alpha, p.beta, p.no_through,
    )  # fmt: skip
    bushes: Bushes = (
        bush_class,
        p.origin_node[bush_zone].astype(np.int64),
        np.zeros((n_bush, m)),
        np.zeros((n_bush, m), dtype=np.bool_),
        np.zeros((n_bush, n_nodes), dtype=np.int32),
        np.zeros(n_bush, dtype=np.int64),
        np.zeros((n_bush, m), dtype=np.int32),
        np.zeros(n_bush, dtype=np.int64),
        sibling,
    )
    n_elements = p.t0.shape[0]
    loads: Loads = (
        np.zeros((n_classes, m)),
        np.zeros(n_elements),
        np.zeros(n_elements),
        np.zeros(n_elements),
        np.zeros(m),
    )
    if n_bush:
        _init_bushes(net, p.so, p.pce, p.fixed, p.demand, bush_zone, p.destination_node, bushes, loads)
    history: list[tuple[int, float, float, float, float]] = []
    converged = False
    rgap = 1.0
    x = np.zeros((n_classes, m))
    # One capacity use for all: the objective is a potential of the class costs, and line searches apply.
    symmetric = bool(np.all(p.pce == p.pce[0])) if n_classes else False
    for it in range(1, max_iter + 1):
        # Shift until the spreads are well below the gap reached so far, and the target, and no further.
        tol = max(_TOL_FACTOR * min(rgap, 1e-2), _TOL_FACTOR * gap, 1e-15)
        before = bushes[2].copy() if symmetric else bushes[2]
        for sweep in range(_SWEEPS if n_bush else 0):
            _sweep(net, p.so, p.pce, p.fixed, bushes, loads, sweep % _UPDATE_EVERY == 0, _PASSES, tol)
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                break
        if symmetric and n_bush:
            _extrapolate(net, p.so, p.pce, p.fixed, bushes, before, loads, _MIN_REACH)
        x = _class_flows(bush_class, bushes[2], n_classes)
        volume, _, objective = evaluate(p, x)
        rgap, _ = relative_gap(p, link_costs(p, volume), x)
        history.append((it, rgap, objective, math.nan, time.perf_counter() - start))
        if progress is not None and progress(it, rgap) is False:
            break
        if rgap <= gap:
            converged = True
            break
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
    return State(flows=x, history=history, converged=converged)
