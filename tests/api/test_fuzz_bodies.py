"""Fuzzed request bodies: every POST and PUT endpoint that takes one gets arbitrary JSON (huge numbers, NaN and
infinities, deep nesting, long strings, NUL bytes, wrong types) and bodies of the right shape with wrong values, with
and without an API key, on SQLite and PostgreSQL: never a 5xx, always strict JSON, always answered within 10 s, and
nothing stored that cannot run. Then a stateful schemathesis run (links inferred from the operations) with and
without a key."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.api import ServiceSettings, create_app
from fixtures.stores import clean_postgres, postgres_url

SECONDS = 10.0
#: examples per fuzzed test (``CORRIDOR_FUZZ_EXAMPLES`` raises it for a longer run)
EXAMPLES = int(os.environ.get("CORRIDOR_FUZZ_EXAMPLES", "150"))
ANY_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
NOTED: dict[str, Any] = {"requests": 0, "accepted": []}

# --- what a client may send --------------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\ud800",
        "x" * 300_000,
        "base-2024\n",
        "../../etc/passwd",
        "!!python/object:os.system x",
        "&a [*a]",
        "1e400",
        "NaN",
        "9" * 400,
        "2024-02-31",
        "Xian",
        "kuryk-6mt",
        "demand.scale=1:inf:1",
        "capacities/kuryk-port.capacity_per_year=4Mt:8Mt:2Mt",
    ]
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 2**64, -(2**63) - 1, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=40), HOSTILE_TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12) | HOSTILE_TEXT, inner, max_size=4),
    max_leaves=20,
)
#: the fields of every body the service takes, so that fuzzed values get past the shape and reach the checks
FIELDS = [
    "kind",
    "scenario",
    "samples",
    "seed",
    "param",
    "origin",
    "destination",
    "corridor",
    "cargo",
    "avoid",
    "optimize",
    "depart",
    "deadline",
    "year",
    "algorithm",
    "gap",
    "max_iter",
    "name",
    "yaml",
    "document",
]
KINDS = st.sampled_from(["scenario", "sweep", "simulate", "assign"])
VALID = {
    "kind": KINDS,
    "scenario": st.sampled_from(["base-2024", "kuryk-6mt", "red-sea-closed"]),
    "origin": st.sampled_from(["Xian", "Shanghai", "Almaty"]),
    "destination": st.sampled_from(["Duisburg", "Baku", "Istanbul"]),
    "name": st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z"),
    "samples": st.integers(min_value=120, max_value=2_000),
}
SHAPED = st.fixed_dictionaries(
    {},
    optional={f: st.one_of(VALID.get(f, SCALARS), SCALARS, JSON_VALUES) for f in FIELDS},
)
RAW = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"kind": "assign", "max_iter": ' + b"9" * 5_000 + b"}",
        b'{"kind": "assign", "gap": 1e999999}',
        b'{"kind": "assign", "gap": NaN, "year": -Infinity}',
        b'{"name": "x", "yaml": "\xff\xfe"}',
        b'{"name": "x", "document": ' + b'{"a": ' * 3_000 + b"1" + b"}" * 3_000 + b"}",
        b"",
        b"null",
        b"{",
        b'"' + b"x" * 900_000 + b'"',
    ]
)


def _text(value: Any) -> bytes:
    # Python's own writer: NaN and Infinity go out as the tokens a lenient parser reads, so the service sees them
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


BODIES = st.one_of(JSON_VALUES.map(_text), SHAPED.map(_text), RAW)

# --- the service, on each store -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.sqlite'}"
    else:
        from corridor.store.database import Store

        url = postgres_url()
        with Store(url) as store:
            clean_postgres(store)
    with TestClient(create_app(ServiceSettings(store=url, job_workers=0)), raise_server_exceptions=False) as client:
        key = {"X-API-Key": client.app.state.corridor.store.create_api_key("fuzz")[1]}  # type: ignore[attr-defined]
        yield client, key


def _body_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every POST and PUT of the OpenAPI document that takes a JSON body, its path parameters filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    found = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("post", "put", "patch") and "requestBody" in operation:
                found.append((method.upper(), _fill(path)))
    return found


def _fill(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", ANY_ID, path)


def _strict(text: str) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in an answer")

    return json.loads(text, parse_constant=refuse)


def _check(client: TestClient, key: dict[str, str], method: str, path: str, body: bytes) -> None:
    for headers in (key, {}):
        started = time.perf_counter()
        response = client.request(method, path, content=body, headers={**headers, "Content-Type": "application/json"})
        elapsed = time.perf_counter() - started
        NOTED["requests"] += 1
        assert response.status_code < 500, (path, body[:200], response.text[:500])
        assert elapsed < SECONDS, (path, body[:200], elapsed)
        answer = _strict(response.text) if response.content else None
        if response.status_code >= 400:
            assert answer["error"]["code"] and answer["error"]["message"], answer
        if response.status_code in (201, 202):  # accepted: noted (run later) and taken away so the limits stay free
            NOTED["accepted"].append((path, json.loads(body)))
            if path == "/v1/jobs":
                assert client.post(f"/v1/jobs/{answer['id']}/cancel", headers=key).status_code == 200
            elif path == "/v1/scenarios":
                assert client.delete(f"/v1/scenarios/{answer['name']}", headers=key).status_code == 204


def test_every_post_and_put_with_a_body_is_fuzzed(served: Any) -> None:
    client, _ = served
    assert {path for _, path in _body_operations(client)} >= {"/v1/jobs", "/v1/scenarios"}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=BODIES, which=st.integers(min_value=0, max_value=100))
def test_fuzzed_bodies_never_give_a_server_error(served: Any, body: bytes, which: int) -> None:
    client, key = served
    operations = _body_operations(client)
    method, path = operations[which % len(operations)]
    _check(client, key, method, path, body)


@pytest.mark.parametrize("kind", ["scenario", "sweep", "simulate", "assign"])
@settings(max_examples=max(EXAMPLES // 2, 1), deadline=None, suppress_health_check=list(HealthCheck))
@given(fields=SHAPED)
def test_fuzzed_jobs_of_each_kind(served: Any, kind: str, fields: dict[str, Any]) -> None:
    client, key = served
    _check(client, key, "POST", "/v1/jobs", _text({**fields, "kind": kind}))


def test_an_unreadable_body_is_422_naming_the_cause(served: Any) -> None:
    client, key = served
    for body in (b"[" * 100_000, b'{"kind": "assign", "max_iter": ' + b"9" * 5_000 + b"}", b'{"yaml": "\xff"}'):
        response = client.post("/v1/jobs", content=body, headers={**key, "Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "malformed_json" and "cannot be read as JSON" in error["message"]


def test_jobs_accepted_by_the_fuzz_run(served: Any, eurasia: Any, tmp_path: Any) -> None:
    """Every job the fuzzed bodies got accepted (202) runs without failing on its input (bad input is a 4xx, never
    a failed job). Samples are capped at 1,200 and iterations at 50 to keep the test short: neither changes what is
    checked when a job is submitted."""
    from corridor.api.jobs import execute
    from corridor.store.database import Store

    jobs = [body for path, body in NOTED["accepted"] if path == "/v1/jobs"]
    new, NOTED["jobs_run"] = jobs[NOTED.get("jobs_run", 0) :], len(jobs)  # those of this store's fuzz run
    with Store(f"sqlite:///{tmp_path / 'run.sqlite'}") as store:
        for params in new[:12]:
            full = {"seed": 0, "samples": 1_200, "corridor": None, "cargo": "FEU", "avoid": None, "depart": None}
            full |= {"deadline": None, "optimize": "generalized", "year": None, "algorithm": "bfw", "gap": 1e-4}
            full |= {"scenario": None, "max_iter": 50, **params}
            full["samples"], full["max_iter"] = min(full["samples"], 1_200), min(full["max_iter"], 50)
            execute(full, eurasia, store, lambda fraction, stage: None)
    _report(accepted_jobs=len(jobs))


def _report(**counts: Any) -> None:
    """With ``CORRIDOR_FUZZ_REPORT`` set, the counts of this module's run are added to that JSON file."""
    from pathlib import Path

    target = os.environ.get("CORRIDOR_FUZZ_REPORT")
    if target:
        path = Path(target)
        noted = json.loads(path.read_text()) if path.exists() else {}
        noted.update(counts, requests=NOTED["requests"], accepted=len(NOTED["accepted"]))
        path.write_text(json.dumps(noted))


# --- stateful: schemathesis chains the operations (a job's id into its status, result and cancel; a scenario's
# name into its show and delete), with and without a key ---------------------------------------------------------

STATEFUL_DIR = tempfile.mkdtemp(prefix="corridor-stateful-")
STATEFUL_APP = create_app(ServiceSettings(store=f"sqlite:///{STATEFUL_DIR}/stateful.sqlite", job_workers=0))
STATEFUL_KEY = {"X-API-Key": STATEFUL_APP.state.corridor.store.create_api_key("stateful")[1]}
STATEFUL_SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", STATEFUL_APP)


def _workflow(headers: dict[str, str]) -> Any:
    base = STATEFUL_SCHEMA.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def call(self, case: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            response = super().call(case, **kwargs)
            NOTED["requests"] += 1
            assert time.perf_counter() - started < SECONDS, case
            return response

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            from schemathesis.checks import not_a_server_error

            case.validate_response(response, checks=[not_a_server_error])

        def teardown(self) -> None:
            _empty_stateful_store()

    return Workflow


def _empty_stateful_store() -> None:
    """Every example starts from an empty store: the jobs an example left queued (no workers run them) would
    otherwise reach ``max_active_jobs`` and turn later examples' 202s into 422s, and the stored scenarios their
    201s into 409s, so that the same draws would take other links (Hypothesis calls that a flaky strategy)."""
    from corridor.errors import ConflictError

    store = STATEFUL_APP.state.corridor.store
    for job_id in store.queued_jobs():
        store.update_job(job_id, status="cancelled")
    names = [row["name"] for row in store.list_scenarios()]
    while names:  # a scenario another builds on goes after it
        left = []
        for name in names:
            try:
                store.delete_scenario(name)
            except ConflictError:
                left.append(name)
        if len(left) == len(names):
            raise AssertionError(f"stored scenarios that cannot be deleted: {left}")
        names = left


@pytest.mark.parametrize("with_key", [True, False], ids=["key", "anonymous"])
def test_stateful_runs_give_no_server_error(with_key: bool) -> None:
    workflow = _workflow(STATEFUL_KEY if with_key else {})
    links = [n for n in dir(workflow) if n.startswith(("GET_", "POST_", "DELETE_"))]  # the links schemathesis found
    assert any(n.startswith("POST_v1_jobs___202") for n in links)
    assert any(n.startswith("POST_v1_scenarios___201") for n in links)
    steps = settings(max_examples=EXAMPLES // 4 or 1, stateful_step_count=6, deadline=None)
    workflow.run(settings=settings(steps, suppress_health_check=list(HealthCheck)))
    _report(**{f"stateful_{'key' if with_key else 'anonymous'}_requests": NOTED["requests"]})
