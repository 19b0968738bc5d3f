"""Several ``corridor serve`` processes on one store (a SQLite file, the PostgreSQL test server): a job started on
one server survives another starting, a killed server's job is recovered only once its lease has expired,
concurrent submissions to both never pass ``max_active_jobs``, and ``--workers`` serves from several processes, the
connections of many clients spread over them."""

from __future__ import annotations

import http.client
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from corridor.store.database import Store
from fixtures.server import Server

SWEEP = {"kind": "sweep", "scenario": "base-2024", "param": "demand.scale=1:1.5:0.25", "samples": 3000}


def _key(url: str) -> str:
    with Store(url) as store:
        return store.create_api_key("tests")[1]


def _wait(server: Server, job_id: str, until: tuple[str, ...], seconds: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, job = server.call("GET", f"/v1/jobs/{job_id}")
        assert status == 200
        if job["status"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.get('status')} after {seconds} s")


def test_a_job_on_one_server_survives_another_starting(store_url: str) -> None:
    key = _key(store_url)
    first = Server(store_url, "--job-lease", "3")
    second = None
    try:
        body = {**SWEEP, "param": "demand.scale=1:1.95:0.05", "samples": 12_000}  # long enough to be seen running
        job = first.call("POST", "/v1/jobs", body, key)[1]
        _wait(first, job["id"], ("running",))
        second = Server(store_url, "--job-lease", "3")  # recovers expired leases on start: this one is live
        seen = second.call("GET", f"/v1/jobs/{job['id']}")[1]
        assert seen["status"] in ("running", "succeeded"), seen
        done = _wait(second, job["id"], ("succeeded", "failed", "cancelled"))
        assert done["status"] == "succeeded", done
        status, result = second.call("GET", f"/v1/jobs/{job['id']}/result")
        assert status == 200 and len(result["runs"]) == 20
        assert second.call("GET", "/v1/runs")[1]["total"] == 20
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_a_killed_servers_job_is_recovered_only_after_its_lease(store_url: str) -> None:
    key = _key(store_url)
    doomed = Server(store_url, "--job-lease", "4")
    other = Server(store_url, "--job-lease", "4", "--job-workers", "0")
    try:
        body = {**SWEEP, "param": "demand.scale=1:1.95:0.05", "samples": 48_000}  # several seconds: alive when killed
        job = doomed.call("POST", "/v1/jobs", body, key)[1]
        _wait(other, job["id"], ("running",))
        doomed.kill()
        killed = time.monotonic()
        # within the lease the other server leaves the job alone
        time.sleep(1.0)
        assert other.call("GET", f"/v1/jobs/{job['id']}")[1]["status"] == "running"
        failed = _wait(other, job["id"], ("failed", "succeeded"), seconds=20)
        took = time.monotonic() - killed
        assert failed["status"] == "failed" and "lease expired" in failed["error"], failed
        assert 2.5 < took < 12, took
        time.sleep(1.0)  # the orphaned worker, if any were left, would have written by now
        assert other.call("GET", "/v1/runs")[1]["total"] == 0
        assert other.call("GET", f"/v1/jobs/{job['id']}")[1]["status"] == "failed"
    finally:
        doomed.stop()
        other.stop()


def test_concurrent_posts_to_two_servers_never_pass_the_limit(store_url: str) -> None:
    key = _key(store_url)
    servers = [Server(store_url, "--job-workers", "0") for _ in range(2)]  # jobs stay queued
    body = {"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "samples": 1000}
    try:
        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(lambda i: servers[i % 2].call("POST", "/v1/jobs", body, key), range(40)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [202] * 20 + [422] * 20, statuses
        refused = [answer for status, answer in answers if status == 422]
        assert all(a["error"]["limit"] == "max_active_jobs" for a in refused)
        assert servers[1].call("GET", "/v1/jobs?status=queued")[1]["total"] == 20
    finally:
        for server in servers:
            server.stop()


def test_workers_serve_from_several_processes(store_url: str) -> None:
    key = _key(store_url)
    server = Server(store_url, "--workers", "2", "--job-lease", "3")
    try:
        job = server.call("POST", "/v1/jobs", {**SWEEP, "param": "demand.scale=1:1.25:0.25"}, key)[1]
        assert _wait(server, job["id"], ("succeeded", "failed"))["status"] == "succeeded"
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: server.call("GET", "/healthz"), range(32)))
        assert all(status == 200 for status, _ in answers)
    finally:
        server.stop()


def _sockets(port: int, state: str) -> set[str]:
    """The inodes of the TCP sockets on local ``port`` in ``state`` (01 established, 0A listening), from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _established(port: int) -> dict[int, int]:
    """Established connections to ``port`` by the process that holds them (sockets by inode)."""
    inodes = _sockets(port, "01")
    held: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [link.readlink().name for link in (entry / "fd").iterdir()]
        except OSError:
            continue
        count = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
        if count:
            held[int(entry.name)] = count
    return held


@pytest.mark.skipif(sys.platform != "linux", reason="reads the connections from /proc")
def test_workers_share_the_connections_of_many_clients(store_url: str) -> None:
    """Clients that connect at once land on both processes (each listens on a socket of its own: the kernel
    spreads the connections), not all on whichever process woke first."""
    server = Server(store_url, "--workers", "2", "--job-workers", "0")
    clients = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=30) for _ in range(24)]
    try:
        deadline = time.monotonic() + 60  # a process listens once it has started (warm): until then, the others
        while len(_sockets(server.port, "0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        for client in clients:
            client.connect()
        for client in clients:  # keep-alive: each connection stays with the process that accepted it
            client.request("GET", "/healthz")
            answer = client.getresponse()
            answer.read()
            assert answer.status == 200
        held = _established(server.port)
        held.pop(server.process.pid, None)
        assert sorted(held.values()) != [24] and len(held) == 2, held
        assert sum(held.values()) == 24
    finally:
        for client in clients:
            client.close()
        server.stop()


def test_workers_on_a_port_another_program_holds_stop_with_a_message(store_url: str) -> None:
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--store", store_url]
        done = subprocess.run([*command, "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
