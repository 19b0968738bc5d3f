"""Results are written by the project's one JSON writer: a NaN or an infinity in a job's result or a stored run is
kept as null on SQLite and PostgreSQL, and every answer is strict JSON, never a 5xx or ``NaN`` in the text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app
from corridor.api.errors import error_response
from corridor.scenarios.run import ScenarioResult

NAN, INF = float("nan"), float("inf")


def _strict(text: str) -> Any:
    """``text`` read as strict JSON: ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON and fail the test."""

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in the JSON text")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceSettings(store=store_url, job_workers=0))) as c:
        yield c


def _result(**values: Any) -> ScenarioResult:
    fields: dict[str, Any] = {
        "scenario": "not-finite",
        "title": "values that are not finite",
        "year": 2024,
        "volumes_mt": {"middle": NAN, "northern": 12.5},
        "p50_days": {"middle": 20.0},
        "p90_days": {"middle": INF},
        "cost_usd_per_feu": {"middle": -INF},
        "co2e_kt": NAN,
        "bottlenecks": [{"element": "capacities/kuryk-port", "utilization": INF}],
        "passages_mt": {},
        "intervals": [],
        "reference": ("Xian", "Duisburg"),
        "samples": 120,
        "seed": 0,
        "seconds": 0.5,
        "inputs": {"demand_scale": NAN},
    }
    return ScenarioResult(**{**fields, **values})


def test_a_job_result_with_nan_is_kept_and_answered_as_null(client: TestClient) -> None:
    """On PostgreSQL, ``json`` refuses the token NaN: the job's result and its runs were lost with a store error."""
    store = client.app.state.corridor.store  # type: ignore[attr-defined]
    job = store.create_job("scenario", {"kind": "scenario", "scale": NAN}, created_by=None)["id"]
    assert store.claim_jobs("server", 1, lease_seconds=60) == [job]
    result = {"p90_days": {"middle": NAN, "northern": 21.5}, "spread": [INF, -INF, 1.0]}
    assert store.finish_job(job, result, [_result()], owner="server")
    answer = client.get(f"/v1/jobs/{job}/result")
    assert answer.status_code == 200
    body = _strict(answer.text)
    assert body["p90_days"] == {"middle": None, "northern": 21.5} and body["spread"] == [None, None, 1.0]
    assert _strict(client.get(f"/v1/jobs/{job}").text)["status"] == "succeeded"
    run = _strict(client.get(f"/v1/runs/{body['run_ids'][0]}").text)
    assert run["outputs"]["volumes_mt"] == {"middle": None, "northern": 12.5} and run["outputs"]["co2e_kt"] is None
    assert run["outputs"]["bottlenecks"][0]["utilization"] is None and run["inputs"] == {"demand_scale": None}
    values = store.run_values(body["run_ids"][0])
    assert values["volumes_mt"]["northern"] == 12.5  # the finite values are all there


def test_a_saved_run_with_infinities_is_strict_json(client: TestClient) -> None:
    store = client.app.state.corridor.store  # type: ignore[attr-defined]
    run_id = store.save(_result(seconds=INF))
    run = _strict(client.get(f"/v1/runs/{run_id}").text)
    assert run["outputs"]["p90_days"] == {"middle": None} and run["outputs"]["cost_usd_per_feu"] == {"middle": None}
    assert run["seconds"] is None  # the header column too
    assert _strict(client.get("/v1/runs").text)["total"] == 1


def test_nan_written_before_is_read_as_null(tmp_path: Any) -> None:
    """A SQLite store written by an earlier version holds the token NaN in its JSON: it is answered as null."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with TestClient(create_app(ServiceSettings(store=url, job_workers=0))) as c:
        store = c.app.state.corridor.store  # type: ignore[attr-defined]
        job = store.create_job("simulate", {"kind": "simulate"}, created_by=None)["id"]
        store.claim_jobs("server", 1, lease_seconds=60)
        assert store.finish_job(job, {"p90_days": 1.0}, owner="server")
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE jobs SET result = ? WHERE id = ?", ('{"p90_days": NaN, "x": Infinity}', job))
        answer = c.get(f"/v1/jobs/{job}/result")
        assert answer.status_code == 200 and _strict(answer.text) == {"p90_days": None, "x": None}


def test_every_json_answer_is_strict(client: TestClient) -> None:
    """The app's default answer and its error answers go through the same writer: an infinity is null, not a 500."""
    error = error_response(422, "limit_exceeded", "too many", value=INF, maximum=NAN)
    assert _strict(error.body.decode()) == {
        "error": {"code": "limit_exceeded", "message": "too many", "value": None, "maximum": None}
    }
    for path in ("/healthz", "/v1/jobs", "/v1/runs", "/v1/scenarios/base-2024", "/v1/places?limit=3"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
        _strict(answer.text)
