"""Where logistics centres go: capacitated p-median and maximum coverage over the tonnes a year's flows pass, as
mixed-integer programs on HiGHS (``scipy.optimize.milp``).

An instance is demand points (places, weighted by the tonnes passing them at equilibrium), candidate sites with a
capacity in tonnes, and the cost of serving a point from a site (great-circle km). The capacitated p-median opens
``k`` sites and assigns each point wholly to one open site (single sourcing, as PySAL spopt's ``PMedian`` does)
within its capacity, minimising the tonne-km; maximum coverage opens ``k`` sites to cover the most tonnes within
``radius_km`` (spopt's ``MCLP``). The formulas are in docs/model.md ("Logistics centres").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError, SolverError

__all__ = ["CentresInstance", "Siting", "great_circle_km", "max_coverage", "p_median"]

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64],
                    lon2: NDArray[np.float64]) -> NDArray[np.float64]:  # fmt: skip
    """Haversine distances (km) between every point 1 (rows) and every point 2 (columns)."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dlat = p2 - p1
    dlon = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    out: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


@dataclass(frozen=True)
class CentresInstance:
    """Demand points with their tonnes, candidate sites with their capacities, and the cost between them."""

    demand_ids: tuple[str, ...]
    weights_t: NDArray[np.float64]
    candidate_ids: tuple[str, ...]
    capacities_t: NDArray[np.float64]
    cost_km: NDArray[np.float64]  # (demand points, candidates)

    def __post_init__(self) -> None:
        n, m = len(self.demand_ids), len(self.candidate_ids)
        if self.cost_km.shape != (n, m) or self.weights_t.shape != (n,) or self.capacities_t.shape != (m,):
            raise InvalidOptionError(f"an instance of {n} points and {m} sites needs a {n} x {m} cost matrix.")

    def check_count(self, k: int) -> None:
        """``k`` from 1 to the number of candidates, or InvalidOptionError naming both and the candidates."""
        m = len(self.candidate_ids)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= m:
            raise InvalidOptionError(
                f"count {k!r} is not from 1 to the {m} candidate sites: {', '.join(self.candidate_ids)}."
            )


@dataclass(frozen=True)
class Siting:
    """Sites opened, their objective (tonne-km, or tonnes covered) and each demand point's site."""

    method: str
    sites: tuple[str, ...]
    objective: float
    assignment: dict[str, str | None]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "sites": list(self.sites),
            "objective": round(self.objective, 3),
            "assignment": self.assignment,
            "seconds": round(self.seconds, 4),
        }


class _Rows:
    """Constraint rows of a program, kept sparse: ``lower <= sum_k value_k x[col_k] <= upper``."""

    def __init__(self, n_vars: int) -> None:
        self.n_vars = n_vars
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.values: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, cols: Sequence[int] | NDArray[np.int64], values: Sequence[float] | NDArray[np.float64],
            lower: float, upper: float) -> None:  # fmt: skip
        r = len(self.lower)
        self.rows.extend([r] * len(cols))
        self.cols.extend(int(c) for c in cols)
        self.values.extend(float(v) for v in values)
        self.lower.append(lower)
        self.upper.append(upper)


def _solve(c: NDArray[np.float64], rows: _Rows, time_limit: float) -> NDArray[np.float64]:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    matrix = csr_array((rows.values, (rows.rows, rows.cols)), shape=(len(rows.lower), rows.n_vars))
    result = milp(
        c,
        constraints=LinearConstraint(matrix, rows.lower, rows.upper),
        integrality=np.ones(len(c)),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit},
    )
    if result.x is None or not result.success:
        raise SolverError(f"HiGHS found no siting: {result.message}")
    out: NDArray[np.float64] = np.round(result.x)
    return out


def _fix(rows: _Rows, inst: CentresInstance, fixed: Sequence[str] | None) -> None:
    """Open exactly the sites ``fixed`` (for the value of a given set of sites)."""
    if fixed is not None:
        for j, site in enumerate(inst.candidate_ids):
            value = 1.0 if site in fixed else 0.0
            rows.add([j], [1.0], value, value)


def p_median(
    instance: CentresInstance,
    k: int,
    *,
    capacitated: bool = True,
    fixed: Sequence[str] | None = None,
    time_limit: float = 60.0,
) -> Siting:
    """Open ``k`` sites (or exactly the sites ``fixed``) and assign each demand point to one open site within its
    capacity, minimising tonnes times km.

    Raises
    ------
    InvalidOptionError
        For ``k`` out of range, an unknown fixed site, or capacities that cannot hold the demand.
    SolverError
    """
    import time

    started = time.perf_counter()
    inst = instance
    n, m = inst.cost_km.shape
    if fixed is not None:
        unknown = [s for s in fixed if s not in inst.candidate_ids]
        if unknown:
            raise InvalidOptionError(f"unknown site {', '.join(unknown)}; candidates: {', '.join(inst.candidate_ids)}.")
        k = len(fixed)
    inst.check_count(k)
    if capacitated and np.sort(inst.capacities_t)[-k:].sum() < inst.weights_t.sum() - 1e-6:
        raise InvalidOptionError(
            f"{k} sites cannot hold the {inst.weights_t.sum():,.0f} t: the largest {k} capacities add up to "
            f"{np.sort(inst.capacities_t)[-k:].sum():,.0f} t."
        )
    # variables: y (m sites), then z (n x m assignments), row by row
    nv = m + n * m
    c = np.zeros(nv)
    c[m:] = (inst.weights_t[:, None] * inst.cost_km).ravel()
    rows = _Rows(nv)
    rows.add(range(m), [1.0] * m, k, k)
    for i in range(n):  # each point to one site
        rows.add(range(m + i * m, m + (i + 1) * m), [1.0] * m, 1, 1)
    for j in range(m):
        if capacitated:  # sum_i w_i z_ij <= C_j y_j
            rows.add([j, *range(m + j, nv, m)], [-inst.capacities_t[j], *inst.weights_t], -np.inf, 0)
        for i in range(n):  # z_ij <= y_j
            rows.add([m + i * m + j, j], [1.0, -1.0], -np.inf, 0)
    _fix(rows, inst, fixed)
    x = _solve(c, rows, time_limit)
    open_ = [j for j in range(m) if x[j] > 0.5]
    z = x[m:].reshape(n, m)
    assignment: dict[str, str | None] = {inst.demand_ids[i]: inst.candidate_ids[int(np.argmax(z[i]))] for i in range(n)}
    return Siting(
        method="capacitated p-median" if capacitated else "p-median",
        sites=tuple(inst.candidate_ids[j] for j in open_),
        objective=float(np.dot(c, x)),
        assignment=assignment,
        seconds=time.perf_counter() - started,
    )


def max_coverage(
    instance: CentresInstance,
    k: int,
    *,
    radius_km: float,
    fixed: Sequence[str] | None = None,
    time_limit: float = 60.0,
) -> Siting:
    """Open ``k`` sites (or exactly ``fixed``) to cover the most tonnes within ``radius_km`` of an open site.

    Raises
    ------
    InvalidOptionError, SolverError
    """
    import time

    started = time.perf_counter()
    inst = instance
    if not (math.isfinite(radius_km) and radius_km > 0):
        raise InvalidOptionError(f"radius {radius_km!r} km is not a distance above zero.")
    n, m = inst.cost_km.shape
    if fixed is not None:
        unknown = [s for s in fixed if s not in inst.candidate_ids]
        if unknown:
            raise InvalidOptionError(f"unknown site {', '.join(unknown)}; candidates: {', '.join(inst.candidate_ids)}.")
        k = len(fixed)
    inst.check_count(k)
    within = inst.cost_km <= radius_km
    nv = m + n  # y (sites), then u (points covered)
    c = np.zeros(nv)
    c[m:] = -inst.weights_t
    rows = _Rows(nv)
    rows.add(range(m), [1.0] * m, k, k)
    for i in range(n):  # u_i <= sum of the open sites within reach
        reach = np.flatnonzero(within[i])
        rows.add([m + i, *reach], [1.0, *([-1.0] * len(reach))], -np.inf, 0)
    _fix(rows, inst, fixed)
    x = _solve(c, rows, time_limit)
    open_ = [j for j in range(m) if x[j] > 0.5]
    assignment: dict[str, str | None] = {}
    for i in range(n):
        near = [j for j in open_ if within[i, j]]
        assignment[inst.demand_ids[i]] = (
            inst.candidate_ids[min(near, key=lambda j: inst.cost_km[i, j])] if near else None
        )
    return Siting(
        method=f"maximum coverage within {radius_km:g} km",
        sites=tuple(inst.candidate_ids[j] for j in open_),
        objective=float(inst.weights_t[[i for i in range(n) if assignment[inst.demand_ids[i]]]].sum()),
        assignment=assignment,
        seconds=time.perf_counter() - started,
    )
