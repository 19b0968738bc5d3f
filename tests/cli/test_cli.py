"""The command line as a user runs it: output, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # the environment as Python sees it: a library loaded in the test process (curses via tornado, on a terminal)
    # can set COLUMNS=80 in the C environment, which a child inherits and the CLI honours (tests/cli/test_terminal.py)
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_help_lists_every_command_in_order() -> None:
    # the package registers each group module's commands in one place; `python -m corridor.cli` runs it too
    result = subprocess.run(
        [sys.executable, "-m", "corridor.cli", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == [
        "compare", "route", "places", "validate", "assign", "bottlenecks", "demand", "simulate", "fleet",
        "rolling-stock", "calibrate", "validate-model", "appraise", "portfolio", "centres", "oil", "latency",
        "resilience", "power", "serve", "scenario", "apikey", "network",
    ]  # fmt: skip
    groups = (("scenario", "list show run compare sweep runs"), ("apikey", "create list revoke"), ("network", "export"))
    for group, commands in groups:
        text = run(group, "--help").stdout.split("Commands:\n")[1]
        assert [line.split()[0] for line in text.splitlines() if line.strip()] == commands.split()


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


def test_compare_reports_the_distribution() -> None:
    data = json.loads(run("compare", "Xian", "Duisburg", "--depart", "2026-03-01", "--json").stdout)
    assert data["depart"].startswith("2026-03-01") and data["scenario"] is None
    for option in data["options"]:
        assert option["days"] == option["p50_days"]
        assert option["days_low"] <= option["p50_days"] <= option["days_high"] == option["p90_days"]
        assert option["typical_days"] > 0 and option["mean_days"] > 0
    reliable = json.loads(
        run("compare", "Xian", "Duisburg", "--depart", "2026-03-01", "--optimize", "p90", "--json").stdout
    )
    p90 = {o["corridor"]: o["p90_days"] for o in reliable["options"]}
    assert all(p90[o["corridor"]] <= o["p90_days"] + 0.05 for o in data["options"])
    assert [o["p90_days"] for o in reliable["options"]] == sorted(p90.values())


def test_compare_under_a_scenario_shows_its_queues() -> None:
    result = run("compare", "Xian", "Duisburg", "--depart", "2026-03-01", "--scenario", "base-2024")
    assert result.returncode == 0, result.stderr
    assert "under base-2024 (2024)" in result.stdout and "queues under the scenario's flows" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("compare", "Xian", "Duisburg", "--depart", "tomorrow"), "'tomorrow'"),
        (("route", "Xian", "Duisburg", "--depart", "2026-13-01"), "'2026-13-01'"),
        (("compare", "Xian", "Duisburg", "--scenario", "nowhere-2099"), "nowhere-2099"),
        (("simulate", "Xian", "Duisburg", "--depart", "1.5"), "'1.5'"),
    ],
)
def test_bad_departures_and_scenarios_are_named(args: tuple[str, ...], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr


def test_one_ranking_of_bottlenecks_whichever_command_asks() -> None:
    """`corridor bottlenecks --scenario base-2024` ranks the elements as the base-2024 run does."""
    import corridor
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario

    ranked = json.loads(run("bottlenecks", "--scenario", "base-2024", "--json", "--top", "8").stdout)["bottlenecks"]
    network = corridor.load_network()
    runs = run_scenario(network, load_scenario("base-2024", network), samples=120).bottlenecks[:8]
    assert [b["element"] for b in ranked] == [b["element"] for b in runs]
    assert [round(b["utilization"], 4) for b in ranked] == [b["utilization"] for b in runs]


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
        (("compare", "Xian", "Narnia"), "Unknown place 'Narnia'. Closest:"),
        (
            ("compare", "Xian", "Duisburg", "--avoid", "RU,IR,suez,cape,caspian,black-sea,bosporus"),
            "No FEU route",
        ),
        (("compare", "Xian", "Duisburg", "--avoid", "mars"), "Cannot avoid 'mars'"),
        (
            ("compare", "Xian", "Duisburg", "--cargo", "crate"),
            "Unknown cargo 'crate'; valid: FEU, TEU, t, liquid",
        ),
        (("compare", "Xian", "Duisburg", "--quantity", "-1"), "--quantity=-1.0 is out of range"),
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
    from corridor.dataset.network import DEFAULT_DATASET

    result = run("validate", str(DEFAULT_DATASET))
    assert result.returncode == 0 and "valid" in result.stdout


# --- assign and bottlenecks -----------------------------------------------------------------------------------


def test_assign_tntp_json_and_files(tntp_root: Path, tmp_path: Path) -> None:
    folder = tntp_root / "SiouxFalls"
    out = {name: tmp_path / name for name in ("flows.parquet", "elements.csv", "gap.csv", "gap.png", "flows.geojson")}
    result = run(
        "assign", "--tntp", str(folder), "--algorithm", "bfw", "--gap", "1e-4", "--json",
        "--flows", str(out["flows.parquet"]), "--elements", str(out["elements.csv"]),
        "--convergence", str(out["gap.csv"]), "--plot", str(out["gap.png"]), "--geojson", str(out["flows.geojson"]),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data["algorithm"], str) and data["algorithm"] == "bfw"
    assert isinstance(data["iterations"], int) and data["iterations"] >= 1
    assert 0 < data["relative_gap"] <= 1e-4
    assert abs(data["objective"] - 4_231_335.287) / 4_231_335.287 < 1e-4
    assert 0 < data["seconds"] < 60
    import pandas as pd

    flows = pd.read_parquet(out["flows.parquet"])
    assert len(flows) == 76 and {"link", "flow", "time", "vc", "reference_flow"} <= set(flows.columns)
    gaps = pd.read_csv(out["gap.csv"])
    assert len(gaps) == data["iterations"] and gaps["relative_gap"].iloc[-1] == pytest.approx(data["relative_gap"])
    assert out["gap.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    geo = json.loads(out["flows.geojson"].read_text())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 76
    assert not list(tmp_path.glob(".*.tmp"))


def test_assign_tntp_generalized_cost(tntp_root: Path) -> None:
    result = run(
        "assign", "--tntp", str(tntp_root / "Chicago-Sketch"), "--toll-factor", "0.02", "--distance-factor", "0.04",
        "--algorithm", "bfw", "--gap", "1e-4", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert abs(data["objective"] - 17_313_018.739) / 17_313_018.739 < 1e-4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algorithm", "newton"], "Unknown algorithm 'newton'; valid: msa, fw, cfw, bfw, bush"),
        (["--gap", "0"], "--gap=0.0 is out of range: gap is a finite number > 0"),
        (["--toll-factor", "-1"], "--toll-factor=-1.0 is out of range"),
        (["--plot", "gap.jpg"], "use a .png file name"),
        (["--flows", "flows.xlsx"], "use a .csv or .parquet file name"),
        (["--demand", "x.csv"], "--tntp brings its own network and trips"),
    ],
)
def test_assign_tntp_bad_options(tntp_root: Path, args: list[str], message: str) -> None:
    result = run("assign", "--tntp", str(tntp_root / "SiouxFalls"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_assign_tntp_missing_folder(tmp_path: Path) -> None:
    result = run("assign", "--tntp", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nowhere" in result.stderr


def test_assign_embedded_base_case_json() -> None:
    result = run("assign", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"algorithm", "iterations", "relative_gap", "objective", "seconds"} <= set(data)
    assert data["year"] == 2024 and data["flow_unit"] == "t/year"
    assert abs(data["passage_volumes_t"]["caspian"] / 1e6 - 4.5) / 4.5 <= 0.10
    assert data["bottlenecks"] and all(b["utilization"] >= 0 for b in data["bottlenecks"])


def test_assign_with_user_demand_and_bad_demand(tmp_path: Path) -> None:
    good = tmp_path / "demand.csv"
    good.write_text("origin,destination,commodity,tonnes_per_year\nAktau,Baku,dry_bulk,1000000\n", encoding="utf-8")
    result = run("assign", "--demand", str(good), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passage_volumes_t"]["caspian"] == pytest.approx(1e6, rel=1e-6)
    bad = tmp_path / "bad.csv"
    bad.write_text("origin,destination,commodity,tonnes_per_year\nAktau,Baku,dry_bulk,-1\n", encoding="utf-8")
    result = run("assign", "--demand", str(bad))
    assert result.returncode == 2 and "bad.csv:2:tonnes_per_year" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("assign", "--year", "1990")
    assert result.returncode == 2 and "No data for year 1990; years with data: 2015, " in result.stderr


def test_bottlenecks_json() -> None:
    result = run("bottlenecks", "--json", "--top", "5")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["bottlenecks"]) == 5
    ranks = data["bottlenecks"]
    assert [b["rank"] for b in ranks] == [1, 2, 3, 4, 5]
    assert all(a["utilization"] >= b["utilization"] for a, b in itertools.pairwise(ranks))
    assert all(b["shadow_price_usd_per_t"] >= 0 for b in ranks)
    assert data["unserved_t"] >= 0


def test_assign_geojson_without_coordinates_writes_nothing(tntp_root: Path, tmp_path: Path) -> None:
    flows, geo = tmp_path / "flows.csv", tmp_path / "map.geojson"
    result = run("assign", "--tntp", str(tntp_root / "Anaheim"), "--flows", str(flows), "--geojson", str(geo))
    assert result.returncode == 2 and "no node coordinates" in result.stderr
    assert not flows.exists() and not geo.exists()


def test_assign_embedded_geojson_has_the_corridor_links(tmp_path: Path) -> None:
    geo = tmp_path / "flows.geojson"
    result = run("assign", "--geojson", str(geo))
    assert result.returncode == 0, result.stderr
    features = json.loads(geo.read_text())["features"]
    assert features and all(f["geometry"]["coordinates"][0] != f["geometry"]["coordinates"][1] for f in features)
    ferry = [f for f in features if f["properties"]["link"] == "dry_bulk:kuryk-alat-ferry"]
    assert ferry and ferry[0]["properties"]["flow"] > 0


# --- reliability: simulate and fleet ----------------------------------------------------------------------------


def test_simulate_json_fields(tmp_path: Path) -> None:
    plot = tmp_path / "days.png"
    result = run(
        "simulate", "Xian", "Duisburg", "--corridor", "middle", "--depart", "2026-03-01", "--samples", "20000",
        "--seed", "4", "--deadline", "35", "--json", "--plot", str(plot),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["corridor"] == "middle" and data["samples"] == 20000 and data["seed"] == 4
    for key in ("mean_days", "p50_days", "p90_days", "p95_days"):
        assert isinstance(data[key], float)
    assert data["p50_days"] <= data["p90_days"] <= data["p95_days"]
    assert 0 <= data["on_time_probability"] <= 1
    assert data["tail_drivers"] and {"element", "share"} <= set(data["tail_drivers"][0])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = json.loads(run(
        "simulate", "Xian", "Duisburg", "--corridor", "middle", "--depart", "2026-03-01", "--samples", "20000",
        "--seed", "4", "--deadline", "35", "--json",
    ).stdout)  # fmt: skip
    assert again == data
    no_deadline = json.loads(run("simulate", "Almaty", "Poti", "--samples", "2000", "--json").stdout)
    assert no_deadline["on_time_probability"] is None


def test_simulate_table_and_sweep() -> None:
    table = run("simulate", "Xian", "Duisburg", "--corridor", "middle", "--samples", "5000", "--depart", "2026-11-10")
    assert table.returncode == 0, table.stderr
    assert "P90" in table.stdout and "drives the spread" in table.stdout
    sweep = run(
        "simulate", "Xian", "Duisburg", "--corridor", "middle", "--samples", "20000",
        "--sweep-depart", "2026-06-01:2026-11-30:60", "--json",
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    runs = json.loads(sweep.stdout)["runs"]
    assert [r["depart"] for r in runs] == ["2026-06-01", "2026-07-31", "2026-09-29", "2026-11-28"]
    assert runs[-1]["p90_days"] > runs[0]["p90_days"]  # November storms on the Caspian


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deadline", "-3"], "must be after the departure"),
        (["--depart", "2026-05-01", "--deadline", "2026-04-01"], "is not after the departure 2026-05-01"),
        (["--deadline", "soon"], "neither a number of days nor an ISO date"),
        (["--depart", "tomorrow"], "Departure 'tomorrow' is not an ISO date"),
        (["--corridor", "polar"], "polar"),
        (["--plot", "days.jpg"], "the plot is a .png file"),
        (["--sweep-depart", "2026-01-01:2026-02-01"], "START:STOP:STEP_DAYS"),
        (["--scheduler", "localhost"], "not of the form tcp://HOST:PORT"),
        (["--samples", "0"], "Invalid value for '--samples'"),
        (["--in-process", "--workers", "2"], "--in-process cannot go with --workers or --scheduler"),
    ],
)
def test_simulate_bad_input(args: list[str], message: str) -> None:
    result = run("simulate", "Xian", "Duisburg", "--samples", "1000", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_fleet_json() -> None:
    result = run("fleet", "--volume-teu", "40000", "--replications", "2", "--days", "200", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["volume_teu"] == 40000 and data["meets_target"] is True
    assert data["result"]["p90_wait_hours"] <= data["target_p90_wait_hours"]
    assert data["ferries"] == min(c["ferries"] for c in data["candidates"] if c["p90_wait_hours"] <= 72)
    fixed = json.loads(run("fleet", "--volume-teu", "40000", "--ferries", "12", "--days", "100", "--json").stdout)
    assert fixed["ferries"] == 12 and [c["ferries"] for c in fixed["candidates"]] == [12]
    table = run("fleet", "--volume-teu", "40000", "--days", "100", "--replications", "1", "--in-process")
    assert table.returncode == 0 and "P90 wait h" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--volume-teu", "-5"], "--volume-teu=-5.0 is out of range"),
        (["--volume-teu", "1000", "--service", "nope"], "Unknown service 'nope'"),
        (["--volume-teu", "1000", "--share", "1"], "one share per service"),
        (["--volume-teu", "1000", "--target-p90-hours", "0"], "--target-p90-hours=0.0 is out of range"),
    ],
)
def test_fleet_bad_input(args: list[str], message: str) -> None:
    result = run("fleet", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# --- scenarios ------------------------------------------------------------------------------------------------------


def test_scenario_list_show_run_and_runs(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    listed = json.loads(run("scenario", "list", "--json").stdout)
    assert {"base-2024", "roadmap-2027", "red-sea-closed"} <= {s["name"] for s in listed}
    shown = json.loads(run("scenario", "show", "roadmap-2027", "--json").stdout)
    assert "btk-5mt" in shown["bases"] and shown["changes"]
    result = run("scenario", "run", "red-sea-closed", "--samples", "1200", "--store", store, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scenario"] == "red-sea-closed" and data["volumes_mt"]["maritime-suez"] == 0
    assert "maritime-suez" not in data["p90_days"] and data["co2e_kt"] > 0
    assert {"element", "utilization"} <= set(data["bottlenecks"][0])
    runs = json.loads(run("scenario", "runs", "--store", store, "--json").stdout)
    assert [r["id"] for r in runs] == [data["run_id"]]
    table = run("scenario", "compare", "base-2024", "northern-closed", "--samples", "1200")
    assert table.returncode == 0 and "northern-closed" in table.stdout and "P90" in table.stdout


def test_scenario_that_fails_validation_stores_nothing(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nbase: base-2024\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 6\n")
    result = run("scenario", "run", str(bad), "--store", store, "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "bad.yaml:5:set.capacities/kuryk-port.capacity_per_year" in result.stderr and "has no unit" in result.stderr
    assert json.loads(run("scenario", "runs", "--store", store, "--json").stdout) == []
    missing = run("scenario", "run", "no-such-plan", "--store", store)
    assert missing.returncode == 2 and "Unknown scenario 'no-such-plan'" in missing.stderr
    wrong = run("scenario", "run", "base-2024", "--store", "mysql://x@y/z")
    assert wrong.returncode == 2 and "only sqlite and postgresql" in wrong.stderr


def test_scenario_run_report(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "red-sea"
    result = run("scenario", "run", "red-sea-closed", "--samples", "600", "--no-store", "--report", str(out), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["report"] == {
        "markdown": str(out / "report.md"),
        "html": str(out / "report.html"),
        "base": "red-sea-open",
    }
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Scenario red-sea-closed against red-sea-open")
    assert f"| {data['volumes_mt']['middle']:,.2f} |" in md
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "bottlenecks.svg",
        "cost.svg",
        "transit.svg",
        "volumes.svg",
    ]
    assert "data:image/svg+xml;base64," in (out / "report.html").read_text(encoding="utf-8")
    against = run(
        "scenario",
        "run",
        "red-sea-closed",
        "--samples",
        "600",
        "--no-store",
        "--report",
        str(out),
        "--against",
        "northern-closed",
    )
    assert against.returncode == 0 and "northern-closed" in against.stdout
    assert "against northern-closed" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--report", "FILE"], "exists and is not a folder"),
        (["--against", "base-2024"], "--against needs --report DIR"),
        (["--report", "DIR", "--against", "no-such-plan"], "Unknown scenario 'no-such-plan'"),
    ],
)
def test_scenario_run_report_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / a) if a in {"FILE", "DIR"} else a for a in args]
    result = run("scenario", "run", "alat-expansion", "--samples", "600", "--no-store", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "DIR").exists()


def test_scenario_sweep_on_a_local_cluster(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    args = ["scenario", "sweep", "base-2024", "--param", "capacities/kuryk-port.capacity_per_year=2Mt:6Mt:2Mt"]
    result = run(*args, "--samples", "600", "--workers", "2", "--store", store, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["value"] for r in data["runs"]] == [2e6, 4e6, 6e6]
    assert data["runs"][0]["scenario"] == "base-2024[capacities/kuryk-port.capacity_per_year=2e+06]"
    # a smaller Kuryk port carries less across the Caspian
    assert data["runs"][0]["volumes_mt"]["middle"] < data["runs"][2]["volumes_mt"]["middle"]
    here = json.loads(run(*args, "--samples", "600", "--in-process", "--no-store", "--json").stdout)
    assert [r["volumes_mt"] for r in here["runs"]] == [r["volumes_mt"] for r in data["runs"]]
    assert len(json.loads(run("scenario", "runs", "--store", store, "--json").stdout)) == 3


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("capacities/kuryk-port.capacity_per_year=4:8:1", "'4' has no unit; give one of: t, kt, Mt"),
        ("capacities/kuryk.capacity_per_year=4Mt:8Mt:1Mt", "unknown element 'capacities/kuryk'; closest: kuryk-port"),
        ("demand.scale=2:1:0.5", "need STOP >= START and STEP > 0"),
        ("demand.scale=-1:1:0.5", "values must be >= 0, got START -1"),
        ("demand.scale", "use PATH=START:STOP:STEP"),
    ],
)
def test_scenario_sweep_bad_param(param: str, message: str) -> None:
    result = run("scenario", "sweep", "base-2024", "--param", param, "--in-process", "--no-store")
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_apikey_create_list_revoke(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    created = run("apikey", "create", "--name", "analyst", "--store", store, "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["key"].startswith(f"cor_{key['id']}_") and key["name"] == "analyst"
    plain = run("apikey", "create", "--store", store)
    assert plain.returncode == 0 and plain.stdout.strip().startswith("cor_") and "not shown again" in plain.stderr
    listed = json.loads(run("apikey", "list", "--store", store, "--json").stdout)
    assert [k["name"] for k in listed] == ["analyst", "default"] and all("key" not in k for k in listed)
    assert run("apikey", "revoke", key["id"], "--store", store).returncode == 0
    again = run("apikey", "revoke", key["id"], "--store", store)
    assert again.returncode == 2 and "No active API key" in again.stderr and "Traceback" not in again.stderr
    from corridor.store.database import Store

    with Store(store) as s:
        assert s.check_api_key(key["key"]) is None


def test_serve_refuses_a_bad_store() -> None:
    result = run("serve", "--store", "mysql://nowhere/db", "--port", "8999")
    assert result.returncode == 2 and "only sqlite and postgresql" in result.stderr and "Traceback" not in result.stderr
