"""The REST service under load on loopback, and the time from submitting a job to its result.

Run through the single entry point:  .venv-bench/bin/python benchmarks/run.py --only service [--quick]

1. ``GET /v1/compare`` with 50 concurrent clients (one asyncio loop, httpx2 keep-alive connections) against
   ``corridor serve`` (uvicorn, uvloop, httptools) with one server process, then two (``--workers 2``), for a fixed
   time: latency p50/p95/p99 and throughput, for
   - the same request repeated (Xi'an to Duisburg: answered from the server's comparison cache), and
   - distinct origin-destination pairs, each asked once (every request runs the routing engine).
   Peers, on the same machine in the same run: the same bytes served by a bare Starlette app on the same uvicorn
   (the HTTP stack's floor, for the repeated request), and ``routing.compare`` called in this process, one pair
   after the other (the engine without HTTP, for the distinct pairs).
2. Jobs (``--only jobs``, a section of its own): ``POST /v1/jobs`` for simulations (1,000 and 100,000 shipments)
   and a scenario run (base-2024, 1,200 samples), polled every 10 ms until done; against the same computation
   called in this process (the overhead, whose goal is under 100 ms).
The load generator runs on the same 2 cores as the server, so the figures are a lower bound of what the server
does alone.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import corridor
from corridor.dataset.csvfolder import load_network
from corridor.routing.search import compare

CLIENTS = 50
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Load:
    label: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    #: CPU time the server's processes spent per request (ms), None where /proc is not there
    server_cpu_ms: float | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@dataclass
class Outcome:
    loads: list[Load] = field(default_factory=list)
    engine_per_s: float = 0.0
    versions: str = ""
    pairs: list[str] = field(default_factory=list)
    candidates: int = 0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Process:
    def __init__(self, command: list[str], url: str, env: dict[str, str] | None = None) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self.log, cwd=ROOT, env=env)
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{command} did not answer")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


BARE = """
import json, os, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
body = open(os.environ["BARE_BODY"], "rb").read()
answers = {}
if os.environ.get("BARE_ANSWERS"):
    answers = {k: v.encode() for k, v in json.load(open(os.environ["BARE_ANSWERS"], encoding="utf-8")).items()}
async def compare(request):
    found = answers.get(request.url.path + "?" + request.url.query, body)
    return Response(found, media_type="application/json")
app = Starlette(routes=[Route("/v1/compare", compare), Route("/healthz", compare)])
if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BARE_PORT"]), log_level="warning", timeout_keep_alive=5)
"""


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) of process ``pid`` and of its descendants now alive, from /proc."""
    try:
        stats = {int(e.name): (e / "stat").read_text() for e in Path("/proc").iterdir() if e.name.isdigit()}
    except OSError:
        return None
    parent, spent = {}, {}
    for p, text in stats.items():
        fields = text.rsplit(")", 1)[1].split()
        parent[p], spent[p] = int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if pid not in spent:
        return None
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, pp in parent.items() if pp == p and c not in tree]
    return sum(spent[p] for p in tree)


def _measured(server: _Process, base: str, paths: list[str], seconds: float, label: str, *, repeat: bool) -> Load:
    """A load on ``server``, with the CPU time its processes spent per request."""
    before = _tree_cpu(server.process.pid)
    load = asyncio.run(_load(base, paths, seconds, label, repeat=repeat))
    after = _tree_cpu(server.process.pid)
    if before is not None and after is not None and load.requests:
        load.server_cpu_ms = (after - before) / load.requests * 1000
    return load


async def _load(base: str, paths: list[str], seconds: float, label: str, *, repeat: bool) -> Load:
    import httpx2

    latencies: list[float] = []
    errors = 0
    queue = list(reversed(paths))
    stop_at = time.perf_counter() + seconds
    limits = httpx2.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)

    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one_client() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                if repeat:
                    path = paths[0]
                elif queue:
                    path = queue.pop()
                else:
                    return
                start = time.perf_counter()
                answer = await client.get(path)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += answer.status_code != 200

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        took = time.perf_counter() - began
    return Load(label, len(latencies), took, latencies, errors)


def _pairs(limit: int) -> tuple[list[str], float, int]:
    """Distinct origin-destination pairs with a route, as request paths, the engine's pairs per second and the
    number of candidate pairs they are drawn from.

    The pairs are drawn at random (a fixed seed) from every pair of places in two countries, in a random order:
    the requests a server gets from many users, not one origin's destinations after another's. The engine is
    timed as the server runs it (its compiled kernels loaded, :func:`corridor.api.preload.warm`).
    """
    import random

    from corridor.api.preload import warm

    net = load_network()
    places = [p for p in net.places if p.kind in ("city", "port", "terminal", "hub")]
    candidates = [(a.id, b.id) for a in places for b in places if a.country != b.country]
    random.Random(20).shuffle(candidates)
    warm(net)
    compare(net, "Xian", "Duisburg")  # warm
    good = []
    took = 0.0
    for a, b in candidates:
        start = time.perf_counter()
        try:
            compare(net, a, b)
        except corridor.CorridorError:
            continue
        took += time.perf_counter() - start
        good.append(f"/v1/compare?origin={a}&destination={b}")
        if len(good) == limit:
            break
    return good, len(good) / took, len(candidates)


def bench(quick: bool) -> Outcome:
    out = Outcome()
    seconds = 5.0 if quick else 15.0
    out.versions = f"corridor {corridor.__version__}, uvicorn {version('uvicorn')}, httpx2 {version('httpx2')}"
    load_before, cpu_before = os.getloadavg()[0], _cpu_sample()
    with tempfile.TemporaryDirectory() as folder:
        store = f"sqlite:///{folder}/bench.sqlite"
        port = _port()
        server = _Process(
            [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--store", store],
            f"http://127.0.0.1:{port}/healthz",
        )
        base = f"http://127.0.0.1:{port}"
        try:
            path = "/v1/compare?origin=Xian&destination=Duisburg"
            body = Path(folder) / "compare.json"
            import urllib.request

            with urllib.request.urlopen(base + path) as answer:
                body.write_bytes(answer.read())
            asyncio.run(_load(base, [path], 2.0, "warm-up", repeat=True))
            out.loads.append(_measured(server, base, [path], seconds, "corridor, repeated request", repeat=True))
            pairs, out.engine_per_s, out.candidates = _pairs(400 if quick else 1200)
            out.pairs = pairs
            out.loads.append(_measured(server, base, pairs, seconds * 4, "corridor, distinct pairs", repeat=False))
            answers = Path(folder) / "answers.json"
            import json

            kept = {}
            for pair in pairs:  # the bytes corridor answered, for the bare peer to serve (from the server's cache)
                with urllib.request.urlopen(base + pair) as answer:
                    kept[pair] = answer.read().decode()
            answers.write_text(json.dumps(kept), encoding="utf-8")
        finally:
            server.stop()
        port = _port()
        server = _Process(
            [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--store", store, "--workers", "2"],
            f"http://127.0.0.1:{port}/healthz",
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_listening(port, 2)  # /healthz answers once the first process has started
            asyncio.run(_load(base, [path], 2.0, "warm-up", repeat=True))
            out.loads.append(
                _measured(server, base, [path], seconds, "corridor --workers 2, repeated request", repeat=True)
            )
            out.loads.append(
                _measured(server, base, pairs, seconds * 4, "corridor --workers 2, distinct pairs", repeat=False)
            )
        finally:
            server.stop()
        script = Path(folder) / "bare.py"
        script.write_text(BARE, encoding="utf-8")
        bare_port = _port()
        env = {**os.environ, "BARE_BODY": str(body), "BARE_PORT": str(bare_port)}
        bare = _Process([sys.executable, str(script)], f"http://127.0.0.1:{bare_port}/healthz", env=env)
        try:
            bare_base = f"http://127.0.0.1:{bare_port}"
            asyncio.run(_load(bare_base, [path], 2.0, "warm-up", repeat=True))
            out.loads.append(_measured(bare, bare_base, [path], seconds, "bare Starlette, same bytes", repeat=True))
        finally:
            bare.stop()
        # the distinct pairs' answers served by the bare app on two uvicorn workers, as corridor --workers 2
        bare_port = _port()
        env = {**env, "BARE_ANSWERS": str(answers), "BARE_PORT": str(bare_port)}
        command = [sys.executable, "-m", "uvicorn", "--app-dir", folder, "bare:app", "--workers", "2"]
        command += ["--port", str(bare_port), "--log-level", "warning", "--timeout-keep-alive", "5"]
        bare = _Process(command, f"http://127.0.0.1:{bare_port}/healthz", env=env)
        try:
            bare_base = f"http://127.0.0.1:{bare_port}"
            asyncio.run(_load(bare_base, [path], 2.0, "warm-up", repeat=True))
            label = "bare Starlette --workers 2, distinct pairs, same bytes"
            out.loads.append(_measured(bare, bare_base, pairs, seconds * 4, label, repeat=False))
        finally:
            bare.stop()
    out.versions += f", {_machine_load(load_before, cpu_before)}"
    return out


def _cpu(load: Load) -> str:
    return "?" if load.server_cpu_ms is None else f"{load.server_cpu_ms:.1f}"


def _machine_load(before: float, cpu_before: tuple[float, float, float] | None = None) -> str:
    """The 1-minute load average at the start and at the end (which counts the benchmark's own processes), and,
    given the CPU sample taken at the start, the cores other processes kept busy meanwhile."""
    after = os.getloadavg()[0]
    text = f"load average {before:.1f} before, {after:.1f} after"
    others = _others_since(cpu_before) if cpu_before is not None else None
    if others is None:
        busy = "busy: other processes ran meanwhile" if max(before, after) > 1.5 else "quiet"
        return f"{text}, machine {busy}"
    busy = "busy" if others > 0.2 else "otherwise close to idle"
    return (
        f"{text}; other processes kept {others:.2f} of {os.cpu_count()} cores busy on average during the run "
        f"(from /proc/stat, less the CPU time of this process and of the servers it ran): machine {busy}"
    )


def _cpu_sample() -> tuple[float, float, float] | None:
    """(machine busy seconds, this process's and its waited-for children's seconds, wall time); None off Linux."""
    try:
        first = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    own = os.times()
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    return busy, own.user + own.system + own.children_user + own.children_system, time.perf_counter()


def _others_since(start: tuple[float, float, float] | None) -> float | None:
    """Cores kept busy by other processes since ``start``, on average (the servers, stopped and waited for by
    now, count as this process's)."""
    end = _cpu_sample()
    if start is None or end is None or end[2] <= start[2]:
        return None
    return max(0.0, (end[0] - start[0]) - (end[1] - start[1])) / (end[2] - start[2])


def _wait_listening(port: int, sockets: int, seconds: float = 120.0) -> None:
    """Until ``sockets`` sockets listen on ``port`` (each ``--workers`` process listens once it has started)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        except OSError:  # not Linux: give the processes time to start
            time.sleep(10)
            return
        if sum(1 for r in rows if int(r[1].rsplit(":", 1)[1], 16) == port and r[3] == "0A") >= sockets:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{sockets} processes did not listen on port {port} within {seconds:.0f} s")


#: the jobs timed: what is asked, as the report names it
JOBS = {
    "simulate-small": (
        {"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "samples": 1000},
        "simulation, 1,000 shipments",
    ),
    "simulate": (
        {"kind": "simulate", "origin": "Xian", "destination": "Duisburg", "samples": 100_000},
        "simulation, 100,000 shipments",
    ),
    "scenario": ({"kind": "scenario", "scenario": "base-2024", "samples": 1200}, "scenario base-2024, 1,200 samples"),
}
#: seconds between two polls of a job's status (the client's choice; the overhead includes half of it on average)
POLL_SECONDS = 0.01


@dataclass
class JobTiming:
    kind: str
    label: str
    via_s: list[float]
    local_s: list[float]

    @property
    def overhead_s(self) -> float:
        """Median over the repeats of submit-to-result minus the in-process time measured next to it."""
        return statistics.median(v - local for v, local in zip(self.via_s, self.local_s, strict=True))


def bench_jobs(quick: bool) -> tuple[list[JobTiming], str]:
    """Each job of :data:`JOBS` through ``corridor serve`` (submit, poll, result) and in this process."""
    import json
    import urllib.request

    from corridor.api.jobs import execute
    from corridor.api.preload import warm
    from corridor.store.database import Store

    repeats = 5 if quick else 9
    load_before = os.getloadavg()[0]
    net = load_network()
    warm(net)
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        store_url = f"sqlite:///{folder}/jobs.sqlite"
        with Store(store_url) as s:
            key = s.create_api_key("bench")[1]
        port = _port()
        server = _Process(
            [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--store", store_url],
            f"http://127.0.0.1:{port}/healthz",
        )
        base = f"http://127.0.0.1:{port}"
        local_store = Store(store_url)

        def via(body: dict[str, object]) -> float:
            request = urllib.request.Request(
                base + "/v1/jobs",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "X-API-Key": key},
            )
            start = time.perf_counter()
            with urllib.request.urlopen(request) as answer:
                job = json.loads(answer.read())
            while job["status"] in ("queued", "running"):
                time.sleep(POLL_SECONDS)
                with urllib.request.urlopen(f"{base}/v1/jobs/{job['id']}") as answer:
                    job = json.loads(answer.read())
            with urllib.request.urlopen(f"{base}/v1/jobs/{job['id']}/result") as answer:
                answer.read()
            took = time.perf_counter() - start
            assert job["status"] == "succeeded", job
            return took

        def local(body: dict[str, object]) -> float:
            params = {**_defaults(body), **body}
            start = time.perf_counter()
            execute(params, net, local_store, lambda fraction, stage: None)
            return time.perf_counter() - start

        try:
            time.sleep(2.0)  # the forkserver loads and warms the network after the server answers
            for kind, (body, label) in JOBS.items():
                via(body), local(body)  # warm-up
                timing = JobTiming(kind, label, [], [])
                for _ in range(repeats):
                    timing.via_s.append(via(body))
                    timing.local_s.append(local(body))
                timings.append(timing)
        finally:
            local_store.close()
            server.stop()
    about = f"corridor {corridor.__version__}, {repeats} runs each after a warm-up, {_machine_load(load_before)}"
    return timings, about


def _defaults(body: dict[str, object]) -> dict[str, object]:
    """A job's parameters as the API stores them (the model's defaults filled in)."""
    from pydantic import TypeAdapter

    from corridor.api.models import JobRequest

    parsed = TypeAdapter(JobRequest).validate_python(body)
    return dict(parsed.model_dump())


def _para(text: str) -> list[str]:
    return textwrap.wrap(text, 116, break_on_hyphens=False)


#: what the service measured before the work on the engine's time per pair (issue 20), for comparison
HISTORY = (
    "Before (this benchmark on the same machine, quiet, an hour earlier, on the code of 9d7b3cd: without the "
    "compiled comparison walk, the kept uniforms, trees and percentiles, the plain ASGI middleware, the key "
    "check of anonymous reads on the event loop and the workers on sockets of their own): `--workers 2` on "
    "these distinct pairs 194 requests a second, p95 373 ms; repeated request 998 requests a second, p95 154 ms "
    "(one process). The engine took 5.3-5.8 ms of CPU a pair (1.6-1.8 ms at 6ddcf09), `np.percentile` and the "
    "numpy walk most of it; uvicorn's shared socket left 46 of the 50 connections on one of the two processes. "
    "On the pairs drawn before (the first 1,200 in order, one origin after another), 120 requests a second and "
    "a p95 of 1,047 ms (load average 0.3 at the start of that run), and 124 and 1,074 ms in the report before (load "
    "average 3.6). At 6ddcf09 (before the uniforms' columns were kept for every count a server times, with the "
    "normal quantiles of the lognormal stages, the chunk seeds and numpy's percentile steps, and before a route was "
    "built from its arcs' figures read at once; reliability/streams.py): `--workers 2` on these distinct pairs "
    "544 requests a second, p95 158 ms, 2.8 ms of server CPU a request, the engine 1.6 ms a pair."
)


def report_section(outcome: Outcome, command: str) -> str:
    lines = [
        "## Service: the REST API under load",
        "",
        *_para(
            f"Measured by `{command}` ({os.cpu_count()} cores; {outcome.versions}). {CLIENTS} concurrent clients "
            "in one asyncio loop on keep-alive connections to `corridor serve` (one process, then `--workers 2`) on "
            "loopback; the "
            "load generator shares the two cores with the server. Latency is from sending a request to reading "
            "its whole answer."
        ),
        "",
        "| server and requests | requests | throughput (req/s) | p50 ms | p95 ms | p99 ms | non-200 "
        "| server CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for load in outcome.loads:
        cpu = "" if load.server_cpu_ms is None else f"{load.server_cpu_ms:.2f}"
        lines.append(
            f"| {load.label} | {load.requests:,} | {load.throughput:,.0f} | {load.pct(50):.1f} | {load.pct(95):.1f} "
            f"| {load.pct(99):.1f} | {load.errors} | {cpu} |"
        )
    by = {load.label: load for load in outcome.loads}
    repeated, bare = by["corridor, repeated request"], by["bare Starlette, same bytes"]
    distinct = by["corridor, distinct pairs"]
    two = by["corridor --workers 2, distinct pairs"]
    peer = by["bare Starlette --workers 2, distinct pairs, same bytes"]
    goal = "met" if repeated.pct(95) < 100 else "not met"
    lines += [
        "",
        *_para(
            f"Repeated request: {repeated.throughput / bare.throughput:.2f}x the throughput of a bare Starlette app "
            f"serving the same bytes on the same uvicorn (p95 {repeated.pct(95):.1f} ms against "
            f"{bare.pct(95):.1f} ms); the difference is corridor's middleware (API key and read access, body "
            f"limit, security headers), query validation and the cache lookup. The goal of p95 under 100 ms with "
            f"50 clients on 2 cores is {goal} for this request."
        ),
        "",
        *_para(
            f"Distinct pairs (every answer computed): {distinct.throughput:,.0f} requests a second, "
            f"{distinct.throughput / outcome.engine_per_s:.2f}x the rate of `routing.compare` called in one process "
            f"without HTTP ({outcome.engine_per_s:,.0f} pairs a second, {1000 / outcome.engine_per_s:.1f} ms a "
            f"pair, the compiled kernels loaded as in a server); p95 {distinct.pct(95):.0f} ms. The pairs are "
            f"{len(outcome.pairs):,} of the {outcome.candidates:,} pairs of places (cities, ports, terminals, hubs) "
            "in two countries, drawn at random with a fixed seed and asked in that random order, each once: every "
            "answer is computed, none comes from the comparison cache (each server process grows at start the "
            "shortest-path trees of the default comparison from every place, so the routes are read off them; the "
            "Monte Carlo timing of every route is computed for each request). Each process computes "
            "`compute_threads` (2) requests at once (the others wait for a thread), in threads off the event loop; "
            "the answers carry no legs unless asked (`legs=true`). 'server CPU ms/request' is the CPU time of the "
            "server's processes over the requests of the run (from /proc): it does not depend on what else the "
            "machine runs."
        ),
        "",
        *_para(
            f"Goal, `--workers 2` (two server processes on the port, each listening on a socket of its own, so that "
            f"the kernel spreads the clients' connections over both) on distinct pairs: p95 {two.pct(95):.0f} ms, "
            f"{two.throughput:,.0f} requests a second, against a bare Starlette app on two uvicorn workers serving "
            f"the same answers' bytes, pair by pair, in the same run (p95 {peer.pct(95):.0f} ms, "
            f"{peer.throughput:,.0f} requests a second): the 100 ms goal is "
            f"{'met' if two.pct(95) < 100 else 'not met'}. With 50 clients always waiting for an answer, a p95 "
            f"under 100 ms needs about {50 / 0.075:,.0f} answers a second; each costs "
            f"{_cpu(two)} ms of server CPU (the engine's {1000 / outcome.engine_per_s:.1f} ms, then HTTP, "
            "FastAPI's parameters and dependencies, the hand-off to a compute thread and the interpreter lock that "
            "the event loop and the compute threads share), and the load generator shares the two cores."
        ),
        "",
        *_para(HISTORY),
    ]
    return "\n".join(lines) + "\n"


def jobs_section(timings: list[JobTiming], about: str, command: str) -> str:
    """The report's section on jobs: submission to result against the same computation in process."""
    lines = [
        "## Jobs: submission to result",
        "",
        *_para(
            f"Measured by `{command}` ({os.cpu_count()} cores; {about}). `POST /v1/jobs` to `corridor serve` (one "
            f"job worker, SQLite store), then `GET /v1/jobs/{{id}}` every {POLL_SECONDS * 1000:.0f} ms until it has "
            "finished, then its result; against the same job's computation (`corridor.api.jobs.execute`, the same "
            "parameters) called in this process on a warm network, timed right after each job. A job runs in a "
            "process of its own, forked from a forkserver that has loaded the network and compiled the kernels "
            "(`corridor.api.preload`); the process opens the store, writes its progress and stores its result. "
            "Overhead = submit to result minus in process, median over the pairs of runs."
        ),
        "",
        "| job | submit to result | in process | overhead | overhead / in process | goal |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        via, local = statistics.median(t.via_s), statistics.median(t.local_s)
        goal = f"< 100 ms: {'met' if t.overhead_s < 0.1 else 'not met'}"
        lines.append(
            f"| {t.label} | {via * 1000:.0f} ms | {local * 1000:.0f} ms | {t.overhead_s * 1000:.0f} ms | "
            f"{t.overhead_s / local:.2f} | {goal} |"
        )
    lines += [
        "",
        *_para(
            "A scenario run's overhead is larger. Its submission checks the scenario by applying it (as its run "
            "does again), and the first run in a process loads the equilibrium's parallel kernels from numba's "
            "cache, starts their OpenMP threads and fills the caches kept with the base network (trade, "
            "durations), all of which this process did in its warm-up run. The forkserver loads the serial "
            "kernels, the network's records as rows (which applying a scenario copies, validating only the rows "
            "it changes) and the choice model; not the parallel kernels, which run on OpenMP threads that GNU "
            "OpenMP cannot carry across a fork (a forkserver that had run one would kill every job it forks). "
            "Before the rows and the choice model were kept (same machine, earlier run): the scenario job took "
            "159 ms in process and 115 ms of overhead."
        ),
        "",
        *_para(
            "Before the forkserver held the network (same machine, earlier run): 0.62 s from submission to the "
            "result of the 100,000-shipment simulation, which takes about 0.01-0.07 s in process; each job's "
            "process imported the engines' lazily imported modules, read and validated the dataset, built the "
            "virtual network and loaded the compiled kernels before it computed."
        ),
    ]
    return "\n".join(lines) + "\n"
