"""A key owns what it makes: another key gets 403 when it deletes a scenario or cancels a job it did not make,
the owner and admin keys may; reads stay open to every key and, by default, to anonymous callers."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from corridor.api import ServiceSettings, create_app
from corridor.cli import app as cli_app
from corridor.scenarios.run import ScenarioResult
from corridor.store.database import Store

YAML = """title: Kuryk at 8 Mt
base: base-2024
sources: [trend-kuryk-2023]
set:
  capacities/kuryk-port:
    capacity_per_year: 8 Mt
    capacity_high: 8 Mt
"""
JOB = {"kind": "simulate", "origin": "Xian", "destination": "Baku", "samples": 500}


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    """The app on a SQLite file, then on the PostgreSQL test server."""
    with TestClient(create_app(ServiceSettings(store=store_url, job_workers=0))) as c:
        yield c


def _keys(client: TestClient) -> dict[str, dict[str, str]]:
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    return {
        name: {"X-API-Key": store.create_api_key(name, admin=name == "admin")[1]}
        for name in ("owner", "other", "admin")
    }


def _forbidden(response: Any) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "not_owner" and "belongs to another API key" in error["message"]


def test_only_the_owner_or_an_admin_deletes_a_scenario(client: TestClient) -> None:
    keys = _keys(client)
    for name in ("mine", "theirs"):
        created = client.post("/v1/scenarios", json={"name": name, "yaml": YAML}, headers=keys["owner"])
        assert created.status_code == 201
    _forbidden(client.delete("/v1/scenarios/mine", headers=keys["other"]))
    assert client.get("/v1/scenarios/mine").status_code == 200  # still there, readable by anyone
    assert client.get("/v1/scenarios/mine", headers=keys["other"]).status_code == 200
    assert client.delete("/v1/scenarios/mine", headers=keys["owner"]).status_code == 204
    assert client.delete("/v1/scenarios/theirs", headers=keys["admin"]).status_code == 204
    assert client.get("/v1/scenarios/theirs").status_code == 404
    # what does not exist is 404 for every key, a library scenario 409
    assert client.delete("/v1/scenarios/nothing", headers=keys["other"]).status_code == 404
    assert client.delete("/v1/scenarios/base-2024", headers=keys["admin"]).status_code == 409


def test_only_the_owner_or_an_admin_cancels_a_job(client: TestClient) -> None:
    keys = _keys(client)
    first, second = (client.post("/v1/jobs", json=JOB, headers=keys["owner"]).json()["id"] for _ in range(2))
    _forbidden(client.post(f"/v1/jobs/{first}/cancel", headers=keys["other"]))
    assert client.get(f"/v1/jobs/{first}").json()["status"] == "queued"
    assert client.post(f"/v1/jobs/{first}/cancel", headers=keys["owner"]).json()["status"] == "cancelled"
    assert client.post(f"/v1/jobs/{second}/cancel", headers=keys["admin"]).json()["status"] == "cancelled"
    assert client.post("/v1/jobs/0f8fad5b-d9cb-469f-a165-70867728950e/cancel", headers=keys["other"]).status_code == 404
    # the other key's own job is its own
    own = client.post("/v1/jobs", json=JOB, headers=keys["other"]).json()["id"]
    _forbidden(client.post(f"/v1/jobs/{own}/cancel", headers=keys["owner"]))
    assert client.post(f"/v1/jobs/{own}/cancel", headers=keys["other"]).status_code == 200


def test_a_revoked_admin_key_is_no_admin(client: TestClient) -> None:
    keys = _keys(client)
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    job = client.post("/v1/jobs", json=JOB, headers=keys["owner"]).json()["id"]
    admin_id = keys["admin"]["X-API-Key"].split("_")[1]
    assert store.is_admin_key(admin_id)
    store.revoke_api_key(admin_id)
    assert not store.is_admin_key(admin_id)
    assert client.post(f"/v1/jobs/{job}/cancel", headers=keys["admin"]).json()["error"]["code"] == "api_key_invalid"


def test_rows_without_an_owner_are_for_admins_only(client: TestClient) -> None:
    keys = _keys(client)
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    store.save_scenario("old", YAML, title="old", bases=["base-2024"], created_by=None)
    _forbidden(client.delete("/v1/scenarios/old", headers=keys["owner"]))
    assert client.delete("/v1/scenarios/old", headers=keys["admin"]).status_code == 204


def test_apikey_create_admin_and_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    runner = CliRunner()
    made = runner.invoke(cli_app, ["apikey", "create", "--name", "ops", "--admin", "--store", url, "--json"])
    plain = runner.invoke(cli_app, ["apikey", "create", "--name", "web", "--store", url, "--json"])
    assert made.exit_code == 0 and plain.exit_code == 0, made.output + plain.output
    assert json.loads(made.stdout)["admin"] is True and json.loads(plain.stdout)["admin"] is False
    listed = json.loads(runner.invoke(cli_app, ["apikey", "list", "--store", url, "--json"]).stdout)
    assert {k["name"]: k["admin"] for k in listed} == {"ops": True, "web": False}
    assert all("hash" not in k for k in listed)
    rows = runner.invoke(cli_app, ["apikey", "list", "--store", url]).stdout.splitlines()
    assert any("ops" in r and "admin" in r for r in rows) and not any("web" in r and "admin" in r for r in rows)


def test_the_migration_adds_admin_to_existing_keys(tmp_path: Path) -> None:
    """A store made before ownership (schema 0002) upgrades: its keys are not admins."""
    from alembic import command
    from alembic.config import Config

    from corridor.store.database import MIGRATIONS

    path = tmp_path / "old.sqlite"
    with Store(f"sqlite:///{path}") as store:
        key_id, _ = store.create_api_key("before")
        with store.engine.begin() as conn:  # back to 0002, as a store made before ownership
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.downgrade(config, "0002")
    with sqlite3.connect(path) as db:
        assert "admin" not in [row[1] for row in db.execute("PRAGMA table_info(api_keys)")]
    with Store(f"sqlite:///{path}") as store:
        assert store.list_api_keys()[0]["admin"] is False and not store.is_admin_key(key_id)


# --- runs: a run stored by a job is the job's key's ------------------------------------------------------------------


def _result(scenario: str = "owned") -> ScenarioResult:
    return ScenarioResult(
        scenario=scenario,
        title="a run",
        year=2024,
        volumes_mt={"middle": 4.5},
        p50_days={"middle": 20.0},
        p90_days={"middle": 26.0},
        cost_usd_per_feu={"middle": 4200.0},
        co2e_kt=12.0,
        bottlenecks=[],
        passages_mt={},
        intervals=[],
        reference=("Xian", "Duisburg"),
        samples=120,
        seed=0,
        seconds=0.1,
    )


def _run_of_job(store: Store, key: dict[str, str]) -> str:
    """A run stored the way the job runner stores one: with the result of a job submitted by ``key``."""
    job = store.create_job("scenario", {"kind": "scenario"}, created_by=key["X-API-Key"].split("_")[1])["id"]
    assert store.claim_jobs("server", 1, lease_seconds=60) == [job]
    assert store.finish_job(job, {}, [_result()], owner="server")
    run_ids: list[str] = store.get_job(job)["run_ids"]
    return run_ids[0]


def test_only_the_owner_or_an_admin_deletes_a_run(client: TestClient) -> None:
    keys = _keys(client)
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    mine, theirs = _run_of_job(store, keys["owner"]), _run_of_job(store, keys["owner"])
    assert store.get(mine)["created_by"] == keys["owner"]["X-API-Key"].split("_")[1]
    shown = client.get(f"/v1/runs/{mine}").json()
    assert shown["id"] == mine and "created_by" not in shown  # no key id in what anyone may read
    _forbidden(client.delete(f"/v1/runs/{mine}", headers=keys["other"]))
    assert client.get(f"/v1/runs/{mine}", headers=keys["other"]).status_code == 200  # still there, readable
    assert client.delete(f"/v1/runs/{mine}").status_code == 401
    assert client.delete(f"/v1/runs/{mine}", headers=keys["owner"]).status_code == 204
    assert client.get(f"/v1/runs/{mine}").status_code == 404 and store.run_values(mine) == {}
    assert client.delete(f"/v1/runs/{theirs}", headers=keys["admin"]).status_code == 204
    assert client.get("/v1/runs").json()["total"] == 0
    assert client.delete(f"/v1/runs/{mine}", headers=keys["owner"]).status_code == 404


def test_a_run_without_an_owner_is_for_admins_only(client: TestClient) -> None:
    """A run stored from the command line (no key) or before runs had owners."""
    keys = _keys(client)
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    run_id = store.save(_result("from-the-cli"))
    assert store.get(run_id)["created_by"] is None
    _forbidden(client.delete(f"/v1/runs/{run_id}", headers=keys["owner"]))
    assert client.delete(f"/v1/runs/{run_id}", headers=keys["admin"]).status_code == 204


def test_a_job_run_by_the_server_stores_runs_its_key_owns(tmp_path: Path) -> None:
    """End to end: a scenario job submitted by a key and run by the server's job runner."""
    url = f"sqlite:///{tmp_path / 'runner.sqlite'}"
    with TestClient(create_app(ServiceSettings(store=url, job_workers=1))) as c:
        keys = _keys(c)
        job = c.post(
            "/v1/jobs", json={"kind": "scenario", "scenario": "base-2024", "samples": 120}, headers=keys["owner"]
        )
        assert job.status_code == 202, job.text
        deadline = time.monotonic() + 120
        while (status := c.get(f"/v1/jobs/{job.json()['id']}").json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["status"] == "succeeded", status
        (run_id,) = status["run_ids"]
        _forbidden(c.delete(f"/v1/runs/{run_id}", headers=keys["other"]))
        assert c.delete(f"/v1/runs/{run_id}", headers=keys["owner"]).status_code == 204


def test_the_migration_gives_runs_of_jobs_their_key(store_url: str) -> None:
    """A store made before runs had owners (schema 0004) upgrades, on SQLite and PostgreSQL: a job's runs become its
    key's, other runs no key's, and nothing else changes."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from corridor.store.database import MIGRATIONS

    with Store(store_url) as store:
        key_id, key = store.create_api_key("before")
        of_job = _run_of_job(store, {"X-API-Key": key})
        of_cli = store.save(_result("from-the-cli"))
        with store.engine.begin() as conn:  # back to 0004, as a store made before runs had owners
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
            command.downgrade(config, "0004")
        assert "created_by" not in [c["name"] for c in sa.inspect(store.engine).get_columns("runs")]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM run_values").scalar_one() > 0
    with Store(store_url) as store:
        assert store.get(of_job)["created_by"] == key_id and store.get(of_cli)["created_by"] is None
        assert store.run_values(of_job)["volumes_mt"] == {"middle": 4.5}  # the headline values are all there
