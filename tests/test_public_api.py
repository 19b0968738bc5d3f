"""The public API (``corridor.__all__``): what it exports, numpy docstrings checked by numpydoc, examples that run."""

from __future__ import annotations

import doctest
import inspect
import math
from pathlib import Path

import pandas as pd
import pytest

import corridor

# numpydoc's checks every public name must pass. Left out, on purpose: ES01 (an extended summary), SA01 (See
# Also), PR04/RT02-type checks (types live in the annotations only, house style), SS05 (summaries here are noun
# phrases, "The best route ...", which its verb heuristic misreads) and, for classes, PR01 (their fields are
# documented where they are declared).
FUNCTION_CHECKS = {"GL01", "GL02", "GL03", "GL05", "GL06", "GL07", "GL08", "SS01", "SS02", "SS03", "SS04"}
FUNCTION_CHECKS |= {"PR01", "PR02", "PR03", "PR05", "PR06", "PR07", "RT01", "RT03", "YD01", "EX01"}
CLASS_CHECKS = FUNCTION_CHECKS - {"PR01", "PR07", "RT01"}

PUBLIC = sorted(corridor.__all__)
#: examples that read the TNTP networks, which live outside the repository (CORRIDOR_TNTP_DIR)
NEEDS_TNTP = {"network_from_tntp", "network_to_tntp"}


def _qualified(name: str) -> str:
    obj = getattr(corridor, name)
    return f"{obj.__module__}.{obj.__qualname__}"


def test_every_public_name_loads_and_is_listed() -> None:
    assert sorted(dir(corridor)) == PUBLIC
    for name in PUBLIC:
        assert getattr(corridor, name) is not None
    # what the issue asked for: running scenarios and sweeps is public, not buried in submodules
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario
    from corridor.scenarios.sweep import sweep

    assert (corridor.run_scenario, corridor.load_scenario, corridor.sweep) == (run_scenario, load_scenario, sweep)


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_passes_numpydoc(name: str) -> None:
    from numpydoc.validate import validate

    obj = getattr(corridor, name)
    checks = CLASS_CHECKS if inspect.isclass(obj) else FUNCTION_CHECKS
    errors = [f"{code}: {message}" for code, message in validate(_qualified(name))["errors"] if code in checks]
    assert errors == [], f"corridor.{name}: " + "; ".join(errors)


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    if name in NEEDS_TNTP:
        root: Path = request.getfixturevalue("tntp_root")
        monkeypatch.setenv("CORRIDOR_TNTP_DIR", str(root))
    obj = getattr(corridor, name)
    tests = doctest.DocTestFinder(recurse=inspect.isclass(obj)).find(obj, name, globs={})  # with the methods
    examples = [t for t in tests if t.examples]
    assert examples, f"corridor.{name} has no example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


@pytest.fixture(scope="module")
def network() -> corridor.Network:
    return corridor.load_network()


def test_pareto_and_alternatives_are_lists_that_export(network: corridor.Network) -> None:
    front = corridor.pareto(network, "Xian", "Duisburg", corridor="middle")
    assert isinstance(front, list) and all(isinstance(r, corridor.Route) for r in front)  # as before
    frame = front.to_frame()
    assert list(frame["rank"]) == list(range(1, len(front) + 1))
    assert list(frame["cost_usd"]) == [round(r.cost_usd, 2) for r in front]
    data = front.to_dict()
    assert (data["origin"], data["destination"], data["search"]) == ("Xi'an", "Duisburg", "pareto")
    assert len(data["routes"]) == len(front)
    ranks = {f["properties"]["rank"] for f in front.to_geojson()["features"]}
    assert ranks == set(range(1, len(front) + 1))
    routes = corridor.alternatives(network, "Xian", "Duisburg", k=2, optimize="time")
    assert routes.search == "time" and len(routes.to_frame()) == len(routes) == 2
    assert routes[0].hours <= routes[1].hours


def test_simulation_result_as_a_frame_and_on_a_map(network: corridor.Network) -> None:
    result = corridor.simulate(
        network, "Xian", "Duisburg", corridor="middle", depart="2025-03-01", samples=2000, deadline_days=30
    )
    frame = result.to_frame()
    assert len(frame) == 2000
    assert frame["days"].quantile(0.9) == pytest.approx(result.p90_days, rel=1e-6)
    assert frame["on_time"].mean() == pytest.approx(result.on_time_probability())
    features = result.to_geojson()["features"]
    assert features and {f["properties"]["p90_days"] for f in features} == {round(result.p90_days, 3)}


def test_scenario_result_and_sweep_as_frames(network: corridor.Network) -> None:
    base = corridor.load_scenario("base-2024", network)
    swept = corridor.sweep(network, base, "demand.scale=1:1.5:0.5", samples=600)
    assert swept.values == (1.0, 1.5)
    frame = swept.to_frame()
    one = swept.results[0]
    middle = frame[(frame["value"] == 1.0) & (frame["corridor"] == "middle")].iloc[0]
    assert middle["volume_mt"] == one.volumes_mt["middle"]
    assert middle["p90_days"] == one.p90_days["middle"]
    assert set(one.to_frame()["corridor"]) >= set(one.volumes_mt)
    # a corridor without a transit time (no route, or no volume) is NaN in the frame, not 0
    missing = [c for c in one.to_frame()["corridor"] if c not in one.p90_days]
    for cid in missing:
        assert math.isnan(one.to_frame().set_index("corridor").loc[cid, "p90_days"])
    data = swept.to_dict()
    assert [r["value"] for r in data["runs"]] == [1.0, 1.5] and data["param"] == "demand.scale"
    # more demand, more tonnes on the Middle Corridor
    assert swept.results[1].volumes_mt["middle"] > one.volumes_mt["middle"]


def test_assignment_results_as_frames(network: corridor.Network) -> None:
    flows = corridor.flow_network(network, year=2024)
    result = corridor.assign(flows, gap=1e-3)
    pd.testing.assert_frame_equal(result.to_frame(), result.links_frame())
    capacity = corridor.capacitated_flow(flows)
    pd.testing.assert_frame_equal(capacity.to_frame(), capacity.elements_frame())


def test_scenario_result_on_a_map(network: corridor.Network) -> None:
    result = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=600)
    features = {f["properties"]["link"]: f for f in result.to_geojson(network)["features"]}
    assert set(features) == set(result.link_flows_mt)
    link = network.link_by_id["aktau-alat-feeder"]
    feeder = features["aktau-alat-feeder"]
    assert feeder["properties"]["flow_mt"] == result.link_flows_mt["aktau-alat-feeder"]
    aktau, alat = network.place_by_id[link.from_], network.place_by_id[link.to]
    assert feeder["geometry"]["coordinates"] == [[aktau.lon, aktau.lat], [alat.lon, alat.lat]]
