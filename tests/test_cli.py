"""The command line as a user runs it: output, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_compare_table() -> None:
    result = run("compare", "Xian", "Duisburg")
    assert result.returncode == 0, result.stderr
    for name in ("middle", "northern", "maritime-suez", "transshipments", "CO2e kg"):
        assert name in result.stdout


def test_compare_json_shape() -> None:
    result = run("compare", "Xian", "Duisburg", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["origin"] == "Xi'an" and data["destination"] == "Duisburg" and data["cargo"] == "FEU"
    assert {"middle", "northern", "maritime-suez"} <= {o["corridor"] for o in data["options"]}
    for option in data["options"]:
        assert {"corridor", "days", "cost_usd", "co2e_kg", "legs"} <= set(option)
        assert option["cost_usd"] == pytest.approx(sum(leg["cost_usd"] for leg in option["legs"]), abs=0.1)
        for leg in option["legs"]:
            assert {"from", "to", "mode", "distance_km", "hours", "cost_usd", "co2e_kg"} <= set(leg)
    places = json.loads(run("places", "--json").stdout)
    names = {p["name"] for p in places}
    assert all(leg["from"] in names and leg["to"] in names for o in data["options"] for leg in o["legs"])


def test_route_json_and_geojson(tmp_path: Path) -> None:
    out = tmp_path / "route.geojson"
    result = run("route", "Almaty", "Poti", "--optimize", "time", "--json", "--geojson", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["optimize"] == "time" and len(data["routes"]) == 1
    geo = json.loads(out.read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and geo["features"]


def test_route_pareto_and_alternatives() -> None:
    pareto = json.loads(run("route", "Xian", "Istanbul", "--pareto", "--json").stdout)
    assert len(pareto["routes"]) >= 2
    alternatives = json.loads(run("route", "Xian", "Istanbul", "--alternatives", "3", "--json").stdout)
    assert len(alternatives["routes"]) == 3


def test_places_search() -> None:
    result = run("places", "--search", "constanta")
    assert result.returncode == 0 and "Constanța" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("compare", "Xian", "Atlantis"), "Unknown place 'Atlantis'. Closest:"),
        (
            ("compare", "Xian", "Duisburg", "--avoid", "RU,IR,suez,cape,caspian,black-sea,bosporus"),
            "No FEU route",
        ),
        (("compare", "Xian", "Duisburg", "--avoid", "mars"), "Cannot avoid 'mars'"),
        (
            ("compare", "Xian", "Duisburg", "--cargo", "crate"),
            "Unknown cargo 'crate'; valid: FEU, TEU, t, liquid",
        ),
        (("compare", "Xian", "Duisburg", "--quantity", "-1"), "must be a positive number"),
        (("route", "Xian", "Duisburg", "--optimize", "speed"), "Unknown objective 'speed'"),
        (("route", "Xian", "Duisburg", "--corridor", "arctic"), "Unknown corridor 'arctic'"),
        (("compare", "Xian", "Duisburg", "--network", "/nonexistent"), "no such folder"),
        (("compare", "Xian", "Duisburg", "--geojson", "/nonexistent/out.json"), "does not exist"),
        (("compare", "Xian"), "Missing argument"),
    ],
)
def test_bad_input_exit_2_without_traceback(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_validate_lists_problems(make_dataset: Callable[..., Path]) -> None:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        tables["links.csv"][1]["distance_km"] = -2
        tables["links.csv"][0]["mode"] = "blimp"

    result = run("validate", str(make_dataset(edit)))
    assert result.returncode == 2
    assert "links.csv:3:distance_km" in result.stderr and "links.csv:2:mode" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_embedded() -> None:
    from corridor.network import DEFAULT_DATASET

    result = run("validate", str(DEFAULT_DATASET))
    assert result.returncode == 0 and "valid" in result.stdout
