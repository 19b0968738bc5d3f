"""Any place through the service: the same answers as the CLI; an ambiguous or unknown place is a 422 naming it."""

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


def test_compare_from_a_city_off_the_network_is_the_cli_json(client: TestClient) -> None:
    args = ["compare", "Paris, FR", "Xian", "--depart", "2026-03-01", "--json"]
    cli = CliRunner().invoke(cli_app, args)
    assert cli.exit_code == 0, cli.output
    api = client.get(
        "/v1/compare", params={"origin": "Paris, FR", "destination": "Xian", "depart": "2026-03-01", "legs": True}
    )
    assert api.status_code == 200, api.text
    assert api.json() == json.loads(cli.stdout)
    assert api.json()["origin"] == "Paris, FR"


def test_route_from_coordinates(client: TestClient) -> None:
    api = client.get("/v1/route", params={"origin": "43.2,76.9", "destination": "Almaty", "depart": "2026-03-01"})
    assert api.status_code == 200, api.text
    assert api.json()["routes"][0]["legs"][0]["mode"] == "road"


def test_ambiguous_place_is_a_422_with_the_choices(client: TestClient) -> None:
    answer = client.get("/v1/compare", params={"origin": "Alexandria", "destination": "Xian"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "ambiguous_place" and error["place"] == "Alexandria"
    assert error["choices"][:2] == ["Alexandria, EG", "Alexandria, US-VA"]


def test_far_place_is_a_422_naming_the_nearest_terminals(client: TestClient) -> None:
    answer = client.get("/v1/route", params={"origin": "New York", "destination": "Xian"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "no_route" and "Rotterdam" in answer.json()["error"]["message"]


def test_places_of_the_world(client: TestClient) -> None:
    answer = client.get("/v1/places", params={"search": "Alexandria", "world": "true"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == 4 and body["items"][1]["label"] == "Alexandria, US-VA"
    assert body["items"][1]["km"] == 6160
    refused = client.get("/v1/places", params={"world": "true"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_option"
