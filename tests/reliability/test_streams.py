"""The kept random numbers of short runs: the same bits as drawing them afresh, whatever is kept or evicted."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.special import ndtri

from corridor.model.durations import Duration
from corridor.reliability import engine, streams
from corridor.reliability.engine import Plan, Stage
from corridor.reliability.vector import walk_hours


def test_chunk_tasks_are_the_spawned_seeds_and_cannot_be_changed() -> None:
    tasks = streams.chunk_tasks(100_000, 7, per_task=1 << 16)
    fresh = np.random.SeedSequence(7).spawn(4)
    assert [len(seeds) for seeds, _ in tasks] == [2, 2]
    assert [s.spawn_key for seeds, _ in tasks for s in seeds] == [s.spawn_key for s in fresh]
    assert [size for _, sizes in tasks for size in sizes] == [32768, 32768, 32768, 1696]
    assert streams.chunk_tasks(100_000, 7, per_task=1 << 16) is tasks  # kept
    assert isinstance(tasks, tuple) and all(isinstance(seeds, tuple) for seeds, _ in tasks)


@pytest.mark.parametrize("budget", [streams.COLUMNS_BYTES, 1])
def test_columns_and_normal_quantiles_are_those_of_the_matrix(monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    """Kept (or, with a budget of one byte, evicted at once): the transpose and ndtri of a column, exactly, and
    read-only; a matrix not drawn from a kept stream gets them computed."""
    from collections import OrderedDict

    monkeypatch.setattr(streams, "COLUMNS_BYTES", budget)
    monkeypatch.setattr(streams, "_COLUMNS", OrderedDict())
    monkeypatch.setattr(streams, "_kept_bytes", 0)
    child = np.random.SeedSequence(11).spawn(1)[0]
    for n_u in (3, 9, 3, 40, 9, 1):
        matrix = streams.uniforms(child, 2000, n_u)
        fresh = np.random.Generator(np.random.PCG64(child)).random((2000, n_u))
        for _ in range(2):  # made, then found
            columns = streams.columns_of(matrix)
            np.testing.assert_array_equal(columns, fresh.T)
            assert not columns.flags.writeable
            for j in {0, n_u // 2, n_u - 1}:
                z = streams.normal_quantiles(matrix, j)
                np.testing.assert_array_equal(z, ndtri(fresh[:, j]))
    assert streams._kept_bytes <= max(budget, 2000 * 40 * 8 + 3 * 2000 * 8)
    writeable = np.random.default_rng(1).random((500, 4))
    np.testing.assert_array_equal(streams.columns_of(writeable), writeable.T)
    np.testing.assert_array_equal(streams.normal_quantiles(writeable, 2), ndtri(writeable[:, 2]))


def test_kept_lognormal_draws_walk_numpys_hours_bit_for_bit() -> None:
    """A plan of lognormal stages timed twice from kept uniforms (the quantiles made, then found) by the compiled
    walk gives the numpy walk's hours on a fresh generator's matrix, bit for bit."""
    import corridor.reliability.kernels  # noqa: F401 (the compiled walk, as in a server)

    stages = tuple(
        Stage("dwell", f"d{i}", "P", Duration("lognormal", 1.0 + i, 3.0 + 2 * i, 20.0 + 5 * i)) for i in range(6)
    )
    plan = Plan((*stages, Stage("run", "r", "P", Duration("lognormal", 0.8, 1.0, 2.5), hours=30.0)))
    depart = datetime(2026, 3, 1, tzinfo=UTC)
    (seeds, _), *_ = streams.chunk_tasks(4096, 2, per_task=4096)
    fresh = np.random.Generator(np.random.PCG64(seeds[0])).random((4096, int(plan.arrays["n_uniforms"][0])))
    expected = walk_hours(engine.epoch_hours(depart), plan.arrays, fresh)
    for _ in range(2):
        np.testing.assert_array_equal(engine.simulate_hours(plan, depart=depart, samples=4096, seed=2), expected)
