"""The service: /v1/projects, and appraise, portfolio and centres jobs checked when submitted and run as the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import corridor
from corridor.api import ServiceSettings, create_app
from corridor.api.jobs import execute
from corridor.services.appraisal import appraise_target, centres_of
from corridor.store.database import Store


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def key(client: TestClient) -> dict[str, str]:
    return {"X-API-Key": client.app.state.corridor.store.create_api_key("tests")[1]}  # type: ignore[attr-defined]


def test_projects(client: TestClient) -> None:
    body = client.get("/v1/projects").json()
    assert body["total"] >= 9
    hub = client.get("/v1/projects/aktau-container-hub").json()
    assert hub["capex_musd"] == {"low": 28.9, "central": 38.0, "high": 38.0}
    assert hub["changes"] == {"set": {"capacities/aktau-containers": {"capacity_per_year": "240000 TEU"}}}
    missing = client.get("/v1/projects/aktau-hub")
    assert missing.status_code == 404 and "Closest: aktau-container-hub" in missing.json()["error"]["message"]


BAD_JOBS = [
    ({"kind": "appraise", "target": "aktau-container-hub", "discount": "-2%"}, "discount rate '-2%' is not a rate"),
    ({"kind": "appraise", "target": "nope"}, "Unknown project or scenario 'nope'; projects: aktau-container-hub"),
    ({"kind": "appraise", "target": "../../etc/passwd.yaml"}, "Unknown project or scenario"),
    ({"kind": "portfolio", "budget": "3 bn"}, "budget '3 bn' is not a currency and an amount; currencies: USD, EUR"),
    ({"kind": "portfolio", "budget": "USD 3 bn", "projects": ["nope"]}, "Unknown project 'nope'"),
    ({"kind": "centres", "count": 3, "candidates": [{"place": "Aktau"}, {"place": "Poti"}]},
     "count 3 is more than the 2 candidate sites: Aktau, Poti"),
    ({"kind": "centres", "count": 2, "year": 1999}, "No data for year 1999"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BAD_JOBS)
def test_bad_jobs_are_422_naming_the_value(
    client: TestClient, key: dict[str, str], body: dict[str, Any], message: str
) -> None:
    response = client.post("/v1/jobs", json=body, headers=key)
    assert response.status_code == 422, response.text
    assert message in response.text


def test_good_jobs_are_queued(client: TestClient, key: dict[str, str]) -> None:
    for body in (
        {"kind": "appraise", "target": "caspian-ferry-orders", "discount": "5%", "samples": 100},
        {"kind": "appraise", "target": "roadmap-2027"},
        {"kind": "portfolio", "budget": "EUR 2 bn", "years": "2026:2030"},
        {"kind": "centres", "count": 4, "radius_km": 250},
    ):
        response = client.post("/v1/jobs", json=body, headers=key)
        assert response.status_code == 202, response.text
        assert response.json()["kind"] == body["kind"]


def test_jobs_run_as_the_service_functions(toy_net: corridor.Network, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    seen: list[float] = []
    params = {"kind": "appraise", "target": "port-upgrade", "horizon": 2040, "discount": "5%", "years": [2024],
              "samples": 20, "seed": 3}  # fmt: skip
    result, runs = execute(params, toy_net, store, lambda f, _: seen.append(f))
    direct = appraise_target(
        toy_net, "port-upgrade", horizon=2040, discount_rate=0.05, years=(2024,), samples=20, seed=3
    )
    assert runs == [] and result["npv_usd"] == direct.to_dict()["npv_usd"] and seen[-1] == 1.0
    params = {"kind": "centres", "count": 2, "year": 2024, "corridor": "x", "radius_km": 100.0, "candidates": None}
    result, _ = execute(params, toy_net, store, lambda f, _: None)
    direct_sites = centres_of(toy_net, count=2, year=2024, corridor="x", radius_km=100.0)
    for key in ("p_median", "max_coverage"):
        assert result[key]["sites"] == direct_sites[key]["sites"]
        assert result[key]["objective"] == direct_sites[key]["objective"]
    store.close()
