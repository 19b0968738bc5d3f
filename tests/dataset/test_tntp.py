"""TNTP reader and writer: the five test networks against their published figures, round trips, bad files."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from corridor.dataset import tntp, tntp_trips
from corridor.dataset.flownet import VDF_CONICAL, Demand, FlowNetwork, TrafficClass
from corridor.dataset.tntp import find_tntp_root, network_from_tntp, tntp_case_folder
from corridor.dataset.tntp_write import network_to_tntp
from corridor.errors import DatasetError, InvalidOptionError

# name, zones, nodes, links (SOURCE.md's table), first thru node (each net file's header), node file present
CASES = [
    ("SiouxFalls", 24, 24, 76, 1, True),
    ("Anaheim", 38, 416, 914, 39, False),
    ("Chicago-Sketch", 387, 933, 2950, 1, True),
    ("Barcelona", 110, 1020, 2522, 111, False),
    ("Winnipeg", 147, 1052, 2836, 148, False),
]
NAMES = [case[0] for case in CASES]

# Best-known objectives of SOURCE.md, recomputed there from each *_flow.tntp; Chicago-Sketch's includes the
# generalized-cost terms (0.02 min per cent of toll, 0.04 min per mile).
OBJECTIVES = {
    "SiouxFalls": (4_231_335.287, 0.0, 0.0),
    "Anaheim": (1_286_032.171, 0.0, 0.0),
    "Chicago-Sketch": (17_313_018.739, 0.02, 0.04),
    "Barcelona": (1_265_654.922, 0.0, 0.0),
    "Winnipeg": (827_911.495, 0.0, 0.0),
}


@pytest.fixture(scope="module")
def networks(tntp_root: Path) -> dict[str, FlowNetwork]:
    return {name: network_from_tntp(tntp_case_folder(name, tntp_root)) for name in NAMES}


def beckmann(network: FlowNetwork, flow: NDArray[np.float64], toll_factor: float, length_factor: float) -> float:
    """Sum over links of the integral of fft (1 + b (v/c)^p) from 0 to the flow, plus the fixed cost times flow.

    Written with plain numpy from the TNTP formula, independently of the assignment kernels.
    """
    fft, b, p, cap = network.free_flow_time, network.alpha, network.beta, network.capacity
    finite = np.isfinite(cap)
    cap_or_one = np.where(finite, cap, 1.0)
    congestion = np.where(finite, b * cap_or_one * (flow / cap_or_one) ** (p + 1) / (p + 1), 0.0)
    fixed = toll_factor * network.toll + length_factor * network.length
    return float(np.sum(fft * (flow + congestion) + fixed * flow))


# --------------------------------------------------------------------------------------------------------------
# The five networks


@pytest.mark.parametrize(("name", "zones", "nodes", "links", "first_thru", "has_xy"), CASES)
def test_counts_match_the_published_table(
    networks: dict[str, FlowNetwork],
    name: str,
    zones: int,
    nodes: int,
    links: int,
    first_thru: int,
    has_xy: bool,
) -> None:
    net = networks[name]
    assert (net.n_zones, net.n_nodes, net.n_links, net.n_elements) == (zones, nodes, links, links)
    assert net.zones == tuple(str(z) for z in range(1, zones + 1))
    assert net.node_ids == tuple(str(n) for n in range(1, nodes + 1))
    np.testing.assert_array_equal(net.origin_node, np.arange(zones))
    np.testing.assert_array_equal(net.destination_node, np.arange(zones))
    assert net.meta["first_thru_node"] == first_thru
    assert int(net.no_through.sum()) == first_thru - 1
    assert not net.no_through[first_thru - 1 :].any()
    assert (net.node_xy is not None) == has_xy
    assert net.time_unit == "min"
    assert net.flow_unit == "veh/h"
    assert net.demand is not None
    assert net.demand.classes[0].demand.shape == (zones, zones)
    assert net.demand.label.endswith(" trips")
    assert len(set(net.link_ids)) == links
    assert np.all(net.tail >= 0) and np.all(net.tail < nodes)
    assert np.all(net.head >= 0) and np.all(net.head < nodes)


@pytest.mark.parametrize("name", NAMES)
def test_total_demand_matches_the_trips_header(networks: dict[str, FlowNetwork], name: str) -> None:
    net = networks[name]
    assert net.demand is not None
    stated = float(str(net.meta["trips_total_od_flow"]))
    assert net.demand.total == pytest.approx(stated, rel=1e-12)


def test_sioux_falls_values(networks: dict[str, FlowNetwork]) -> None:
    net = networks["SiouxFalls"]
    assert net.name == "SiouxFalls"
    assert net.demand is not None
    assert net.demand.total == 360_600
    assert net.demand.label == "SiouxFalls trips"
    assert net.demand.classes[0].name == "all"
    assert net.demand.classes[0].demand[0, 1] == 100  # Origin 1, "2 : 100.0;"
    assert net.link_ids[0] == "1-2"
    assert (net.tail[0], net.head[0]) == (0, 1)
    assert net.capacity[0] == 25900.20064
    assert net.free_flow_time[0] == 6
    assert net.t0[0] == 6
    assert net.alpha[0] == 0.15
    assert net.beta[0] == 4
    assert net.length[0] == 6
    assert net.toll[0] == 0
    assert net.link_ids[-1] == "24-23"
    assert net.capacity[-1] == 5078.508436
    np.testing.assert_array_equal(net.element_ptr, np.arange(77))
    np.testing.assert_array_equal(net.element_link, np.arange(76))
    assert not net.no_through.any()  # FIRST THRU NODE 1: every node may be passed through
    assert net.node_xy is not None
    assert net.node_xy.shape == (24, 2)
    assert np.isfinite(net.node_xy).all()
    assert tuple(net.node_xy[0]) == (-96.77041974, 43.61282792)
    assert tuple(net.node_xy[23]) == (-96.74920028, 43.50316422)
    assert str(net.meta["net_file"]).endswith("SiouxFalls_net.tntp")
    assert str(net.meta["node_file"]).endswith("SiouxFalls_node.tntp")


def test_chicago_sketch_header_and_connectors(networks: dict[str, FlowNetwork]) -> None:
    net = networks["Chicago-Sketch"]
    assert net.name == "ChicagoSketch"
    assert net.meta["first_thru_node"] == 1
    assert int(net.no_through.sum()) == 0
    assert int(np.sum(net.free_flow_time == 0)) == 774  # centroid connectors
    assert net.node_xy is not None and net.node_xy.shape == (933, 2)
    assert np.isfinite(net.node_xy).all()
    connector = net.free_flow_time == 0
    assert np.all((net.tail[connector] < 387) | (net.head[connector] < 387))  # each touches a zone
    link_type = np.array(net.meta["link_type"])
    assert set(link_type[connector]) == {"3"} and "3" not in set(link_type[~connector])


def test_constant_time_links_of_barcelona_and_winnipeg(networks: dict[str, FlowNetwork]) -> None:
    for name, count in (("Barcelona", 565), ("Winnipeg", 1176)):
        net = networks[name]
        constant = net.beta == 0
        assert int(np.sum(constant)) == count
        # Their capacity column holds a placeholder (1): no capacity, or the capacity LP would see walls of 1.
        assert np.all(np.isinf(net.capacity[constant])) and np.all(np.isfinite(net.capacity[~constant]))


@pytest.mark.parametrize("name", NAMES)
def test_reference_flow_is_read_for_every_link(networks: dict[str, FlowNetwork], name: str) -> None:
    net = networks[name]
    assert net.reference_flow is not None
    assert net.reference_flow.shape == (net.n_links,)
    assert np.isfinite(net.reference_flow).all()
    assert (net.reference_flow >= 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_beckmann_objective_of_the_reference_flow_matches_the_published_value(
    networks: dict[str, FlowNetwork], name: str
) -> None:
    net = networks[name]
    expected, toll_factor, length_factor = OBJECTIVES[name]
    assert net.reference_flow is not None
    assert beckmann(net, net.reference_flow, toll_factor, length_factor) == pytest.approx(expected, rel=1e-6)


def test_chicago_objective_needs_the_generalized_cost(networks: dict[str, FlowNetwork]) -> None:
    net = networks["Chicago-Sketch"]
    assert net.reference_flow is not None
    assert not np.any(net.toll)  # no link has a toll: of the generalized cost, only the distance term counts
    time_only = beckmann(net, net.reference_flow, 0.0, 0.0)
    length_term = 0.04 * float(np.sum(net.length * net.reference_flow))
    assert time_only < 0.97 * 17_313_018.739
    assert time_only + length_term == pytest.approx(17_313_018.739, rel=1e-6)


@pytest.mark.parametrize("name", ["SiouxFalls", "Chicago-Sketch"])
def test_bulk_and_entry_by_entry_trips_readers_agree(
    tntp_root: Path, networks: dict[str, FlowNetwork], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trips file is read in bulk by numpy where it is clean; the regular-expression reader gives the same."""
    monkeypatch.setattr(tntp_trips, "_entry_values", lambda text: None)
    slow, fast = network_from_tntp(tntp_case_folder(name, tntp_root)).demand, networks[name].demand
    assert slow is not None and fast is not None
    np.testing.assert_array_equal(slow.classes[0].demand, fast.classes[0].demand)


def test_a_big_file_full_of_problems_reports_ten_and_counts_the_rest(tntp_root: Path, tmp_path: Path) -> None:
    """Every trips entry negative: ten are located and reported, the other 93,503 counted (-0.00 is no problem)."""
    source = tntp_case_folder("Chicago-Sketch", tntp_root)
    for path in source.glob("*_net.tntp"):
        (tmp_path / path.name).write_text(path.read_text())
    text = (source / "ChicagoSketch_trips.tntp").read_text()
    (tmp_path / "ChicagoSketch_trips.tntp").write_text(re.sub(r":\s+", ": -", text))
    with pytest.raises(DatasetError, match=r"and 93503 more problem\(s\) like the above") as caught:
        network_from_tntp(tmp_path)
    assert (
        str(caught.value.problems[0])
        == "ChicagoSketch_trips.tntp:13:flow: '-273.18' is negative; flow must be a finite number >= 0"
    )


def test_flow_file_cost_column_is_the_link_time(tntp_root: Path, networks: dict[str, FlowNetwork]) -> None:
    """The published Cost column is fft (1 + B (v/c)^power), for SiouxFalls where no other cost applies."""
    net = networks["SiouxFalls"]
    assert net.reference_flow is not None
    table = np.loadtxt(tntp_root / "SiouxFalls" / "SiouxFalls_flow.tntp", skiprows=1)
    v = net.reference_flow
    time = net.free_flow_time * (1 + net.alpha * (v / net.capacity) ** net.beta)
    np.testing.assert_allclose(table[:, 3], time, rtol=1e-12)


# --------------------------------------------------------------------------------------------------------------
# Writing and reading back


def assert_same_network(a: FlowNetwork, b: FlowNetwork) -> None:
    for name in ("name", "n_nodes", "zones", "link_ids", "element_ids", "node_ids", "time_unit", "flow_unit"):
        assert getattr(a, name) == getattr(b, name), name
    for name in (
        "origin_node",
        "destination_node",
        "no_through",
        "tail",
        "head",
        "free_flow_time",
        "length",
        "toll",
        "element_ptr",
        "element_link",
        "vdf",
        "t0",
        "capacity",
        "alpha",
        "beta",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("node_xy", "reference_flow"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            np.testing.assert_array_equal(left, right, err_msg=name)
    assert a.demand is not None and b.demand is not None
    assert [c.name for c in a.demand.classes] == [c.name for c in b.demand.classes]
    np.testing.assert_array_equal(a.demand.classes[0].demand, b.demand.classes[0].demand)
    assert a.demand.label == b.demand.label
    np.testing.assert_array_equal(np.asarray(a.meta["speed"]), np.asarray(b.meta["speed"]))
    assert a.meta["link_type"] == b.meta["link_type"]
    assert a.meta["first_thru_node"] == b.meta["first_thru_node"]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(networks: dict[str, FlowNetwork], name: str, tmp_path: Path) -> None:
    net = networks[name]
    written = network_to_tntp(net, tmp_path)
    kinds = ["net", "trips", "flow"] + (["node"] if net.node_xy is not None else [])
    assert written == [tmp_path / f"{net.name}_{kind}.tntp" for kind in kinds]
    again = network_from_tntp(tmp_path)
    assert_same_network(net, again)
    # and once more, from the files written by the writer itself: the text is stable
    second = tmp_path / "second"
    network_to_tntp(again, second)
    for path in written:
        assert (second / path.name).read_text() == path.read_text()
    assert not list(tmp_path.glob(".*.tmp"))


def test_round_trip_of_the_net_file_alone_and_another_demand(networks: dict[str, FlowNetwork], tmp_path: Path) -> None:
    net = dataclasses.replace(networks["SiouxFalls"], reference_flow=None, node_xy=None)
    assert net.demand is not None
    doubled = net.demand.scaled(2.0)
    written = network_to_tntp(net, tmp_path, name="Doubled", demand=doubled)
    assert [p.name for p in written] == ["Doubled_net.tntp", "Doubled_trips.tntp"]
    again = network_from_tntp(written[0])  # the net file's path works as well as its folder
    assert again.name == "Doubled"
    assert again.demand is not None
    np.testing.assert_array_equal(again.demand.classes[0].demand, 2 * net.demand.classes[0].demand)
    assert again.reference_flow is None and again.node_xy is None


def test_written_flow_file_has_the_bpr_time_as_cost(networks: dict[str, FlowNetwork], tmp_path: Path) -> None:
    net = networks["Anaheim"]
    flows = np.linspace(0, 5000, net.n_links)
    network_to_tntp(net, tmp_path, flows=flows)
    lines = (tmp_path / "Anaheim_flow.tntp").read_text().splitlines()
    assert lines[0].split() == ["From", "To", "Volume", "Cost"]
    table = np.array([line.split() for line in lines[1:]], dtype=float)
    np.testing.assert_array_equal(table[:, 2], flows)
    expected = net.free_flow_time * (1 + net.alpha * (flows / net.capacity) ** net.beta)
    np.testing.assert_allclose(table[:, 3], expected, rtol=1e-12)
    again = network_from_tntp(tmp_path)
    assert again.reference_flow is not None
    np.testing.assert_array_equal(again.reference_flow, flows)


# --------------------------------------------------------------------------------------------------------------
# Small hand-made files

NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 3
<NUMBER OF LINKS> 4
<END OF METADATA>

~\tinit_node\tterm_node\tcapacity\tlength\tfree_flow_time\tb\tpower\tspeed\ttoll\tlink_type\t;
\t1\t3\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
\t3\t1\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
\t2\t3\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
\t3\t2\t100\t1\t2\t0.15\t4\t0\t0\t1\t;
"""
# line numbers of NET:  4 <NUMBER OF LINKS>, 8..11 the links

TRIPS = """<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 30
<END OF METADATA>

Origin 1
    2 :  10.0;
Origin 2
    1 :  20.0;
"""
# line numbers of TRIPS: 5 Origin 1, 6 its entries, 7 Origin 2, 8 its entries

FLOW = """From\tTo\tVolume\tCost
1\t3\t10\t2
3\t1\t20\t2
2\t3\t20\t2
3\t2\t10\t2
"""

NODE = """Node\tX\tY\t;
1\t0\t0\t;
2\t1\t0\t;
3\t0.5\t1\t;
"""

LINK = "\t1\t3\t100\t1\t2\t0.15\t4\t0\t0\t1\t;"


def write_case(
    folder: Path, net: str = NET, trips: str = TRIPS, flow: str | None = None, node: str | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "toy_net.tntp").write_text(net)
    (folder / "toy_trips.tntp").write_text(trips)
    if flow is not None:
        (folder / "toy_flow.tntp").write_text(flow)
    if node is not None:
        (folder / "toy_node.tntp").write_text(node)
    return folder


def test_small_network(tmp_path: Path) -> None:
    net = network_from_tntp(write_case(tmp_path, flow=FLOW, node=NODE))
    assert net.name == "toy"
    assert net.link_ids == ("1-3", "3-1", "2-3", "3-2")
    np.testing.assert_array_equal(net.no_through, [True, True, False])
    assert net.demand is not None
    np.testing.assert_array_equal(net.demand.classes[0].demand, [[0, 10], [20, 0]])
    assert net.reference_flow is not None
    np.testing.assert_array_equal(net.reference_flow, [10, 20, 20, 10])
    assert net.node_xy is not None
    np.testing.assert_array_equal(net.node_xy, [[0, 0], [1, 0], [0.5, 1]])
    assert network_from_tntp(tmp_path, name="other").name == "other"


def test_duplicate_links_are_numbered_and_flows_matched_in_order(tmp_path: Path) -> None:
    net_text = NET.replace("<NUMBER OF LINKS> 4", "<NUMBER OF LINKS> 5") + LINK.replace("\t100\t", "\t50\t") + "\n"
    flow = FLOW + "1\t3\t7\t2\n"
    net = network_from_tntp(write_case(tmp_path, net=net_text, flow=flow))
    assert net.link_ids == ("1-3", "3-1", "2-3", "3-2", "1-3-2")
    np.testing.assert_array_equal(net.capacity, [100, 100, 100, 100, 50])
    assert net.reference_flow is not None
    np.testing.assert_array_equal(net.reference_flow, [10, 20, 20, 10, 7])
    network_to_tntp(net, tmp_path / "out")
    assert_same_network(net, network_from_tntp(tmp_path / "out"))


def test_constant_time_links_have_no_capacity(tmp_path: Path) -> None:
    lines = NET.splitlines()
    lines[7] = "\t1\t3\t0\t1\t2\t0\t4\t0\t0\t1\t;"  # b 0
    lines[8] = "\t3\t1\t0\t1\t2\t0.15\t0\t0\t0\t1\t;"  # power 0
    lines[9] = "\t2\t3\t1\t1\t2\t0\t0\t0\t0\t1\t;"  # a placeholder capacity on a constant-time link
    net = network_from_tntp(write_case(tmp_path, net="\n".join(lines) + "\n"))
    np.testing.assert_array_equal(net.capacity, [np.inf, np.inf, np.inf, 100])
    network_to_tntp(net, tmp_path / "out")
    assert "\t1\t3\t0\t1\t2\t0\t4\t" in (tmp_path / "out" / "toy_net.tntp").read_text()
    assert_same_network(net, network_from_tntp(tmp_path / "out"))


def test_lenient_layout(tmp_path: Path) -> None:
    """Spaces for tabs, no ';' after a link or the last entry of a line, comments, entries over several lines."""
    net_text = NET.replace("\t;", "").replace("\t", "  ")
    trips = TRIPS.replace("    2 :  10.0;", "~ a comment\n  2:4; 2 : 6\n").replace("Origin 2", "Origin\t2 ")
    trips = trips.replace("    1 :  20.0;", "1 : 20")
    with pytest.raises(DatasetError, match="appears more than once"):
        network_from_tntp(write_case(tmp_path, net=net_text, trips=trips))
    trips = trips.replace("2:4; 2 : 6", "2 : 10")
    net = network_from_tntp(write_case(tmp_path, net=net_text, trips=trips))
    assert net.demand is not None
    np.testing.assert_array_equal(net.demand.classes[0].demand, [[0, 10], [20, 0]])


def test_windows_line_ends(tmp_path: Path) -> None:
    folder = write_case(tmp_path)
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    net = network_from_tntp(folder)
    assert net.n_links == 4
    assert net.demand is not None and net.demand.total == 30
    trips = (folder / "toy_trips.tntp").read_bytes().replace(b"20.0", b"-20.0")
    (folder / "toy_trips.tntp").write_bytes(trips)
    with pytest.raises(DatasetError, match=r"toy_trips\.tntp:8:flow: '-20\.0' is negative"):
        network_from_tntp(folder)


def test_first_thru_node_one_flags_nothing(tmp_path: Path) -> None:
    net = network_from_tntp(write_case(tmp_path, net=NET.replace("<FIRST THRU NODE> 3", "<FIRST THRU NODE> 1")))
    assert not net.no_through.any()


def test_total_od_flow_that_disagrees_is_warned_about(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"<TOTAL OD FLOW> says 31 but the entries add up to 30"):
        network_from_tntp(write_case(tmp_path, trips=TRIPS.replace("<TOTAL OD FLOW> 30", "<TOTAL OD FLOW> 31")))


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


def link(*cells: object) -> str:
    return "\t" + "\t".join(str(c) for c in cells) + "\t;"


# (file, line to replace (None: whole text replaced by a function), new text, message regex, line, column)
BAD = [
    ("net", 8, "\t1\t3\t100\t1\t2\t0.15\t4\t0\t0\t;", r"9 values where 10 are expected", 8, "link_type"),
    ("net", 8, link(1, 3, 100, 1, 2, 0.15, 4, 0, 0, 1, 9), r"11 values where 10 .*1 extra value", 8, "link_type"),
    ("net", 9, link(3, 4, 100, 1, 2, 0.15, 4, 0, 0, 1), r"node 4 is outside 1\.\.3", 9, "term_node"),
    ("net", 9, link(0, 1, 100, 1, 2, 0.15, 4, 0, 0, 1), r"node 0 is outside 1\.\.3", 9, "init_node"),
    ("net", 9, link("3.5", 1, 100, 1, 2, 0.15, 4, 0, 0, 1), r"'3\.5' is not a whole node number", 9, "init_node"),
    ("net", 9, link("x", 1, 100, 1, 2, 0.15, 4, 0, 0, 1), r"'x' is not a node number", 9, "init_node"),
    ("net", 4, "<NUMBER OF LINKS> 5", r"the metadata says 5 links but the file lists 4", 4, "<NUMBER OF LINKS>"),
    ("net", 4, "<NUMBER OF LINKS> many", r"'many' is not a whole number", 4, "<NUMBER OF LINKS>"),
    ("net", 3, "<FIRST THRU NODE> 9", r"9 is beyond the 3 nodes \(valid: 1\.\.4\)", 3, "<FIRST THRU NODE>"),
    ("net", 2, "<NUMBER OF NODES> 1", r"2 zones but only 1 nodes", 1, "<NUMBER OF ZONES>"),
    ("net", 2, "", r"the metadata has no <NUMBER OF NODES> line", None, "<NUMBER OF NODES>"),
    ("net", 10, link(2, 3, 0, 1, 2, 0.15, 4, 0, 0, 1), r"zero capacity with a delay function", 10, "capacity"),
    ("net", 10, link(2, 3, -1, 1, 2, 0.15, 4, 0, 0, 1), r"'-1' is negative; capacity must be", 10, "capacity"),
    ("net", 10, link(2, 3, "nan", 1, 2, 0.15, 4, 0, 0, 1), r"'nan' is not finite", 10, "capacity"),
    ("net", 10, link(2, 3, "1e", 1, 2, 0.15, 4, 0, 0, 1), r"'1e' is not a number", 10, "capacity"),
    ("net", 10, link(2, 3, 100, -1, 2, 0.15, 4, 0, 0, 1), r"'-1' is negative; length", 10, "length"),
    ("net", 10, link(2, 3, 100, 1, "NaN", 0.15, 4, 0, 0, 1), r"'NaN' is not finite", 10, "free_flow_time"),
    ("net", 10, link(2, 3, 100, 1, -2, 0.15, 4, 0, 0, 1), r"'-2' is negative", 10, "free_flow_time"),
    ("net", 10, link(2, 3, 100, 1, 2, -0.15, 4, 0, 0, 1), r"'-0\.15' is negative; b must", 10, "b"),
    ("net", 10, link(2, 3, 100, 1, 2, "nan", 4, 0, 0, 1), r"'nan' is not finite; b must", 10, "b"),
    ("net", 10, link(2, 3, 100, 1, 2, 0.15, -4, 0, 0, 1), r"'-4' is negative; power must", 10, "power"),
    ("net", 10, link(2, 3, 100, 1, 2, 0.15, "inf", 0, 0, 1), r"'inf' is not finite; power must", 10, "power"),
    ("net", 10, link(2, 3, 100, 1, 2, 0.15, 4, 0, -5, 1), r"'-5' is negative; toll must", 10, "toll"),
    ("net", 10, link(2, 3, 100, 1, 2, 0.15, 4, "fast", 0, 1), r"'fast' is not a number", 10, "speed"),
    ("net", 10, link(2, 3, 100, 1, 2, 0.15, 4, 0, 0, 1) + " 7", r"text after ';': '7'", 10, None),
    ("trips", 6, "    3 :  10.0;", r"zone 3 is outside 1\.\.2", 6, "destination"),
    ("trips", 6, "    0 :  10.0;", r"zone 0 is outside 1\.\.2", 6, "destination"),
    ("trips", 7, "Origin 3", r"zone 3 is outside 1\.\.2", 7, "origin"),
    ("trips", 7, "Origin", r"cannot read 'Origin': expected 'Origin <zone number>'", 7, "origin"),
    ("trips", 6, "    2 :  -10.0;", r"'-10\.0' is negative; flow must be a finite number >= 0", 6, "flow"),
    ("trips", 8, "    1 :  1e400;", r"'1e400' is not finite; flow must be", 8, "flow"),
    ("trips", 8, "    2 :  3; 1.5 : 2;", r"'1\.5' is not a whole zone number \(valid: 1\.\.2\)", 8, "destination"),
    ("trips", 6, "    2 :  nan;", r"'nan' is not finite; flow must be", 6, "flow"),
    ("trips", 6, "    2 :  ten;", r"'ten' is not a number", 6, "flow"),
    ("trips", 6, "    2 :  10.0; junk", r"cannot read 'junk'", 6, "destination"),
    ("trips", 6, "    2 :  10.0 5;", r"cannot read '2 :  10\.0 5;'", 6, "destination"),
    ("trips", 6, "    2 :  10.0; 2 : 1;", r"origin 1, destination 2 appears more than once", 6, "destination"),
    ("trips", 4, "    2 :  10.0;", r"entries before the first 'Origin' line", 4, "origin"),
    ("trips", 1, "<NUMBER OF ZONES> 3", r"3 zones here but 2 in the net file", 1, "<NUMBER OF ZONES>"),
    ("flow", 2, "1\t2\t10\t2", r"no link 1->2 in the net file", 2, "From"),
    ("flow", 2, "1\t3\t-10\t2", r"'-10' is negative; Volume", 2, "Volume"),
    ("flow", 2, "1\t3\t10\t2\t5", r"5 values where 3 or 4 are expected", 2, "Cost"),
    ("flow", 2, "1\t9\t10\t2", r"node 9 is outside 1\.\.3", 2, "To"),
    ("flow", 5, "3\t1\t10\t2", r"more rows for it than links", 5, "From"),
    ("node", 3, "7\t1\t0\t;", r"node 7 is outside 1\.\.3", 3, "Node"),
    ("node", 3, "1\t1\t0\t;", r"node 1 is listed twice", 3, "Node"),
    ("node", 3, "2\tnorth\t0\t;", r"'north' is not a number", 3, "X"),
]


@pytest.mark.parametrize(("kind", "number", "new", "pattern", "line", "column"), BAD)
def test_bad_files(
    tmp_path: Path, kind: str, number: int, new: str, pattern: str, line: int | None, column: str | None
) -> None:
    texts = {"net": NET, "trips": TRIPS, "flow": FLOW, "node": NODE}
    texts[kind] = replace_line(texts[kind], number, new)
    write_case(tmp_path, net=texts["net"], trips=texts["trips"], flow=texts["flow"], node=texts["node"])
    with pytest.raises(DatasetError, match=pattern) as caught:
        network_from_tntp(tmp_path)
    where = f"toy_{kind}.tntp" + (f":{line}" if line is not None else "") + (f":{column}" if column else "")
    assert re.search(rf"^  {re.escape(where)}: .*{pattern}", str(caught.value), re.MULTILINE), str(caught.value)
    assert caught.value.folder == str(tmp_path)


def test_missing_flow_rows_are_listed(tmp_path: Path) -> None:
    write_case(tmp_path, flow="\n".join(FLOW.splitlines()[:3]) + "\n")
    with pytest.raises(DatasetError, match=r"toy_flow\.tntp:Volume: no volume for link\(s\) 2-3, 3-2"):
        network_from_tntp(tmp_path)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    net_text = replace_line(NET, 8, link(1, 3, -1, 1, 2, 0.15, 4, 0, 0, 1))
    net_text = replace_line(net_text, 10, link(2, 9, 100, 1, 2, 0.15, 4, 0, 0, 1))
    trips = replace_line(TRIPS, 8, "    1 :  -5;")
    with pytest.raises(DatasetError) as caught:
        network_from_tntp(write_case(tmp_path, net=net_text, trips=trips))
    assert [(p.file, p.line, p.column) for p in caught.value.problems] == [
        ("toy_net.tntp", 8, "capacity"),
        ("toy_net.tntp", 10, "term_node"),
        ("toy_trips.tntp", 8, "flow"),
    ]


def test_many_problems_of_one_kind_are_counted(tmp_path: Path) -> None:
    trips = TRIPS.replace("    2 :  10.0;", " ".join(f"{z} : 1;" for z in range(3, 40)))
    with pytest.raises(DatasetError, match=r"and 27 more problem\(s\) like the above") as caught:
        network_from_tntp(write_case(tmp_path, trips=trips))
    assert len(caught.value.problems) == 11


def only_net(folder: Path) -> None:
    (folder / "toy_net.tntp").write_text(NET)


def only_trips(folder: Path) -> None:
    (folder / "toy_trips.tntp").write_text(TRIPS)


def two_networks(folder: Path) -> None:
    write_case(folder)
    (folder / "other_net.tntp").write_text(NET)


def not_utf8(folder: Path) -> None:
    write_case(folder)
    (folder / "toy_net.tntp").write_bytes(b"\xff\xfe<NUMBER OF ZONES> 2")


def empty_net(folder: Path) -> None:
    write_case(folder, net="")


@pytest.mark.parametrize(
    ("setup", "pattern"),
    [
        (lambda folder: None, r"no network file \(\*_net\.tntp\) in this folder"),
        (only_net, r"no trips file \(\*_trips\.tntp\) in this folder"),
        (only_trips, r"no network file"),
        (two_networks, r"holds several network files \(other_net\.tntp, toy_net\.tntp\); keep one network per"),
        (not_utf8, r"toy_net\.tntp: not UTF-8 text"),
        (empty_net, r"toy_net\.tntp:<NUMBER OF ZONES>: the metadata has no <NUMBER OF ZONES> line"),
    ],
)
def test_bad_folders(tmp_path: Path, setup: Callable[[Path], None], pattern: str) -> None:
    setup(tmp_path)
    with pytest.raises(DatasetError, match=pattern):
        network_from_tntp(tmp_path)


def test_several_trips_files_beside_a_net_file_prefer_its_own(tmp_path: Path) -> None:
    write_case(tmp_path)
    (tmp_path / "other_trips.tntp").write_text(TRIPS.replace("10.0", "11.0").replace("<TOTAL OD FLOW> 30", ""))
    net = network_from_tntp(tmp_path / "toy_net.tntp")
    assert net.demand is not None and net.demand.total == 30
    (tmp_path / "toy_trips.tntp").unlink()
    (tmp_path / "third_trips.tntp").write_text(TRIPS)
    with pytest.raises(DatasetError, match=r"several trips files \(other_trips\.tntp, third_trips\.tntp\)"):
        network_from_tntp(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder or file"):
        network_from_tntp(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match=r"is not a \*_net\.tntp file"):
        network_from_tntp(tmp_path / "notes.txt")


# --------------------------------------------------------------------------------------------------------------
# Writing: what cannot be written, and atomicity


@pytest.fixture
def toy(tmp_path: Path) -> FlowNetwork:
    return network_from_tntp(write_case(tmp_path / "toy", flow=FLOW, node=NODE))


def one_class(net: FlowNetwork) -> TrafficClass:
    assert net.demand is not None
    return net.demand.classes[0]


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            lambda n: {"element_ids": ("shared",), "element_ptr": np.array([0, 4]), "element_link": np.arange(4)},
            r"1 capacity elements for 4 links",
        ),
        (lambda n: {"vdf": np.array([0, VDF_CONICAL, 0, 0], dtype=np.int8)}, r"'3-1' .* other than BPR"),
        (lambda n: {"t0": n.t0 * 2}, r"free-flow time 2\.0 but delay reference time 4\.0"),
        (lambda n: {"no_through": np.array([False, True, False])}, r"no-through nodes are not the first nodes"),
        (
            lambda n: {"origin_node": np.array([1, 0]), "destination_node": np.array([1, 0])},
            r"zones are not nodes 1\.\.2",
        ),
        (lambda n: {"demand": None}, r"has no demand of its own: pass demand="),
        (
            lambda n: {"demand": Demand(classes=(one_class(n), dataclasses.replace(one_class(n), name="hgv")))},
            r"this demand has 2 classes \(all, hgv\)",
        ),
        (
            lambda n: {"demand": Demand(classes=(TrafficClass("all", np.ones((3, 3))),))},
            r"demand matrix is \(3, 3\)",
        ),
        (lambda n: {"capacity": np.array([np.inf, 100, 100, 100])}, r"infinite capacity with a delay function"),
        (lambda n: {"capacity": np.array([100, 0, 100, 100])}, r"'3-1' has zero capacity with a delay function"),
        (lambda n: {"toll": np.array([0, -1.0, 0, 0])}, r"link '3-1' has toll -1\.0"),
        (lambda n: {"name": "a/b"}, r"plain file-name prefix, got 'a/b'"),
    ],
)
def test_what_cannot_be_written(
    toy: FlowNetwork, tmp_path: Path, change: Callable[[FlowNetwork], dict[str, Any]], pattern: str
) -> None:
    changed = dataclasses.replace(toy, **change(toy))
    out = tmp_path / "out"
    with pytest.raises(InvalidOptionError, match=pattern):
        network_to_tntp(changed, out)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("flows", "pattern"),
    [(np.ones(3), r"flows has shape \(3,\)"), (np.array([1.0, -1, 0, 0]), r"flows must be finite numbers >= 0")],
)
def test_bad_flows_write_nothing(toy: FlowNetwork, tmp_path: Path, flows: NDArray[np.float64], pattern: str) -> None:
    with pytest.raises(InvalidOptionError, match=pattern):
        network_to_tntp(toy, tmp_path / "out", flows=flows)
    assert not (tmp_path / "out").exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    toy: FlowNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "toy_net.tntp").write_text("old")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        network_to_tntp(toy, out)
    assert sorted(p.name for p in out.iterdir()) == ["toy_net.tntp"]
    assert (out / "toy_net.tntp").read_text() == "old"


def test_written_files_are_readable_by_others(toy: FlowNetwork, tmp_path: Path) -> None:
    for path in network_to_tntp(toy, tmp_path / "out"):
        assert path.stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------------------------------
# Finding the networks


def test_find_tntp_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRIDOR_TNTP_DIR", str(tmp_path))
    assert find_tntp_root() == tmp_path
    monkeypatch.delenv("CORRIDOR_TNTP_DIR")
    root = find_tntp_root()
    beside = Path(tntp.__file__).resolve().parents[4] / "shared" / "data" / "tntp"
    assert root == (beside if beside.is_dir() else None)


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("SiouxFalls", "SiouxFalls"),
        ("siouxfalls", "SiouxFalls"),
        ("ANAHEIM", "Anaheim"),
        ("Chicago-Sketch", "Chicago-Sketch"),
        ("ChicagoSketch", "Chicago-Sketch"),
        ("barcelona", "Barcelona"),
        ("Winnipeg", "Winnipeg"),
    ],
)
def test_tntp_case_folder(tmp_path: Path, name: str, folder: str) -> None:
    assert tntp_case_folder(name, tmp_path) == tmp_path / folder


def test_tntp_case_folder_unknown_and_extra(tmp_path: Path) -> None:
    (tmp_path / "Berlin-Center").mkdir()
    assert tntp_case_folder("berlin-center", tmp_path) == tmp_path / "Berlin-Center"
    with pytest.raises(
        InvalidOptionError,
        match=r"Unknown TNTP network 'Austin'\. Available: Anaheim, Barcelona, Berlin-Center, Chicago-Sketch, "
        r"SiouxFalls, Winnipeg\.",
    ):
        tntp_case_folder("Austin", tmp_path)


def test_tntp_case_folder_without_a_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tntp, "find_tntp_root", lambda: None)
    with pytest.raises(DatasetError, match="TNTP networks not found"):
        tntp_case_folder("SiouxFalls")


def test_shared_folder_is_found_from_the_tests(tntp_root: Path) -> None:
    assert (tntp_root / "SiouxFalls" / "SiouxFalls_net.tntp").is_file()
    assert os.fspath(tntp_case_folder("SiouxFalls")) == os.fspath(tntp_case_folder("SiouxFalls", tntp_root))
