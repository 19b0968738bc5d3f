"""Warm processes: the server compiles its kernels before it answers, a job's process starts from a forkserver that
holds the network, and a job's process stops as soon as its server is gone (not only when the lease runs out)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from corridor.api import preload
from corridor.dataset.network import Network
from corridor.store.database import Store
from fixtures.server import Server


def test_warm_compiles_the_simulation_kernels(toy: Network) -> None:
    from corridor.reliability.kernels import walk

    preload.warm(toy)
    assert walk.signatures  # compiled (or loaded from numba's cache) before any request asks


def test_warm_keeps_the_rows_and_a_bad_choice_model_does_not_stop_it(toy: Network) -> None:
    from corridor.choice.logit import load_choice_model
    from corridor.errors import InvalidOptionError
    from corridor.scenarios.apply import _ROWS

    assert toy.path is not None
    (Path(toy.path) / "choice.yaml").write_text("model: [not, a, mapping]\n", encoding="utf-8")
    preload.warm(toy)  # the server still starts; the runs that read the model say what is wrong with it
    assert id(toy) in _ROWS
    with pytest.raises(InvalidOptionError, match="not a choice model"):
        load_choice_model(toy)


def test_warm_loads_the_equilibriums_serial_kernels_and_no_parallel_one(toy: Network) -> None:
    import subprocess
    import sys

    # in a fresh process, as the forkserver is: a parallel kernel run there would start OpenMP threads, which GNU
    # OpenMP cannot carry across the fork of each job
    code = (
        "from corridor.dataset.csvfolder import load_network\n"
        "from corridor.api.preload import warm\n"
        "from corridor.assignment import kernels as k\n"
        f"warm(load_network({str(toy.path)!r}))\n"
        "print([bool(f.signatures) for f in (k.element_delay, k.element_integral, k.link_time, k._point_to_point)],"
        " [bool(f.signatures) for f in (k.skim, k._aon_parallel, k._price_trees)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.strip() == "[True, True, True, True] [False, False, False]", out.stderr


def test_a_job_takes_the_preloaded_network_only_if_it_is_the_one_asked(
    toy: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preload, "_preloaded", ("/data/toy", toy))
    assert preload.network_of("/data/toy") is toy
    assert preload.network_of(None) is not toy  # another dataset: read, not taken from the forkserver


def test_the_first_simulation_after_start_is_answered_warm(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'warm.sqlite'}")
    try:
        start = time.monotonic()
        status, data = server.call("GET", "/v1/simulate?origin=Xian&destination=Duisburg&corridor=middle&samples=4000")
        took = time.monotonic() - start
        assert status == 200 and data["samples"] == 4000
        assert took < 5, took  # compiling the kernels takes seconds on a cold cache: done before /healthz answered
    finally:
        server.stop()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_killed_servers_job_process_stops_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orphan.sqlite'}"
    with Store(url) as store:
        key = store.create_api_key("tests")[1]
    server = Server(url, "--job-lease", "60")  # the lease alone would let the orphan run on for a minute
    try:
        body = {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:2.9:0.1", "samples": 48_000}
        job = server.call("POST", "/v1/jobs", body, key)[1]
        assert "id" in job, job
        deadline = time.monotonic() + 60
        while server.call("GET", f"/v1/jobs/{job['id']}")[1]["status"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        # claimed (running) before its process is forked, which waits for the forkserver to have warmed up
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:
            workers = [pid for child in _children(server.process.pid) for pid in _children(child)]
            time.sleep(0.02)
        assert workers, "the job runs in a process forked from the server's forkserver"
    finally:
        server.kill()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
    with Store(url) as store:
        assert store.get_job(job["id"])["status"] == "running"  # nothing written after its server died
