"""The data layer: latency against the physics floor and published round trips, resilience by max-flow."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError, NoRouteError, ScenarioError, UnknownElementError
from corridor.layers.data import (
    CIRCUIT_STRETCH,
    FIBER_US_PER_KM,
    RTT_TOLERANCE,
    great_circle_km,
    latency,
    resilience,
    rtt_checks,
)

PROV = {"source": "toy", "as_of": "2024"}


def _toy_fiber(tables: dict[str, list[dict[str, Any]]], _info: dict[str, Any]) -> None:
    """A square E - N - A and E - S - A (cable lengths given, 1 ms equipment each way), and a direct E - A cable of
    1500 km (proposed).

    North: 1000 + 1000 km, 10 Tbps each; South: 1500 + 1500 km, 4 and 6 Tbps. A circuit runs k = 1.3 times the
    terrestrial cables. One way: North 2000 k x 4.9 us + 2 x 1 ms = 14.74 ms, RTT 29.48 ms; South 3000 k x 4.9 us
    + 2 ms = 21.11 ms, RTT 42.22 ms.
    """
    tables["fiber_nodes.csv"] = [
        {"id": "e", "name": "Westhub", "kind": "hub", "region": "europe", "country": "DE", "lat": 50, "lon": 10,
         **PROV},
        {"id": "n", "name": "Northpoint", "kind": "junction", "region": "russia", "country": "RU", "lat": 55,
         "lon": 40, **PROV},
        {"id": "s", "name": "Southpoint", "kind": "junction", "region": "middle-east", "country": "IR", "lat": 35,
         "lon": 50, **PROV},
        {"id": "a", "name": "Easthub", "kind": "hub", "region": "east-asia", "country": "CN", "lat": 40, "lon": 80,
         **PROV},
    ]  # fmt: skip

    def link(lid: str, a: str, b: str, km: float, tbps: float, via: str, country: str, **more: Any) -> dict[str, Any]:
        return {
            "id": lid, "from": a, "to": b, "system": lid.upper(), "kind": "terrestrial", "via": via,
            "length_km": km, "capacity_tbps": tbps, "status": more.pop("status", "operational"),
            "countries": country, "equipment_ms": 1, **more, **PROV,
        }  # fmt: skip

    tables["fiber_links.csv"] = [
        link("en", "e", "n", 1000, 10, "North", "DE;RU"),
        link("na", "n", "a", 1000, 10, "North", "RU;CN"),
        link("es", "e", "s", 1500, 4, "South", "DE;IR"),
        link("sa", "s", "a", 1500, 6, "South", "IR;CN"),
        link("ea", "e", "a", 1500, 100, "Direct", "DE;CN", status="proposed"),
    ]
    tables["fiber_rtt.csv"] = [{"id": "ea-pub", "from": "e", "to": "a", "rtt_ms": 30, "via": "North", **PROV}]


@pytest.fixture
def fiber_toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(_toy_fiber))


K = CIRCUIT_STRETCH["terrestrial"]


def test_latency_by_hand(fiber_toy: Network) -> None:
    assert K == 1.3
    result = latency(fiber_toy, "Westhub", "easthub")
    assert [(r.via, round(r.rtt_ms, 6), r.length_km, r.circuit_km) for r in result.routes] == [
        ("North", round(2 * (2000 * K * FIBER_US_PER_KM / 1000 + 2), 6), 2000, pytest.approx(2600)),
        ("South", round(2 * (3000 * K * FIBER_US_PER_KM / 1000 + 2), 6), 3000, pytest.approx(3900)),
    ]
    assert result.routes[0].rtt_ms == pytest.approx(29.48) and result.routes[1].rtt_ms == pytest.approx(42.22)
    assert result.routes[0].capacity_tbps == 10 and result.routes[1].capacity_tbps == 4
    # the proposed direct cable counts only when asked for
    proposed = latency(fiber_toy, "Westhub", "Easthub", status="proposed")
    assert proposed.routes[0].via == "Direct" and proposed.routes[0].rtt_ms == pytest.approx(
        2 * (1500 * K * 0.0049 + 1)
    )
    # avoiding Russia leaves the southern way
    south = latency(fiber_toy, "Westhub", "Easthub", avoid=["RU"])
    assert [r.via for r in south.routes] == ["South"]
    with pytest.raises(NoRouteError, match="No fiber route from Westhub to Easthub avoiding RU, IR"):
        latency(fiber_toy, "Westhub", "Easthub", avoid=["RU", "IR"])


def test_resilience_by_hand(fiber_toy: Network) -> None:
    result = resilience(fiber_toy, "europe", "east-asia", cut=["en", "SA"])
    assert len(result.disjoint_paths) == 2 and result.capacity_tbps == pytest.approx(10 + 4)
    assert set(result.min_cut) in ({"en", "es"}, {"en", "sa"}, {"na", "es"}, {"na", "sa"})
    assert set(result.capacity_cut) == {"en", "es"} or set(result.capacity_cut) == {"na", "es"}
    north, south = result.cuts
    assert north.rtt_after_ms == pytest.approx(2 * (3000 * K * 0.0049 + 2))
    assert north.capacity_after_tbps == pytest.approx(4) and north.paths_after == 1
    assert south.element == "SA" and south.capacity_after_tbps == pytest.approx(10)
    both = resilience(fiber_toy, "Westhub", "Easthub", cut=["North"])
    assert both.cuts[0].links == ("en", "na") and both.cuts[0].capacity_after_tbps == pytest.approx(4)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda n: latency(n, "Westhub", "Atlantis"), UnknownElementError, "Unknown hub 'Atlantis'"),
        (lambda n: latency(n, "Westhub", "Westhub"), InvalidOptionError, "same hub"),
        (lambda n: latency(n, "Westhub", "Easthub", avoid=["XX"]), InvalidOptionError, "is not a country, system"),
        (lambda n: latency(n, "Westhub", "Easthub", status="dreamt"), InvalidOptionError, "--status 'dreamt'"),
        (lambda n: resilience(n, "europe", "mars"), UnknownElementError, "Or a region: east-asia, europe"),
        (lambda n: resilience(n, cut=["no-such-cable"]), UnknownElementError, "Cannot cut 'no-such-cable'"),
    ],
)
def test_bad_input(fiber_toy: Network, call: Callable[[Network], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call(fiber_toy)


def test_never_faster_than_light(eurasia: Network) -> None:
    hubs = [n for n in eurasia.fiber_nodes if n.kind == "hub"]
    for a, b in itertools.combinations(hubs, 2):
        result = latency(eurasia, a.id, b.id, status="proposed")
        floor = 2 * great_circle_km(a.lat, a.lon, b.lat, b.lon) * FIBER_US_PER_KM / 1000
        assert result.floor_ms == pytest.approx(floor)
        assert all(r.rtt_ms >= floor for r in result.routes), (a.name, b.name)


@pytest.mark.parametrize(
    ("kind", "km", "equipment"),
    [
        ("terrestrial", 999, 0.1),  # the transponders at the two ends
        ("terrestrial", 2500, 0.3),  # and two regeneration sites
        ("submarine", 2500, 0.1),  # optical repeaters only
    ],
)
def test_equipment_model(make_dataset: Callable[..., Path], kind: str, km: float, equipment: float) -> None:
    def edit(tables: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
        _toy_fiber(tables, info)
        for row in tables["fiber_links.csv"]:
            row.update(kind=kind, equipment_ms="")  # blank: the layer's model
        (north,) = [r for r in tables["fiber_links.csv"] if r["id"] == "en"]
        north["length_km"] = km

    net = corridor.load_network(make_dataset(edit))
    route = latency(net, "Westhub", "Northpoint").routes[0]
    assert route.rtt_ms == pytest.approx(2 * (km * CIRCUIT_STRETCH[kind] * FIBER_US_PER_KM / 1000 + equipment))


def test_against_published_round_trips(eurasia: Network) -> None:
    checks = rtt_checks(eurasia)
    assert len(checks) >= 12
    for c in checks:
        assert c["published_ms"] >= c["floor_ms"] and c["floor_ms"] < c["model_ms"], c["id"]
        # one model for every pair: within the published range widened by 10 % (a single figure: +-10 %)
        low, high = c["published_low_ms"] or c["published_ms"], c["published_high_ms"] or c["published_ms"]
        assert (1 - RTT_TOLERANCE) * low <= c["model_ms"] <= (1 + RTT_TOLERANCE) * high, c
        assert c["within"], c["id"]
    assert {c["id"] for c in checks} >= {"lon-hkg-tea", "lon-tyo-tea", "sto-hkg-tea", "sto-bjs-tea", "mil-sin-azure"}


def test_terrestrial_stretch_is_the_transbaltic_route(eurasia: Network) -> None:
    """CIRCUIT_STRETCH on land is the TransBaltic Gateway's 8,900 km (Frankfurt - China border) over the layer's
    shortest cable path between the same ends; it stays so when the sections change."""
    import networkx as nx

    from corridor.layers.data import section_length_km

    nodes = {n.id: n for n in eurasia.fiber_nodes}
    graph = nx.Graph()
    for link in eurasia.fiber_links:
        if link.status == "operational":
            graph.add_edge(link.from_, link.to, km=section_length_km(link, nodes))
    shortest = nx.shortest_path_length(graph, "frankfurt", "khorgos-fiber", weight="km")
    assert 8900 / shortest == pytest.approx(CIRCUIT_STRETCH["terrestrial"], abs=0.02)


def test_new_hubs_are_connected(eurasia: Network) -> None:
    hubs = {n.id: n for n in eurasia.fiber_nodes if n.kind == "hub"}
    assert {"london", "stockholm", "tokyo", "milan"} <= set(hubs)
    # London - Tokyo across Russia lands in Japan over the Russia-Japan cable; the other ways go by Hong Kong
    tokyo = latency(eurasia, "London", "Tokyo", status="operational")
    russia = next(r for r in tokyo.routes if r.via == "Russia")
    assert "nak-tyo" in russia.links and russia.nodes[-2] == "Nakhodka"
    assert tokyo.routes[0].rtt_ms >= tokyo.floor_ms
    for a, b in (("Stockholm", "Hong Kong"), ("Milan", "Singapore"), ("London", "Mumbai")):
        assert latency(eurasia, a, b).routes


def test_caspian_line_adds_a_way_avoiding_russia(eurasia: Network) -> None:
    before = latency(eurasia, "Almaty", "Frankfurt", avoid=["RU"], status="operational")
    after = latency(eurasia, "Almaty", "Frankfurt", avoid=["RU"])
    assert after.routes[0].rtt_ms < before.routes[0].rtt_ms
    assert "Trans-Caspian" in after.routes[0].via and "Trans-Caspian" not in before.routes[0].via
    cut = resilience(eurasia, cut=["caspian-main"])
    assert cut.cuts[0].capacity_after_tbps < cut.cuts[0].capacity_before_tbps
    # Menger: as many section-disjoint paths as sections in a minimum cut, with or without Russia
    for avoid in ([], ["RU"]):
        result = resilience(eurasia, "Almaty", "Frankfurt", avoid=avoid)
        assert len(result.disjoint_paths) == len(result.min_cut) >= 2
        used = [link for p in result.disjoint_paths for link in p.links]
        assert len(used) == len(set(used))


def test_digital_corridor_needs_the_fiber_layer(make_dataset: Callable[..., Path], tmp_path: Path) -> None:
    from corridor.scenarios.files import load_scenario

    toy = corridor.load_network(make_dataset())
    plan = tmp_path / "digital.yaml"
    plan.write_text("title: Digital\nsources: [toy]\nrequires: [fiber_links/caspian-main]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"digital.yaml:3:requires.0: needs 'fiber_links/caspian-main'"):
        load_scenario(plan, toy)
    assert load_scenario("digital-corridor").name == "digital-corridor"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_cli() -> None:
    out = _cli("latency", "Frankfurt", "Hong Kong", "--avoid", "RU", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"via", "rtt_ms", "length_km"} <= set(data["routes"][0])
    assert all("RU" not in r["countries"] for r in data["routes"])
    table = _cli("resilience", "--cut", "caspian-main")
    assert table.returncode == 0 and "section-disjoint paths" in table.stdout and "caspian-main" in table.stdout
    res = json.loads(_cli("resilience", "Almaty", "Frankfurt", "--json").stdout)
    assert res["k_disjoint_paths"] >= 2 and res["capacity_tbps"] > 0 and res["min_cut"]
    for args, message in (
        (["latency", "Frankfurt", "Gotham"], "Unknown hub 'Gotham'"),
        (["resilience", "--cut", "RU"], "Cannot cut 'RU'"),
        (["resilience", "europe"], "give two ends"),
    ):
        bad = _cli(*args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
