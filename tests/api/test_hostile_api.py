"""Hostile requests get a 4xx that names the problem, at once: never a 5xx, a hang, or a job that then fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app

BIG = "9" * 400
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HEAD = "title: t\nbase: base-2024\n"


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceSettings(store=store_url, job_workers=0))) as c:
        yield c


@pytest.fixture
def key(client: TestClient) -> dict[str, str]:
    return {"X-API-Key": client.app.state.corridor.store.create_api_key("tests")[1]}  # type: ignore[attr-defined]


def _refused(response: Any, status: int, code: str, message: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code, body
    assert message in body["message"] or any(message in str(d) for d in body.get("details", [])), body
    return body


SCENARIO_BODIES = [
    ("bomb", BOMB + "title: t\n", "anchors (&a) are not allowed"),
    ("recursive alias", "title: t\nx: &a [*a]\n", "anchors (&a) are not allowed"),
    ("deep nesting", "title: t\ndescription: " + "[" * 3000 + "]" * 3000 + "\n", "nested more than 32 levels"),
    ("empty", "", "a scenario is a YAML mapping"),
    ("empty values", HEAD + "close:\n  - passages:\n    from:\n", "name the links, passages or countries"),
    ("unknown tag", HEAD + "description: !!python/object:os.system x\n", "tag !!python/object:os.system"),
    ("complex key", HEAD + "? [a, b]\n: 1\n", "a key must be a plain value"),
    ("impossible date", HEAD + "close:\n  - passages: [red-sea]\n    from: 2024-02-31\n", "is not a date that exists"),
    ("year 0001", HEAD + "close:\n  - passages: [red-sea]\n    from: 0001-01-01\n", "not between 1900 and 2100"),
    ("NaN", HEAD + "scale:\n  links/xian-lanzhou:\n    tariff_usd: .nan\n", "is not a finite number"),
    (
        "huge number",
        HEAD + "set:\n  capacities/kuryk-port:\n    capacity_per_year: " + "9" * 5000 + " Mt\n",
        "out of range",
    ),
    ("NUL", HEAD + 'description: "a\\0b"\n', "NUL character"),
    ("year without data", HEAD + "year: 1950\n", "No data for year 1950"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in SCENARIO_BODIES], ids=[c[0] for c in SCENARIO_BODIES])
def test_hostile_scenario_is_not_stored(client: TestClient, key: dict[str, str], text: str, message: str) -> None:
    started = time.perf_counter()
    response = client.post("/v1/scenarios", json={"name": "hostile", "yaml": text}, headers=key)
    assert time.perf_counter() - started < 10
    body = _refused(response, 422, "invalid_scenario", message)
    assert body["problems"]
    assert client.get("/v1/scenarios/hostile").status_code == 404


def test_a_document_with_nan_is_refused(client: TestClient, key: dict[str, str]) -> None:
    document = {"title": "t", "base": "base-2024", "demand": {"scale": float("nan")}}
    response = client.post(
        "/v1/scenarios",
        content=__import__("json").dumps({"name": "nan-doc", "document": document}),
        headers={**key, "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text


QUERIES = [
    ("/v1/route", {"origin": "Xian", "destination": "Duisburg", "alternatives": BIG}, "alternatives"),
    ("/v1/route", {"origin": "Xian", "destination": "Duisburg", "alternatives": "1000000"}, "alternatives"),
    ("/v1/simulate", {"origin": "Xian", "destination": "Duisburg", "samples": BIG}, "samples"),
    ("/v1/simulate", {"origin": "Xian", "destination": "Duisburg", "samples": "1e10"}, "samples"),
    ("/v1/simulate", {"origin": "Xian", "destination": "Duisburg", "seed": BIG}, "seed"),
    ("/v1/compare", {"origin": "Xian", "destination": "Duisburg", "quantity": "nan"}, "quantity"),
    ("/v1/compare", {"origin": "Xian", "destination": "Duisburg", "quantity": "inf"}, "quantity"),
    ("/v1/compare", {"origin": "Xian", "destination": "Duisburg", "quantity": "1e400"}, "quantity"),
    ("/v1/places", {"limit": BIG}, "limit"),
    ("/v1/places", {"offset": BIG}, "offset"),
    ("/v1/demand", {"year": BIG}, "year"),
]


@pytest.mark.parametrize(
    ("path", "params", "field"), QUERIES, ids=[f"{q[0]}-{q[2]}-{i}" for i, q in enumerate(QUERIES)]
)
def test_hostile_query_is_422(client: TestClient, path: str, params: dict[str, str], field: str) -> None:
    response = client.get(path, params=params)
    body = _refused(response, 422, "invalid_request", field)
    assert field in body["message"]


ODD_IDS = {
    "nul": "a%00b",
    "control": "a%01%1Fb",
    "delete": "a%7F",
    "newline": "a%0Ab",
    "long": "x" * 5_000,
    "dots and spaces": "..%20a.b%20",
    "upper uuid": "0F8FAD5B-D9CB-469F-A165-70867728950E",
    "emoji": "%F0%9F%9A%82",
}
#: every path or query that takes an id or a name, with the field the refusal names and what it says is allowed
ID_PLACES = [
    ("GET", "/v1/jobs/{}", "path.job_id", "is not a job id: a UUID"),
    ("GET", "/v1/jobs/{}/result", "path.job_id", "is not a job id: a UUID"),
    ("POST", "/v1/jobs/{}/cancel", "path.job_id", "is not a job id: a UUID"),
    ("GET", "/v1/runs/{}", "path.run_id", "is not a run id: a UUID"),
    ("DELETE", "/v1/runs/{}", "path.run_id", "is not a run id: a UUID"),
    ("GET", "/v1/scenarios/{}", "path.name", "is not a scenario name: 1 to 64 characters a-z"),
    ("DELETE", "/v1/scenarios/{}", "path.name", "is not a scenario name: 1 to 64 characters a-z"),
    ("GET", "/v1/compare?origin=Xian&destination=Duisburg&scenario={}", "query.scenario", "is not a scenario name"),
    ("GET", "/v1/runs?scenario={}", "query.scenario", "none of them a control character"),
]


@pytest.mark.parametrize("odd", list(ODD_IDS.values()), ids=list(ODD_IDS))
@pytest.mark.parametrize(("method", "path", "field", "allowed"), ID_PLACES, ids=[f"{m} {p}" for m, p, *_ in ID_PLACES])
def test_odd_ids_are_422_naming_the_field_without_reaching_the_store(
    client: TestClient, key: dict[str, str], method: str, path: str, field: str, allowed: str, odd: str
) -> None:
    """A NUL byte, a control character or 5,000 characters in an id: 422 naming the field and what it may be, on
    SQLite and on PostgreSQL (which refuses a NUL byte in text with an error: it was a 503), and the store untouched."""
    if path.startswith("/v1/runs?") and odd in (ODD_IDS["upper uuid"], ODD_IDS["dots and spaces"], ODD_IDS["emoji"]):
        response = client.request(method, path.format(odd), headers=key)  # a run's scenario is printable text
        assert response.status_code == 200 and response.json()["total"] == 0
        return
    started = time.perf_counter()
    response = client.request(method, path.format(odd), headers=key)
    assert time.perf_counter() - started < 10
    body = _refused(response, 422, "invalid_request", allowed)
    assert body["message"].startswith(f"{field}: ") and [d["field"] for d in body["details"]] == [field]
    assert client.get("/healthz").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/v1/jobs/0f8fad5b-d9cb-469f-a165-70867728950e", "No job"),
        ("/v1/runs/0f8fad5b-d9cb-469f-a165-70867728950e", "No run"),
        ("/v1/scenarios/never-stored", "No scenario"),
    ],
)
def test_well_formed_ids_that_are_not_there_are_404(client: TestClient, path: str, what: str) -> None:
    _refused(client.get(path), 404, "not_found", what)


def test_a_key_whose_id_could_not_exist_is_refused_without_a_lookup(client: TestClient) -> None:
    for odd in ("cor_" + "f" * 150 + "_secret", "cor_0F8FAD5B_secret", "cor__secret"):
        _refused(client.get("/v1/jobs", headers={"X-API-Key": odd}), 403, "api_key_invalid", "not valid")
    store = client.app.state.corridor.store  # type: ignore[attr-defined]
    assert store.check_api_key("cor_a\x00b_secret") is None and store.check_api_key("cor_\x01_x") is None


JOBS = [
    ({"kind": "scenario", "scenario": "base-2024", "samples": BIG}, "samples"),
    ({"kind": "scenario", "scenario": "base-2024", "seed": -1}, "seed"),
    ({"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:inf:1"}, "out of range"),
    ({"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:nan:1"}, "demand.scale"),
    ({"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "samples": BIG}, "samples"),
    ({"kind": "assign", "max_iter": BIG}, "max_iter"),
    ({"kind": "assign", "gap": "NaN"}, "gap"),
    ({"kind": "assign", "year": 1950}, "No data for year 1950"),
]


@pytest.mark.parametrize(("body", "message"), JOBS, ids=[f"{b['kind']}-{i}" for i, (b, _) in enumerate(JOBS)])
def test_hostile_job_is_refused_not_queued(
    client: TestClient, key: dict[str, str], body: dict[str, Any], message: str
) -> None:
    response = client.post("/v1/jobs", json=body, headers=key)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert message in error["message"], error
    assert client.get("/v1/jobs").json()["total"] == 0


def test_a_stored_scenario_that_cannot_run_is_not_queued(client: TestClient, key: dict[str, str]) -> None:
    """A scenario whose year has no data is refused when stored, so no job can take it."""
    response = client.post("/v1/scenarios", json={"name": "y1950", "yaml": HEAD + "year: 1950\n"}, headers=key)
    assert response.status_code == 422
    response = client.post("/v1/jobs", json={"kind": "scenario", "scenario": "y1950"}, headers=key)
    assert response.status_code == 422


def test_limit_error_of_a_huge_value_is_named(tmp_path: Path) -> None:
    from corridor.errors import LimitError

    error = LimitError("max_alternatives", int(BIG), 10, "alternatives")
    assert "(400 digits)" in str(error) and "max_alternatives=10" in str(error)
