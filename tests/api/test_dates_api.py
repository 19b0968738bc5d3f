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
    api = client.get("/v1/compare", params={"origin": "Xian", "destination": "Duisburg", "arrive_by": "2026-04-01"})
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
