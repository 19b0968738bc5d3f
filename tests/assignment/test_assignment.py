"""Equilibrium assignment: hand-solved networks, analytic delay functions, TNTP best-known objectives."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import quad

from corridor.assignment import kernels as k
from corridor.assignment.solve import ALGORITHMS, assign, two_link_network
from corridor.dataset.flownet import Demand, FlowNetwork, TrafficClass, one_element_per_link
from corridor.errors import InvalidOptionError

FW_FAMILY = ("fw", "cfw", "bfw")


# --- hand-solved: two parallel links ---------------------------------------------------------------------------
# t1 = 10 (1 + v1/10) = 10 + v1,  t2 = 15 (1 + v2/20) = 15 + 0.75 v2,  v1 + v2 = 20.
# UE: 10 + v1 = 15 + 0.75 (20 - v1)  ->  v1 = 20 / 1.75 = 11.428571, v2 = 8.571429, both 21.428571.
# SO: marginal 10 + 2 v1 = 15 + 1.5 v2  ->  3.5 v1 = 35  ->  v1 = v2 = 10.
UE_V1 = 20 / 1.75


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_links_user_equilibrium(algorithm: str) -> None:
    gap = 1e-3 if algorithm == "msa" else 1e-9
    result = assign(two_link_network(), algorithm=algorithm, gap=gap, max_iter=20000)
    tol = 2e-2 if algorithm == "msa" else 1e-4
    assert result.link_flow[0] == pytest.approx(UE_V1, abs=tol)
    assert result.link_flow[1] == pytest.approx(20 - UE_V1, abs=tol)
    assert result.link_time[0] == pytest.approx(result.link_time[1], abs=tol)
    # Beckmann: integral of 10 + v from 0 to v1 plus of 15 + 0.75 v from 0 to v2
    v1, v2 = UE_V1, 20 - UE_V1
    assert result.objective == pytest.approx(10 * v1 + v1**2 / 2 + 15 * v2 + 0.375 * v2**2, rel=1e-4)
    assert result.converged


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_two_links_system_optimum(algorithm: str) -> None:
    gap = 1e-3 if algorithm == "msa" else 1e-9
    result = assign(two_link_network(), algorithm=algorithm, objective="so", gap=gap, max_iter=20000)
    tol = 2e-2 if algorithm == "msa" else 1e-4
    assert result.link_flow == pytest.approx([10.0, 10.0], abs=tol)
    # total travel time at the optimum: 10 * 20 + 10 * 22.5 = 425
    assert result.objective == pytest.approx(425.0, rel=1e-5)
    assert result.equilibrium == "so"


def test_toll_moves_the_equilibrium() -> None:
    # A toll of 2 on link 1 at 1 time unit per toll unit: 12 + v1 = 15 + 0.75 (20 - v1) -> v1 = 18 / 1.75
    net = dataclasses.replace(two_link_network(), toll=np.array([2.0, 0.0]))
    result = assign(net, gap=1e-10, toll_factor=1.0)
    assert result.link_flow[0] == pytest.approx(18 / 1.75, abs=1e-5)


def test_shared_element_counts_both_links() -> None:
    # Both links use one element (a port) with delay 10 (v1 + v2) / 10, plus their own constants 0 and 5.
    # With demand 20 all flow takes link 1 (link 2 is 5 more whatever the volume): v1 = 20, delay 20.
    ptr = np.array([0, 2])
    net = dataclasses.replace(
        two_link_network(),
        free_flow_time=np.array([0.0, 5.0]),
        element_ids=("port",),
        element_ptr=ptr,
        element_link=np.array([0, 1]),
        vdf=np.zeros(1, dtype=np.int8),
        t0=np.array([10.0]),
        capacity=np.array([10.0]),
        alpha=np.ones(1),
        beta=np.ones(1),
    )
    result = assign(net, gap=1e-10)
    assert result.link_flow == pytest.approx([20.0, 0.0], abs=1e-6)
    assert result.element_volume[0] == pytest.approx(20.0)
    assert result.link_time == pytest.approx([20.0, 25.0])


def test_two_classes_with_different_costs_reach_their_own_equilibrium() -> None:
    # Class "car" (10) sees the links as they are; class "truck" (10) pays 8 more on link 1.
    base = two_link_network(demand=0.0)
    od = np.array([[0.0, 10.0], [0.0, 0.0]])
    demand = Demand(
        (
            TrafficClass("car", od),
            TrafficClass("truck", od, fixed_cost=np.array([8.0, 0.0])),
        )
    )
    result = assign(base, demand, algorithm="bfw", gap=1e-10, max_iter=5000)
    t1, t2 = result.link_time
    car, truck = result.class_flow
    # Each class uses only paths of least cost for it.
    for flows, extra in ((car, (0.0, 0.0)), (truck, (8.0, 0.0))):
        costs = np.array([t1 + extra[0], t2 + extra[1]])
        used = flows > 1e-6
        assert np.all(costs[used] <= costs.min() + 1e-5)
    assert car.sum() == pytest.approx(10) and truck.sum() == pytest.approx(10)
    assert result.class_names == ("car", "truck")


def test_unreachable_demand_is_reported_not_dropped() -> None:
    # A third zone C with no links: demand A -> C cannot be assigned.
    net = two_link_network()
    net = dataclasses.replace(
        net,
        n_nodes=3,
        zones=("A", "B", "C"),
        origin_node=np.array([0, 1, 2]),
        destination_node=np.array([0, 1, 2]),
        no_through=np.zeros(3, dtype=bool),
        demand=Demand((TrafficClass("all", np.array([[0.0, 20.0, 7.5], [0, 0, 0], [0, 0, 0]])),)),
    )
    result = assign(net, gap=1e-8)
    assert [(u.origin, u.destination, u.demand) for u in result.unassigned] == [("A", "C", 7.5)]
    assert result.unassigned_demand == 7.5
    assert result.total_demand == 27.5
    assert result.link_flow.sum() == pytest.approx(20.0)
    assert result.to_dict()["unassigned"] == [{"class": "all", "origin": "A", "destination": "C", "demand": 7.5}]


def test_no_through_zone_is_not_passed_through() -> None:
    # 0 -> 1 -> 2 is cheap but node 1 is a zone that may not be passed through; 0 -> 2 direct costs 100.
    ptr, link = one_element_per_link(3)
    net = FlowNetwork(
        name="no-through",
        n_nodes=3,
        zones=("a", "b", "c"),
        origin_node=np.arange(3),
        destination_node=np.arange(3),
        no_through=np.array([True, True, True]),
        link_ids=("a-b", "b-c", "a-c"),
        tail=np.array([0, 1, 0]),
        head=np.array([1, 2, 2]),
        free_flow_time=np.array([1.0, 1.0, 100.0]),
        length=np.ones(3),
        toll=np.zeros(3),
        element_ids=("a-b", "b-c", "a-c"),
        element_ptr=ptr,
        element_link=link,
        vdf=np.zeros(3, dtype=np.int8),
        t0=np.array([1.0, 1.0, 100.0]),
        capacity=np.full(3, np.inf),
        alpha=np.zeros(3),
        beta=np.zeros(3),
        demand=Demand((TrafficClass("all", np.array([[0, 0, 5.0], [0, 0, 0], [0, 0, 0]])),)),
    )
    result = assign(net, gap=1e-6)
    assert result.link_flow == pytest.approx([0.0, 0.0, 5.0])


# --- delay functions against calculus -------------------------------------------------------------------------

CASES = [
    (0, 2.0, 100.0, 0.15, 4.0),  # BPR
    (0, 2.0, 100.0, 0.5, 1.0),
    (0, 3.0, 50.0, 0.2, 0.0),  # power 0: constant 3 * 0.2
    (1, 2.0, 100.0, 4.0, 0.0),  # conical
    (1, 1.0, 80.0, 1.5, 0.0),
    (2, 5.0, 100.0, 1.0, 0.95),  # queue (M/M/1), linear above 0.95
    (2, 5.0, 100.0, 0.5, 0.8),
]


@pytest.mark.parametrize(("kind", "t0", "cap", "a", "b"), CASES)
@pytest.mark.parametrize("x", [0.0, 0.3, 0.9, 1.2])
def test_delay_integral_and_derivative_match_calculus(
    kind: int, t0: float, cap: float, a: float, b: float, x: float
) -> None:
    v = x * cap
    delay = lambda w: k._delay(kind, t0, cap, a, b, w, False)  # noqa: E731
    integral = k._integral(kind, t0, cap, a, b, v, False)
    assert integral == pytest.approx(quad(delay, 0.0, v, limit=200)[0], rel=1e-7, abs=1e-9)
    h = 1e-4 * cap
    if v > h:
        numeric = (delay(v + h) - delay(v - h)) / (2 * h)
        assert k._derivative(kind, t0, cap, a, b, v, False) == pytest.approx(numeric, rel=1e-5, abs=1e-9)
        # system optimum: marginal delay d + v d', its derivative, and the total v d
        marginal = lambda w: delay(w) + w * (delay(w + h) - delay(w - h)) / (2 * h)  # noqa: E731
        assert k._delay(kind, t0, cap, a, b, v, True) == pytest.approx(marginal(v), rel=1e-5, abs=1e-9)
        so_num = (k._delay(kind, t0, cap, a, b, v + h, True) - k._delay(kind, t0, cap, a, b, v - h, True)) / (2 * h)
        assert k._derivative(kind, t0, cap, a, b, v, True) == pytest.approx(so_num, rel=1e-4, abs=1e-8)
    assert k._integral(kind, t0, cap, a, b, v, True) == pytest.approx(v * delay(v))


def test_conical_is_zero_at_zero_and_alpha_slope_at_capacity() -> None:
    # Spiess (1990): t(1) = 2 t0 (delay t0) and t'(1) = alpha t0 / cap
    assert k._delay(1, 2.0, 10.0, 4.0, 0.0, 0.0, False) == 0.0
    assert k._delay(1, 2.0, 10.0, 4.0, 0.0, 10.0, False) == pytest.approx(2.0)
    assert k._derivative(1, 2.0, 10.0, 4.0, 0.0, 10.0, False) == pytest.approx(4.0 * 2.0 / 10.0)


def test_queue_is_mm1_time_in_system() -> None:
    # M/M/1 with service time s: time in system s / (1 - rho) = s + s rho / (1 - rho)
    s, rho = 3.0, 0.6
    assert s + k._delay(2, s, 1.0, 1.0, 0.95, rho, False) == pytest.approx(s / (1 - rho))


# --- bad input ------------------------------------------------------------------------------------------------


def _with(**changes: object) -> FlowNetwork:
    return dataclasses.replace(two_link_network(), **changes)  # type: ignore[arg-type]


def _demand(matrix: list[list[float]]) -> Demand:
    return Demand((TrafficClass("all", np.array(matrix)),))


BAD = [
    ({"algorithm": "newton"}, None, None, "Unknown algorithm 'newton'; valid: msa, fw, cfw, bfw, bush"),
    ({"objective": "fastest"}, None, None, "Unknown objective 'fastest'"),
    ({"gap": 0.0}, None, None, "gap must be a positive number"),
    ({"gap": math.nan}, None, None, "gap must be a positive number"),
    ({"max_iter": 0}, None, None, "max_iter must be at least 1"),
    ({"toll_factor": -1.0}, None, None, "toll factor must be a non-negative number"),
    ({}, None, _demand([[0, -5], [0, 0]]), "negative or not a number, first from zone A to zone B: -5"),
    ({}, None, _demand([[0, math.nan], [0, 0]]), "negative or not a number"),
    ({}, None, _demand([[0, 1, 1], [0, 0, 0], [0, 0, 0]]), r"is a \(3, 3\) matrix; the network has 2 zones"),
    ({}, {"capacity": np.array([0.0, 20.0])}, None, "Element '1' has zero capacity with a delay function"),
    ({}, {"capacity": np.array([math.nan, 20.0])}, None, "capacity must be a non-negative number"),
    ({}, {"vdf": np.array([1, 0], dtype=np.int8)}, None, "conical function needs alpha > 1"),
    ({}, {"vdf": np.array([2, 0], dtype=np.int8)}, None, r"queue function needs beta .* in \(0, 1\), got 1.0"),
    ({}, {"free_flow_time": np.array([-1.0, 1.0])}, None, "Link '1': free_flow_time must be a non-negative"),
]


@pytest.mark.parametrize(("options", "changes", "demand", "message"), BAD)
def test_bad_input_is_named(
    options: dict[str, object], changes: dict[str, object] | None, demand: Demand | None, message: str
) -> None:
    net = _with(**changes) if changes else two_link_network()
    with pytest.raises(InvalidOptionError, match=message):
        assign(net, demand, **options)  # type: ignore[arg-type]


def test_zero_capacity_with_constant_time_is_valid() -> None:
    net = _with(capacity=np.array([0.0, 20.0]), alpha=np.array([0.0, 1.0]))
    result = assign(net, gap=1e-8)
    # link 1 costs 10 whatever the volume: 10 = 15 + 0.75 v2 has no solution with v2 >= 0, so all on link 1
    assert result.link_flow == pytest.approx([20.0, 0.0], abs=1e-6)


# --- TNTP: best-known objectives ------------------------------------------------------------------------------

BEST = {
    "SiouxFalls": (4_231_335.287, 0.0, 0.0),
    "Anaheim": (1_286_032.171, 0.0, 0.0),
    "Chicago-Sketch": (17_313_018.739, 0.02, 0.04),
}


@pytest.mark.parametrize("name", list(BEST))
@pytest.mark.parametrize("algorithm", ["bfw", "cfw"])
def test_tntp_objective_at_gap_1e4(tntp_root: object, name: str, algorithm: str) -> None:
    from pathlib import Path

    from corridor.dataset.tntp import network_from_tntp, tntp_case_folder

    best, toll, dist = BEST[name]
    net = network_from_tntp(tntp_case_folder(name, Path(str(tntp_root))))
    result = assign(net, algorithm=algorithm, gap=1e-4, max_iter=2000, toll_factor=toll, distance_factor=dist)
    assert result.converged and result.relative_gap <= 1e-4
    assert abs(result.objective - best) / best <= 1e-4
    rmse = result.flow_rmse()
    assert rmse is not None and net.reference_flow is not None
    # flows near the best-known ones: at this gap the RMSE is a few percent of the mean link flow
    assert rmse < 0.05 * float(np.mean(net.reference_flow))
    gaps = result.convergence_frame()["relative_gap"]
    assert gaps.iloc[-1] == result.relative_gap and len(gaps) == result.iterations
