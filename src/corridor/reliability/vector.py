"""The reliability engine's walk vectorized over samples with numpy: door-to-door hours only.

It does, sample for sample, what the compiled kernel ``_reliability_kernels.walk`` does with the same uniforms
(tested equal), one stage at a time over all samples. It serves short runs, such as the timing of the routes of
``corridor compare``, where loading the compiled kernel costs more than the run itself; long runs and the
variance decomposition of the tail drivers use the compiled kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.reliability.codes import (
    DIST_EMPIRICAL,
    DIST_LOGNORMAL,
    DIST_QUEUE,
    DIST_TRIANGULAR,
    DIST_UNIFORM,
    MONDAY_EPOCH_HOURS,
    STAGE_DWELL,
    STAGE_RUN,
    STAGE_WEATHER,
    SVC_REGULAR,
    SVC_WHEN_FULL,
)

__all__ = ["draw", "month_of", "next_departure", "transcendental_draws", "walk_hours"]

F = NDArray[np.float64]


def draw(dist: int, a: float, b: float, c: float, u: F, emp: F, *, normal: F | None = None) -> F:
    """Inverse CDF of one duration at the uniforms ``u`` (parameters as the compiled ``_draw``); ``normal``, if
    given, is ``ndtri(u)`` (a lognormal's standard normal quantiles, kept by the caller)."""
    if dist == DIST_TRIANGULAR:
        width = c - a
        if width <= 0.0:
            return np.full_like(u, a)
        left = u * width < b - a
        return np.where(left, a + np.sqrt(u * width * (b - a)), c - np.sqrt((1.0 - u) * width * (c - b)))
    if dist == DIST_LOGNORMAL:
        if normal is None:
            from scipy.special import ndtri

            normal = np.asarray(ndtri(u))
        return np.asarray(a + np.exp(b + c * normal))
    if dist == DIST_UNIFORM:
        return a + u * (c - a)
    if dist == DIST_EMPIRICAL:
        n = int(b)
        k = np.minimum((u * n).astype(np.int64), n - 1)
        return np.asarray(emp[int(a) + k])
    if dist == DIST_QUEUE:
        if c > 0.0:
            return b + u * c
        waits = u > 1.0 - a
        ratio = np.where(waits, (1.0 - u) / a if a > 0 else 1.0, 1.0)
        return np.where(waits, -b * np.log(ratio), 0.0)
    return np.full_like(u, a)


def month_of(epoch_hours: F) -> NDArray[np.int64]:
    """Calendar month (1-12, UTC) of instants in hours since 1970-01-01 (Hinnant's civil_from_days)."""
    z = np.floor(epoch_hours / 24.0).astype(np.int64) + 719468
    era = np.where(z >= 0, z, z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    return np.asarray(np.where(mp < 10, mp + 3, mp - 9))


def next_departure(now: F, mode: int, headway: float, anchor: float, weekly: F) -> F:
    """The first scheduled departure at or after ``now`` (as the compiled ``next_departure``; ``weekly`` sorted)."""
    if mode == SVC_REGULAR:
        return anchor + np.ceil((now - anchor) / headway) * headway
    how = np.mod(now - MONDAY_EPOCH_HOURS, 168.0)
    week_start = now - how
    index = np.searchsorted(weekly, how, side="left")
    this_week = week_start + weekly[np.minimum(index, len(weekly) - 1)]
    return np.asarray(np.where(index < len(weekly), this_week, week_start + 168.0 + weekly[0]))


def walk_hours(start: float, arrays: dict[str, NDArray[Any]], uniforms: F) -> F:
    """Door-to-door hours of every sample (row of ``uniforms``) through the stages of ``arrays`` from ``start``."""
    kind, dist, column = arrays["kind"], arrays["dist"], arrays["column"]
    pa, pb, pc, emp = arrays["pa"], arrays["pb"], arrays["pc"], arrays["emp"]
    n = uniforms.shape[0]
    t = np.full(n, float(start))
    hold = np.full(n, -np.inf)
    for k in range(kind.shape[0]):
        timetabled = kind[k] not in (STAGE_DWELL, STAGE_RUN, STAGE_WEATHER) and arrays["svc_mode"][k] != SVC_WHEN_FULL
        u = uniforms[:, 0] if timetabled else uniforms[:, column[k]]  # a timetabled service draws nothing
        if kind[k] == STAGE_DWELL:
            t = t + draw(int(dist[k]), pa[k], pb[k], pc[k], u, emp)
        elif kind[k] == STAGE_RUN:
            t = t + arrays["scale"][k] * draw(int(dist[k]), pa[k], pb[k], pc[k], u, emp)
        elif kind[k] == STAGE_WEATHER:
            closed = u < arrays["wx_prob"][k][month_of(t) - 1]
            extra = np.where(closed, draw(int(dist[k]), pa[k], pb[k], pc[k], uniforms[:, column[k] + 1], emp), 0.0)
            if arrays["advance"][k]:
                t = t + extra
            else:
                hold = np.where(closed & (t + extra > hold), t + extra, hold)
        else:  # a service
            mode = int(arrays["svc_mode"][k])
            if mode == SVC_WHEN_FULL:
                scheduled = t + np.minimum(u * arrays["svc_headway"][k], arrays["svc_max_wait"][k])
            else:
                offset, count = int(arrays["tt_offset"][k]), int(arrays["tt_count"][k])
                weekly = arrays["weekly"][offset : offset + count]
                scheduled = next_departure(t, mode, arrays["svc_headway"][k], arrays["svc_anchor"][k], weekly)
            t = np.maximum(scheduled, hold)
            hold = np.full(n, -np.inf)
    return np.asarray(t - start)


def transcendental_draws(
    arrays: dict[str, NDArray[Any]], uniforms: F, *, normal: Callable[[int], F] | None = None
) -> tuple[F, NDArray[np.int64]]:
    """The draws of the stages whose inverse CDF takes a logarithm or an exponential (lognormal; a queue's wait
    below capacity), by :func:`draw` on every sample, for the compiled walk ``kernels.walk_hours`` to add as they
    are (numpy's ``exp``, ``log`` and scipy's ``ndtri`` are not those a compiled loop calls).

    ``normal(j)``, if given, is ``ndtri`` of column ``j`` of the uniforms (see ``corridor.reliability.streams``).
    Returns the draws, one row per such stage, and each stage's row (``-1``: the walk draws it itself).
    """
    kind, dist, column, pc = arrays["kind"], arrays["dist"], arrays["column"], arrays["pc"]
    rows = np.full(kind.shape[0], -1, dtype=np.int64)
    drawn: list[F] = []
    for k in range(kind.shape[0]):
        if kind[k] not in (STAGE_DWELL, STAGE_RUN, STAGE_WEATHER):
            continue
        if dist[k] == DIST_LOGNORMAL or (dist[k] == DIST_QUEUE and pc[k] <= 0.0):
            col = column[k] + 1 if kind[k] == STAGE_WEATHER else column[k]
            rows[k] = len(drawn)
            z = normal(int(col)) if normal is not None and dist[k] == DIST_LOGNORMAL else None
            u = uniforms[:, col]
            drawn.append(draw(int(dist[k]), arrays["pa"][k], arrays["pb"][k], pc[k], u, arrays["emp"], normal=z))
    if not drawn:
        return np.zeros((1, 1)), rows
    return np.vstack(drawn), rows
