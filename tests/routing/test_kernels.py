"""Path kernels against brute force on random small graphs."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.routing.kernels import pareto_paths, shortest_path_arcs


def random_graph(
    seed: int, n: int, p: float, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    pairs = [(u, v) for u, v in itertools.permutations(range(n), 2) if rng.random() < p]
    pairs.sort()
    head = np.array([v for _, v in pairs], dtype=np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    for u, _ in pairs:
        indptr[u + 1] += 1
    indptr = np.cumsum(indptr)
    weights = rng.integers(0, 6, size=(len(pairs), m)).astype(float)  # small integers: ties and zeros happen
    return indptr, head, weights, pairs


def simple_paths(pairs: list[tuple[int, int]], source: int, target: int) -> list[list[int]]:
    out: list[list[int]] = []
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for index, (u, v) in enumerate(pairs):
        adjacency.setdefault(u, []).append((v, index))

    def walk(node: int, seen: set[int], arcs: list[int]) -> None:
        if node == target:
            out.append(list(arcs))
            return
        for nxt, index in adjacency.get(node, []):
            if nxt not in seen:
                walk(nxt, seen | {nxt}, [*arcs, index])

    walk(source, {source}, [])
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 7), p=st.floats(0.2, 0.7), m=st.integers(1, 3))
def test_pareto_equals_brute_force(seed: int, n: int, p: float, m: int) -> None:
    indptr, head, weights, pairs = random_graph(seed, n, p, m)
    if not pairs:
        return
    paths, costs, truncated = pareto_paths(indptr, head, weights, 0, n - 1)
    assert not truncated
    every = simple_paths(pairs, 0, n - 1)
    vectors = {tuple(weights[path].sum(axis=0)) for path in every}
    front = {v for v in vectors if not any(all(o <= x for o, x in zip(w, v, strict=True)) and w != v for w in vectors)}
    assert {tuple(row) for row in costs} == front
    for path, row in zip(paths, costs, strict=True):
        assert np.allclose(weights[path].sum(axis=0), row)
        assert pairs[path[0]][0] == 0 and pairs[path[-1]][1] == n - 1


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 7), p=st.floats(0.2, 0.7))
def test_shortest_path_equals_brute_force(seed: int, n: int, p: float) -> None:
    indptr, head, weights, pairs = random_graph(seed, n, p, 1)
    w = weights[:, 0]
    found = shortest_path_arcs(indptr, head, w, 0, n - 1)
    every = simple_paths(pairs, 0, n - 1)
    if not every:
        assert found is None
        return
    assert found is not None
    assert w[found].sum() == min(w[path].sum() for path in every)


def test_blocked_arcs_are_not_used() -> None:
    indptr, head, weights, pairs = random_graph(3, 6, 0.9, 1)
    w = weights[:, 0].copy()
    w[:] = 1.0
    direct = pairs.index((0, 5))
    w[direct] = np.inf
    found = shortest_path_arcs(indptr, head, w, 0, 5)
    assert found is not None and direct not in found and len(found) == 2


def test_truncation_is_reported() -> None:
    indptr, head, weights, _ = random_graph(1, 7, 0.9, 3)
    _, _, truncated = pareto_paths(indptr, head, weights, 0, 6, max_labels=3)
    assert truncated


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 8), p=st.floats(0.2, 0.8))
def test_kept_trees_give_the_paths_of_a_fresh_search(seed: int, n: int, p: float) -> None:
    """Every destination read off a kept tree is the path a search of its own finds; other weights, another tree."""
    from corridor.routing.kernels import TreeCache

    indptr, head, weights, _ = random_graph(seed, n, p, 2)
    trees = TreeCache()
    for column in (0, 1, 0):
        w = weights[:, column].copy()
        for source in range(n):
            for target in range(n):
                if source != target:
                    kept = shortest_path_arcs(indptr, head, w, source, target, trees=trees)
                    assert kept == shortest_path_arcs(indptr, head, w, source, target)


def test_kept_trees_are_bounded_and_keyed_by_the_weights() -> None:
    from corridor.routing.kernels import TreeCache

    indptr, head, weights, _ = random_graph(3, 6, 0.9, 1)
    w = weights[:, 0].copy()
    trees = TreeCache(size=3)
    first = trees.tree(indptr, head, w, 0)
    assert trees.tree(indptr, head, w.copy(), 0) is first  # the same weights, another array: the same tree
    w[0] = np.inf
    assert trees.tree(indptr, head, w, 0) is not first
    for source in range(1, 5):
        trees.tree(indptr, head, w, source)
    assert len(trees._trees) == 3
