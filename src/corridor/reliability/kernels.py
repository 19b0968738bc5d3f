"""Numba kernels of the reliability engine: inverse-CDF draws, timetables and the itinerary walk per sample."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from corridor.reliability.codes import (
    DIST_CONSTANT,
    DIST_EMPIRICAL,
    DIST_LOGNORMAL,
    DIST_QUEUE,
    DIST_TRIANGULAR,
    DIST_UNIFORM,
    MONDAY_EPOCH_HOURS,
    STAGE_DWELL,
    STAGE_RUN,
    STAGE_SERVICE,
    STAGE_WEATHER,
    SVC_REGULAR,
    SVC_WEEKLY,
    SVC_WHEN_FULL,
)

__all__ = [
    "DIST_CONSTANT",
    "DIST_EMPIRICAL",
    "DIST_LOGNORMAL",
    "DIST_QUEUE",
    "DIST_TRIANGULAR",
    "DIST_UNIFORM",
    "MONDAY_EPOCH_HOURS",
    "STAGE_DWELL",
    "STAGE_RUN",
    "STAGE_SERVICE",
    "STAGE_WEATHER",
    "SVC_REGULAR",
    "SVC_WEEKLY",
    "SVC_WHEN_FULL",
    "month_of",
    "next_departure",
    "norm_ppf",
    "order_statistics",
    "walk",
    "walk_hours",
]


# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9), refined below.
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


@njit(cache=True, nogil=True)
def norm_ppf(u: float) -> float:
    """The standard normal quantile of ``u`` in (0, 1): Acklam's approximation and one Halley step.

    Computed on the lower half (``1 - u`` is exact for ``u >= 0.5``) so the upper tail keeps its accuracy.
    """
    if u <= 0.0:
        return -np.inf
    if u >= 1.0:
        return np.inf
    p = u if u <= 0.5 else 1.0 - u
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    e = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    g = e * math.sqrt(2.0 * math.pi) * math.exp(0.5 * x * x)
    x = x - g / (1.0 + 0.5 * x * g)
    refined: float = x if u <= 0.5 else -x
    return refined


@njit(cache=True, nogil=True)
def _draw(dist: int, a: float, b: float, c: float, u: float, emp: NDArray[np.float64]) -> float:
    """Inverse CDF of one duration. Parameters by distribution:

    triangular (low a, mode b, high c); lognormal (shift a, log-median b, sigma c); uniform (a, c);
    empirical (offset a, count b into ``emp``, sorted); constant a; queue (probability of a wait a, mean wait b,
    growth c: below capacity ``c == 0`` and a wait is exponential, over capacity ``b + u c``).
    """
    if dist == DIST_TRIANGULAR:
        width = c - a
        if width <= 0.0:
            return a
        if u * width < b - a:
            return a + math.sqrt(u * width * (b - a))
        return c - math.sqrt((1.0 - u) * width * (c - b))
    if dist == DIST_LOGNORMAL:
        return a + math.exp(b + c * norm_ppf(u))
    if dist == DIST_UNIFORM:
        return a + u * (c - a)
    if dist == DIST_QUEUE:
        if c > 0.0:
            return b + u * c
        if u <= 1.0 - a:
            return 0.0
        return -b * math.log((1.0 - u) / a)
    if dist == DIST_EMPIRICAL:
        n = int(b)
        k = int(u * n)
        if k >= n:
            k = n - 1
        value: float = emp[int(a) + k]
        return value
    return a


@njit(cache=True, nogil=True)
def month_of(epoch_hours: float) -> int:
    """Calendar month (1-12, UTC) of an instant given in hours since 1970-01-01 (Hinnant's civil_from_days)."""
    z = math.floor(epoch_hours / 24.0) + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    return mp + 3 if mp < 10 else mp - 9


@njit(cache=True, nogil=True)
def next_departure(
    now: float, mode: int, headway: float, anchor: float, weekly: NDArray[np.float64], offset: int, count: int
) -> float:
    """The first scheduled departure at or after ``now`` (hours since the epoch).

    ``SVC_REGULAR``: every ``headway`` hours from ``anchor``; ``SVC_WEEKLY``: at the sorted hours of the week
    ``weekly[offset:offset + count]`` (0 = Monday 00:00 UTC).
    """
    if mode == SVC_REGULAR:
        k = math.ceil((now - anchor) / headway)
        return anchor + k * headway
    how = (now - MONDAY_EPOCH_HOURS) % 168.0
    week_start = now - how
    nxt: float = week_start + 168.0 + weekly[offset]
    for j in range(count):
        if weekly[offset + j] >= how:
            nxt = week_start + weekly[offset + j]
            break
    return nxt


@njit(cache=True, nogil=True)
def walk(
    start: float,
    kind: NDArray[np.int8],
    dist: NDArray[np.int8],
    pa: NDArray[np.float64],
    pb: NDArray[np.float64],
    pc: NDArray[np.float64],
    scale: NDArray[np.float64],
    column: NDArray[np.int64],
    svc_mode: NDArray[np.int8],
    svc_headway: NDArray[np.float64],
    svc_anchor: NDArray[np.float64],
    svc_max_wait: NDArray[np.float64],
    tt_offset: NDArray[np.int64],
    tt_count: NDArray[np.int64],
    weekly: NDArray[np.float64],
    wx_prob: NDArray[np.float64],
    advance: NDArray[np.bool_],
    shift: NDArray[np.float64],
    emp: NDArray[np.float64],
    uniforms: NDArray[np.float64],
    total: NDArray[np.float64],
    sum_d: NDArray[np.float64],
    sum_dt: NDArray[np.float64],
    sum_t: NDArray[np.float64],
) -> None:
    """Walk every sample through the stages, from ``start`` (hours since the epoch).

    Writes each sample's door-to-door hours into ``total`` and adds, per stage, the sums of its (shifted)
    duration and of that times the (shifted) total into ``sum_d`` and ``sum_dt``; ``sum_t`` gets the sums of the
    shifted total and of its square (covariances are taken on values shifted by ``shift`` for accuracy).
    """
    n = uniforms.shape[0]
    k_stages = kind.shape[0]
    d = np.empty(k_stages)
    shift_total = 0.0
    for k in range(k_stages):
        shift_total += shift[k]
    for i in range(n):
        u = uniforms[i]
        t = start
        hold = -np.inf
        hold_stage = -1
        for k in range(k_stages):
            kk = kind[k]
            if kk == STAGE_DWELL:
                x = _draw(dist[k], pa[k], pb[k], pc[k], u[column[k]], emp)
                d[k] = x
                t += x
            elif kk == STAGE_RUN:
                x = scale[k] * _draw(dist[k], pa[k], pb[k], pc[k], u[column[k]], emp)
                d[k] = x
                t += x
            elif kk == STAGE_WEATHER:
                closed = u[column[k]] < wx_prob[k, month_of(t) - 1]
                extra = _draw(dist[k], pa[k], pb[k], pc[k], u[column[k] + 1], emp) if closed else 0.0
                if advance[k]:
                    d[k] = extra
                    t += extra
                else:
                    d[k] = 0.0
                    if closed and t + extra > hold:
                        hold = t + extra
                        hold_stage = k
            else:  # STAGE_SERVICE
                if svc_mode[k] == SVC_WHEN_FULL:
                    fill = u[column[k]] * svc_headway[k]
                    if fill > svc_max_wait[k]:
                        fill = svc_max_wait[k]
                    scheduled = t + fill
                else:
                    scheduled = next_departure(
                        t, svc_mode[k], svc_headway[k], svc_anchor[k], weekly, tt_offset[k], tt_count[k]
                    )
                d[k] = scheduled - t
                if hold_stage >= 0:
                    if hold > scheduled:
                        d[hold_stage] = hold - scheduled
                        scheduled = hold
                    hold = -np.inf
                    hold_stage = -1
                t = scheduled
        elapsed = t - start
        total[i] = elapsed
        e = elapsed - shift_total
        sum_t[0] += e
        sum_t[1] += e * e
        for k in range(k_stages):
            dk = d[k] - shift[k]
            sum_d[k] += dk
            sum_dt[k] += dk * e


@njit(cache=True, nogil=True, inline="always")
def _triangular(a: float, b: float, c: float, u: float) -> float:
    """The triangular draw of :func:`_draw` (``c > a``) without a branch: both sides computed, one kept, as numpy's
    ``where`` does; the side a uniform falls on is a coin toss that a branch would mispredict half the time."""
    width = c - a
    low = a + math.sqrt(u * width * (b - a))
    high = c - math.sqrt((1.0 - u) * width * (c - b))
    return low if u * width < b - a else high


#: samples walked together by :func:`walk_hours` (their times and holds stay in the cache)
_BLOCK = 512
#: days from the departure whose month :func:`walk_hours` looks up in a table (later ones are computed)
_MONTH_DAYS = 732


@njit(cache=True, nogil=True)
def _add_duration(
    t: NDArray[np.float64], m: int, factor: float, dist: int, a: float, b: float, c: float, u: NDArray[np.float64],
    emp: NDArray[np.float64], drawn: NDArray[np.float64],
) -> None:  # fmt: skip
    """``t += factor * draw`` over the first ``m`` samples (``factor`` 1: the draw as it is, a dwell's).

    ``drawn`` holds numpy's draws of a lognormal or queue stage; empty, the draws are made here, in a loop the
    compiler turns into vector instructions for the triangular ones.
    """
    if drawn.shape[0]:
        if factor == 1.0:
            for i in range(m):
                t[i] = t[i] + drawn[i]
        else:
            for i in range(m):
                t[i] = t[i] + factor * drawn[i]
    elif dist == DIST_TRIANGULAR and c > a:
        if factor == 1.0:
            for i in range(m):
                t[i] = t[i] + _triangular(a, b, c, u[i])
        else:
            for i in range(m):
                t[i] = t[i] + factor * _triangular(a, b, c, u[i])
    else:
        for i in range(m):
            x = _draw(dist, a, b, c, u[i], emp)
            t[i] = t[i] + (x if factor == 1.0 else factor * x)


@njit(cache=True, nogil=True)
def walk_hours(
    start: float,
    kind: NDArray[np.int8],
    dist: NDArray[np.int8],
    pa: NDArray[np.float64],
    pb: NDArray[np.float64],
    pc: NDArray[np.float64],
    scale: NDArray[np.float64],
    column: NDArray[np.int64],
    svc_mode: NDArray[np.int8],
    svc_headway: NDArray[np.float64],
    svc_anchor: NDArray[np.float64],
    svc_max_wait: NDArray[np.float64],
    tt_offset: NDArray[np.int64],
    tt_count: NDArray[np.int64],
    weekly: NDArray[np.float64],
    wx_prob: NDArray[np.float64],
    advance: NDArray[np.bool_],
    emp: NDArray[np.float64],
    columns: NDArray[np.float64],
    drawn: NDArray[np.float64],
    drawn_row: NDArray[np.int64],
    total: NDArray[np.float64],
) -> None:
    """Door-to-door hours of every sample into ``total``: the numpy walk ``corridor.reliability.vector.walk_hours``
    bit for bit.

    The draws that take a logarithm or an exponential (lognormal, queue waits below capacity) come in precomputed
    by numpy, stage ``k``'s in ``drawn[drawn_row[k]]`` (``-1``: drawn here), so that every figure is numpy's own;
    the others are exact arithmetic and square roots, the same in both. The uniforms come column by column
    (``columns[j]`` is column ``j`` of the samples' uniforms, contiguous), and the samples go in blocks, stage
    after stage over a block (as numpy goes stage after stage over all samples), so that the draws of a stage are
    one loop the compiler turns into vector instructions.
    """
    n = columns.shape[1]
    t = np.empty(_BLOCK)
    hold = np.empty(_BLOCK)
    none = np.empty(0)
    # the month of each day of the next two years (a lookup in the loop; Hinnant's arithmetic is slow per sample)
    first_day = math.floor(start / 24.0)
    months = np.empty(_MONTH_DAYS, np.int64)
    for d in range(_MONTH_DAYS):
        months[d] = month_of((first_day + d) * 24.0)
    for b0 in range(0, n, _BLOCK):
        m = min(_BLOCK, n - b0)
        t[:] = start
        hold[:] = -np.inf
        for k in range(kind.shape[0]):
            row = drawn_row[k]
            mine = drawn[row, b0 : b0 + m] if row >= 0 else none
            if kind[k] == STAGE_DWELL or kind[k] == STAGE_RUN:
                factor = 1.0 if kind[k] == STAGE_DWELL else scale[k]
                _add_duration(t, m, factor, dist[k], pa[k], pb[k], pc[k], columns[column[k], b0 : b0 + m], emp, mine)
            elif kind[k] == STAGE_WEATHER:
                u, u2 = columns[column[k], b0 : b0 + m], columns[column[k] + 1, b0 : b0 + m]
                for i in range(m):
                    day = math.floor(t[i] / 24.0) - first_day
                    month = months[day] if 0 <= day < _MONTH_DAYS else month_of(t[i])
                    if u[i] >= wx_prob[k, month - 1]:
                        continue
                    extra = mine[i] if row >= 0 else _draw(dist[k], pa[k], pb[k], pc[k], u2[i], emp)
                    if advance[k]:
                        t[i] = t[i] + extra
                    elif t[i] + extra > hold[i]:
                        hold[i] = t[i] + extra
            else:  # STAGE_SERVICE: the departure, or the sailing a weather closure held
                u = columns[column[k], b0 : b0 + m]
                for i in range(m):
                    if svc_mode[k] == SVC_WHEN_FULL:
                        scheduled = t[i] + min(u[i] * svc_headway[k], svc_max_wait[k])
                    else:
                        scheduled = next_departure(
                            t[i], svc_mode[k], svc_headway[k], svc_anchor[k], weekly, tt_offset[k], tt_count[k]
                        )
                    t[i] = max(hold[i], scheduled)
                    hold[i] = -np.inf
        total[b0 : b0 + m] = t[:m] - start


#: bins of the histogram :func:`order_statistics` narrows the ranks down with
_SELECT_BINS = 2048


@njit(cache=True, nogil=True)
def order_statistics(values: NDArray[np.float64], ranks: NDArray[np.int64]) -> NDArray[np.float64]:
    """The ``ranks``-th smallest of ``values`` (0-based, sorted ranks, no NaN): the exact elements, as a sort or
    ``np.partition`` would give them.

    A histogram over the range of the values finds the bin that holds each rank; only the values of those bins
    are sorted. Branches do not depend on comparisons between values (``np.partition``'s introselect mispredicts
    about every other one on a fresh array), so a few passes over the values take a fraction of its time.
    """
    n = values.shape[0]
    out = np.empty(ranks.shape[0])
    low, high = values.min(), values.max()
    if not high > low:
        out[:] = low
        return out
    scale = _SELECT_BINS / (high - low)
    counts = np.zeros(_SELECT_BINS + 1, np.int64)
    for i in range(n):
        counts[int((values[i] - low) * scale)] += 1
    # the bin of each rank, and how many values lie in the bins below it
    slot_of_bin = np.full(_SELECT_BINS + 1, -1, np.int64)
    bins, below = np.empty(ranks.shape[0], np.int64), np.empty(ranks.shape[0], np.int64)
    seen, b = 0, 0
    for j in range(ranks.shape[0]):
        while seen + counts[b] <= ranks[j]:
            seen += counts[b]
            b += 1
        bins[j], below[j] = b, seen
    # the values of those bins, each bin's in a slice of its own
    slots = 0
    start = np.zeros(ranks.shape[0] + 1, np.int64)
    for j in range(ranks.shape[0]):
        if slot_of_bin[bins[j]] < 0:
            slot_of_bin[bins[j]] = slots
            start[slots + 1] = start[slots] + counts[bins[j]]
            slots += 1
    held = np.empty(start[slots])
    fill = start[:slots].copy()
    for i in range(n):
        s = slot_of_bin[int((values[i] - low) * scale)]
        if s >= 0:
            held[fill[s]] = values[i]
            fill[s] += 1
    for s in range(slots):
        held[start[s] : start[s + 1]] = np.sort(held[start[s] : start[s + 1]])
    for j in range(ranks.shape[0]):
        out[j] = held[start[slot_of_bin[bins[j]]] + ranks[j] - below[j]]
    return out
