"""Scale-out on a real Dask cluster: the same samples as a local run, a real scheduler, clear errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.reliability.engine import plan_route, simulate_plan
from corridor.reliability.fleet import crossing_from_network, size_fleet
from corridor.scaleout import dask_client, dask_map


def test_local_cluster_gives_the_same_samples(eurasia: Network) -> None:
    plan = plan_route(eurasia, corridor.route(eurasia, "Xian", "Duisburg", corridor="middle"))
    here = simulate_plan(plan, depart="2026-11-10", samples=300_000, seed=5)
    seen: list[tuple[int, int]] = []
    with dask_client(workers=2) as client:
        spread = simulate_plan(
            plan,
            depart="2026-11-10",
            samples=300_000,
            seed=5,
            samples_per_task=1 << 16,
            map_tasks=dask_map(client, progress=lambda done, total: seen.append((done, total))),
        )
        assert len(client.scheduler_info()["workers"]) == 2
        crossing = crossing_from_network(eurasia)
        fleet_here = size_fleet(crossing, volume_per_year=40_000, target_p90_wait_hours=96, ferries=[6, 8], seed=2)
        fleet_spread = size_fleet(
            crossing,
            volume_per_year=40_000,
            target_p90_wait_hours=96,
            ferries=[6, 8],
            seed=2,
            map_tasks=dask_map(client),
        )
    assert np.array_equal(here.hours, spread.hours)
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [c.mean_wait_hours for c in fleet_here.candidates] == [c.mean_wait_hours for c in fleet_spread.candidates]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real scheduler and worker, started as separate processes on loopback."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_cli_runs_on_a_real_scheduler(scheduler: str) -> None:
    args = ["simulate", "Xian", "Duisburg", "--corridor", "middle", "--depart", "2026-11-10", "--samples", "50000"]
    remote = subprocess.run(
        [sys.executable, "-m", "corridor", *args, "--json", "--scheduler", scheduler],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert remote.returncode == 0, remote.stderr
    local = subprocess.run(
        [sys.executable, "-m", "corridor", *args, "--json"], capture_output=True, text=True, timeout=120
    )
    assert json.loads(remote.stdout)["p90_days"] == json.loads(local.stdout)["p90_days"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1:8786", r"not of the form tcp://HOST:PORT"),
        ("tcp://127.0.0.1:1", r"Cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:1'"),
    ],
)
def test_bad_scheduler_is_named(address: str, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message), dask_client(scheduler=address, timeout_seconds=2):
        pass


def test_bad_worker_count() -> None:
    with pytest.raises(InvalidOptionError, match="workers must be at least 1"), dask_client(workers=0):
        pass
