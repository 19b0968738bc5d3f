"""Static equilibrium assignment: user equilibrium or system optimum, several classes, capacity-limited elements.

Algorithms: MSA, Frank-Wolfe (``fw``), conjugate (``cfw``) and bi-conjugate (``bfw``) Frank-Wolfe, and
Algorithm B (``bush``, origin-based). Every function is pure: a FlowNetwork (or a corridor Network, compiled by
``corridor.freight.flow_network``) and a Demand in, an :class:`~corridor.flowresults.AssignmentResult` out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError
from corridor.flownet import Demand, FlowNetwork

if TYPE_CHECKING:
    from corridor.flowresults import AssignmentResult
    from corridor.network import Network

__all__ = ["ALGORITHMS", "OBJECTIVES", "Progress", "assign", "two_link_network", "warmup"]

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
    from corridor._assign_kernels import skim

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
    from corridor._assign_kernels import element_delay, link_time

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
    from corridor._assign_kernels import element_delay, element_integral, element_volume, link_time

    volume = element_volume(p.element_ptr, p.element_link, p.pce @ flows)
    delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, False)
    times = link_time(p.fft, p.link_ptr, p.link_elem, delay)
    integral = element_integral(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
    fixed = _dot(p.fft + p.fixed, flows)
    return volume, times, integral + fixed


def _costs(p: Problem, volume: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per class link costs at element volumes ``volume`` (marginal for SO), inf where barred."""
    from corridor._assign_kernels import element_delay, link_time

    delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
    times = link_time(p.fft, p.link_ptr, p.link_elem, delay)
    costs: NDArray[np.float64] = times[None, :] + p.fixed
    return costs


def _aon(p: Problem, costs: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    from corridor._assign_kernels import aon

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


def linear_approximation(
    p: Problem,
    *,
    algorithm: str,
    gap: float,
    max_iter: int,
    max_seconds: float | None,
    progress: Progress | None,
) -> State:
    """MSA and the Frank-Wolfe family (plain, conjugate, bi-conjugate: Mitradjieva and Lindberg, 2013)."""
    from corridor._assign_kernels import element_derivative, element_volume, line_search

    start = time.perf_counter()

    def to_elements(class_flows: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = element_volume(p.element_ptr, p.element_link, p.pce @ class_flows)
        return out

    volume = to_elements(np.zeros_like(p.fixed))
    x, _ = _aon(p, _costs(p, volume))
    history: list[tuple[int, float, float, float, float]] = []
    s = s_prev = None
    step = 1.0
    direction = "fw"
    converged = False
    for it in range(1, max_iter + 1):
        volume = to_elements(x)
        costs = _costs(p, volume)
        rgap, y = relative_gap(p, costs, x)
        objective = evaluate(p, x)[2]
        history.append((it, rgap, objective, step, time.perf_counter() - start))
        if progress is not None and progress(it, rgap) is False:
            break
        if rgap <= gap:
            converged = True
            break
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
        if it == max_iter:
            break
        # Direction.
        if algorithm in ("msa", "fw") or s is None or direction == "fw":
            new_s = y
            direction = "cfw" if algorithm in ("cfw", "bfw") else "fw"
        elif direction == "cfw" or algorithm == "cfw" or s_prev is None:
            h = element_derivative(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
            a_ = to_elements(s - x)
            b_ = to_elements(y - x)
            c_ = to_elements(y - s)
            num, den = float((h * a_ * b_).sum()), float((h * a_ * c_).sum())
            conj = 0.0 if den == 0 else min(max(num / den, 0.0), 0.99999)
            new_s = conj * s + (1.0 - conj) * y
            direction = "bfw" if algorithm == "bfw" else "cfw"
        else:
            h = element_derivative(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, p.so)
            xx = to_elements(step * s + (1.0 - step) * s_prev - x)
            yy = to_elements(y - x)
            zz = to_elements(s - x)
            ww = to_elements(s_prev - s)
            den_mu = float((h * xx * ww).sum())
            mu = max(0.0, -float((h * xx * yy).sum()) / den_mu) if den_mu != 0 else 0.0
            den_nu = float((h * zz * zz).sum())
            nu = max(0.0, -float((h * zz * yy).sum()) / den_nu + mu * step / (1.0 - step)) if den_nu != 0 else 0.0
            b0 = 1.0 / (1.0 + nu + mu)
            new_s = b0 * y + nu * b0 * s + mu * b0 * s_prev
        delta = new_s - x
        fixed_part = _dot(p.fft + p.fixed, delta)
        if algorithm == "msa":
            step = 1.0 / (it + 1)
        else:
            d_el = to_elements(delta)
            step = line_search(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, d_el, fixed_part, 1.0, p.so)
            if step <= 0.0 and new_s is not y:
                # The conjugate direction does not descend here: take a plain Frank-Wolfe step instead.
                new_s = y
                delta = y - x
                fixed_part = _dot(p.fft + p.fixed, delta)
                step = line_search(
                    p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, to_elements(delta), fixed_part, 1.0, p.so
                )
                direction = "cfw" if algorithm in ("cfw", "bfw") else "fw"
        if step >= 1.0 - 1e-12 and algorithm in ("cfw", "bfw"):
            direction = "fw"  # the new point replaces the old one: start the conjugate sequence anew
        s_prev, s = s, new_s
        x = x + step * delta
    return State(flows=x, history=history, converged=converged)


def assign(
    network: FlowNetwork | Network,
    demand: Demand | None = None,
    *,
    algorithm: Algorithm | str = "bfw",
    objective: Literal["ue", "so"] | str = "ue",
    gap: float = 1e-4,
    max_iter: int = 1000,
    max_seconds: float | None = None,
    toll_factor: float = 0.0,
    distance_factor: float = 0.0,
    year: int | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> AssignmentResult:
    """Equilibrium assignment of ``demand`` on ``network``.

    Parameters
    ----------
    network
        A FlowNetwork (``network_from_tntp``), or a corridor Network, compiled with its capacity elements.
    demand
        The classes and their OD matrices; ``None`` for the network's own demand (TNTP trips, or the embedded
        demand table of the given ``year``).
    algorithm
        ``msa``, ``fw``, ``cfw``, ``bfw`` (default) or ``bush`` (Algorithm B, for tight gaps).
    objective
        ``ue`` user equilibrium (default) or ``so`` system optimum.
    gap
        Stop at this relative gap: (sum of c x - sum of c y) / sum of c x, with y the all-or-nothing flows.
    toll_factor, distance_factor
        Generalized cost: time + toll_factor x toll + distance_factor x length, in the network's time unit.

    Raises
    ------
    InvalidOptionError
        For an unknown algorithm or objective, bad numbers, or demand that does not fit the network.
    """
    from corridor.flowresults import AssignmentResult

    if algorithm not in ALGORITHMS:
        raise InvalidOptionError(f"Unknown algorithm {algorithm!r}; valid: {', '.join(ALGORITHMS)}")
    if not (np.isfinite(gap) and gap > 0):
        raise InvalidOptionError(f"The gap must be a positive number, got {gap!r}")
    if max_iter < 1:
        raise InvalidOptionError(f"max_iter must be at least 1, got {max_iter}")
    if max_seconds is not None and not max_seconds > 0:
        raise InvalidOptionError(f"max_seconds must be positive, got {max_seconds!r}")
    if not isinstance(network, FlowNetwork):
        from corridor.freight import flow_network

        network = flow_network(network, year=year)
    if demand is None:
        if network.demand is None:
            raise InvalidOptionError(f"Network {network.name!r} has no demand of its own; pass one")
        demand = network.demand
    started = time.perf_counter()
    p = prepare(
        network, demand, toll_factor=toll_factor, distance_factor=distance_factor, objective=objective, threads=threads
    )
    if algorithm == "bush":
        from corridor._bush import algorithm_b

        state = algorithm_b(p, gap=gap, max_iter=max_iter, max_seconds=max_seconds, progress=progress)
    else:
        state = linear_approximation(
            p, algorithm=algorithm, gap=gap, max_iter=max_iter, max_seconds=max_seconds, progress=progress
        )
    seconds = time.perf_counter() - started
    return AssignmentResult.build(p, state, algorithm=algorithm, demand=demand, seconds=seconds)


def two_link_network(
    *, demand: float = 20.0, t1: float = 10.0, t2: float = 15.0, cap1: float = 10.0, cap2: float = 20.0
) -> FlowNetwork:
    """Two parallel links from zone A to zone B with linear (BPR, power 1) times: the textbook example.

    ``t_i(v) = t_i (1 + v / cap_i)``; with the defaults t1 = 10 + v1 and t2 = 15 + 0.75 v2.
    """
    from corridor.flownet import TrafficClass, one_element_per_link

    ptr, link = one_element_per_link(2)
    fft = np.array([t1, t2])
    return FlowNetwork(
        name="two links",
        n_nodes=2,
        zones=("A", "B"),
        origin_node=np.array([0, 1]),
        destination_node=np.array([0, 1]),
        no_through=np.zeros(2, dtype=bool),
        link_ids=("1", "2"),
        tail=np.array([0, 0]),
        head=np.array([1, 1]),
        free_flow_time=fft,
        length=np.ones(2),
        toll=np.zeros(2),
        element_ids=("1", "2"),
        element_ptr=ptr,
        element_link=link,
        vdf=np.zeros(2, dtype=np.int8),
        t0=fft.copy(),
        capacity=np.array([cap1, cap2]),
        alpha=np.ones(2),
        beta=np.ones(2),
        demand=Demand((TrafficClass("all", np.array([[0.0, demand], [0.0, 0.0]])),)),
    )


def warmup() -> None:
    """Load (or compile, the first time) every assignment kernel, so that timings measure the work alone."""
    from corridor._assign_kernels import _aon_parallel

    net = two_link_network()
    for algorithm in ("bfw", "msa"):
        assign(net, algorithm=algorithm, gap=1e-3, max_iter=5)
    # large networks load in parallel: load (or compile) that kernel too
    p = prepare(net, net.demand) if net.demand is not None else None
    if p is not None:
        _aon_parallel(
            p.indptr, p.head, p.tail, p.fft, p.origins[0], p.origin_node, p.destination_node, p.demand[0],
            p.no_through, 2,
        )  # fmt: skip
