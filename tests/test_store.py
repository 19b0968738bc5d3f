"""The results store on SQLite and on a real PostgreSQL server: round trips, transactions, clear errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.errors import InvalidOptionError, StoreError
from corridor.network import Network
from corridor.runs import ScenarioResult, run_scenario
from corridor.scenarios import load_scenario
from corridor.store import Store, default_store_url


def _postgres_url() -> str:
    url = os.environ.get("CORRIDOR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CORRIDOR_REQUIRE_POSTGRES"):
            pytest.fail("CORRIDOR_REQUIRE_POSTGRES is set but CORRIDOR_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server: set CORRIDOR_TEST_POSTGRES_URL (.ci/run starts one)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        target = Store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    else:
        target = Store(_postgres_url())
        with target.engine.begin() as conn:  # a clean slate on the shared server
            conn.exec_driver_sql("DELETE FROM run_values")
            conn.exec_driver_sql("DELETE FROM runs")
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
