"""Result views: DataFrames and GeoJSON carry the same numbers as the route."""

from __future__ import annotations

import pytest

import corridor
from corridor.dataset.network import Network


def test_route_frame_and_geojson(toy: Network) -> None:
    r = corridor.route(toy, "a", "e", optimize="cost")
    frame = r.to_frame()
    assert list(frame["from"])[:1] == ["Alpha"]
    assert frame["cost_usd"].sum() == pytest.approx(r.cost_usd)
    geo = r.to_geojson()
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == 4 and len(points) == 3
    assert lines[0]["geometry"]["coordinates"] == [[100.0, 40.0], [80.0, 45.0]]


def test_comparison_frame(toy: Network) -> None:
    result = corridor.compare(toy, "a", "e")
    frame = result.to_frame()
    assert set(frame["corridor"]) == {"x", "y"}
    assert result.to_dict()["options"][0]["legs"]


def test_comparison_without_legs_is_the_totals_of_the_full_answer(toy: Network) -> None:
    """``to_dict(legs=False)`` (``GET /v1/compare`` without ``legs=true``) is the full dict, each option's legs
    left out, keys in the same order."""
    comparison = corridor.compare(toy, "a", "e", depart="2025-03-01")
    full, lean = comparison.to_dict(), comparison.to_dict(legs=False)
    assert all("legs" in option and option["legs"] for option in full["options"])
    expected = {**full, "options": [{k: v for k, v in o.items() if k != "legs"} for o in full["options"]]}
    assert lean == expected
    assert [list(o) for o in lean["options"]] == [list(o) for o in expected["options"]]
