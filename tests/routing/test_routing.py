"""Routing on the toy network (solved by hand) and on the embedded network (against networkx)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import corridor
from corridor.dataset.avoid import parse_avoid
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError, NoRouteError, UnknownPlaceError
from corridor.model.graph import graph_of


def test_fastest_and_cheapest_by_hand(toy: Network) -> None:
    fast = corridor.route(toy, "Alpha", "Echo", optimize="time")
    cheap = corridor.route(toy, "Alpha", "Echo", optimize="cost")
    assert fast.corridor == "y"
    assert fast.hours == pytest.approx(24.0)
    assert fast.cost_usd == pytest.approx(2130.0)
    assert cheap.corridor == "x"
    assert cheap.hours == pytest.approx(50.0)  # 2 + 2 + 4 + 5 + (10 + 12 wait) + 5 + 10
    assert cheap.cost_usd == pytest.approx(1230.0)


def test_legs_add_up_and_name_places(toy: Network) -> None:
    r = corridor.route(toy, "a", "e", optimize="cost")
    moves = [leg for leg in r.legs if leg.kind == "move"]
    assert [(m.from_place, m.to_place, m.mode) for m in moves] == [
        ("Alpha", "Bravo", "rail"),
        ("Bravo", "Charlie", "rail"),
        ("Charlie", "Delta", "ferry"),
        ("Delta", "Echo", "rail"),
    ]
    assert moves[2].wait_hours == pytest.approx(12.0)  # daily ferry: half of a 24 h headway
    assert r.distance_km == pytest.approx(1000.0)
    assert r.transshipments == 3  # gauge change at B, ports C and D
    assert r.border_crossings == 3  # CN -> KZ -> AZ -> DE
    assert r.countries == ("CN", "KZ", "AZ", "DE")
    assert r.via == ("Bravo", "Charlie", "Delta")


def test_emissions_by_hand(toy: Network) -> None:
    r = corridor.route(toy, "a", "e", optimize="cost")
    # 20 t per FEU: rail 700 km x 20 g + ferry 300 km x 120 g, per t; hub 1 kg per t at the gauge change
    expected_wtw = 20 * (700 * 20 + 300 * 120) / 1000 + 20 * 1.0
    expected_ttw = 20 * (700 * 10 + 300 * 100) / 1000 + 20 * 0.5
    assert r.co2e_kg == pytest.approx(expected_wtw)
    assert r.co2e_ttw_kg == pytest.approx(expected_ttw)


def test_generalized_cost_uses_value_of_time(toy: Network) -> None:
    # y costs 900 more and saves 26 h: it wins once an FEU's hour is worth more than 900 / 26 = 34.6 USD,
    # i.e. once a tonne-hour is worth more than 34.6 / 20 t = 1.73 USD (the value of time is per tonne-hour)
    assert corridor.route(toy, "a", "e", value_of_time_usd_per_t_hour=1.6).corridor == "x"
    assert corridor.route(toy, "a", "e", value_of_time_usd_per_t_hour=1.9).corridor == "y"
    # the same tonnes in TEU (two of 10 t) make the same choice: one unit, whatever the box
    assert corridor.route(toy, "a", "e", cargo="TEU", quantity=2, value_of_time_usd_per_t_hour=1.9).corridor == "y"


def test_value_of_time_has_one_unit_across_the_api(toy: Network) -> None:
    from corridor.model.costs import default_value_of_time_usd_per_t_hour

    # the toy's 10 USD per FEU-hour over its 20 t payload
    assert default_value_of_time_usd_per_t_hour(toy.info) == pytest.approx(0.5)
    eurasia = corridor.load_network()
    per_t_hour = default_value_of_time_usd_per_t_hour(eurasia.info)
    demand = corridor.flow_network(eurasia).demand
    assert demand is not None
    # the assignment's classes carry it per tonne-hour too, whatever the commodity
    assert {round(c.value_of_time, 9) for c in demand.classes} == {round(per_t_hour, 9)}
    with pytest.raises(TypeError):
        corridor.route(toy, "a", "e", value_of_time_usd_per_hour=30)  # type: ignore[call-arg]"


def test_avoid_country_passage_and_mode(toy: Network) -> None:
    assert corridor.route(toy, "a", "e", optimize="time", avoid="RU").corridor == "x"
    assert corridor.route(toy, "a", "e", optimize="cost", avoid=["caspian"]).corridor == "y"
    assert corridor.route(toy, "a", "e", optimize="cost", avoid="ferry").corridor == "y"
    with pytest.raises(NoRouteError, match="No FEU route from Alpha to Echo avoiding RU, caspian"):
        corridor.route(toy, "a", "e", avoid="RU,caspian")
    with pytest.raises(NoRouteError, match="Origin Alpha is in CN, which is to be avoided"):
        corridor.route(toy, "a", "e", avoid="cn")


def test_cargo_restricts_links(toy: Network) -> None:
    # link b-e carries containers only: dry bulk must take the ferry
    assert corridor.route(toy, "a", "e", cargo="t", optimize="time").corridor == "x"
    with pytest.raises(NoRouteError, match="No t \\(liquid bulk\\) route"):
        corridor.route(toy, "a", "e", cargo="liquid")


def test_cargo_units_convert_tariffs(toy: Network) -> None:
    feu = corridor.route(toy, "a", "e", optimize="cost")
    teu = corridor.route(toy, "a", "e", optimize="cost", cargo="TEU", quantity=3)
    tonnes = corridor.route(toy, "a", "e", optimize="cost", cargo="t", quantity=40)
    assert teu.cost_usd == pytest.approx(3 * feu.cost_usd / 2)  # price ratio 2 in the toy dataset
    assert tonnes.cost_usd == pytest.approx(40 * feu.cost_usd / 20)  # 20 t per FEU
    assert tonnes.co2e_kg == pytest.approx(2 * feu.co2e_kg)  # 40 t against 20 t


def test_compare_gives_each_corridor(toy: Network) -> None:
    result = corridor.compare(toy, "Alpha", "Echo", optimize="cost")
    assert [r.corridor for r in result.options] == ["x", "y"]
    assert result.options[0].cost_usd == pytest.approx(1230)
    assert result.unavailable == {}
    restricted = corridor.compare(toy, "Alpha", "Echo", avoid="RU")
    assert [r.corridor for r in restricted.options] == ["x"]
    assert "No FEU route from Alpha to Echo on the y corridor avoiding RU" in restricted.unavailable["y"]


def test_pareto_has_both_tradeoffs(toy: Network) -> None:
    routes = corridor.pareto(toy, "a", "e")
    assert [r.corridor for r in routes] == ["y", "x"]  # fastest first
    assert routes[0].hours < routes[1].hours and routes[0].cost_usd > routes[1].cost_usd


def test_alternatives_are_distinct(toy: Network) -> None:
    routes = corridor.alternatives(toy, "a", "e", k=3, optimize="cost")
    assert [r.corridor for r in routes] == ["x", "y"]  # only two distinct routes exist


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda n: corridor.route(n, "Atlantis", "Echo"),
            UnknownPlaceError,
            r"Unknown place 'Atlantis'\. Closest: ",
        ),
        (lambda n: corridor.route(n, "a", "a"), InvalidOptionError, "same place"),
        (
            lambda n: corridor.route(n, "a", "e", optimize="fun"),
            InvalidOptionError,
            "valid: time, cost, co2e",
        ),
        (
            lambda n: corridor.route(n, "a", "e", corridor="z"),
            InvalidOptionError,
            "Unknown corridor 'z'; valid: x, y",
        ),
        (lambda n: corridor.route(n, "a", "e", quantity=0), InvalidOptionError, "positive"),
        (
            lambda n: corridor.route(n, "a", "e", value_of_time_usd_per_t_hour=-1),
            InvalidOptionError,
            "non-negative",
        ),
        (lambda n: corridor.alternatives(n, "a", "e", k=0), InvalidOptionError, "k must be at least 1"),
        (lambda n: corridor.route(n, "a", "e", avoid="moon"), InvalidOptionError, "Cannot avoid 'moon'"),
    ],
)
def test_bad_requests(toy: Network, call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call(toy)  # type: ignore[operator]


def test_parse_avoid_sorts_tokens() -> None:
    avoid = parse_avoid(" ru, Suez ,road,,IR")
    assert avoid.countries == {"RU", "IR"} and avoid.passages == {"suez"} and avoid.modes == {"road"}


# --- the embedded network -------------------------------------------------------------------------------------


def test_xian_duisburg_has_the_three_main_corridors(eurasia: Network) -> None:
    result = corridor.compare(eurasia, "Xian", "Duisburg")
    corridors = {r.corridor for r in result.options}
    assert {"middle", "northern", "maritime-suez"} <= corridors
    by = {r.corridor: r for r in result.options}
    # Published orders of magnitude: northern fastest rail (13-20 d), sea via Suez slowest but cheapest
    assert by["northern"].days < by["middle"].days < by["maritime-suez"].days
    assert by["maritime-suez"].cost_usd < by["northern"].cost_usd
    assert by["middle"].transshipments >= 4  # Dostyk/Altynkol, Aktau/Kuryk, Alat, Akhalkalaki or a port


def test_middle_route_crosses_the_caspian(eurasia: Network) -> None:
    r = corridor.route(eurasia, "Xian", "Duisburg", corridor="middle")
    modes = [leg.mode for leg in r.legs if leg.kind == "move"]
    assert "ferry" in modes or "feeder" in modes
    assert "RU" not in r.countries


def test_avoid_russia_and_suez(eurasia: Network) -> None:
    result = corridor.compare(eurasia, "Xian", "Duisburg", avoid="RU,suez")
    assert "northern" in result.unavailable and "maritime-suez" in result.unavailable
    for r in result.options:
        assert "RU" not in r.countries


@pytest.mark.parametrize("objective", ["time", "cost", "co2e"])
def test_shortest_path_matches_networkx(eurasia: Network, objective: str) -> None:
    """The engine's optimum equals networkx's Dijkstra on the same virtual network."""
    g = graph_of(eurasia)
    r = corridor.route(eurasia, "Chongqing", "Hamburg", optimize=objective, depart="2026-11-20")
    value = {"time": r.hours, "cost": r.cost_usd, "co2e": r.co2e_kg}[objective]
    from corridor.model.costs import arc_cost_usd, parse_cargo
    from corridor.model.durations import durations_of
    from corridor.model.emissions import arc_co2e_kg

    cargo = parse_cargo("FEU", eurasia.info)
    mean_hours = durations_of(eurasia).arc_mean_hours(11)[:, 0]  # routes are chosen on expected hours
    weights = {"time": mean_hours, "cost": arc_cost_usd(g, cargo), "co2e": arc_co2e_kg(g, cargo)}[objective]
    digraph = nx.DiGraph()
    allowed = g.allowed[:, 0]
    for a in np.flatnonzero(allowed):
        digraph.add_edge(int(g.tail[a]), int(g.head[a]), w=float(weights[a]))
    origin = eurasia.places.index(eurasia.place("Chongqing"))
    dest = eurasia.places.index(eurasia.place("Hamburg"))
    expected = nx.dijkstra_path_length(digraph, int(g.source_node[origin]), int(g.sink_node[dest]), weight="w")
    assert value == pytest.approx(expected)


def test_pareto_contains_each_single_objective_optimum(eurasia: Network) -> None:
    routes = corridor.pareto(eurasia, "Almaty", "Istanbul")
    assert min(r.hours for r in routes) == pytest.approx(
        corridor.route(eurasia, "Almaty", "Istanbul", optimize="time").hours
    )
    assert min(r.cost_usd for r in routes) == pytest.approx(
        corridor.route(eurasia, "Almaty", "Istanbul", optimize="cost").cost_usd
    )
    # no route in the set dominates another
    for a in routes:
        for b in routes:
            if a is not b:
                assert not (a.hours <= b.hours and a.cost_usd <= b.cost_usd and a.co2e_kg <= b.co2e_kg)


def test_default_trees_grown_at_start_give_the_same_comparisons() -> None:
    """The trees a server grows at start are those the default comparisons would grow: every such comparison finds
    its routes there (no tree added) and answers as on a network without them."""
    from corridor.model.graph import graph_of
    from corridor.routing.search import _trees_of, grow_default_trees

    warmed, fresh = corridor.load_network(), corridor.load_network()
    grown = grow_default_trees(warmed, depart="2026-03-01")
    assert grown == len(warmed.places) * len(warmed.corridor_ids)
    for origin, destination in (("Xian", "Duisburg"), ("Almaty", "Istanbul"), ("Shanghai", "Baku")):
        ours = corridor.compare(warmed, origin, destination, depart="2026-03-05")
        assert ours == corridor.compare(fresh, origin, destination, depart="2026-03-05")
    assert len(_trees_of(graph_of(warmed))) == grown
