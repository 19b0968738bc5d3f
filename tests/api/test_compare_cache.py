"""Comparisons answered under load: keyed on the dataset's version (ETag, 304), computed a bounded number at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app
from corridor.api.deps import ServiceState, compute, dataset_version

TRIP = {"origin": "Xian", "destination": "Duisburg", "depart": "2026-03-01"}


def test_a_comparison_asked_again_with_its_etag_is_not_sent_again(tmp_path: Path) -> None:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 's.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as client:
        first = client.get("/v1/compare", params=TRIP)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and etag.startswith('"')
        again = client.get("/v1/compare", params=TRIP, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
        other = client.get("/v1/compare", params={**TRIP, "legs": "true"}, headers={"If-None-Match": etag})
        assert other.status_code == 200 and other.headers["ETag"] != etag  # another answer, another tag


def test_the_dataset_version_follows_its_files(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    before = dataset_version(folder)
    assert before == dataset_version(folder) and before != dataset_version(None)
    with (folder / "links.csv").open("a", encoding="utf-8") as links:
        links.write("\n")
    assert dataset_version(folder) != before  # a changed file: no answer of the old dataset is taken for it


def test_computations_run_compute_threads_at_once(tmp_path: Path) -> None:
    state = ServiceState(ServiceSettings(store=f"sqlite:///{tmp_path / 's.sqlite'}", job_workers=0, compute_threads=2))
    running, most = [0], [0]
    lock = threading.Lock()

    def work() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    async def many() -> None:
        await asyncio.gather(*(compute(state, work) for _ in range(8)))

    asyncio.run(many())
    assert most[0] == 2
