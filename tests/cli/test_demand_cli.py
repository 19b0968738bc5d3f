"""``corridor demand`` and ``GET /v1/demand``: the demand of a year from trade, and clear answers to bad years."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_demand_json() -> None:
    result = run("demand", "--year", "2030", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2030 and data["case"] == "central" and data["years"] == [2015, 2035]
    assert len(data["rows"]) == 26
    for row in data["rows"]:
        assert row["tonnes_low"] <= row["tonnes"] <= row["tonnes_high"]
    pairs = {(p["origin_region"], p["destination_region"], p["commodity"]): p for p in data["region_pairs"]}
    assert sum(p["tonnes"] for p in pairs.values()) == pytest.approx(data["tonnes"], rel=1e-6)
    assert pairs[("kz", "ge", "liquid_bulk")]["tonnes"] > 850_000  # Kazakh oil products to Batumi grow from 2024
    assert 0 < data["fit"]["coefficients"]["ln_gdp_product"]["estimate"] < 1


def test_demand_cases_are_ordered() -> None:
    totals = {}
    for case in ("low", "central", "high"):
        result = run("demand", "--year", "2035", "--case", case, "--json")
        assert result.returncode == 0, result.stderr
        totals[case] = json.loads(result.stdout)["tonnes"]
    assert totals["low"] < totals["central"] < totals["high"]


def test_demand_table() -> None:
    result = run("demand", "--year", "2025")
    assert result.returncode == 0, result.stderr
    for text in ("Demand 2025 from trade (central GDP case)", "By region pair", "xian", "GDP elasticity"):
        assert text in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "2040"), "No trade-driven demand for 2040: the years 2015-2035 exist."),
        (("--year", "2030", "--case", "medium"), "Unknown case 'medium'; valid: low, central, high."),
    ],
)
def test_demand_bad_input(args: tuple[str, ...], message: str) -> None:
    result = run("demand", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_demand_without_trade_tables(tmp_path: Path) -> None:
    import shutil

    from corridor.dataset.network import DEFAULT_DATASET

    folder = tmp_path / "bare"
    shutil.copytree(DEFAULT_DATASET, folder)
    for name in ("trade_regions", "trade", "trade_mix", "gdp", "gdp_growth", "tonnes_per_usd", "trade_shares"):
        (folder / f"{name}.csv").unlink()
    result = run("demand", "--year", "2030", "--network", str(folder))
    assert result.returncode == 2 and "no trade tables" in result.stderr


def test_api_answers_what_the_cli_prints(tmp_path: Path) -> None:
    from corridor.api import ServiceSettings, create_app

    app = create_app(ServiceSettings(store=f"sqlite:///{tmp_path}/runs.sqlite", job_workers=0))
    with TestClient(app) as client:
        answer = client.get("/v1/demand", params={"year": 2030, "case": "high"})
        assert answer.status_code == 200, answer.text
        cli = json.loads(run("demand", "--year", "2030", "--case", "high", "--json").stdout)
        assert answer.json() == cli
        bad = client.get("/v1/demand", params={"year": 2050})
        assert bad.status_code == 422 and "the years 2015-2035 exist" in bad.text
        assert client.get("/v1/demand", params={"year": 2030, "case": "medium"}).status_code == 422
