"""The assignment problem: checked inputs compiled to arrays, its state, link costs, all-or-nothing loads and the gap.

Shared by every solver (``solve``: MSA and the Frank-Wolfe family; ``bush``: Algorithm B) and by the results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import Demand, FlowNetwork
from corridor.errors import InvalidOptionError

__all__ = [
    "ALGORITHMS",
    "OBJECTIVES",
    "Problem",
    "Progress",
    "State",
    "evaluate",
    "link_costs",
    "prepare",
    "relative_gap",
]

ALGORITHMS: tuple[str, ...] = ("msa", "fw", "cfw", "bfw", "bush")
OBJECTIVES: tuple[str, ...] = ("ue", "so")
Algorithm = Literal["msa", "fw", "cfw", "bfw", "bush"]
#: Called after every iteration with (iteration, relative gap); return False to stop early.
Progress = Callable[[int, float], bool | None]


@dataclass(frozen=True, eq=False)
class Problem:
    """Kernel-ready arrays of one assignment, links in forward-star order (``perm[k]`` is the original link)."""

    network: FlowNetwork
    perm: NDArray[np.int64]
    indptr: NDArray[np.int64]
    head: NDArray[np.int64]
    tail: NDArray[np.int64]
    fft: NDArray[np.float64]
    element_ptr: NDArray[np.int64]
    element_link: NDArray[np.int64]
    link_ptr: NDArray[np.int64]
    link_elem: NDArray[np.int64]
    vdf: NDArray[np.int8]
    t0: NDArray[np.float64]
    cap: NDArray[np.float64]
    alpha: NDArray[np.float64]
    beta: NDArray[np.float64]
    no_through: NDArray[np.bool_]
    origin_node: NDArray[np.int64]
    destination_node: NDArray[np.int64]
    class_names: tuple[str, ...]
    demand: NDArray[np.float64]  # (K, Z, Z), unassignable OD pairs removed
    origins: tuple[NDArray[np.int64], ...]  # per class: zones with demand
    pce: NDArray[np.float64]  # (K,)
    fixed: NDArray[np.float64]  # (K, E) fixed cost per class, inf where barred
    unassigned: tuple[tuple[str, int, int, float], ...]  # (class, origin zone, destination zone, demand)
    so: bool
    threads: int

    @property
    def n_links(self) -> int:
        return int(self.head.shape[0])


def _check_demand(network: FlowNetwork, demand: Demand) -> None:
    z, e = network.n_zones, network.n_links
    if not demand.classes:
        raise InvalidOptionError("The demand has no classes")
    names = [c.name for c in demand.classes]
    if len(set(names)) != len(names):
        raise InvalidOptionError(f"Demand class names must be unique, got {names}")
    for c in demand.classes:
        if c.demand.shape != (z, z):
            raise InvalidOptionError(
                f"Demand class {c.name!r} is a {c.demand.shape} matrix; the network has {z} zones ({z} x {z})"
            )
        bad = ~np.isfinite(c.demand) | (c.demand < 0)
        if bad.any():
            o, d = (int(i) for i in np.argwhere(bad)[0])
            raise InvalidOptionError(
                f"Demand class {c.name!r}: {int(bad.sum())} OD value(s) negative or not a number, first from zone "
                f"{network.zones[o]} to zone {network.zones[d]}: {float(c.demand[o, d])!r}"
            )
        if not (np.isfinite(c.pce) and c.pce > 0):
            raise InvalidOptionError(f"Demand class {c.name!r}: pce must be a positive number, got {c.pce!r}")
        for what, arr in (("fixed_cost", c.fixed_cost), ("allowed", c.allowed)):
            if arr is not None and arr.shape != (e,):
                raise InvalidOptionError(f"Demand class {c.name!r}: {what} must have one value per link ({e})")
        if c.fixed_cost is not None and (np.isnan(c.fixed_cost).any() or (c.fixed_cost < 0).any()):
            raise InvalidOptionError(f"Demand class {c.name!r}: fixed costs must be non-negative numbers")


def _check_network(network: FlowNetwork) -> None:
    """Numbers the kernels cannot take; readers check files, this checks networks built by hand."""
    for name in ("free_flow_time", "length", "toll"):
        arr = getattr(network, name)
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            i = int(bad[0])
            raise InvalidOptionError(
                f"Link {network.link_ids[i]!r}: {name} must be a non-negative number, got {float(arr[i])!r}"
            )
    for name in ("t0", "alpha", "beta"):
        arr = getattr(network, name)
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            i = int(bad[0])
            raise InvalidOptionError(
                f"Element {network.element_ids[i]!r}: {name} must be a non-negative number, got {float(arr[i])!r}"
            )
    cap = network.capacity
    bad = np.flatnonzero(np.isnan(cap) | (cap < 0))
    if bad.size:
        i = int(bad[0])
        raise InvalidOptionError(
            f"Element {network.element_ids[i]!r}: capacity must be a non-negative number, got {float(cap[i])!r}"
        )
    delays = (network.alpha > 0) & ((network.vdf != 0) | (network.beta > 0))
    bad = np.flatnonzero((cap == 0) & delays)
    if bad.size:
        i = int(bad[0])
        raise InvalidOptionError(
            f"Element {network.element_ids[i]!r} has zero capacity with a delay function; give it a capacity, "
            "or alpha 0 for a constant time"
        )
    conical = np.flatnonzero((network.vdf == 1) & (network.alpha <= 1))
    if conical.size:
        i = int(conical[0])
        raise InvalidOptionError(f"Element {network.element_ids[i]!r}: the conical function needs alpha > 1")
    queue = np.flatnonzero((network.vdf == 2) & ((network.beta <= 0) | (network.beta >= 1)))
    if queue.size:
        i = int(queue[0])
        raise InvalidOptionError(
            f"Element {network.element_ids[i]!r}: the queue function needs beta (the utilisation where it turns "
            f"linear) in (0, 1), got {float(network.beta[i])!r}"
        )


def prepare(
    network: FlowNetwork,
    demand: Demand,
    *,
    toll_factor: float = 0.0,
    distance_factor: float = 0.0,
    objective: str = "ue",
    threads: int | None = None,
) -> Problem:
    """Check the inputs and lay them out for the kernels; OD pairs with no path are set aside, not dropped."""
    from corridor.assignment.kernels import skim

    if objective not in OBJECTIVES:
        raise InvalidOptionError(f"Unknown objective {objective!r}; valid: ue (user equilibrium), so (system optimum)")
    for name, value in (("toll factor", toll_factor), ("distance factor", distance_factor)):
        if not np.isfinite(value) or value < 0:
            raise InvalidOptionError(f"The {name} must be a non-negative number, got {value!r}")
    _check_network(network)
    _check_demand(network, demand)
    indptr, perm, head = network.csr
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    tail = network.tail[perm].astype(np.int64)
    element_link = inverse[network.element_link]
    ptr = np.zeros(network.n_links + 1, dtype=np.int64)
    np.add.at(ptr, element_link + 1, 1)
    ptr = np.cumsum(ptr)
    owner = np.repeat(np.arange(network.n_elements, dtype=np.int64), np.diff(network.element_ptr))
    link_elem = owner[np.argsort(element_link, kind="stable")]
    base_fixed = toll_factor * network.toll + distance_factor * network.length
    fixed = np.empty((len(demand.classes), network.n_links))
    for k, c in enumerate(demand.classes):
        row = base_fixed + (c.fixed_cost if c.fixed_cost is not None else 0.0)
        if c.allowed is not None:
            row = np.where(c.allowed, row, np.inf)
        fixed[k] = row[perm]
    fft = network.free_flow_time[perm].astype(np.float64)
    n_threads = threads or max(1, min(os.cpu_count() or 1, 8))
    # Reachability at free flow: a path exists or not whatever the volumes.
    matrices = []
    unassigned: list[tuple[str, int, int, float]] = []
    origins = []
    from corridor.assignment.kernels import element_delay, link_time

    zero_delay = element_delay(
        network.vdf,
        network.t0,
        network.capacity,
        network.alpha,
        network.beta,
        np.zeros(network.n_elements),
        False,
    )
    free = link_time(fft, ptr, link_elem, zero_delay)
    for k, c in enumerate(demand.classes):
        dist = skim(indptr, head, free + fixed[k], network.origin_node, network.destination_node, network.no_through)
        matrix = np.array(c.demand, dtype=np.float64, copy=True)
        lost = (matrix > 0) & ~np.isfinite(dist)
        for o, d in np.argwhere(lost):
            unassigned.append((c.name, int(o), int(d), float(matrix[o, d])))
        matrix[lost] = 0.0
        matrices.append(matrix)
        origins.append(np.flatnonzero(matrix.sum(axis=1) > 0).astype(np.int64))
    return Problem(
        network=network,
        perm=perm,
        indptr=indptr,
        head=head,
        tail=tail,
        fft=fft,
        element_ptr=network.element_ptr.astype(np.int64),
        element_link=element_link.astype(np.int64),
        link_ptr=ptr,
        link_elem=link_elem.astype(np.int64),
        vdf=network.vdf.astype(np.int8),
        t0=network.t0.astype(np.float64),
        cap=network.capacity.astype(np.float64),
        alpha=network.alpha.astype(np.float64),
        beta=network.beta.astype(np.float64),
        no_through=network.no_through.astype(np.bool_),
        origin_node=network.origin_node.astype(np.int64),
        destination_node=network.destination_node.astype(np.int64),
        class_names=tuple(c.name for c in demand.classes),
        demand=np.stack(matrices),
        origins=tuple(origins),
        pce=np.array([c.pce for c in demand.classes], dtype=np.float64),
        fixed=fixed,
        unassigned=tuple(unassigned),
        so=objective == "so",
        threads=n_threads,
    )


@dataclass
class State:
    """What an algorithm hands back: class flows (K, E) in forward-star order and the convergence history."""

    flows: NDArray[np.float64]
    history: list[tuple[int, float, float, float, float]]  # iteration, relative gap, objective, step, seconds
    converged: bool


def evaluate(p: Problem, flows: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Element volumes, congested link times (UE delays) and the objective at class flows ``flows``."""
    from corridor.assignment.kernels import element_delay, element_integral, element_volume, link_time

    volume = element_volume(p.element_ptr, p.element_link, p.pce @ flows)
    delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, False)
    times = link_time(p.fft, p.link_ptr, p.link_elem, delay)
    integral = element_integral(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
    fixed = _dot(p.fft + p.fixed, flows)
    return volume, times, integral + fixed


def link_costs(p: Problem, volume: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per class link costs at element volumes ``volume`` (marginal for SO), inf where barred."""
    from corridor.assignment.kernels import element_delay, link_time

    delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
    times = link_time(p.fft, p.link_ptr, p.link_elem, delay)
    costs: NDArray[np.float64] = times[None, :] + p.fixed
    return costs


def _aon(p: Problem, costs: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    from corridor.assignment.kernels import aon

    out = np.zeros_like(costs)
    total = 0.0
    for k in range(costs.shape[0]):
        if p.origins[k].size == 0:
            continue
        out[k], sp = aon(
            p.indptr,
            p.head,
            p.tail,
            costs[k],
            p.origins[k],
            p.origin_node,
            p.destination_node,
            p.demand[k],
            p.no_through,
            p.threads,
        )
        total += sp
    return out, total


def _dot(costs: NDArray[np.float64], flows: NDArray[np.float64]) -> float:
    """Sum of cost x flow where the flow is not zero (barred links cost inf but carry nothing)."""
    used = flows != 0
    return float((np.broadcast_to(costs, flows.shape)[used] * flows[used]).sum())


def relative_gap(
    p: Problem, costs: NDArray[np.float64], flows: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    """The relative gap of class flows under class costs, and the all-or-nothing flows it was measured with."""
    y, least = _aon(p, costs)
    current = _dot(costs, flows)
    return ((current - least) / current if current > 0 else 0.0), y
