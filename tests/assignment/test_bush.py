"""Algorithm B (origin-based, ``algorithm="bush"``): hand-solved networks, the FW family, TNTP best-known objectives."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from corridor.assignment.solve import assign, two_link_network
from corridor.dataset.flownet import Demand, FlowNetwork, TrafficClass, one_element_per_link


def small_network(
    tail: list[int],
    head: list[int],
    fft: list[float],
    elements: list[tuple[list[int], float, float]],
    *,
    n_nodes: int,
    zones: dict[str, int],
    demand: NDArray[np.float64],
    no_through: Sequence[int] = (),
) -> FlowNetwork:
    """A FlowNetwork by hand: ``elements`` are (links, t0, capacity) with linear delay t0 * volume / capacity."""
    m = len(tail)
    element_ptr = np.cumsum([0] + [len(links) for links, _, _ in elements]).astype(np.int64)
    blocked = np.zeros(n_nodes, dtype=bool)
    blocked[list(no_through)] = True
    nodes = np.array(list(zones.values()), dtype=np.int64)
    return FlowNetwork(
        name="by hand",
        n_nodes=n_nodes,
        zones=tuple(zones),
        origin_node=nodes,
        destination_node=nodes,
        no_through=blocked,
        link_ids=tuple(str(i) for i in range(m)),
        tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64),
        free_flow_time=np.array(fft, dtype=np.float64),
        length=np.ones(m),
        toll=np.zeros(m),
        element_ids=tuple(f"e{i}" for i in range(len(elements))),
        element_ptr=element_ptr,
        element_link=np.array([a for links, _, _ in elements for a in links], dtype=np.int64),
        vdf=np.zeros(len(elements), dtype=np.int8),
        t0=np.array([t0 for _, t0, _ in elements], dtype=np.float64),
        capacity=np.array([cap for _, _, cap in elements], dtype=np.float64),
        alpha=np.ones(len(elements)),
        beta=np.ones(len(elements)),
        demand=Demand((TrafficClass("all", demand),)),
    )


# --- two parallel links, hand-solved ---------------------------------------------------------------------------
# BPR elements of power 1: t1 = 10 (1 + v1 / 10) = 10 + v1, t2 = 15 (1 + v2 / 30) = 15 + 0.5 v2, v1 + v2 = 20.
# UE: 10 + v1 = 15 + 0.5 (20 - v1) -> 1.5 v1 = 15 -> v1 = v2 = 10, both links take 20.
#     Beckmann: int_0^10 (10 + v) dv + int_0^10 (15 + 0.5 v) dv = (100 + 50) + (150 + 25) = 325.
# SO: marginal costs 10 + 2 v1 = 15 + v2 -> 10 + 2 v1 = 35 - v1 -> v1 = 25/3, v2 = 35/3, both marginals 80/3.
#     Total time: v1 (10 + v1) + v2 (15 + v2 / 2) = 1375/9 + 4375/18 = 7125/18.


def two_links() -> FlowNetwork:
    return two_link_network(t1=10.0, t2=15.0, cap1=10.0, cap2=30.0)


def test_two_links_user_equilibrium() -> None:
    result = assign(two_links(), algorithm="bush", gap=1e-12)
    assert result.converged and result.relative_gap <= 1e-12
    assert result.link_flow == pytest.approx([10.0, 10.0], abs=1e-9)
    assert result.link_time == pytest.approx([20.0, 20.0], abs=1e-9)
    assert result.objective == pytest.approx(325.0, rel=1e-12)


def test_two_links_system_optimum() -> None:
    result = assign(two_links(), algorithm="bush", objective="so", gap=1e-12)
    assert result.converged and result.equilibrium == "so"
    v1, v2 = 25 / 3, 35 / 3
    assert result.link_flow == pytest.approx([v1, v2], abs=1e-9)
    assert result.link_time == pytest.approx([10 + v1, 15 + v2 / 2], abs=1e-9)  # times, not marginals
    assert 10 + 2 * v1 == pytest.approx(80 / 3) and 15 + v2 == pytest.approx(80 / 3)
    assert result.objective == pytest.approx(7125 / 18, rel=1e-12)


def test_history_progress_and_limits() -> None:
    seen: list[tuple[int, float]] = []

    def stop_after_two(iteration: int, gap: float) -> bool:
        seen.append((iteration, gap))
        return iteration < 2

    net = grid_network()
    od = np.full((4, 4), 30.0)
    np.fill_diagonal(od, 0.0)
    net = dataclasses.replace(net, demand=Demand((TrafficClass("all", od),)))
    result = assign(net, algorithm="bush", gap=1e-300, progress=stop_after_two)
    assert [it for it, _ in seen] == [1, 2] and result.iterations == 2
    assert [row[0] for row in result.history] == [1, 2]
    assert all(math.isnan(row[3]) for row in result.history)  # no step size in Algorithm B
    assert result.history[-1][1] == seen[-1][1] == result.relative_gap
    limited = assign(net, algorithm="bush", gap=1e-300, max_iter=3)
    assert limited.iterations == 3 and not limited.converged


def test_no_demand_is_converged_at_once() -> None:
    result = assign(two_links(), Demand((TrafficClass("none", np.zeros((2, 2))),)), algorithm="bush")
    assert result.converged and result.iterations == 1
    assert result.link_flow == pytest.approx([0.0, 0.0])


# --- zero-cost links, a zero-cost cycle and a zone that may not be passed through ------------------------------
# Nodes: 0 zone A, 1 zone B, 2 zone C, 3 and 4 junctions. Links (constant time unless an element is given):
#   0: A -> 3 (0)   1: 3 -> 4 (0)   2: 4 -> 3 (0, a zero-cost cycle with link 1)
#   3: 4 -> C (10 + v, element e0)  4: 3 -> C (15 + 0.5 v, element e1)   5: A -> B (1)   6: B -> C (1)
# Demand A -> C 20, A -> B 5, B -> C 3. A -> B -> C costs 2 but B may not be passed through, so A -> C splits as
# on the two links above: 10 on A-3-4-C, 10 on A-3-C, both 20; B -> C starts at B and takes link 6.
# With B open, A -> C takes A-B-C (2 < 10): all 25 trips of A go to B and 23 leave it.


def zero_cost_network(no_through: list[int]) -> FlowNetwork:
    od = np.zeros((3, 3))
    od[0, 2], od[0, 1], od[1, 2] = 20.0, 5.0, 3.0
    return small_network(
        [0, 3, 4, 4, 3, 0, 1],
        [3, 4, 3, 2, 2, 1, 2],
        [0.0, 0.0, 0.0, 10.0, 15.0, 1.0, 1.0],
        [([3], 10.0, 10.0), ([4], 15.0, 30.0)],
        n_nodes=5,
        zones={"A": 0, "B": 1, "C": 2},
        demand=od,
        no_through=no_through,
    )


def test_zero_cost_links_and_no_through_zone() -> None:
    result = assign(zero_cost_network([0, 1, 2]), algorithm="bush", gap=1e-12)
    assert result.converged and result.relative_gap <= 1e-12
    assert result.link_flow == pytest.approx([20.0, 10.0, 0.0, 10.0, 10.0, 5.0, 3.0], abs=1e-9)
    assert result.link_time[3] == pytest.approx(20.0) and result.link_time[4] == pytest.approx(20.0)


def test_a_zone_open_to_through_traffic_is_used() -> None:
    result = assign(zero_cost_network([]), algorithm="bush", gap=1e-12)
    assert result.link_flow == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.0, 25.0, 23.0], abs=1e-9)


# --- one element on two links of one path: its delay counts twice ---------------------------------------------
# Route 1: link 0 (A -> B), 10 + v1 (element e0). Route 2: link 1 (A -> M, constant 5) then link 2 (M -> B),
# both through element e1 with delay V / 4 and V = 2 v2 (every trip passes it twice): 5 + 2 (2 v2 / 4) = 5 + v2.
# UE: 10 + v1 = 5 + v2, v1 + v2 = 20 -> v1 = 7.5, v2 = 12.5, both 17.5; e1 carries 25.
# Beckmann: int_0^7.5 v dv + int_0^25 V/4 dV + 10 * 7.5 + 5 * 12.5 = 28.125 + 78.125 + 137.5 = 243.75.


def test_element_used_twice_on_one_path() -> None:
    od = np.zeros((2, 2))
    od[0, 1] = 20.0
    net = small_network(
        [0, 0, 2],
        [1, 2, 1],
        [10.0, 5.0, 0.0],
        [([0], 10.0, 10.0), ([1, 2], 1.0, 4.0)],
        n_nodes=3,
        zones={"A": 0, "B": 1},
        demand=od,
    )
    result = assign(net, algorithm="bush", gap=1e-12)
    assert result.link_flow == pytest.approx([7.5, 12.5, 12.5], abs=1e-9)
    assert result.element_volume == pytest.approx([7.5, 25.0], abs=1e-9)
    assert result.link_time == pytest.approx([17.5, 11.25, 6.25], abs=1e-9)
    assert result.objective == pytest.approx(243.75, rel=1e-12)


# --- several classes ----------------------------------------------------------------------------------------


def grid_network(size: int = 3) -> FlowNetwork:
    """A size x size grid of two-way BPR links (power 4), zones at the four corners."""
    tail: list[int] = []
    head: list[int] = []
    for r in range(size):
        for c in range(size):
            u = r * size + c
            if c + 1 < size:
                tail += [u, u + 1]
                head += [u + 1, u]
            if r + 1 < size:
                tail += [u, u + size]
                head += [u + size, u]
    m = len(tail)
    rng = np.random.default_rng(7)
    fft = rng.uniform(1.0, 3.0, m)
    ptr, link = one_element_per_link(m)
    corners = np.array([0, size - 1, size * size - size, size * size - 1], dtype=np.int64)
    return FlowNetwork(
        name="grid",
        n_nodes=size * size,
        zones=tuple("ABCD"),
        origin_node=corners,
        destination_node=corners,
        no_through=np.zeros(size * size, dtype=bool),
        link_ids=tuple(str(i) for i in range(m)),
        tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64),
        free_flow_time=fft,
        length=np.ones(m),
        toll=np.zeros(m),
        element_ids=tuple(str(i) for i in range(m)),
        element_ptr=ptr,
        element_link=link,
        vdf=np.zeros(m, dtype=np.int8),
        t0=fft.copy(),
        capacity=rng.uniform(20.0, 60.0, m),
        alpha=np.full(m, 0.15),
        beta=np.full(m, 4.0),
    )


def test_two_classes_agree_with_the_frank_wolfe_family() -> None:
    # Same capacity use (pce 1), so the Beckmann objective is the potential of both classes' costs and the
    # FW family solves the same problem. Class flows need not be unique; link flows and the objective are.
    net = grid_network()
    od = np.full((4, 4), 30.0)
    np.fill_diagonal(od, 0.0)
    tolled = np.where(np.arange(net.n_links) % 3 == 0, 2.0, 0.0)
    demand = Demand((TrafficClass("car", od), TrafficClass("truck", 0.5 * od, fixed_cost=tolled)))
    bush = assign(net, demand, algorithm="bush", gap=1e-11)
    bfw = assign(net, demand, algorithm="bfw", gap=1e-7, max_iter=5000)
    assert bush.converged and bush.relative_gap <= 1e-11 and bfw.converged
    assert bush.link_flow == pytest.approx(bfw.link_flow, abs=0.01)
    assert bush.objective == pytest.approx(bfw.objective, rel=1e-8)
    assert bush.objective <= bfw.objective + 1e-9 * bfw.objective
    assert bush.class_flow.sum(axis=1) @ [1.0, 1.0] == pytest.approx(bfw.class_flow.sum(axis=1) @ [1.0, 1.0])


def test_classes_of_different_pce_hand_solved() -> None:
    # t1 = 10 + V1, t2 = 15 + 0.5 V2 with V = cars + 2 trucks. Cars 12, trucks 5 paying 3 more on link 1.
    # Trucks all on link 2 (V2 = 10 from them), cars split: 10 + c1 = 15 + 0.5 (12 - c1 + 10) -> c1 = 32/3,
    # c2 = 4/3; both links take 62/3, trucks would pay 71/3 on link 1. Not a potential problem (the classes
    # weigh each other unequally), so the FW family does not apply; Algorithm B equalizes each class's costs.
    od = np.array([[0.0, 1.0], [0.0, 0.0]])
    demand = Demand(
        (
            TrafficClass("car", 12.0 * od),
            TrafficClass("truck", 5.0 * od, pce=2.0, fixed_cost=np.array([3.0, 0.0])),
        )
    )
    result = assign(two_links(), demand, algorithm="bush", gap=1e-12)
    assert result.converged
    assert result.class_flow[0] == pytest.approx([32 / 3, 4 / 3], abs=1e-9)
    assert result.class_flow[1] == pytest.approx([0.0, 5.0], abs=1e-9)
    assert result.link_flow == pytest.approx([32 / 3, 4 / 3 + 10.0], abs=1e-9)
    assert result.link_time == pytest.approx([62 / 3, 62 / 3], abs=1e-9)


def test_barred_links_stay_empty() -> None:
    net = grid_network()
    od = np.full((4, 4), 30.0)
    np.fill_diagonal(od, 0.0)
    allowed = np.ones(net.n_links, dtype=bool)
    allowed[[0, 3, 7]] = False
    demand = Demand((TrafficClass("car", od), TrafficClass("truck", od, allowed=allowed)))
    result = assign(net, demand, algorithm="bush", gap=1e-10)
    assert result.converged
    assert result.class_flow[1, ~allowed] == pytest.approx(0.0, abs=0.0)
    assert result.class_flow[0, ~allowed].sum() > 0


# --- random networks: every feature at once ---------------------------------------------------------------


def random_network(seed: int) -> tuple[FlowNetwork, Demand]:
    """Zero-cost and constant links, elements shared by several links, BPR and queue delays, zones closed to
    through traffic, and two classes with their own fixed costs and barred links."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 30))
    m = int(rng.integers(2 * n, 5 * n))
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = tail != head
    ring = np.arange(n)  # a ring both ways keeps every node reachable
    tail = np.concatenate([tail[keep], ring, (ring + 1) % n])
    head = np.concatenate([head[keep], (ring + 1) % n, ring])
    m = tail.size
    owner = rng.integers(-1, max(1, m // 2), m)  # -1: constant time
    members = [np.flatnonzero(owner == e) for e in range(max(1, m // 2))]
    n_el = len(members)
    vdf = rng.choice([0, 0, 2], n_el).astype(np.int8)
    n_zones = int(rng.integers(3, 7))
    zones = rng.choice(n, n_zones, replace=False).astype(np.int64)
    closed = np.zeros(n, dtype=bool)
    closed[zones[rng.random(n_zones) < 0.5]] = True
    od = np.where(rng.random((n_zones, n_zones)) < 0.6, rng.uniform(0, 20, (n_zones, n_zones)), 0.0)
    np.fill_diagonal(od, 0.0)
    net = FlowNetwork(
        name=f"random {seed}",
        n_nodes=n,
        zones=tuple(str(z) for z in range(n_zones)),
        origin_node=zones,
        destination_node=zones,
        no_through=closed,
        link_ids=tuple(str(i) for i in range(m)),
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        free_flow_time=np.where(rng.random(m) < 0.3, 0.0, rng.uniform(0.5, 5, m)),
        length=np.ones(m),
        toll=np.zeros(m),
        element_ids=tuple(str(e) for e in range(n_el)),
        element_ptr=np.cumsum([0] + [x.size for x in members]).astype(np.int64),
        element_link=np.concatenate(members).astype(np.int64),
        vdf=vdf,
        t0=rng.uniform(0.5, 3, n_el),
        capacity=rng.uniform(5, 30, n_el),
        alpha=np.where(vdf == 2, 1.0, rng.choice([0.0, 0.15, 1.0], n_el)),
        beta=np.where(vdf == 2, 0.9, rng.choice([0.0, 1.0, 4.0], n_el)),
    )
    fixed = np.where(rng.random(m) < 0.3, rng.uniform(0, 3, m), 0.0)
    allowed = rng.random(m) < 0.9
    demand = Demand((TrafficClass("a", od), TrafficClass("b", 0.5 * od, fixed_cost=fixed, allowed=allowed)))
    return net, demand


@pytest.mark.parametrize("objective", ["ue", "so"])
@pytest.mark.parametrize("seed", range(10))
def test_random_networks_converge(seed: int, objective: str) -> None:
    net, demand = random_network(seed)
    result = assign(net, demand, algorithm="bush", objective=objective, gap=1e-8, max_iter=300)
    assert result.converged, result.relative_gap
    allowed = demand.classes[1].allowed
    assert allowed is not None and np.all(result.class_flow[1, ~allowed] == 0.0)
    assert np.all(result.class_flow >= 0.0)
    # Conservation, and nothing through a closed zone: what leaves a zone node is what starts there.
    for k, c in enumerate(demand.classes):
        od = c.demand.copy()
        for lost in result.unassigned:  # class b may find some zones cut off by its barred links
            if lost.traffic_class == c.name:
                od[net.zone_index[lost.origin], net.zone_index[lost.destination]] = 0.0
        out = np.bincount(net.tail, result.class_flow[k], net.n_nodes)
        into = np.bincount(net.head, result.class_flow[k], net.n_nodes)
        starts = np.zeros(net.n_nodes)
        ends = np.zeros(net.n_nodes)
        np.add.at(starts, net.origin_node, od.sum(axis=1))
        np.add.at(ends, net.destination_node, od.sum(axis=0))
        assert out - into == pytest.approx(starts - ends, abs=1e-8)
        closed = net.no_through[net.origin_node]
        assert out[net.origin_node[closed]] == pytest.approx(starts[net.origin_node[closed]], abs=1e-8)


# --- TNTP best-known objectives --------------------------------------------------------------------------------

# SOURCE.md's best-known objectives (Chicago-Sketch with 0.02 min per cent of toll and 0.04 min per mile)
BEST = {
    "SiouxFalls": (4_231_335.287, 0.0, 0.0, 1e-8),
    "Anaheim": (1_286_032.171, 0.0, 0.0, 1e-6),
    "Chicago-Sketch": (17_313_018.739, 0.02, 0.04, 1e-6),
}


@pytest.mark.parametrize("name", list(BEST))
def test_tntp_best_known_objective(tntp_root: Path, name: str) -> None:
    from corridor.dataset.tntp import network_from_tntp, tntp_case_folder

    best, toll, distance, gap = BEST[name]
    net = network_from_tntp(tntp_case_folder(name, Path(tntp_root)))
    result = assign(net, algorithm="bush", gap=gap, toll_factor=toll, distance_factor=distance)
    assert result.converged and result.relative_gap <= gap
    assert abs(result.objective - best) / best <= 1e-6
    assert net.demand is not None
    assert result.link_flow.sum() > 0 and not result.unassigned


def test_tntp_constant_time_links(tntp_root: Path) -> None:
    # Barcelona: 565 constant-time connectors (power 0). Compared with a solution converged to gap 1e-10,
    # 1,265,654.9221, which is also the objective of Barcelona_flow.tntp.
    from corridor.dataset.tntp import network_from_tntp, tntp_case_folder

    net = network_from_tntp(tntp_case_folder("Barcelona", Path(tntp_root)))
    result = assign(net, algorithm="bush", gap=1e-6)
    assert result.converged
    assert abs(result.objective - 1_265_654.922) / 1_265_654.922 <= 1e-6


def test_system_optimum_costs_no_more_than_equilibrium() -> None:
    net = dataclasses.replace(grid_network(), demand=None)
    od = np.full((4, 4), 30.0)
    np.fill_diagonal(od, 0.0)
    demand = Demand((TrafficClass("all", od),))
    ue = assign(net, demand, algorithm="bush", gap=1e-10)
    so = assign(net, demand, algorithm="bush", objective="so", gap=1e-10)
    total_ue = float(ue.link_flow @ ue.link_time)
    total_so = float(so.link_flow @ so.link_time)
    assert so.objective == pytest.approx(total_so, rel=1e-12)  # SO objective: total travel time
    assert total_so <= total_ue
