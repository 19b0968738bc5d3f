"""GET /v1/power, /v1/power/map and /v1/rolling-stock: the commands' JSON, bad queries refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from corridor.api.app import create_app
from corridor.api.settings import ServiceSettings
from corridor.dataset.network import Network
from corridor.layers.power import solve_power


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_power_is_the_commands_json(client: TestClient, eurasia: Network) -> None:
    answer = client.get("/v1/power", params={"year": 2030})
    assert answer.status_code == 200, answer.text
    assert answer.json() == solve_power(eurasia, year=2030).to_dict()
    without = client.get("/v1/power", params={"year": 2030, "scenario": "no-black-sea-cable"}).json()
    assert "black-sea-cable" not in without["lines"] and without["exports_twh"]["eu"] == 0


def test_power_map_is_geojson(client: TestClient) -> None:
    answer = client.get("/v1/power/map", params={"year": 2030})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
    features = {f["properties"]["id"]: f for f in answer.json()["features"]}
    cable = features["black-sea-cable"]["properties"]
    assert cable["submarine"] and cable["net_twh"] > 0
    assert features["caspian-cable"]["properties"]["net_twh"] is None  # proposed: not dispatched in 2030
    assert features["kz"]["geometry"]["type"] == "Point"


def test_rolling_stock(client: TestClient) -> None:
    answer = client.get("/v1/rolling-stock", params={"year": 2024, "ferries": False})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["year"] == 2024 and data["caspian_ferries"] is None
    assert any(r["country"] == "KZ" and r["gauge"] == "1520" for r in data["railways"])


@pytest.mark.parametrize(
    ("path", "params", "status", "text"),
    [
        ("/v1/power", {"year": 1990}, 422, "year"),
        ("/v1/power", {"co2_price": "nan"}, 422, "co2_price"),
        ("/v1/power", {"co2_price": -5}, 422, "co2_price"),
        ("/v1/power", {"scenario": "/etc/passwd"}, 422, "not in the library"),
        ("/v1/rolling-stock", {"scenario": "nope", "ferries": False}, 422, "not in the library"),
    ],
)
def test_bad_queries_are_refused(
    client: TestClient, path: str, params: dict[str, object], status: int, text: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert text in answer.text
