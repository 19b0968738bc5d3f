"""/healthz checks that the store is the one opened: a SQLite file deleted or replaced while the server runs gives
503 with the reason, and every write (and read) is refused instead of being acknowledged and lost."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app
from corridor.errors import StoreError
from corridor.store.database import Store

YAML = "title: t\nbase: base-2024\n"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite"


@pytest.fixture
def client(path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceSettings(store=f"sqlite:///{path}", job_workers=0))) as c:
        yield c


def _remove(path: Path) -> None:
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)


def _unavailable(response: object, reason: str) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "store_unavailable" and reason in error["message"]


def test_health_is_ok_while_the_file_is_there(client: TestClient, path: Path) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["store"] == f"sqlite:///{path}"


def test_a_deleted_file_is_503_and_writes_are_refused(client: TestClient, path: Path) -> None:
    store: Store = client.app.state.corridor.store  # type: ignore[attr-defined]
    key = {"X-API-Key": store.create_api_key("t")[1]}
    assert client.post("/v1/scenarios", json={"name": "before", "yaml": YAML}, headers=key).status_code == 201
    _remove(path)
    _unavailable(client.get("/healthz"), "the database file is gone")
    _unavailable(client.post("/v1/scenarios", json={"name": "after", "yaml": YAML}, headers=key), "gone")
    _unavailable(client.post("/v1/jobs", json={"kind": "assign"}, headers=key), "gone")
    _unavailable(client.get("/v1/runs"), "gone")
    with pytest.raises(StoreError, match="the database file is gone"):
        store.save_scenario("direct", YAML, title="t", bases=[], created_by=None)
    assert not path.exists()  # no new, empty file opened in its place


def test_a_replaced_file_is_503(client: TestClient, path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    Store(f"sqlite:///{other}").close()
    _remove(path)
    shutil.copy(other, path)
    _unavailable(client.get("/healthz"), "replaced by another file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_file_is_503(client: TestClient, path: Path) -> None:
    path.chmod(0o444)
    try:
        _unavailable(client.get("/healthz"), "not writable")
    finally:
        path.chmod(0o644)


def test_the_store_answers_again_when_restored(client: TestClient, path: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite"
    path.rename(backup)
    _unavailable(client.get("/healthz"), "gone")
    backup.rename(path)  # the same file back (same inode)
    assert client.get("/healthz").status_code == 200


def test_postgresql_health_pings_the_server() -> None:
    from fixtures.stores import postgres_url

    with TestClient(create_app(ServiceSettings(store=postgres_url(), job_workers=0))) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        store: Store = c.app.state.corridor.store  # type: ignore[attr-defined]
        with Store(postgres_url()) as other, other.engine.connect() as conn:  # the app's connections dropped
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        assert store.engine.pool.checkedin() >= 1  # a dead connection waits in the pool
        assert c.get("/healthz").json()["status"] == "ok"  # pinged, replaced
