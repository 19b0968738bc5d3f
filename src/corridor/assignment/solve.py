"""Static equilibrium assignment: user equilibrium or system optimum, several classes, capacity-limited elements.

Algorithms: MSA, Frank-Wolfe (``fw``), conjugate (``cfw``) and bi-conjugate (``bfw``) Frank-Wolfe, and
Algorithm B (``bush``, origin-based). Every function is pure: a FlowNetwork (or a corridor Network, compiled by
``corridor.model.freight.flow_network``) and a Demand in, an :class:`~corridor.assignment.results.AssignmentResult` out.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.assignment.problem import (
    ALGORITHMS,
    OBJECTIVES,
    Algorithm,
    Problem,
    Progress,
    State,
    _aon,
    _dot,
    evaluate,
    link_costs,
    prepare,
    relative_gap,
)
from corridor.dataset.flownet import Demand, FlowNetwork
from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.assignment.results import AssignmentResult
    from corridor.dataset.network import Network

__all__ = ["ALGORITHMS", "OBJECTIVES", "Progress", "assign", "two_link_network", "warmup"]


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
    from corridor.assignment.kernels import element_derivative, element_volume, line_search

    start = time.perf_counter()

    def to_elements(class_flows: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = element_volume(p.element_ptr, p.element_link, p.pce @ class_flows)
        return out

    volume = to_elements(np.zeros_like(p.fixed))
    x, _ = _aon(p, link_costs(p, volume))
    history: list[tuple[int, float, float, float, float]] = []
    s = s_prev = None
    step = 1.0
    direction = "fw"
    converged = False
    for it in range(1, max_iter + 1):
        volume = to_elements(x)
        costs = link_costs(p, volume)
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
    max_iter
        Stop after this many iterations.
    max_seconds
        Stop after this long (default no limit).
    toll_factor, distance_factor
        Generalized cost: time + toll_factor x toll + distance_factor x length, in the network's time unit.
    year
        For a corridor Network: the year of the demand table.
    threads
        Threads of the compiled kernels (default numba's).
    progress
        ``progress(iteration, relative_gap)``, called after each iteration.

    Returns
    -------
    AssignmentResult
        Link and element flows, times, v/c and convergence; ``to_frame()``, ``to_dict()``, ``to_geojson()``.

    Raises
    ------
    InvalidOptionError
        For an unknown algorithm or objective, bad numbers, or demand that does not fit the network.

    Examples
    --------
    >>> import corridor
    >>> result = corridor.assign(corridor.load_network(), year=2024, gap=1e-3)
    >>> result.converged, result.relative_gap <= 1e-3
    (True, True)
    """
    from corridor.assignment.results import AssignmentResult

    if algorithm not in ALGORITHMS:
        raise InvalidOptionError(f"Unknown algorithm {algorithm!r}; valid: {', '.join(ALGORITHMS)}")
    if not (np.isfinite(gap) and gap > 0):
        raise InvalidOptionError(f"The gap must be a positive number, got {gap!r}")
    if max_iter < 1:
        raise InvalidOptionError(f"max_iter must be at least 1, got {max_iter}")
    if max_seconds is not None and not max_seconds > 0:
        raise InvalidOptionError(f"max_seconds must be positive, got {max_seconds!r}")
    if not isinstance(network, FlowNetwork):
        from corridor.model.freight import flow_network

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
        from corridor.assignment.bush import algorithm_b

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
    from corridor.dataset.flownet import TrafficClass, one_element_per_link

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
    from corridor.assignment.kernels import _aon_parallel

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
