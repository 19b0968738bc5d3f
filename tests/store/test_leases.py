"""Job leases and admission on one store shared by several servers, on SQLite and PostgreSQL: a job is claimed
once, a live lease is never recovered, an expired one is, a worker that lost its lease commits nothing, and
concurrent submissions never pass ``max_active_jobs``."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from corridor.api.jobs import _work
from corridor.dataset.network import Network
from corridor.errors import LimitError
from corridor.scenarios.files import load_scenario
from corridor.scenarios.run import ScenarioResult, run_scenario
from corridor.store.database import Store


@pytest.fixture(scope="module")
def result(eurasia: Network) -> ScenarioResult:
    return run_scenario(eurasia, load_scenario("kuryk-6mt", eurasia), samples=1200)


def _queue(store: Store, n: int) -> list[str]:
    return [store.create_job("simulate", {"kind": "simulate", "n": i}, created_by=None)["id"] for i in range(n)]


def test_concurrent_claims_take_each_job_once(store_url: str) -> None:
    with Store(store_url) as store:
        queued = set(_queue(store, 30))
    stores = [Store(store_url) for _ in range(6)]  # six servers
    claimed: list[list[str]] = [[] for _ in stores]
    start = threading.Barrier(len(stores))

    def claim(i: int) -> None:
        start.wait()
        while got := stores[i].claim_jobs(f"server-{i}", 2, lease_seconds=30):
            claimed[i].extend(got)

    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            list(pool.map(claim, range(len(stores))))
        every = [job for jobs in claimed for job in jobs]
        assert sorted(every) == sorted(queued)  # each job claimed, and by one server only
        for i, jobs in enumerate(claimed):
            for job_id in jobs:
                row = stores[0].get_job(job_id)
                assert row["status"] == "running" and row["owner"] == f"server-{i}" and row["lease_until"]
    finally:
        for s in stores:
            s.close()


def test_only_an_expired_lease_is_recovered(store_url: str) -> None:
    with Store(store_url) as store:
        live, lapsing = _queue(store, 2)
        assert store.claim_jobs("a", 1, lease_seconds=60) == [live]
        assert store.claim_jobs("b", 1, lease_seconds=0.5) == [lapsing]
        assert store.fail_expired_jobs() == 0  # both servers' leases hold: nothing touched
        assert store.renew_leases("a", [live], lease_seconds=60) == [live]
        time.sleep(0.8)
        assert store.fail_expired_jobs() == 1
        assert store.get_job(live)["status"] == "running"
        gone = store.get_job(lapsing)
        assert gone["status"] == "failed" and "lease expired" in gone["error"]
        assert store.renew_leases("b", [lapsing], lease_seconds=60) == []  # too late to renew
        assert not store.holds_lease(lapsing, "b") and store.holds_lease(live, "a")
        assert not store.holds_lease(live, "b")


def test_a_worker_that_lost_its_lease_commits_nothing(store_url: str, result: ScenarioResult) -> None:
    with Store(store_url) as store:
        (job,) = _queue(store, 1)
        store.claim_jobs("a", 1, lease_seconds=0.4)
        assert store.update_job(job, only_if=("running",), owner="a", progress=0.5)
        assert not store.update_job(job, only_if=("running",), owner="b", progress=0.6)  # not b's job
        assert not store.finish_job(job, {"ok": 1}, [result], owner="b")
        time.sleep(0.6)
        # the lease lapsed: no progress and no result, even before another server recovers the job
        assert not store.update_job(job, only_if=("running",), owner="a", progress=0.7)
        assert not store.finish_job(job, {"ok": 1}, [result], owner="a")
        assert store.count() == 0 and store.get_job(job)["progress"] == 0.5
        # cancelled while held: the lease is not renewed, the result refused
        (other,) = _queue(store, 1)
        store.claim_jobs("a", 1, lease_seconds=60)
        assert store.update_job(other, status="cancelled")
        assert store.renew_leases("a", [other], lease_seconds=60) == []
        assert not store.finish_job(other, {"ok": 1}, [result], owner="a")
        assert store.count() == 0


def test_a_worker_whose_server_stopped_renewing_stops_itself(store_url: str) -> None:
    """An orphaned worker (nobody renews its lease) stops within half a second of the lease lapsing, without
    writing a result, while it would otherwise run for a long time."""
    with Store(store_url) as store:
        job = store.create_job(
            "sweep",
            {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:2:0.25", "samples": 6000, "seed": 0},
            created_by=None,
        )["id"]
        store.claim_jobs("gone-server", 1, lease_seconds=2)
    context = multiprocessing.get_context("spawn")
    proc = context.Process(target=_work, args=(job, store_url, None, "gone-server"))
    started = time.monotonic()
    proc.start()
    proc.join(timeout=30)
    took = time.monotonic() - started
    alive = proc.is_alive()
    if alive:
        proc.kill()
        proc.join()
    # 4: stopped by its watch; 0: its next progress write was refused and it returned without a result
    assert not alive and proc.exitcode in (0, 4), f"exit code {proc.exitcode} after {took:.1f} s"
    assert took < 10
    with Store(store_url) as store:
        assert store.count() == 0
        assert store.get_job(job)["status"] == "running"  # left for recovery: the lease has expired
        assert store.fail_expired_jobs() == 1


@pytest.mark.parametrize("servers", [1, 4])
def test_concurrent_submissions_never_pass_the_limit(store_url: str, servers: int) -> None:
    stores = [Store(store_url) for _ in range(servers)]
    start = threading.Barrier(40)

    def submit(i: int) -> bool:
        start.wait()
        try:
            stores[i % servers].create_job("simulate", {"kind": "simulate"}, created_by=None, max_active=20)
        except LimitError as error:
            assert error.limit == "max_active_jobs" and error.maximum == 20
            return False
        return True

    try:
        with ThreadPoolExecutor(40) as pool:
            accepted = sum(pool.map(submit, range(40)))
        assert accepted == 20
        assert stores[0].list_jobs(status="queued")[1] == 20
        # a finished job frees its place
        stores[0].claim_jobs("a", 1, lease_seconds=30)
        (running,) = stores[0].list_jobs(status="running")[0]
        stores[0].update_job(running["id"], status="cancelled")
        stores[0].create_job("simulate", {"kind": "simulate"}, created_by=None, max_active=20)
        with pytest.raises(LimitError, match="max_active_jobs=20"):
            stores[0].create_job("simulate", {"kind": "simulate"}, created_by=None, max_active=20)
    finally:
        for s in stores:
            s.close()
