"""--output FILE: results as CSV, Excel, Parquet, JSON and GeoJSON by the extension; a bad name refused first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

TRIP = ("Xian", "Duisburg", "--depart", "2026-03-01")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def sheets(path: Path) -> list[str]:
    return list(openpyxl.load_workbook(path, read_only=True).sheetnames)


def test_compare_in_every_format(tmp_path: Path) -> None:
    paths = {ext: tmp_path / f"compare{ext}" for ext in (".csv", ".xlsx", ".parquet", ".json", ".geojson")}
    printed = run("compare", *TRIP, "--json", "--geojson", str(tmp_path / "routes.geojson"))
    assert printed.returncode == 0, printed.stderr
    for path in paths.values():
        result = run("compare", *TRIP, "--output", str(path))
        assert result.returncode == 0, result.stderr
    assert json.loads(paths[".json"].read_text()) == json.loads(printed.stdout)
    assert json.loads(paths[".geojson"].read_text()) == json.loads((tmp_path / "routes.geojson").read_text())
    assert sheets(paths[".xlsx"]) == ["corridors", "legs", "unavailable"]
    table = pd.read_csv(paths[".csv"])
    assert table.equals(pd.read_parquet(paths[".parquet"])[table.columns].astype(table.dtypes.to_dict()))
    expected = {o["corridor"]: o for o in json.loads(printed.stdout)["options"]}
    assert list(table["corridor"]) == list(expected)
    for row in table.itertuples():
        assert row.p50_days == expected[row.corridor]["p50_days"] and row.cost_usd == expected[row.corridor]["cost_usd"]
        assert row.countries == "; ".join(expected[row.corridor]["countries"])
    legs = pd.read_excel(paths[".xlsx"], sheet_name="legs")
    for corridor, option in expected.items():
        mine = legs[legs["corridor"] == corridor]
        assert len(mine) == len(option["legs"]) and mine["cost_usd"].sum() == pytest.approx(option["cost_usd"], abs=0.1)
        assert list(mine["depart_at"]) == [leg["depart_at"] for leg in option["legs"]]


def test_route_simulate_and_sweep(tmp_path: Path) -> None:
    routes = run("route", *TRIP, "--alternatives", "2", "--output", str(tmp_path / "r.xlsx"))
    assert routes.returncode == 0, routes.stderr
    assert sheets(tmp_path / "r.xlsx") == ["routes", "legs"]
    assert list(pd.read_excel(tmp_path / "r.xlsx", sheet_name="routes")["route"]) == [1, 2]
    sim = run("simulate", *TRIP, "--samples", "5000", "--output", str(tmp_path / "s.xlsx"), "--json")
    assert sim.returncode == 0, sim.stderr
    assert sheets(tmp_path / "s.xlsx") == ["summary", "percentiles", "tail_drivers", "legs"]
    summary = pd.read_excel(tmp_path / "s.xlsx", sheet_name="summary").iloc[0]
    assert summary["p50_days"] == json.loads(sim.stdout)["p50_days"]
    percentiles = pd.read_excel(tmp_path / "s.xlsx", sheet_name="percentiles")
    assert list(percentiles["percentile"]) == list(range(1, 100)) and percentiles["days"].is_monotonic_increasing
    assert percentiles.loc[percentiles["percentile"] == 50, "days"].item() == pytest.approx(
        summary["p50_days"], abs=1e-3
    )
    sweep = tmp_path / "sweep.parquet"
    swept = run(
        "simulate", *TRIP[:2], "--samples", "2000", "--sweep-depart", "2026-01-01:2026-03-01:30", "--in-process",
        "--output", str(sweep),
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    assert list(pd.read_parquet(sweep)["depart"]) == ["2026-01-01", "2026-01-31"]


def test_assign_and_scenarios(tmp_path: Path) -> None:
    assigned = run("assign", "--year", "2024", "--output", str(tmp_path / "a.xlsx"), "--json")
    assert assigned.returncode == 0, assigned.stderr
    assert sheets(tmp_path / "a.xlsx") == ["summary", "flows", "elements", "convergence"]
    summary = pd.read_excel(tmp_path / "a.xlsx", sheet_name="summary").iloc[0]
    assert summary["iterations"] == json.loads(assigned.stdout)["iterations"]
    compared = run(
        "scenario", "compare", "base-2024", "digital-corridor", "--samples", "2000", "--output", str(tmp_path / "c.csv")
    )
    assert compared.returncode == 0, compared.stderr
    table = pd.read_csv(tmp_path / "c.csv")
    assert set(table["scenario"]) == {"base-2024", "digital-corridor"} and {"volume_mt", "p90_days"} <= set(table)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("compare", "Nowhere", "Xian", "--output", "out.txt"),
            "extension '.txt'; the format comes from the extension",
        ),
        (("route", "Nowhere", "Xian", "--output", "out"), "no extension"),
        (("simulate", "Nowhere", "Xian", "--output", "out.pdf"), "one of .csv, .xlsx, .parquet, .json, .geojson"),
        (("scenario", "run", "no-such", "--output", "run.geojson"), "a scenario run has no geometry for .geojson"),
        (("assign", "--output", "flows.docx"), "extension '.docx'"),
        (("compare", "Nowhere", "Xian", "--output", "missing/out.csv"), "folder 'missing' does not exist"),
    ],
)
def test_bad_output_refused_before_any_work(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, cwd=tmp_path)  # the place is unknown: the output is refused first, naming it
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_never_replaces_a_link(tmp_path: Path) -> None:
    target = tmp_path / "kept.csv"
    target.write_text("kept")
    os.symlink(target, tmp_path / "link.csv")
    result = run("compare", *TRIP, "--output", str(tmp_path / "link.csv"))
    assert result.returncode == 2 and "symbolic link" in result.stderr and target.read_text() == "kept"
