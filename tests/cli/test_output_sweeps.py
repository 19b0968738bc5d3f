"""--output FILE on scenario sweep, bottlenecks and fleet, and format= on a stored run: the same tables as the JSON."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app
from corridor.dataset.network import Network


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def sheets(path: Path) -> list[str]:
    return list(openpyxl.load_workbook(path, read_only=True).sheetnames)


SCENARIO_SHEETS = ["corridors", "summary", "passages", "bottlenecks", "over_capacity", "link_flows"]


def test_scenario_sweep_writes_one_row_per_value_and_corridor(tmp_path: Path) -> None:
    out = tmp_path / "sweep.xlsx"
    swept = run(
        "scenario", "sweep", "base-2024", "--param", "demand.scale=1:1.5:0.5", "--samples", "600", "--in-process",
        "--no-store", "--output", str(out), "--json",
    )  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    data = json.loads(swept.stdout)
    assert sheets(out) == SCENARIO_SHEETS
    corridors = pd.read_excel(out, sheet_name="corridors")
    assert list(corridors.columns[:3]) == ["value", "scenario", "corridor"]
    for r in data["runs"]:
        mine = corridors[corridors["value"] == r["value"]]
        assert dict(zip(mine["corridor"], mine["volume_mt"], strict=True)) == pytest.approx(r["volumes_mt"])
    assert sorted(set(corridors["value"])) == [r["value"] for r in data["runs"]] == [1.0, 1.5]
    summary = pd.read_excel(out, sheet_name="summary")
    assert list(summary["value"]) == [1.0, 1.5]
    as_csv = tmp_path / "sweep.csv"
    again = run(
        "scenario", "sweep", "base-2024", "--param", "demand.scale=1:1:1", "--samples", "600", "--in-process",
        "--no-store", "--output", str(as_csv),
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert set(pd.read_csv(as_csv)["value"]) == {1.0}


def test_bottlenecks_and_fleet_write_their_tables(tmp_path: Path) -> None:
    ranked = run("bottlenecks", "--top", "5", "--output", str(tmp_path / "b.parquet"), "--json")
    assert ranked.returncode == 0, ranked.stderr
    report = json.loads(ranked.stdout)
    table = pd.read_parquet(tmp_path / "b.parquet")
    assert list(table["element"]) == [b["element"] for b in report["bottlenecks"]] and len(table) == 5
    assert list(table["utilization"]) == pytest.approx([b["utilization"] for b in report["bottlenecks"]])
    assert run("bottlenecks", "--top", "3", "--output", str(tmp_path / "b.xlsx")).returncode == 0
    assert sheets(tmp_path / "b.xlsx") == ["bottlenecks", "summary"]
    assert pd.read_excel(tmp_path / "b.xlsx", sheet_name="summary").iloc[0]["year"] == report["year"]

    sized = run(
        "fleet", "--volume-teu", "30000", "--days", "60", "--replications", "1", "--in-process",
        "--output", str(tmp_path / "f.xlsx"), "--json",
    )  # fmt: skip
    assert sized.returncode == 0, sized.stderr
    data = json.loads(sized.stdout)
    assert sheets(tmp_path / "f.xlsx") == ["fleets", "summary"]
    fleets = pd.read_excel(tmp_path / "f.xlsx", sheet_name="fleets")
    tried = sorted([c["ferries"] for c in data["candidates"]] + [u["ferries"] for u in data["unstable"]])
    assert list(fleets["ferries"]) == tried
    summary = pd.read_excel(tmp_path / "f.xlsx", sheet_name="summary").iloc[0]
    assert summary["ferries"] == data["ferries"] and summary["services"] == ";".join(data["services"])
    as_json = run(
        "fleet", "--volume-teu", "30000", "--days", "60", "--replications", "1", "--in-process",
        "--output", str(tmp_path / "f.json"),
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads((tmp_path / "f.json").read_text()) == data  # the same seed: the same fleets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("scenario", "sweep", "no-such", "--param", "demand.scale=1:2:1", "--output", "s.geojson"),
            "a sweep has no geometry for .geojson",
        ),
        (("scenario", "sweep", "no-such", "--param", "demand.scale=1:2:1", "--output", "s.txt"), "extension '.txt'"),
        (("bottlenecks", "--scenario", "no-such", "--output", "b.docx"), "extension '.docx'"),
        (("bottlenecks", "--network", "missing", "--output", "b.geojson"), "has no geometry for .geojson"),
        (("fleet", "--volume-teu", "1000", "--network", "missing", "--output", "f"), "no extension"),
        (("fleet", "--volume-teu", "1000", "--output", "missing/f.csv"), "folder 'missing' does not exist"),
    ],
)
def test_bad_output_refused_before_any_work(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, cwd=tmp_path)  # the scenario or network is wrong too: the output is refused first
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_stored_run_as_a_file(tmp_path: Path, eurasia: Network) -> None:
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario
    from corridor.store.database import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with Store(url) as store:
        run_id = store.save(run_scenario(eurasia, load_scenario("base-2024", eurasia), samples=120))
    with TestClient(create_app(ServiceSettings(store=url, job_workers=0))) as c:
        stored = c.get(f"/v1/runs/{run_id}").json()
        answer = c.get(f"/v1/runs/{run_id}", params={"format": "csv"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        assert f'filename="run-{run_id[:8]}.csv"' in answer.headers["content-disposition"]
        table = pd.read_csv(io.StringIO(answer.text))
        volumes = stored["outputs"]["volumes_mt"]
        assert dict(zip(table["corridor"], table["volume_mt"], strict=True)) == pytest.approx(volumes)
        xlsx = c.get(f"/v1/runs/{run_id}", params={"format": "xlsx"})
        assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames == SCENARIO_SHEETS
        assert c.get(f"/v1/runs/{run_id}", params={"format": "json"}).json() == stored
        refused = c.get(f"/v1/runs/{run_id}", params={"format": "geojson"})
        assert refused.status_code == 422 and "valid: csv, xlsx, parquet, json" in refused.text
        unknown = c.get("/v1/runs/0f8fad5b-d9cb-469f-a165-70867728950e", params={"format": "pdf"})
        assert unknown.status_code == 422  # the format is refused before the store is read
