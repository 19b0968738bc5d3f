"""The random numbers of the reliability engine: a run's chunks and seeds, and the uniforms of short runs, kept.

A run of ``samples`` shipments is cut into chunks of :data:`CHUNK_SAMPLES`; chunk ``i`` draws from
``SeedSequence(seed).spawn(n)[i]``, so a run gives the same samples however its chunks are spread over threads or
Dask workers (:func:`chunk_tasks`).

Short runs (the timing of every route a comparison returns, thousands a minute in a server) all walk the same
uniforms: the first values of their chunk's stream, drawn once and kept (:func:`uniforms`). What depends only on
those uniforms is kept with them: their columns, contiguous, for the compiled walk (:func:`columns_of`), and the
standard normal quantiles of a column, which a lognormal stage turns into hours (:func:`normal_quantiles`). What
is kept is bounded (a few streams; :data:`COLUMNS_BYTES` of columns and quantiles); beyond, it is computed each
time, with the same bits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["CHUNK_SAMPLES", "COLUMNS_BYTES", "chunk_tasks", "columns_of", "normal_quantiles", "uniforms"]

#: Samples per chunk (see the module docstring).
CHUNK_SAMPLES = 1 << 15
#: the most bytes of columns and normal quantiles kept (a server times routes of some 40 different counts of
#: uniforms, 8,192 samples each: about 50 MB holds them all)
COLUMNS_BYTES = 64 << 20

Task = tuple[tuple[np.random.SeedSequence, ...], tuple[int, ...]]

_LOCK = threading.Lock()
#: uniforms kept by :func:`uniforms`: (the chunk's seed, its size) -> the first values of its stream, read-only
_STREAMS: OrderedDict[tuple[Any, ...], NDArray[np.float64]] = OrderedDict()
#: columns of uniforms drawn at once for a chunk (a route with more stages draws again, as many as it needs)
_STREAM_COLUMNS = 64
#: streams kept, and the most values one may hold (beyond, the uniforms are drawn for each run)
_STREAMS_KEPT, _STREAM_VALUES = 4, 1 << 21


@lru_cache(maxsize=64)
def chunk_tasks(samples: int, seed: int, *, per_task: int) -> tuple[Task, ...]:
    """The chunks of a run, ``per_task`` samples' worth to a task: each task's seeds and sizes (immutable, kept:
    spawning the seeds costs more than a short run's walk)."""
    n_chunks = -(-samples // CHUNK_SAMPLES)
    seeds = tuple(np.random.SeedSequence(seed).spawn(n_chunks))
    sizes = tuple(min(CHUNK_SAMPLES, samples - i * CHUNK_SAMPLES) for i in range(n_chunks))
    step = max(1, per_task // CHUNK_SAMPLES)
    return tuple((seeds[i : i + step], sizes[i : i + step]) for i in range(0, n_chunks, step))


def uniforms(child: np.random.SeedSequence, size: int, n_u: int) -> NDArray[np.float64]:
    """``Generator(PCG64(child)).random((size, n_u))``, from the stream of ``child`` drawn once and kept.

    A chunk's uniforms fill its matrix row after row from one stream, so the matrix of ``n_u`` columns is the
    stream's first ``size * n_u`` values, whatever ``n_u``: every route timed with the same seed and samples (all
    of a comparison's, all of a server's) walks the same values, drawn once instead of once a route.
    """
    key = (child.entropy, child.spawn_key, child.pool_size, size)
    with _LOCK:
        stream = _STREAMS.get(key)
    if stream is None or stream.size < size * n_u:
        width = max(n_u, _STREAM_COLUMNS)
        if size * width > _STREAM_VALUES:
            drawn = np.random.Generator(np.random.PCG64(child)).random((size, n_u))
            drawn.flags.writeable = False  # as a kept stream (one signature of the compiled walk)
            return drawn
        stream = np.random.Generator(np.random.PCG64(child)).random(size * width)
        stream.flags.writeable = False
        with _LOCK:
            _STREAMS[key] = stream
            while len(_STREAMS) > _STREAMS_KEPT:
                _STREAMS.popitem(last=False)
    return stream[: size * n_u].reshape(size, n_u)


@dataclass
class _Kept:
    """A matrix of uniforms column by column, and the normal quantiles of those of its columns asked for."""

    stream: NDArray[np.float64]
    columns: NDArray[np.float64]
    normals: dict[int, NDArray[np.float64]] = field(default_factory=dict)


#: uniforms column by column, by the matrix they are the columns of, least recently used first
_COLUMNS: OrderedDict[tuple[int, tuple[int, ...]], _Kept] = OrderedDict()
_kept_bytes = 0


def _kept(matrix: NDArray[np.float64]) -> _Kept | None:
    """The kept columns of ``matrix`` (a view of a kept stream), made if they are not; ``None`` for any other."""
    global _kept_bytes
    if matrix.flags.writeable or matrix.base is None:  # not a view of a kept stream
        return None
    key = (id(matrix.base), matrix.shape)
    with _LOCK:
        found = _COLUMNS.get(key)
        if found is not None and found.stream is matrix.base:  # the id is of a stream still kept
            _COLUMNS.move_to_end(key)
            return found
    columns = np.ascontiguousarray(matrix.T)
    columns.flags.writeable = False
    made = _Kept(matrix.base, columns)
    with _LOCK:
        old = _COLUMNS.pop(key, None)
        _kept_bytes -= 0 if old is None else _size(old)
        _COLUMNS[key] = made
        _kept_bytes += columns.nbytes
        while _kept_bytes > COLUMNS_BYTES and len(_COLUMNS) > 1:
            _kept_bytes -= _size(_COLUMNS.popitem(last=False)[1])
    return made


def _size(kept: _Kept) -> int:
    return kept.columns.nbytes + sum(z.nbytes for z in kept.normals.values())


def columns_of(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """``matrix`` column by column (its transpose, contiguous), kept for the matrices :func:`uniforms` keeps.

    A kept stream gives one matrix per count of uniforms a route needs, the same for every route of that count:
    turning it once saves the compiled walk a pass over every uniform of every route.
    """
    kept = _kept(matrix)
    return np.ascontiguousarray(matrix.T) if kept is None else kept.columns


def normal_quantiles(matrix: NDArray[np.float64], column: int) -> NDArray[np.float64]:
    """``scipy.special.ndtri(matrix[:, column])``, kept with the columns of the matrices :func:`uniforms` keeps
    (the same bits: ndtri is computed value by value)."""
    global _kept_bytes
    from scipy.special import ndtri

    kept = _kept(matrix)
    if kept is None:
        return np.asarray(ndtri(matrix[:, column]))
    with _LOCK:
        found = kept.normals.get(column)
    if found is not None:
        return found
    z = np.asarray(ndtri(kept.columns[column]))
    z.flags.writeable = False
    with _LOCK:
        if column not in kept.normals:
            kept.normals[column] = z
            if any(k is kept for k in _COLUMNS.values()):  # still counted (not evicted meanwhile)
                _kept_bytes += z.nbytes
    return z
