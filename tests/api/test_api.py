"""The REST service through its ASGI app: answers equal the engines' and the CLI's, errors are JSON 4xx that
name the problem, keys and limits hold, and schemathesis finds no input that gives a 5xx."""

from __future__ import annotations

import itertools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from corridor.api import Limits, ServiceSettings, create_app
from corridor.cli import app as cli_app
from corridor.dataset.network import Network
from corridor.routing.search import compare

QUEUE_ONLY = {"job_workers": 0}  # jobs are checked and queued, not run (test_jobs.py runs them)


def _client(tmp_path: Path, **settings: Any) -> TestClient:
    store = settings.pop("store", f"sqlite:///{tmp_path / 'store.sqlite'}")
    return TestClient(create_app(ServiceSettings(store=store, **{**QUEUE_ONLY, **settings})))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


@pytest.fixture
def key(client: TestClient) -> dict[str, str]:
    return {"X-API-Key": client.app.state.corridor.store.create_api_key("tests")[1]}  # type: ignore[attr-defined]


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body


def test_health(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["network"] == "eurasia" and body["store"].startswith("sqlite")


def test_compare_is_the_cli_json(client: TestClient) -> None:
    cli = CliRunner().invoke(cli_app, ["compare", "Xian", "Duisburg", "--avoid", "RU", "--json"])
    assert cli.exit_code == 0
    trip = {"origin": "Xian", "destination": "Duisburg", "avoid": "RU"}
    api = client.get("/v1/compare", params={**trip, "legs": "true"})
    assert api.status_code == 200 and api.json() == json.loads(cli.stdout)
    # the same request again comes from the cache and is the same
    again = client.get("/v1/compare", params={**trip, "origin": "xi'an", "legs": "true"})
    assert again.json() == api.json()
    # legs not asked for: the same totals, without the legs (a seventh of the bytes)
    lean = client.get("/v1/compare", params=trip)
    assert lean.json() == {
        **api.json(),
        "options": [{k: v for k, v in o.items() if k != "legs"} for o in api.json()["options"]],
    }
    assert len(lean.content) * 3 < len(api.content)


def test_compare_takes_a_departure_and_a_scenario(client: TestClient) -> None:
    """Waits and weather depend on the departure; a scenario's flows add queues (and name what is over capacity)."""
    base = {"origin": "Xian", "destination": "Duisburg", "depart": "2026-11-20"}
    cli = CliRunner().invoke(cli_app, ["compare", "Xian", "Duisburg", "--depart", "2026-11-20", "--json"])
    api = client.get("/v1/compare", params={**base, "legs": "true"})
    assert api.status_code == 200 and api.json() == json.loads(cli.stdout)
    assert api.json()["depart"].startswith("2026-11-20")
    under = client.get("/v1/compare", params={**base, "scenario": "base-2024"}).json()
    assert under["scenario"]["name"] == "base-2024" and under["scenario"]["year"] == 2024
    days = {o["corridor"]: o["p50_days"] for o in api.json()["options"]}
    queued = {o["corridor"]: o["p50_days"] for o in under["options"]}
    assert queued["middle"] > days["middle"]  # the 2024 flows queue at the Caspian ports and ferries


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"depart": "next tuesday"}, "next tuesday"),
        ({"depart": "2026-02-30"}, "2026-02-30"),
        ({"scenario": "no-such-scenario"}, "no-such-scenario"),
        ({"optimize": "fastest"}, "fastest"),
    ],
)
def test_bad_compare_options_are_4xx_naming_the_value(client: TestClient, params: dict[str, str], needle: str) -> None:
    response = client.get("/v1/compare", params={"origin": "Xian", "destination": "Duisburg", **params})
    assert 400 <= response.status_code < 500 and needle in response.text


def test_compare_geojson_draws_each_corridor(client: TestClient, eurasia: Network) -> None:
    params = {"origin": "Xian", "destination": "Duisburg"}
    features = client.get("/v1/compare/geojson", params=params).json()["features"]
    expected = {r.corridor for r in compare(eurasia, "Xian", "Duisburg").options}
    lines = {f["properties"]["corridor"] for f in features if f["geometry"]["type"] == "LineString"}
    assert lines == expected and len(expected) >= 3


def test_unknown_place_and_missing_and_bad_values(client: TestClient) -> None:
    body = _error(
        client.get("/v1/compare", params={"origin": "Xianx", "destination": "Duisburg"}), 422, "unknown_place"
    )
    assert body["place"] == "Xianx" and "Xi'an" in body["closest"] and "Xianx" in body["message"]
    body = _error(client.get("/v1/compare", params={"origin": "Xian"}), 422, "invalid_request")
    assert "destination" in body["message"]
    body = _error(
        client.get("/v1/compare", params={"origin": "Xian", "destination": "Duisburg", "cargo": "x"}),
        422,
        "invalid_option",
    )
    assert "FEU" in body["message"]
    body = _error(
        client.get("/v1/compare", params={"origin": "Xian", "destination": "Duisburg", "optimize": "fast"}),
        422,
        "invalid_option",
    )
    assert "optimize='fast'" in body["message"] and "generalized" in body["message"]
    _error(client.get("/v1/nothing"), 404, "not_found")


def test_places_pages(client: TestClient, eurasia: Network) -> None:
    first = client.get("/v1/places", params={"limit": 10}).json()
    assert first["total"] == len(eurasia.places) and len(first["items"]) == 10 and first["next_offset"] == 10
    last = client.get("/v1/places", params={"limit": 10, "offset": first["total"] - 3}).json()
    assert len(last["items"]) == 3 and last["next_offset"] is None
    found = client.get("/v1/places", params={"search": "aktau"}).json()["items"]
    assert [p["id"] for p in found] == [p.id for p in eurasia.search_places("aktau")]
    _error(client.get("/v1/places", params={"limit": 0}), 422, "invalid_request")


def test_network_geojson_with_etag(client: TestClient, eurasia: Network) -> None:
    response = client.get("/v1/network")
    data = response.json()
    kinds = [f["properties"]["type"] for f in data["features"]]
    assert kinds.count("place") == len(eurasia.places) and kinds.count("link") == len(eurasia.links)
    assert kinds.count("capacity") == len(eurasia.capacities)
    assert {c["id"] for c in data["corridors"]} == set(eurasia.corridor_ids)
    middle = next(f for f in data["features"] if f["properties"]["id"] == "aktau-alat-ferry")
    assert middle["properties"]["corridors"] == ["middle"] and middle["geometry"]["type"] == "LineString"
    etag = response.headers["etag"]
    assert client.get("/v1/network", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/v1/network", headers={"If-None-Match": '"other"'}).status_code == 200


def test_route_and_its_limit(client: TestClient) -> None:
    body = client.get("/v1/route", params={"origin": "Xian", "destination": "Baku", "alternatives": 3}).json()
    assert len(body["routes"]) == 3 and body["routes"][0]["legs"]
    error = _error(
        client.get("/v1/route", params={"origin": "Xian", "destination": "Baku", "alternatives": 50}),
        422,
        "limit_exceeded",
    )
    assert error["limit"] == "max_alternatives" and error["maximum"] == 10 and "max_alternatives=10" in error["message"]


def test_simulate_gives_a_distribution(client: TestClient) -> None:
    params = {"origin": "Xian", "destination": "Duisburg", "corridor": "middle", "samples": 2000, "seed": 3}
    body = client.get("/v1/simulate", params=params).json()
    assert body["corridor"] == "middle" and body["samples"] == 2000
    hist = body["histogram"]
    assert sum(hist["share"]) == pytest.approx(1.0, abs=1e-3) and hist["days"] == sorted(hist["days"])
    assert hist["days"][0] <= body["p50_days"] <= hist["days"][-1]
    assert client.get("/v1/simulate", params=params).json() == body  # same seed, same answer
    error = _error(client.get("/v1/simulate", params={**params, "samples": 10**6}), 422, "limit_exceeded")
    assert error["limit"] == "max_sync_samples"


def test_writes_need_a_valid_key(client: TestClient, key: dict[str, str]) -> None:
    job = {"kind": "scenario", "scenario": "base-2024", "samples": 1200}
    _error(client.post("/v1/jobs", json=job), 401, "api_key_missing")
    _error(client.post("/v1/jobs", json=job, headers={"X-API-Key": "cor_00000000_guess"}), 403, "api_key_invalid")
    assert client.post("/v1/jobs", json=job, headers=key).status_code == 202
    bearer = {"Authorization": "Bearer " + key["X-API-Key"]}
    assert client.post("/v1/jobs", json=job, headers=bearer).status_code == 202
    store = client.app.state.corridor.store  # type: ignore[attr-defined]
    store.revoke_api_key(key["X-API-Key"].split("_")[1])
    _error(client.post("/v1/jobs", json=job, headers=key), 403, "api_key_invalid")


def test_anonymous_reads_can_be_turned_off(tmp_path: Path) -> None:
    with _client(tmp_path, anonymous_read=False) as c:
        _error(c.get("/v1/places"), 401, "api_key_missing")
        good = {"X-API-Key": c.app.state.corridor.store.create_api_key("r")[1]}  # type: ignore[attr-defined]
        assert c.get("/v1/places", headers=good).status_code == 200
        assert c.get("/healthz").status_code == 200


def test_bodies_over_the_limit_and_malformed_json(tmp_path: Path) -> None:
    with _client(tmp_path, limits=Limits(max_body_bytes=2000)) as c:
        key = {"X-API-Key": c.app.state.corridor.store.create_api_key("t")[1]}  # type: ignore[attr-defined]
        big = {"name": "big", "yaml": "title: t\n# " + "x" * 5000}
        error = _error(c.post("/v1/scenarios", json=big, headers=key), 413, "body_too_large")
        assert error["limit"] == "max_body_bytes" and error["maximum"] == 2000

        def stream() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"name": "big", "yaml": "'
            for _ in range(10):
                yield b"x" * 500
            yield b'"}'

        headers = {**key, "Content-Type": "application/json"}
        _error(c.post("/v1/scenarios", content=stream(), headers=headers), 413, "body_too_large")
        body = _error(c.post("/v1/jobs", content=b'{"kind": "scen', headers=headers), 422, "malformed_json")
        assert "JSON" in body["message"]
        body = _error(c.post("/v1/jobs", json={"kind": "teleport"}, headers=key), 422, "invalid_request")
        assert "kind" in body["message"]
        body = _error(
            c.post("/v1/jobs", json={"kind": "scenario", "scenario": "base-2024", "x": 1}, headers=key),
            422,
            "invalid_request",
        )
        assert "x" in body["message"]
        from corridor.scenarios.files import library_names

        assert c.get("/v1/scenarios").json()["total"] == len(library_names())  # nothing stored


YAML = """title: Kuryk at 8 Mt
base: base-2024
sources: [trend-kuryk-2023]
set:
  capacities/kuryk-port:
    capacity_per_year: 8 Mt
    capacity_high: 8 Mt
"""


def test_scenarios_create_list_show_delete(client: TestClient, key: dict[str, str]) -> None:
    created = client.post("/v1/scenarios", json={"name": "kuryk-8mt", "yaml": YAML}, headers=key)
    assert created.status_code == 201 and created.headers["location"] == "/v1/scenarios/kuryk-8mt"
    assert created.json()["bases"] == ["base-2024"] and created.json()["source"] == "store"
    listed = client.get("/v1/scenarios", params={"limit": 100}).json()
    assert {"name": "kuryk-8mt", "source": "store"}.items() <= listed["items"][-1].items()
    shown = client.get("/v1/scenarios/kuryk-8mt").json()
    kuryk = [c for c in shown["changes"] if c["element"] == "capacities/kuryk-port"]
    assert shown["yaml"] == YAML and kuryk[-1]["value"] == 8_000_000 and kuryk[-1]["from"].startswith("kuryk-8mt")
    # as a JSON document, built on the stored one
    doc = {"title": "On top", "base": "kuryk-8mt", "demand": {"scale": 1.5}}
    on_top = client.post("/v1/scenarios", json={"name": "on-top", "document": doc}, headers=key)
    assert on_top.status_code == 201 and on_top.json()["demand_scale"] == 1.5
    _error(client.post("/v1/scenarios", json={"name": "kuryk-8mt", "yaml": YAML}, headers=key), 409, "conflict")
    _error(client.post("/v1/scenarios", json={"name": "base-2024", "yaml": YAML}, headers=key), 409, "conflict")
    _error(client.delete("/v1/scenarios/kuryk-8mt", headers=key), 409, "conflict")  # on-top builds on it
    _error(client.delete("/v1/scenarios/base-2024", headers=key), 409, "conflict")
    assert client.delete("/v1/scenarios/on-top", headers=key).status_code == 204
    assert client.delete("/v1/scenarios/kuryk-8mt", headers=key).status_code == 204
    _error(client.get("/v1/scenarios/kuryk-8mt"), 404, "not_found")


@pytest.mark.parametrize(
    ("yaml", "found"),
    [
        ("title: t\nbase: /etc/passwd\n", "not a file"),
        ("title: t\nbase: ../scenarios/base-2024.yaml\n", "not a file"),
        ("title: t\nbase: base-2024\nset:\n  links/nowhere:\n    tariff_usd: 5\n", "nowhere"),
        ("title: t\nbase: base-2024\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 8\n", "unit"),
        ("- a list\n", "mapping"),
        ("title: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_scenarios_are_refused_and_not_stored(
    client: TestClient, key: dict[str, str], yaml: str, found: str
) -> None:
    body = _error(
        client.post("/v1/scenarios", json={"name": "bad", "yaml": yaml}, headers=key), 422, "invalid_scenario"
    )
    assert found in body["message"]
    assert body["problems"][0]["file"] == "<request>"
    _error(client.get("/v1/scenarios/bad"), 404, "not_found")


def test_jobs_queue_page_cancel_and_limits(tmp_path: Path) -> None:
    with _client(tmp_path, limits=Limits(max_active_jobs=3, max_sweep_values=4)) as c:
        key = {"X-API-Key": c.app.state.corridor.store.create_api_key("t")[1]}  # type: ignore[attr-defined]
        submitted = [
            c.post(
                "/v1/jobs",
                json={"kind": "simulate", "origin": "Xian", "destination": f"{d}", "samples": 500},
                headers=key,
            )
            for d in ("Duisburg", "Baku", "Istanbul")
        ]
        assert [r.status_code for r in submitted] == [202, 202, 202]
        ids = [r.json()["id"] for r in submitted]
        assert submitted[0].headers["location"] == f"/v1/jobs/{ids[0]}"
        error = _error(c.post("/v1/jobs", json={"kind": "assign"}, headers=key), 422, "limit_exceeded")
        assert error["limit"] == "max_active_jobs"
        page = c.get("/v1/jobs", params={"limit": 2}).json()
        assert page["total"] == 3 and [j["id"] for j in page["items"]] == ids[::-1][:2] and page["next_offset"] == 2
        assert c.get("/v1/jobs", params={"status": "queued"}).json()["total"] == 3
        cancelled = c.post(f"/v1/jobs/{ids[0]}/cancel", headers=key).json()
        assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
        _error(c.post(f"/v1/jobs/{ids[0]}/cancel", headers=key), 409, "conflict")
        body = _error(c.get(f"/v1/jobs/{ids[1]}/result"), 409, "conflict")
        assert "queued" in body["message"]
        _error(c.get("/v1/jobs/0f8fad5b-d9cb-469f-a165-70867728950e"), 404, "not_found")
        _error(c.get("/v1/jobs/nothing"), 422, "invalid_request")  # not an id at all
        sweep = {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:2:0.1"}
        error = _error(c.post("/v1/jobs", json=sweep, headers=key), 422, "limit_exceeded")
        assert error["limit"] == "max_sweep_values" and error["value"] == 11
        error = _error(
            c.post("/v1/jobs", json={"kind": "scenario", "scenario": "base-2024", "samples": 10**6}, headers=key),
            422,
            "limit_exceeded",
        )
        assert error["limit"] == "max_scenario_samples"
        error = _error(
            c.post("/v1/jobs", json={"kind": "assign", "max_iter": 10**6}, headers=key), 422, "limit_exceeded"
        )
        assert error["limit"] == "max_iterations"
        body = _error(
            c.post("/v1/jobs", json={"kind": "simulate", "origin": "Narnia", "destination": "Baku"}, headers=key),
            422,
            "unknown_place",
        )
        assert body["place"] == "Narnia"  # no place of the network and no city of the world
        body = _error(
            c.post("/v1/jobs", json={"kind": "scenario", "scenario": "nope"}, headers=key), 422, "invalid_option"
        )
        assert "nope" in body["message"]
        assert c.get("/v1/jobs").json()["total"] == 3  # refused jobs are not stored


def test_cors_is_off_unless_configured(tmp_path: Path) -> None:
    preflight = {"Origin": "https://analyst.example", "Access-Control-Request-Method": "GET"}
    with _client(tmp_path) as c:
        assert "access-control-allow-origin" not in c.options("/v1/places", headers=preflight).headers
    with _client(tmp_path, cors_origins=("https://analyst.example",)) as c:
        answer = c.options("/v1/places", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://analyst.example"
        assert (
            c.get("/v1/places", headers={"Origin": "https://other.example"}).headers.get("access-control-allow-origin")
            is None
        )


def test_the_page_and_its_bundle(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "/static/app.js" in page.text and "http://" not in page.text and "https://" not in page.text
    bundle = client.get("/static/app.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000  # leaflet, chart.js and outlines inside


def test_runs_are_listed_from_the_store(tmp_path: Path, eurasia: Network) -> None:
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario
    from corridor.store.database import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with Store(url) as store:
        run_id = store.save(run_scenario(eurasia, load_scenario("base-2024", eurasia), samples=120))
    with _client(tmp_path, store=url) as c:
        page = c.get("/v1/runs").json()
        assert page["total"] == 1 and page["items"][0]["id"] == run_id
        assert c.get(f"/v1/runs/{run_id}").json()["outputs"]["scenario"] == "base-2024"
        _error(c.get("/v1/runs/0f8fad5b-d9cb-469f-a165-70867728950e"), 404, "not_found")
        _error(c.get("/v1/runs/nothing"), 422, "invalid_request")


def test_postgresql_store(tmp_path: Path) -> None:
    from fixtures.stores import clean_postgres, postgres_url

    url = postgres_url()
    with _client(tmp_path, store=url) as c:
        clean_postgres(c.app.state.corridor.store)  # type: ignore[attr-defined]
        key = {"X-API-Key": c.app.state.corridor.store.create_api_key("pg")[1]}  # type: ignore[attr-defined]
        assert c.post("/v1/scenarios", json={"name": "kuryk-8mt", "yaml": YAML}, headers=key).status_code == 201
        job = c.post("/v1/jobs", json={"kind": "scenario", "scenario": "kuryk-8mt"}, headers=key).json()
        assert c.get(f"/v1/jobs/{job['id']}").json()["status"] == "queued"
        assert c.get("/healthz").json()["store"].startswith("postgresql")


# --- schemathesis: any input the OpenAPI document allows gets an answer below 500 ---------------------------------


FUZZ_DIR = tempfile.mkdtemp(prefix="corridor-fuzz-")
FUZZ_APP = create_app(ServiceSettings(store=f"sqlite:///{FUZZ_DIR}/fuzz.sqlite", job_workers=0))
FUZZ_KEY = {"X-API-Key": FUZZ_APP.state.corridor.store.create_api_key("fuzz")[1]}
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_server_error(case: Any) -> None:
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(headers=FUZZ_KEY, checks=[not_a_server_error])
    case.call_and_validate(checks=[not_a_server_error])  # and without a key


def test_sea_links_follow_sea_lanes(client: TestClient, eurasia: Network) -> None:
    from corridor.services.mapdata import LANE_TOLERANCE, link_geometry

    lanes = link_geometry(eurasia)
    links = eurasia.link_by_id
    assert {"shanghai-rotterdam-suez", "shanghai-rotterdam-cape", "aktau-alat-ferry"} <= set(lanes)

    def near(line: list[list[float]], lon: float, lat: float) -> bool:
        return any(abs(x - lon) < 1.5 and abs(y - lat) < 1.5 for x, y in line)

    assert near(lanes["shanghai-rotterdam-suez"], 32.5, 30.5)  # through the Suez Canal
    assert not near(lanes["shanghai-rotterdam-cape"], 32.5, 30.5)
    assert min(y for _, y in lanes["shanghai-rotterdam-cape"]) < -30  # round the Cape
    places = eurasia.place_by_id
    for lid, line in lanes.items():  # from the link's first place to its second
        a, b = places[links[lid].from_], places[links[lid].to]
        assert line[0] == pytest.approx([a.lon, a.lat], abs=1e-3) and line[-1] == pytest.approx(
            [b.lon, b.lat], abs=1e-3
        )
    served = client.get("/v1/network").json()["features"]
    cape = next(f for f in served if f["properties"]["id"] == "shanghai-rotterdam-cape")
    assert cape["geometry"]["coordinates"] == lanes["shanghai-rotterdam-cape"]
    route = client.get("/v1/compare/geojson", params={"origin": "Shanghai", "destination": "Rotterdam"}).json()
    suez = [f for f in route["features"] if f["properties"].get("element") == "shanghai-rotterdam-suez"]
    assert suez and suez[0]["geometry"]["coordinates"][0][0] > 100  # starts in the east: Shanghai to Rotterdam
    for lid, line in lanes.items():  # each lane's length is close to the dataset's distance
        km = sum(_km(p, q) for p, q in itertools.pairwise(line))
        assert links[lid].distance_km / LANE_TOLERANCE <= km <= links[lid].distance_km * LANE_TOLERANCE * 1.05, lid


def _km(p: list[float], q: list[float]) -> float:
    from corridor.layers.data import great_circle_km

    return float(great_circle_km(p[1], p[0], q[1], q[0]))


def test_bad_deadline_is_refused_when_submitted(client: TestClient, key: dict[str, str]) -> None:
    body = {"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "deadline": "soon"}
    error = _error(client.post("/v1/jobs", json=body, headers=key), 422, "invalid_option")
    assert "'soon'" in error["message"] and "ISO date" in error["message"]
    error = _error(client.post("/v1/jobs", json={**body, "deadline": "-3"}, headers=key), 422, "invalid_option")
    assert "positive" in error["message"]
    assert client.get("/v1/jobs").json()["total"] == 0
