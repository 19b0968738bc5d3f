"""The results store on SQLite and on a real PostgreSQL server: round trips, transactions, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.dataset.network import Network
from corridor.errors import ConflictError, InvalidOptionError, NotFoundError, StoreError
from corridor.scenarios.files import load_scenario
from corridor.scenarios.run import ScenarioResult, run_scenario
from corridor.store.database import Store, default_store_url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    target = Store(store_url)
    yield target
    target.close()


@pytest.fixture(scope="module")
def result(eurasia: Network) -> ScenarioResult:
    return run_scenario(eurasia, load_scenario("kuryk-6mt", eurasia), samples=1200)


def test_round_trip(store: Store, result: ScenarioResult) -> None:
    run_id = store.save(result)
    stored = store.get(run_id)
    assert stored["scenario"] == "kuryk-6mt" and stored["seed"] == 0 and stored["version"] == result.version
    assert stored["outputs"]["volumes_mt"] == result.volumes_mt
    assert stored["inputs"]["name"] == "kuryk-6mt" and stored["inputs"]["bases"] == ["base-2024"]
    values = store.run_values(run_id)
    assert values["volumes_mt"] == pytest.approx(result.volumes_mt)
    assert values["co2e_kt"]["total"] == pytest.approx(result.co2e_kt)
    assert [r["id"] for r in store.list()] == [run_id]


def test_a_crash_mid_write_leaves_nothing(store: Store, result: ScenarioResult) -> None:
    store.save(result)
    with pytest.raises(RuntimeError, match="simulated crash"):
        store.save(result, _fail_after_run_row=True)
    assert store.count() == 1


def test_list_pages_and_filters_and_delete(store: Store, result: ScenarioResult) -> None:
    ids = [store.save(result) for _ in range(5)]
    assert len(store.list(limit=2)) == 2 and len(store.list(limit=2, offset=4)) == 1
    assert store.list(scenario="nothing") == []
    store.delete(ids[0])
    assert store.count() == 4 and store.run_values(ids[0]) == {}
    with pytest.raises(InvalidOptionError, match="No run"):
        store.get(ids[0])
    with pytest.raises(InvalidOptionError, match="No run"):
        store.delete(ids[0])


def test_reopening_keeps_runs_and_schema(tmp_path: Path, result: ScenarioResult) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'runs.sqlite'}"
    with Store(url) as first:
        run_id = first.save(result)
    with Store(url) as second:
        assert second.get(run_id)["scenario"] == "kuryk-6mt"


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("not a url", InvalidOptionError, r"is not a database URL"),
        ("mysql://u@h/db", InvalidOptionError, r"only sqlite and postgresql"),
        ("postgresql://nobody:secret@127.0.0.1:1/none", StoreError, r"cannot be opened: OperationalError"),
    ],
)
def test_bad_store_urls(url: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        Store(url)
    assert "secret" not in str(caught.value)


def test_default_store_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CORRIDOR_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_store_url() == f"sqlite:///{tmp_path / 'corridor' / 'runs.sqlite'}"
    monkeypatch.setenv("CORRIDOR_STORE", "sqlite:///elsewhere.sqlite")
    assert default_store_url() == "sqlite:///elsewhere.sqlite"


def test_scenarios_are_stored_once_and_deleted_after_their_users(store: Store) -> None:
    store.save_scenario("a", "title: A\n", title="A", bases=["base-2024"], created_by="k1")
    store.save_scenario("b", "title: B\nbase: a\n", title="B", bases=["a"], created_by="k1")
    with pytest.raises(ConflictError, match="exists already"):
        store.save_scenario("a", "title: other\n", title="other", bases=[], created_by=None)
    assert store.get_scenario("a")["text"] == "title: A\n"  # the first text stays
    with pytest.raises(ConflictError, match="base of b"):
        store.delete_scenario("a")
    store.delete_scenario("b")
    store.delete_scenario("a")
    assert store.list_scenarios() == []
    with pytest.raises(NotFoundError, match="No stored scenario 'a'"):
        store.delete_scenario("a")


def test_jobs_move_only_forward(store: Store, result: ScenarioResult) -> None:
    job = store.create_job("scenario", {"kind": "scenario"}, created_by=None)
    assert job["status"] == "queued" and store.queued_jobs() == [job["id"]]
    assert store.update_job(job["id"], status="running")
    assert store.get_job(job["id"])["started_at"] is not None
    assert store.update_job(job["id"], status="cancelled")
    # a worker that finishes after the cancel keeps nothing
    assert not store.finish_job(job["id"], result.to_dict(), [result])
    assert store.count() == 0 and store.get_job(job["id"], with_result=True)["result"] is None
    second = store.create_job("scenario", {"kind": "scenario"}, created_by=None)
    store.update_job(second["id"], status="running")
    assert store.finish_job(second["id"], {"ok": 1}, [result])
    done = store.get_job(second["id"], with_result=True)
    assert done["status"] == "succeeded" and done["result"]["run_ids"] == done["run_ids"]
    assert store.get(done["run_ids"][0])["scenario"] == result.scenario
    third = store.create_job("simulate", {"kind": "simulate"}, created_by=None)
    store.update_job(third["id"], status="running")  # no owner, no lease: as a job left by an older server
    assert store.fail_expired_jobs() == 1
    failed = store.get_job(third["id"])
    assert failed["status"] == "failed" and "interrupted" in failed["error"]
    rows, total = store.list_jobs(limit=2)
    assert total == 3 and len(rows) == 2 and "result" not in rows[0]
    assert store.list_jobs(status="failed")[1] == 1
    with pytest.raises(NotFoundError, match="No job"):
        store.get_job("nothing")


def test_api_keys_are_hashed_and_revocable(store: Store) -> None:
    key_id, key = store.create_api_key("analyst")
    assert store.check_api_key(key) == key_id
    assert store.check_api_key(key + "x") is None and store.check_api_key("cor_nope_x") is None
    assert store.check_api_key("not a key") is None
    with store.engine.begin() as conn:
        stored = conn.exec_driver_sql("SELECT hash FROM api_keys").scalar_one()
    assert key not in stored and len(stored) == 64  # only the SHA-256 hex digest
    assert [k["name"] for k in store.list_api_keys()] == ["analyst"] and "hash" not in store.list_api_keys()[0]
    store.revoke_api_key(key_id)
    assert store.check_api_key(key) is None
    with pytest.raises(NotFoundError, match="No active API key"):
        store.revoke_api_key(key_id)


def test_concurrent_writers(store_url: str, result: ScenarioResult) -> None:
    """Eight threads, each with its own store, write scenarios, jobs and runs at once: every write lands."""
    from concurrent.futures import ThreadPoolExecutor

    def write(n: int) -> None:
        with Store(store_url) as mine:
            for i in range(5):
                mine.save_scenario(f"s{n}-{i}", "title: t\n", title="t", bases=[], created_by=None)
                job = mine.create_job("scenario", {"n": n}, created_by=None)
                mine.update_job(job["id"], status="running")
                mine.finish_job(job["id"], {"n": n}, [result])

    with Store(store_url):  # migrated before the threads start
        pass
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))
    with Store(store_url) as check:
        assert len(check.list_scenarios()) == 40 and check.count() == 40
        assert check.list_jobs(status="succeeded")[1] == 40
