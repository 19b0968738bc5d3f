"""Any place on the command line: cities anywhere, coordinates and UN/LOCODEs; bad places exit 2 with a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # tables follow COLUMNS: a wide terminal, so that no column is cut whatever the test process inherits
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_route_from_a_city_off_the_network() -> None:
    result = run("route", "Paris, FR", "Xian", "--optimize", "time", "--depart", "2026-03-01", "--json")
    assert result.returncode == 0, result.stderr
    legs = json.loads(result.stdout)["routes"][0]["legs"]
    assert legs[0]["from"] == "Paris, FR" and legs[0]["mode"] == "road"
    assert legs[0]["element"].startswith("road-access-geonames-2988507-")


def test_compare_table_between_coordinates_and_a_locode() -> None:
    result = run("compare", "43.2,76.9", "FRPAR", "--depart", "2026-03-01")
    assert result.returncode == 0, result.stderr
    assert "43.2,76.9 (near Almaty, KZ) → Paris, FR" in result.stdout


def test_ambiguous_city_exits_2_asking_which() -> None:
    result = run("compare", "Alexandria", "Xian")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Place 'Alexandria' is ambiguous: Alexandria, EG (5,263,542 people" in result.stderr
    assert "e.g. 'Alexandria, EG'" in result.stderr


def test_unknown_and_far_places_exit_2() -> None:
    unknown = run("route", "Duisbrug", "Xian")
    assert unknown.returncode == 2 and "Unknown place 'Duisbrug'. Closest: Duisburg" in unknown.stderr
    far = run("simulate", "New York", "Xian", "--samples", "1000")
    assert far.returncode == 2 and "km from the nearest terminal of the network: Rotterdam" in far.stderr
    assert "Traceback" not in unknown.stderr + far.stderr


@settings(max_examples=8, deadline=None)
@given(
    text=st.one_of(
        st.text(min_size=1, max_size=20).filter(lambda t: not t.startswith("-") and "\x00" not in t),
        st.from_regex(r"[1-9]\d{0,2}\.\d,\d{1,3}", fullmatch=True),
    )
)
def test_fuzzed_places_exit_0_or_2_without_traceback(text: str) -> None:
    result = run("route", text, "Xian", "--json")
    assert result.returncode in (0, 2), result.stderr
    assert "Traceback" not in result.stderr


def test_places_world_lists_the_labels_and_nearest_terminals() -> None:
    result = run("places", "--search", "Alexandria", "--world", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["label"] for r in rows] == ["Alexandria, EG", "Alexandria, US-VA", "Alexandria, US-LA", "Alexandria, RO"]
    assert rows[0]["nearest_terminal"] == "Piraeus" and rows[3]["nearest_terminal"] == "Sofia"
    table = run("places", "--search", "Alexandria", "--world")
    assert "6,160 (too far)" in table.stdout  # Alexandria, US-VA: farther than road joins reach
    empty = run("places", "--world")
    assert empty.returncode == 2 and "give part of a name with --search" in empty.stderr
