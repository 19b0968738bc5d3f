"""Compiled path kernels on CSR arrays: single-criterion (scipy.sparse.csgraph) and Pareto (numba).

Both work on a graph given as ``indptr`` and ``head`` (CSR rows are the arcs leaving a node, every (tail, head)
pair at most once) and per-arc weights, where ``inf`` marks an arc that may not be used.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["TreeCache", "pareto_paths", "path_arcs", "shortest_path_arcs"]


class TreeCache:
    """Shortest-path trees (distances and predecessors) by source and arc weights, the least recently used dropped
    beyond ``size``; safe to share between threads.

    Every destination of a source under the same weights is read off one tree: the comparisons a server answers
    from one origin (with the same cargo, month and options) search each corridor once. The key is the weights'
    bytes themselves, so a tree is only ever reused for the very same search.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._trees: OrderedDict[tuple[int, bytes], tuple[NDArray[np.float64], NDArray[np.int32]]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._trees)

    def tree(
        self, indptr: NDArray[np.int64], head: NDArray[np.int32], weights: NDArray[np.float64], source: int
    ) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
        key = (source, weights.tobytes())
        with self._lock:
            found = self._trees.get(key)
            if found is not None:
                self._trees.move_to_end(key)
                return found
        found = _dijkstra(indptr, head, weights, source)
        with self._lock:
            self._trees[key] = found
            while len(self._trees) > self.size:
                self._trees.popitem(last=False)
        return found


def _dijkstra(
    indptr: NDArray[np.int64], head: NDArray[np.int32], weights: NDArray[np.float64], source: int
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = indptr.shape[0] - 1
    matrix = csr_matrix((weights, head, indptr), shape=(n, n), copy=False)
    dist, pred = dijkstra(matrix, directed=True, indices=source, return_predecessors=True)
    return dist, pred


def shortest_path_arcs(
    indptr: NDArray[np.int64],
    head: NDArray[np.int32],
    weights: NDArray[np.float64],
    source: int,
    target: int,
    *,
    trees: TreeCache | None = None,
) -> list[int] | None:
    """Arcs of a least-weight path from ``source`` to ``target`` (Dijkstra in scipy), or None if unreachable.

    For one-off searches (a CLI call, a route): nothing to compile. Loops that ask for many paths on one graph (an
    equilibrium) use the compiled :func:`corridor.assignment.kernels.point_to_point_arcs`. With ``trees``, the
    tree of ``source`` under ``weights`` is taken from there if it was grown before (the same path).
    """
    dist, pred = (
        _dijkstra(indptr, head, weights, source) if trees is None else trees.tree(indptr, head, weights, source)
    )
    if not np.isfinite(dist[target]):
        return None
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    return path_arcs(indptr, head, nodes)


def path_arcs(indptr: NDArray[np.int64], head: NDArray[np.int32], nodes: list[int]) -> list[int]:
    """The arcs joining consecutive nodes of a path (the first arc of ``u`` to ``v``: CSR rows list each once).

    A node has a few arcs: a list search of its row costs less than numpy's per-call overhead.
    """
    arcs = []
    for u, v in itertools.pairwise(nodes):
        start = int(indptr[u])
        arcs.append(start + head[start : int(indptr[u + 1])].tolist().index(v))
    return arcs


def _numba_pareto() -> Any:  # noqa: C901 (numba kernel: one compiled loop; splitting it costs calls in the hot path)
    """Compile on first use, so that importing corridor stays fast."""
    from numba import njit

    @njit(cache=True, inline="always")
    def less(a: NDArray[np.float64], i: int, j: int) -> bool:
        for k in range(a.shape[1]):
            if a[i, k] < a[j, k]:
                return True
            if a[i, k] > a[j, k]:
                return False
        return False

    @njit(cache=True)
    def dominated(cost, values, node_head, nxt, node):  # type: ignore[no-untyped-def]
        m = values.shape[0]
        lab = node_head[node]
        while lab >= 0:
            ok = True
            for k in range(m):
                if cost[lab, k] > values[k]:
                    ok = False
                    break
            if ok:
                return True
            lab = nxt[lab]
        return False

    @njit(cache=True)
    def kernel(indptr, head, w, source, target, max_labels):  # type: ignore[no-untyped-def]  # noqa: C901 (numba kernel: one compiled loop; splitting it costs calls in the hot path)
        n = indptr.shape[0] - 1
        m = w.shape[1]
        cost = np.empty((max_labels, m))
        node = np.empty(max_labels, np.int64)
        pred = np.empty(max_labels, np.int64)
        arc = np.empty(max_labels, np.int64)
        nxt = np.empty(max_labels, np.int64)
        heap = np.empty(max_labels, np.int64)
        node_head = np.full(n, -1, np.int64)
        found = np.empty(max_labels, np.int64)
        n_found = 0
        for k in range(m):
            cost[0, k] = 0.0
        node[0] = source
        pred[0] = -1
        arc[0] = -1
        heap[0] = 0
        size = 1
        n_labels = 1
        overflow = False
        values = np.empty(m)
        while size > 0:
            # pop the lexicographically smallest label
            lab = heap[0]
            size -= 1
            heap[0] = heap[size]
            i = 0
            while True:
                left = 2 * i + 1
                if left >= size:
                    break
                child = left
                if left + 1 < size and less(cost, heap[left + 1], heap[left]):
                    child = left + 1
                if less(cost, heap[child], heap[i]):
                    heap[i], heap[child] = heap[child], heap[i]
                    i = child
                else:
                    break
            v = node[lab]
            for k in range(m):
                values[k] = cost[lab, k]
            if dominated(cost, values, node_head, nxt, v) or dominated(cost, values, node_head, nxt, target):
                continue
            nxt[lab] = node_head[v]
            node_head[v] = lab
            if v == target:
                found[n_found] = lab
                n_found += 1
                continue
            for e in range(indptr[v], indptr[v + 1]):
                if not np.isfinite(w[e, 0]):
                    continue
                u = head[e]
                for k in range(m):
                    values[k] = cost[lab, k] + w[e, k]
                if dominated(cost, values, node_head, nxt, u) or dominated(cost, values, node_head, nxt, target):
                    continue
                if n_labels >= max_labels:
                    overflow = True
                    break
                new = n_labels
                n_labels += 1
                for k in range(m):
                    cost[new, k] = values[k]
                node[new] = u
                pred[new] = lab
                arc[new] = e
                # push
                j = size
                heap[size] = new
                size += 1
                while j > 0:
                    parent = (j - 1) // 2
                    if less(cost, heap[j], heap[parent]):
                        heap[j], heap[parent] = heap[parent], heap[j]
                        j = parent
                    else:
                        break
            if overflow:
                break
        return (
            found[:n_found].copy(),
            cost[:n_labels].copy(),
            pred[:n_labels].copy(),
            arc[:n_labels].copy(),
            overflow,
        )

    return kernel


_PARETO: Any = None


def pareto_paths(
    indptr: NDArray[np.int64],
    head: NDArray[np.int32],
    weights: NDArray[np.float64],
    source: int,
    target: int,
    *,
    max_labels: int = 2_000_000,
) -> tuple[list[list[int]], NDArray[np.float64], bool]:
    """All Pareto-optimal paths over several criteria (multi-objective label setting, Martins' algorithm).

    Labels are settled in lexicographic order; a label is kept only if no settled label at its node or at the
    target weakly dominates it, so each kept target label is a distinct Pareto-optimal cost vector.

    Parameters
    ----------
    weights
        (arcs, criteria), non-negative; ``inf`` in the first column marks an unusable arc.

    Returns
    -------
    paths, costs, truncated
        The arcs of each Pareto-optimal path, their cost vectors (paths x criteria), and whether the search
        stopped at ``max_labels`` (then the set may be incomplete).
    """
    global _PARETO
    if _PARETO is None:
        _PARETO = _numba_pareto()
    w = np.ascontiguousarray(weights, dtype=np.float64)
    found, cost, pred, arc, overflow = _PARETO(
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(head, dtype=np.int64),
        w,
        np.int64(source),
        np.int64(target),
        np.int64(max_labels),
    )
    paths = []
    for lab in found:
        arcs = []
        cur = int(lab)
        while pred[cur] >= 0:
            arcs.append(int(arc[cur]))
            cur = int(pred[cur])
        arcs.reverse()
        paths.append(arcs)
    return paths, cost[found], bool(overflow)
