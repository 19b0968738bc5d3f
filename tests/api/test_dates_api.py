"""Dates through the service: arrive_by on compare, route and simulate, as the CLI answers; bad mixes are 422."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from corridor.api import ServiceSettings, create_app
from corridor.cli import app as cli_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_compare_arrive_by_is_the_cli_json(client: TestClient) -> None:
    cli = CliRunner().invoke(cli_app, ["compare", "Xian", "Duisburg", "--arrive-by", "2026-04-01", "--json"])
    assert cli.exit_code == 0, cli.output
    params = {"origin": "Xian", "destination": "Duisburg", "arrive_by": "2026-04-01", "legs": True}
    api = client.get("/v1/compare", params=params)
    assert api.status_code == 200, api.text
    assert api.json() == json.loads(cli.stdout) and api.json()["arrive_by"] == "2026-04-01T00:00:00+00:00"


def test_route_and_simulate_arrive_by(client: TestClient) -> None:
    params = {"origin": "Xian", "destination": "Duisburg", "corridor": "middle", "arrive_by": "2026-04-01"}
    found = client.get("/v1/route", params=params)
    assert found.status_code == 200, found.text
    leave = found.json()["routes"][0]["depart"]
    simulated = client.get("/v1/simulate", params={**params, "samples": 4000})
    assert simulated.status_code == 200, simulated.text
    assert simulated.json()["depart"] == leave


@pytest.mark.parametrize(
    ("path", "extra"),
    [("/v1/compare", {"depart": "2026-03-01"}), ("/v1/route", {"pareto": "true"}), ("/v1/simulate", {"deadline": "9"})],
)
def test_arrive_by_with_a_departure_or_a_set_is_422(client: TestClient, path: str, extra: dict[str, str]) -> None:
    params = {"origin": "Xian", "destination": "Duisburg", "arrive_by": "2026-04-01", **extra}
    answer = client.get(path, params=params)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_option"


def test_a_simulation_job_from_the_latest_departure(tmp_path: Path) -> None:
    from corridor.api.jobs import execute
    from corridor.dataset.csvfolder import load_network
    from corridor.store.database import Store

    params = {
        "kind": "simulate", "origin": "Paris, FR", "destination": "Xian", "corridor": "northern", "cargo": "FEU",
        "avoid": None, "optimize": "generalized", "samples": 20_000, "seed": 1, "arrive_by": "2026-04-01",
    }  # fmt: skip
    result, _ = execute(params, load_network(), Store(f"sqlite:///{tmp_path / 'j.sqlite'}"), lambda *_: None)
    assert result["origin"] == "Paris, FR" and result["depart"] < "2026-04-01"
    assert 0.85 <= result["on_time_probability"] <= 0.95


def test_a_simulation_job_with_a_departure_and_a_deadline_to_arrive_by_is_refused(client: TestClient) -> None:
    job = {
        "kind": "simulate",
        "origin": "Xian",
        "destination": "Baku",
        "depart": "2026-03-01",
        "arrive_by": "2026-04-01",
    }
    answer = client.post("/v1/jobs", json=job)
    assert answer.status_code in (401, 422)  # anonymous writes need a key; with one, the mix is refused below
    key = client.app.state.corridor.store.create_api_key("tests")[1]  # type: ignore[attr-defined]
    answer = client.post("/v1/jobs", json=job, headers={"X-API-Key": key})
    assert answer.status_code == 422 and "Give --arrive-by alone" in answer.json()["error"]["message"]
