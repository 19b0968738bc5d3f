"""The scripts in examples/ run as a user runs them (a fresh interpreter, another folder) and print what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, *args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_example_is_tested() -> None:
    tested = {"compare_routes.py", "scenario_and_sweep.py", "reliability.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_compare_routes_writes_a_table_and_a_map(tmp_path: Path) -> None:
    out = _run("compare_routes.py", str(tmp_path / "out"), cwd=tmp_path)
    table = pd.read_csv(tmp_path / "out" / "compare.csv")
    assert set(table["corridor"]) == {"middle", "northern", "southern-iran", "maritime-suez", "maritime-cape"}
    assert (table["p50_days"] <= table["p90_days"]).all()
    geojson = json.loads((tmp_path / "out" / "compare.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["corridor"] for f in geojson["features"]} == set(table["corridor"])
    front = pd.read_csv(tmp_path / "out" / "pareto-middle.csv")
    assert f"{len(front)} Pareto-optimal routes on the Middle Corridor" in out
    assert (front["corridor"] == "middle").all()


def test_scenario_and_sweep_prints_before_and_after(tmp_path: Path) -> None:
    out = _run("scenario_and_sweep.py", "600", cwd=tmp_path)
    assert "volume_mt_base" in out and "volume_mt_red_sea_open" in out
    lines = out.splitlines()
    sweep_header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["value", "volume_mt"])
    values = [float(line.split()[0]) for line in lines[sweep_header + 1 :]]
    assert values == [1.0, 1.25, 1.5]


def test_reliability_prints_the_percentiles_and_drivers(tmp_path: Path) -> None:
    out = _run("reliability.py", "2000", cwd=tmp_path)
    assert out.startswith("median ") and "P90" in out
    assert "of the variance" in out and "over 2,000 shipments" in out
