"""--grid-year: electric rail at the CO2e intensity of the modelled grid of a year, in every freight command.

The freight CO2e of a leg is payload x km x factor; under ``--grid-year`` an electric factor of a modelled country is
41.5 Wh per tkm x the grid's g per kWh, so an electric line's CO2e moves by exactly the ratio of the grids'
intensities and a diesel line's not at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from corridor.api.models import AssignJob, ScenarioJob, SimulateJob
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.layers.power import RAIL_WH_PER_TKM, solve_power
from corridor.routing.search import route
from corridor.scenarios.files import load_scenario
from corridor.services.power import grid_network


@pytest.fixture(scope="module")
def grids(eurasia: Network) -> dict[int, dict[str, float]]:
    """The modelled grids' CO2e per kWh generated, by year and node."""
    return {year: dict(solve_power(eurasia, year=year).intensity_g_per_kwh) for year in (2024, 2030)}


@pytest.fixture(scope="module")
def by_grid(eurasia: Network) -> dict[int, Network]:
    return {year: grid_network(eurasia, year) for year in (2024, 2030)}


def rail_leg_kg(network: Network, origin: str, destination: str) -> float:
    """The CO2e of the one rail leg of the route (an FEU of 20 t)."""
    (leg,) = [leg for leg in route(network, origin, destination).legs if leg.kind == "move"]
    return leg.co2e_kg


def test_an_electric_line_moves_by_the_ratio_of_grid_intensities(
    eurasia: Network, grids: dict[int, dict[str, float]], by_grid: dict[int, Network]
) -> None:
    # Alat-Boyuk Kesik, 470 km electric on the Azerbaijani grid
    kg = {year: rail_leg_kg(net, "Alat", "Boyuk Kesik") for year, net in by_grid.items()}
    assert kg[2030] / kg[2024] == pytest.approx(grids[2030]["az"] / grids[2024]["az"], rel=1e-12)
    # and against the dataset's factor (18.3 g/tkm): 20 t x 470 km x 41.5 Wh x g/kWh
    assert rail_leg_kg(eurasia, "Alat", "Boyuk Kesik") == pytest.approx(20 * 470 * 18.3 / 1000)
    assert kg[2030] == pytest.approx(20 * 470 * RAIL_WH_PER_TKM * grids[2030]["az"] / 1e6, rel=1e-12)


def test_diesel_lines_and_grids_not_modelled_do_not_change(eurasia: Network, by_grid: dict[int, Network]) -> None:
    for origin, destination in (("Beyneu", "Aktau"), ("Duisburg", "Rotterdam")):  # diesel; electric on the EU grid
        base = rail_leg_kg(eurasia, origin, destination)
        assert [rail_leg_kg(net, origin, destination) for net in by_grid.values()] == [base, base]
    for net in by_grid.values():
        assert net.factor_by_id["rail-diesel"] == eurasia.factor_by_id["rail-diesel"]
        assert net.factor_by_id["rail-electric-eu"] == eurasia.factor_by_id["rail-electric-eu"]
        assert net.links == eurasia.links


def test_no_grid_year_is_the_dataset(eurasia: Network) -> None:
    assert grid_network(eurasia, None) is eurasia


@pytest.mark.parametrize("year", [1999, 2061, True])
def test_a_year_the_power_layer_does_not_model_is_refused(eurasia: Network, year: int) -> None:
    with pytest.raises(InvalidOptionError, match=r"grid year .* the power layer models the years 2000 to 2060"):
        grid_network(eurasia, year)


def test_an_electrified_kazakh_line_takes_the_kazakh_grid(eurasia: Network, grids: dict[int, dict[str, float]]) -> None:
    from corridor.scenarios.apply import apply_scenario

    scenario = load_scenario("kz-electrification-moyinty-aktogay", eurasia)
    electrified = apply_scenario(grid_network(eurasia, 2030, scenario=scenario), scenario)
    kg = rail_leg_kg(electrified, "Dostyk", "Moyinty")
    assert kg == pytest.approx(20 * 836 * RAIL_WH_PER_TKM * grids[2030]["kz"] / 1e6, rel=1e-12)
    assert rail_leg_kg(eurasia, "Dostyk", "Moyinty") == pytest.approx(20 * 836 * 40.0 / 1000)  # diesel


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=300)


def test_the_command_line_takes_it(by_grid: dict[int, Network]) -> None:
    answer = run("route", "Alat", "Boyuk Kesik", "--grid-year", "2030", "--json")
    assert answer.returncode == 0, answer.stderr
    (leg,) = [x for x in json.loads(answer.stdout)["routes"][0]["legs"] if x["kind"] == "move"]
    assert leg["co2e_kg"] == pytest.approx(rail_leg_kg(by_grid[2030], "Alat", "Boyuk Kesik"), abs=0.01)
    for command in ("compare", "route", "simulate", "assign", "scenario run"):
        text = run(*command.split(), "--help").stdout
        assert "--grid-year" in text, command
    refused = run("assign", "--tntp", ".", "--grid-year", "2030")
    assert refused.returncode == 2 and "--grid-year" in refused.stderr


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    from corridor.api.app import create_app
    from corridor.api.settings import ServiceSettings

    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_the_api_takes_it(client: TestClient, by_grid: dict[int, Network]) -> None:
    answer = client.get("/v1/route", params={"origin": "Alat", "destination": "Boyuk Kesik", "grid_year": 2030})
    assert answer.status_code == 200, answer.text
    (leg,) = [x for x in answer.json()["routes"][0]["legs"] if x["kind"] == "move"]
    assert leg["co2e_kg"] == pytest.approx(rail_leg_kg(by_grid[2030], "Alat", "Boyuk Kesik"), abs=0.01)
    bad = client.get("/v1/route", params={"origin": "Alat", "destination": "Boyuk Kesik", "grid_year": 1990})
    assert bad.status_code == 422
    for kind in (AssignJob, ScenarioJob, SimulateJob):
        assert kind.model_fields["grid_year"].default is None
    with pytest.raises(ValidationError, match="grid_year"):
        AssignJob(kind="assign", grid_year=2099)


def test_a_scenario_job_runs_on_the_grid_of_its_year(eurasia: Network) -> None:
    from corridor.api.jobs import execute

    def job(grid_year: int | None) -> float:
        params = {"kind": "scenario", "scenario": "kz-electrification-moyinty-aktogay", "samples": 200, "seed": 0}
        result, _ = execute({**params, "grid_year": grid_year}, eurasia, None, lambda *_: None)  # type: ignore[arg-type]
        return float(result["co2e_kt"])

    assert job(2030) != job(None)
