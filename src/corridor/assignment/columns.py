"""Column generation for the hard-capacity LP of :mod:`corridor.assignment.capacity` (``method="columns"``).

The path form of that LP, solved as a restricted master in HiGHS (highspy) whose columns serve blocks of OD pairs,
priced by the compiled shortest-path trees; see :func:`solve_columns`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.assignment.capacity import _capped_of_links, _Pairs, _Solution
from corridor.errors import SolverError

if TYPE_CHECKING:
    from corridor.assignment.problem import Problem

__all__ = ["BLOCK_SIZE", "solve_columns"]

#: A column enters the master when its reduced cost is below -tolerance x max(1, |its block's dual|).
REDUCED_COST_TOLERANCE = 1e-9
#: OD pairs per block of column generation's master (pairs of one class and origin): a column serves a block.
BLOCK_SIZE = 10
#: An element gets its row in the master once the master's flows exceed its capacity by more than this (relative).
CAPACITY_TOLERANCE = 1e-9
#: Steps of the method of successive averages whose link times give the first paths of column generation.
WARM_START_STEPS = 10
_highs_lock = threading.Lock()
_highs_made = False


def _new_highs() -> Any:
    """A silent HiGHS instance (highspy).

    HiGHS prints its banner on the process's standard output when the first instance is made, before any option
    can silence it; the command line writes tables and JSON there, so that one construction writes to /dev/null.
    """
    import ctypes

    import highspy

    global _highs_made
    with _highs_lock:
        if _highs_made:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()
                ctypes.CDLL(None).fflush(None)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _highs_made = True
    h.setOptionValue("output_flag", False)
    return h


def _subset(
    keep: NDArray[np.bool_], pair: NDArray[np.int64], ptr: NDArray[np.int64], arcs: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The paths (pairs, arcs as CSR) where ``keep``."""
    if keep.all():
        return pair, ptr, arcs
    lengths = np.diff(ptr)
    sub_ptr = np.concatenate(([0], np.cumsum(lengths[keep]))).astype(np.int64)
    return pair[keep], sub_ptr, arcs[np.repeat(keep, lengths)]


def _blocks(p: Problem, pairs: _Pairs) -> NDArray[np.int64]:
    """The block of every OD pair: up to :data:`BLOCK_SIZE` pairs of one class and origin, in order."""
    key = pairs.cls * p.demand.shape[1] + pairs.origin
    first = np.searchsorted(key, key)  # pairs are in class, origin order: the first pair of the same key
    rank = np.arange(key.size) - first
    _, block = np.unique(key * (key.size + 1) + rank // BLOCK_SIZE, return_inverse=True)
    return np.asarray(block, dtype=np.int64).ravel()


class _Master:
    """The restricted master in a live HiGHS model.

    A column is a block of OD pairs (:func:`_blocks`) served on one path each: its variable, between 0 and 1, is
    the share of the block's demand that takes these paths. Rows: one per block (its shares sum to at most 1; the
    rest is unserved), and one per capped element that the master's flows have overloaded at some round (the
    others are slack, their duals zero).
    """

    def __init__(self, pairs: _Pairs, block: NDArray[np.int64], capacity: NDArray[np.float64], link_cap: Any) -> None:
        self.pairs, self.block, self.capacity, self.link_cap = pairs, block, capacity, link_cap
        self.n_blocks = int(block.max()) + 1 if block.size else 0
        self.h = _new_highs()
        b = self.n_blocks
        none = np.zeros(0, dtype=np.int32)
        self.h.addRows(b, np.full(b, -np.inf), np.ones(b), 0, none, none, np.zeros(0))
        self.n_rows = b
        self.n_cols = 0
        self.cap_row = np.full(capacity.size, -1, dtype=np.int64)  # the element's row, once it has one
        self.seen: set[bytes] = set()
        # Per batch of columns: its class, link flows (columns x links), served demand (columns x pairs), and
        # pce x the flow over each capped element (columns x capped elements).
        self.batches: list[tuple[int, Any, Any, Any]] = []
        self._use: Any = None

    @property
    def use(self) -> Any:
        """(columns, capped elements): pce x the column's flow over each element (CSR)."""
        from scipy import sparse

        if self._use is None or self._use.shape[0] != self.n_cols:
            self._use = sparse.vstack([use for *_, use in self.batches], format="csr")
        return self._use

    def _fresh(
        self, pair: NDArray[np.int64], ptr: NDArray[np.int64], arcs: NDArray[np.int64], starts: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        """Which of these columns (pairs ``starts[c]:starts[c+1]``) the master does not hold yet (noted as held)."""
        out = np.ones(starts.size - 1, dtype=np.bool_)
        seen = self.seen
        for c in range(out.size):
            a, b = starts[c], starts[c + 1]
            key = pair[a:b].tobytes() + arcs[ptr[a] : ptr[b]].tobytes()
            if key in seen:
                out[c] = False
            else:
                seen.add(key)
        return out

    def add(
        self,
        k: int,
        cost: NDArray[np.float64],
        pce: float,
        penalty: float,
        pair: NDArray[np.int64],
        ptr: NDArray[np.int64],
        arcs: NDArray[np.int64],
    ) -> int:
        """Columns of class ``k`` from paths (their pairs, in block order, arcs as CSR): one per block, costing
        its paths' cost less the penalty, times the demand. Columns the master holds already are left out; how many
        entered."""
        from scipy import sparse

        block = self.block[pair]
        starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1], [True])))
        fresh = self._fresh(pair, ptr, arcs, starts)
        if not fresh.any():
            return 0
        if not fresh.all():
            pair, ptr, arcs = _subset(np.repeat(fresh, np.diff(starts)), pair, ptr, arcs)
            block = self.block[pair]
            starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1], [True])))
        n_new = starts.size - 1
        col_blocks = block[starts[:-1]]
        col_of_pair = np.repeat(np.arange(n_new, dtype=np.int64), np.diff(starts))
        q = self.pairs.amount[pair]
        spent = np.concatenate(([0.0], np.cumsum(cost[arcs])))
        col_cost = np.bincount(col_of_pair, weights=q * (spent[ptr[1:]] - spent[ptr[:-1]] - penalty), minlength=n_new)
        arc_col = col_of_pair[np.repeat(np.arange(pair.size, dtype=np.int64), np.diff(ptr))]
        arc_q = np.repeat(q, np.diff(ptr))
        flows = sparse.csr_matrix((arc_q, (arc_col, arcs)), shape=(n_new, self.link_cap.shape[0]))
        served = sparse.csr_matrix((q, (col_of_pair, pair)), shape=(n_new, self.pairs.amount.size))
        use = (flows @ self.link_cap).tocsr() * pce
        self.batches.append((k, flows, served, use))
        coo = use.tocoo()
        active = self.cap_row[coo.col] >= 0
        a = sparse.csc_matrix(
            (
                np.concatenate((np.ones(n_new), coo.data[active])),
                (
                    np.concatenate((col_blocks, self.cap_row[coo.col[active]])),
                    np.concatenate((np.arange(n_new), coo.row[active])),
                ),
            ),
            shape=(self.n_rows, n_new),
        )
        a.sum_duplicates()
        self.h.addCols(
            n_new,
            col_cost,
            np.zeros(n_new),
            np.full(n_new, np.inf),
            int(a.nnz),
            a.indptr[:-1].astype(np.int32),
            a.indices.astype(np.int32),
            a.data,
        )
        self.n_cols += n_new
        return n_new

    def add_overloaded(self, x: NDArray[np.float64]) -> int:
        """Rows for the elements without one that column shares ``x`` overload; how many."""
        volume = self.use.T @ x
        cap = self.capacity
        over = np.flatnonzero((self.cap_row < 0) & (volume > cap + CAPACITY_TOLERANCE * np.maximum(1.0, cap)))
        if over.size:
            rows = self.use[:, over].T.tocsr()
            self.h.addRows(
                over.size,
                np.full(over.size, -np.inf),
                cap[over],
                int(rows.nnz),
                rows.indptr[:-1].astype(np.int32),
                rows.indices.astype(np.int32),
                rows.data,
            )
            self.cap_row[over] = self.n_rows + np.arange(over.size)
            self.n_rows += int(over.size)
        return int(over.size)

    def solve(
        self, max_seconds: float | None, started: float, *, primal: bool
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Re-solve from the last basis: column shares, capacity prices (>= 0) and each block's dual (<= 0).

        ``primal``: the basis is still primal feasible (columns were added), so primal simplex goes on from it
        (dual simplex took twice the iterations on Barcelona); after new rows it is dual feasible instead.
        """
        import highspy

        h = self.h
        h.setOptionValue("simplex_strategy", 4 if primal else 1)
        if max_seconds is not None:
            left = max_seconds - (time.perf_counter() - started)
            if left <= 0:
                raise SolverError("The capacity LP was not solved: Time limit reached")
            # HiGHS's time limit bounds the model's run time over all its runs, not this run's.
            h.setOptionValue("time_limit", float(h.getRunTime()) + left)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:
            # a warm start HiGHS could not finish (it loses feasibility on badly scaled re-solves): once more from
            # scratch, by its default strategy, before giving up
            h.clearSolver()
            h.setOptionValue("simplex_strategy", 0)
            h.run()
            status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"The capacity LP was not solved: {h.modelStatusToString(status)}")
        solution = h.getSolution()
        row_dual = np.asarray(solution.row_dual, dtype=np.float64)
        # HiGHS row duals of a minimization are <= 0 on a binding <= row; the price is their negation. Elements
        # without a row are slack: price zero.
        shadow = np.zeros(self.capacity.size)
        active = self.cap_row >= 0
        shadow[active] = np.maximum(-row_dual[self.cap_row[active]], 0.0)
        x = np.asarray(solution.col_value, dtype=np.float64)
        return x, shadow, np.minimum(row_dual[: self.n_blocks], 0.0)

    def flows(self, x: NDArray[np.float64], n_k: int, n_links: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Class link flows (CSR order) and the served demand of every pair, at column shares ``x``."""
        out = np.zeros((n_k, n_links))
        served = np.zeros(self.pairs.amount.size)
        at = 0
        for k, flows, pair_served, _ in self.batches:
            share = np.maximum(x[at : at + flows.shape[0]], 0.0)
            out[k] += flows.T @ share
            served += pair_served.T @ share
            at += flows.shape[0]
        return out, served


def _congested_costs(p: Problem, capacity_scale: float, iterations: int) -> NDArray[np.float64]:
    """(K, E) link costs after a few steps of the method of successive averages towards the user equilibrium."""
    from corridor.assignment.kernels import element_delay, element_volume, link_time
    from corridor.assignment.problem import _aon

    cap = capacity_scale * p.cap
    volume = np.zeros(p.cap.size)
    for i in range(iterations + 1):
        delay = element_delay(p.vdf, p.t0, cap, p.alpha, p.beta, volume, False)
        costs: NDArray[np.float64] = link_time(p.fft, p.link_ptr, p.link_elem, delay)[None, :] + p.fixed
        if i == iterations:
            break
        flows, _ = _aon(p, costs)
        volume += (element_volume(p.element_ptr, p.element_link, p.pce @ flows) - volume) / (i + 1)
    return costs


def solve_columns(
    p: Problem,
    costs: NDArray[np.float64],
    penalty: float,
    capacity_scale: float,
    max_seconds: float | None,
    pairs: _Pairs,
) -> _Solution:
    """The path-based LP by column generation: a restricted master in HiGHS, priced by shortest-path trees.

    The OD pairs are grouped in blocks of up to :data:`BLOCK_SIZE` pairs of one class and origin (Dantzig-Wolfe
    over each block's flows: a column serves every pair of its block on one path each, or leaves some unserved,
    and its variable is the share of the block's demand that takes it). The unserved demand is what the shares
    leave, so a column costs its paths' cost less the penalty, times the demand (the penalty on the whole demand
    is a constant), and a block's shares sum to at most 1. Blocks rather than single pairs: the master has fewer
    rows and needs fewer rounds (Barcelona: 7.5 s with a row per pair with two paths or more, 2.5 s with blocks of
    10); blocks of whole origins converge slowly. Capacity rows: only for the elements the master's flows have
    overloaded at some round (Barcelona: about 240 of 1,957; the others are slack, their prices zero); each is
    added when the master overloads it, and the master re-solved by dual simplex from its basis before any pricing.

    The first columns are the paths of a few steps towards the user equilibrium on the elements' delay functions,
    not the free-flow paths: from these, every element that free-flow paths overload gets a price near the penalty,
    the next paths avoid it by any detour, and so on. Each round then prices every pair, one tree per class and
    origin, on the link costs plus ``pce x`` the capacity prices: a block's new column takes each pair's least-cost
    path where that costs less than the penalty (the rest unserved), and enters when its reduced cost (its cost
    less the block row's dual) is negative and the master does not hold it already. New columns go into the live
    model, which HiGHS re-solves by primal simplex from the last basis (still primal feasible). No element
    overloaded and no column left to enter: the master's optimum is the LP's, and with zero prices on the elements
    without a row its duals are the LP's.
    """
    from scipy import sparse

    from corridor.assignment.kernels import price_paths

    started = time.perf_counter()
    n_k, n_links = len(p.class_names), p.n_links
    capped, capped_ptr, capped_elem = _capped_of_links(p)
    n_cap = int(capped.sum())
    row_of = np.full(p.cap.size, -1, dtype=np.int64)
    row_of[capped] = np.arange(n_cap)
    owner = np.repeat(np.arange(n_links, dtype=np.int64), np.diff(capped_ptr))
    link_cap = sparse.csr_matrix((np.ones(owner.size), (owner, row_of[capped_elem])), shape=(n_links, n_cap))
    n_od = int(pairs.amount.size)
    if not n_od:
        return _Solution(np.zeros((n_k, n_links)), np.zeros(0), 0.0, "No demand to assign", np.zeros(n_cap), 0)
    block = _blocks(p, pairs)
    master = _Master(pairs, block, capacity_scale * p.cap[capped], link_cap)

    # Per class: its OD pairs grouped by origin (they are in class, origin order), the tree sources.
    groups = []
    for k in range(n_k):
        mine = np.flatnonzero(pairs.cls == k)
        if not mine.size:
            continue
        origins, counts = np.unique(pairs.origin[mine], return_counts=True)
        od_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        groups.append((k, mine, p.origin_node[origins], od_ptr, p.destination_node[pairs.destination[mine]]))

    def price(shadow: NDArray[np.float64], link_costs: NDArray[np.float64], dual: NDArray[np.float64] | None) -> int:
        """Add the blocks' columns on ``link_costs`` + ``pce x`` the capacity prices ``shadow`` whose reduced
        cost against the block duals ``dual`` is negative (every block's where ``dual`` is None); how many."""
        at_shadow = link_cap @ shadow
        added = 0
        for k, mine, sources, od_ptr, od_node in groups:
            chosen, dist, ptr, arcs = price_paths(
                p.indptr, p.head, p.tail, link_costs[k] + p.pce[k] * at_shadow, p.no_through, sources, od_ptr,
                od_node, np.full(mine.size, penalty),
            )  # fmt: skip
            pair = mine[chosen]
            if dual is not None:
                saving = np.bincount(
                    block[pair], weights=pairs.amount[pair] * (dist[chosen] - penalty), minlength=dual.size
                )
                # A column enters when its reduced cost is below minus the solver's own tolerance.
                enters = saving - dual < -REDUCED_COST_TOLERANCE * np.maximum(1.0, np.abs(dual))
                pair, ptr, arcs = _subset(enters[block[pair]], pair, ptr, arcs)
            if pair.size:
                added += master.add(k, costs[k], float(p.pce[k]), penalty, pair, ptr, arcs)
        return added

    # First round: every pair's path on the link times after a few steps towards the user equilibrium (the
    # elements' delay functions at the scaled capacities), so that the first master does not start from every pair
    # on its free-flow path (Barcelona: 27,400 paths and 14.6 s of CPU from free-flow paths, 22,100 and 8.0 s
    # from 10 steps, with a column per path).
    price(np.zeros(n_cap), _congested_costs(p, capacity_scale, WARM_START_STEPS), None)
    rounds = 0
    primal = True
    while True:
        x, shadow, dual = master.solve(max_seconds, started, primal=primal)
        rounds += 1
        # Overloaded elements get their rows first (the master is then re-solved by dual simplex), and columns are
        # priced once the master's flows fit every capacity.
        if master.add_overloaded(x):
            primal = False
            continue
        primal = True
        if not price(shadow, costs, dual):
            break

    flows, served = master.flows(x, n_k, n_links)
    objective = float(master.h.getInfo().objective_function_value) + penalty * float(pairs.amount.sum())
    return _Solution(
        flows,
        np.maximum(pairs.amount - served, 0.0),
        objective,
        f"Optimal (column generation: {rounds} rounds, {master.n_cols:,} columns of {master.n_blocks:,} blocks)",
        shadow,
        master.n_cols,
    )
