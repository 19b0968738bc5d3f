"""Background jobs: the job kinds on their own, then the runner's processes through a real ``corridor serve``:
progress, results in the store, cancel, timeouts, and a server killed mid-run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from corridor.api.jobs import clean, execute
from corridor.dataset.network import Network
from corridor.scenarios.files import load_scenario
from corridor.scenarios.run import run_scenario
from corridor.store.database import Store
from fixtures.server import Server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'jobs.sqlite'}")


#: a sweep of the most values and samples a job may ask (20 x 48,000): several seconds even in a warm job process,
#: so a one-second time limit or a cancel always finds it running
LONG_SWEEP = {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:1.95:0.05", "samples": 48_000}


def _progress() -> tuple[list[tuple[float, str]], Any]:
    seen: list[tuple[float, str]] = []
    return seen, lambda fraction, stage: seen.append((fraction, stage))


def test_scenario_job_is_the_run(eurasia: Network, store: Store) -> None:
    seen, progress = _progress()
    params = {"kind": "scenario", "scenario": "kuryk-6mt", "samples": 1200, "seed": 4}
    result, runs = execute(params, eurasia, store, progress)
    direct = run_scenario(eurasia, load_scenario("kuryk-6mt", eurasia), samples=1200, seed=4)
    assert result["volumes_mt"] == direct.volumes_mt and result["p90_days"] == direct.p90_days
    assert len(runs) == 1 and runs[0].scenario == "kuryk-6mt"
    assert result["link_flows_mt"] and max(result["link_flows_mt"].values()) > 1
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 3


def test_sweep_job_runs_each_value(eurasia: Network, store: Store) -> None:
    seen, progress = _progress()
    params = {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:1.5:0.5", "samples": 120, "seed": 0}
    result, runs = execute(params, eurasia, store, progress)
    assert result["values"] == [1.0, 1.5] and len(runs) == 2 and [r["value"] for r in result["runs"]] == [1.0, 1.5]
    assert sum(runs[1].volumes_mt.values()) > sum(runs[0].volumes_mt.values())
    assert "(2 of 2)" in seen[-1][1]


def test_simulate_and_assign_jobs(eurasia: Network, store: Store) -> None:
    _, progress = _progress()
    sim, runs = execute(
        {"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "corridor": "middle", "cargo": "FEU",
         "avoid": None, "optimize": "generalized", "samples": 3000, "seed": 1, "depart": "2025-03-01",
         "deadline": "25"},
        eurasia, store, progress,
    )  # fmt: skip
    assert runs == [] and sim["samples"] == 3000 and 0 <= sim["on_time_probability"] <= 1
    assert sum(sim["histogram"]["share"]) == pytest.approx(1, abs=1e-3)
    seen, progress = _progress()
    flows, _ = execute(
        {"kind": "assign", "scenario": None, "year": None, "algorithm": "bfw", "gap": 1e-4, "max_iter": 500},
        eurasia, store, progress,
    )  # fmt: skip
    assert flows["converged"] and flows["flows"]["type"] == "FeatureCollection" and flows["passage_volumes_t"]
    assert seen and all(0 <= f < 1 for f, _ in seen)


def test_clean_makes_json_safe() -> None:
    import numpy as np

    assert clean({"a": float("nan"), "b": [np.float64(2.5), float("inf")], 3: np.int64(4)}) == {
        "a": None,
        "b": [2.5, None],
        "3": 4,
    }


# --- through a real server ------------------------------------------------------------------------------------------


def _wait(server: Server, job_id: str, until: tuple[str, ...], seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, job = server.call("GET", f"/v1/jobs/{job_id}")
        assert status == 200
        if job["status"] in until:
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']} after {seconds} s")


@pytest.fixture
def served(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    with Store(url) as store:
        key = store.create_api_key("tests")[1]
    server = Server(url, "--job-timeout", "60")
    yield server, key
    server.stop()


def test_a_job_runs_with_progress_and_its_run_is_stored(served: Any) -> None:
    server, key = served
    status, job = server.call("POST", "/v1/jobs", {"kind": "scenario", "scenario": "base-2024", "samples": 1200}, key)
    assert status == 202 and job["status"] == "queued"
    progress = []
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        job = server.call("GET", f"/v1/jobs/{job['id']}")[1]
        progress.append(job["progress"])
        time.sleep(0.1)
    assert job["status"] == "succeeded" and job["result_url"] == f"/v1/jobs/{job['id']}/result"
    assert progress == sorted(progress) and progress[-1] == 1.0
    status, result = server.call("GET", job["result_url"])
    assert status == 200 and result["scenario"] == "base-2024" and result["run_ids"] == job["run_ids"]
    status, run = server.call("GET", f"/v1/runs/{job['run_ids'][0]}")
    assert status == 200 and run["outputs"]["volumes_mt"] == result["volumes_mt"]


def test_cancel_stops_a_running_job_and_keeps_nothing(served: Any) -> None:
    server, key = served
    body = LONG_SWEEP
    job = server.call("POST", "/v1/jobs", body, key)[1]
    _wait(server, job["id"], ("running",))
    status, cancelled = server.call("POST", f"/v1/jobs/{job['id']}/cancel", None, key)
    assert status == 200 and cancelled["status"] == "cancelled"
    time.sleep(1.0)
    assert server.call("GET", f"/v1/jobs/{job['id']}")[1]["status"] == "cancelled"
    assert server.call("GET", "/v1/runs")[1]["total"] == 0
    status, error = server.call("GET", f"/v1/jobs/{job['id']}/result")
    assert status == 409 and "cancelled" in error["error"]["message"]


def test_a_job_over_its_time_is_stopped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'slow.sqlite'}"
    with Store(url) as store:
        key = store.create_api_key("tests")[1]
    server = Server(url, "--job-timeout", "1")
    try:
        body = LONG_SWEEP
        job = server.call("POST", "/v1/jobs", body, key)[1]
        failed = _wait(server, job["id"], ("failed", "succeeded"))
        assert failed["status"] == "failed" and "job_timeout_seconds=1" in failed["error"]
    finally:
        server.stop()


def test_a_server_killed_mid_run_loses_nothing_committed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    with Store(url) as store:
        key = store.create_api_key("tests")[1]
    server = Server(url, "--job-lease", "2")
    yaml = "title: More demand\nbase: base-2024\ndemand:\n  scale: 1.2\n"
    assert server.call("POST", "/v1/scenarios", {"name": "more-demand", "yaml": yaml}, key)[0] == 201
    quick = server.call("POST", "/v1/jobs", {"kind": "scenario", "scenario": "more-demand", "samples": 120}, key)[1]
    assert "id" in quick, quick
    done = _wait(server, quick["id"], ("succeeded", "failed"))
    assert done["status"] == "succeeded", done
    # long enough to be running when the server is killed (a sweep step is well under a second)
    body = {"kind": "sweep", "scenario": "more-demand", "param": "demand.scale=1:1.95:0.05", "samples": 24000}
    long = server.call("POST", "/v1/jobs", body, key)[1]
    assert "id" in long, long
    _wait(server, long["id"], ("running",))
    time.sleep(0.5)
    server.kill()
    with Store(url) as store:
        assert store.get_job(long["id"])["status"] == "running"  # nobody was left to say otherwise
    time.sleep(2.5)  # the orphaned worker notices its server is gone and stops; the job's lease expires
    server = Server(url, "--job-lease", "2")
    try:
        interrupted = server.call("GET", f"/v1/jobs/{long['id']}")[1]
        assert interrupted["status"] == "failed" and "interrupted" in interrupted["error"]
        assert server.call("GET", "/v1/scenarios/more-demand")[0] == 200
        status, result = server.call("GET", f"/v1/jobs/{quick['id']}/result")
        assert status == 200 and result["scenario"] == "more-demand"
        time.sleep(1.0)
        runs = server.call("GET", "/v1/runs")[1]
        assert runs["total"] == 1 and runs["items"][0]["id"] == result["run_ids"][0]
        assert server.call("GET", f"/v1/jobs/{long['id']}")[1]["status"] == "failed"
    finally:
        server.stop()
