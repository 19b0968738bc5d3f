"""Background jobs: checked when submitted, run one per process, progress and results kept in the store.

A job goes queued -> running -> succeeded | failed | cancelled. The :class:`JobRunner` thread of the server claims
queued jobs (``job_workers`` at once) under a lease it renews, runs each in a process of its own, stops one on cancel
or after ``job_timeout_seconds``, and marks jobs whose lease expired (their server stopped) as failed. Each job's
process is forked from a forkserver that holds the network and the compiled kernels (:mod:`corridor.api.preload`):
it computes at once, and killing it touches no other job.
The process writes its progress to the store and saves its result (with any scenario runs) in one transaction, only
if its server still holds the job under a live lease: a job cancelled, failed or recovered meanwhile keeps nothing.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.api.models import SCENARIO_NAME
from corridor.errors import CorridorError, InvalidOptionError, LimitError, NotFoundError

if TYPE_CHECKING:
    from corridor.api.settings import Limits
    from corridor.dataset.network import Network
    from corridor.scenarios.files import BaseResolver, Scenario
    from corridor.scenarios.run import ScenarioResult
    from corridor.services.reliability import TripOptions
    from corridor.store.database import Store

__all__ = ["JobRunner", "execute", "instance_id", "load_named", "prepare", "store_resolver"]

Progress = Callable[[float, str], object]
#: imported once by the forkserver, so that a job's process starts with them loaded (and with the network, warm)
PRELOAD = [
    "corridor.api.jobs",
    "corridor.dataset.network",
    "corridor.routing.search",
    "corridor.routing.timing",
    "corridor.reliability.engine",
    "corridor.scenarios.run",
    "corridor.choice.logit",
    "corridor.assignment.solve",
    "corridor.model.freight",
    "corridor.store.database",
    "corridor.services.reliability",
    "corridor.services.sweeps",
    "corridor.services.flows",
    "alembic.command",
    "sqlalchemy.dialects.sqlite",
    "scipy.special",  # imported by the vectorized draws of some distributions (routes are timed with them)
    "corridor.reliability.vector",
    "corridor.services.power",
    "corridor.services.mapdata",
    "corridor.scenarios.apply",
    "corridor.scenarios.files",
    "corridor.scenarios.years",
    "corridor.assignment.kernels",
    "corridor.api.preload",  # last: with the runner's network named, loads and warms it (see start_forkserver)
]


# --- scenarios by name: the library, then the store -----------------------------------------------------------------


def store_resolver(store: Store) -> BaseResolver:
    """Bases by name: library scenarios, then scenarios stored through the API. Never file paths."""
    from corridor.scenarios.files import library_names, library_resolver

    def resolve(base: str) -> tuple[str, str, str, BaseResolver]:
        if base in library_names():
            return library_resolver(base)
        row = store.get_scenario(base)
        if row is None:
            names = [*library_names(), *(r["name"] for r in store.list_scenarios())]
            raise InvalidOptionError(
                f"Unknown base scenario {base!r}; a base is the name of a scenario ({', '.join(names)}), not a file."
            )
        return f"stored/{base}.yaml", f"store:{base}", str(row["text"]), resolve

    return resolve


def load_named(name: str, network: Network, store: Store) -> Scenario:
    """A library or stored scenario by name; :class:`NotFoundError` if there is none."""
    from corridor.scenarios.files import library_names, load_scenario, load_scenario_text

    if name in library_names():
        return load_scenario(name, network)
    if re.fullmatch(SCENARIO_NAME, name) is None:  # never sent to the store (a NUL byte upsets PostgreSQL)
        raise NotFoundError(f"No scenario {name[:70]!r}; see GET /v1/scenarios.")
    row = store.get_scenario(name)
    if row is None:
        raise NotFoundError(f"No scenario {name!r}; see GET /v1/scenarios.")
    return load_scenario_text(
        str(row["text"]), network, name=name, label=f"stored/{name}.yaml", resolve_base=store_resolver(store)
    )


# --- checking a job when it is submitted --------------------------------------------------------------------------


def _limit(value: float, maximum: float, limit: str, what: str) -> None:
    if value > maximum:
        raise LimitError(limit, value, maximum, what)


def prepare(params: dict[str, Any], network: Network, store: Store, limits: Limits) -> None:
    """Check a job before it is queued: limits, places, scenarios, sweep values. Raises a 4xx-worthy error."""
    kind = params["kind"]
    try:
        if kind == "simulate":
            from corridor.services.reliability import route_trip

            _limit(params["samples"], limits.max_job_samples, "max_job_samples", "samples")
            route_trip(network, _trip_options(params))
        elif kind in ("scenario", "sweep"):
            _limit(params["samples"], limits.max_scenario_samples, "max_scenario_samples", "samples")
            scenario = load_named(params["scenario"], network, store)
            if kind == "scenario":
                from corridor.scenarios.apply import check_scenario

                check_scenario(network, scenario)
            if kind == "sweep":
                from corridor.services.sweeps import parse_sweep, plan_sweep

                sweep = parse_sweep(network, params["param"], max_values=MAX_SWEEP_VALUES)
                _limit(len(sweep.values), limits.max_sweep_values, "max_sweep_values", "sweep values")
                plan_sweep(network, scenario, sweep)
        elif kind == "assign":
            _limit(params["max_iter"], limits.max_iterations, "max_iterations", "max_iter")
            if params.get("year") is not None:
                from corridor.scenarios.years import check_year

                check_year(network, params["year"])
            if params.get("scenario"):
                from corridor.scenarios.apply import check_scenario

                check_scenario(network, load_named(params["scenario"], network, store))
        elif kind in ("appraise", "portfolio", "centres"):
            _check_appraisal(params, network)
    except NotFoundError as error:
        raise InvalidOptionError(str(error)) from None


def _check_appraisal(params: dict[str, Any], network: Network) -> None:
    """Refuse an appraisal, portfolio or centres job that could not run: rates, budgets, projects, years, counts."""
    from corridor.appraisal.options import parse_budget, parse_rate, parse_span
    from corridor.scenarios.years import check_year

    kind = params["kind"]
    if kind == "appraise":
        from corridor.services.appraisal import resolve_target

        parse_rate(params["discount"])
        resolve_target(network, params["target"], allow_files=False)
        for year in params["years"]:
            check_year(network, year)
    elif kind == "portfolio":
        from corridor.appraisal.portfolio import check_window
        from corridor.appraisal.projects import projects_of

        parse_rate(params["discount"])
        check_window(parse_budget(params["budget"]), parse_span(params["years"]))
        projects_of(network, params.get("projects"))
        for year in params["equilibrium_years"]:
            check_year(network, year)
    else:
        check_year(network, params["year"])
        if params["corridor"] not in network.corridor_ids:
            raise InvalidOptionError(
                f"Unknown corridor {params['corridor']!r}; corridors: {', '.join(network.corridor_ids)}."
            )
        sites = params.get("candidates") or []
        for site in sites:
            network.place(site["place"])
        if sites and params["count"] > len(sites):
            names = ", ".join(site["place"] for site in sites)
            raise InvalidOptionError(f"count {params['count']} is more than the {len(sites)} candidate sites: {names}.")


def _appraisal(params: dict[str, Any], network: Network, progress: Progress) -> dict[str, Any]:
    """Run an appraisal, portfolio or centres job."""
    from corridor.appraisal.options import parse_budget, parse_rate, parse_span
    from corridor.services import appraisal

    kind = params["kind"]
    if kind == "appraise":
        result = appraisal.appraise_target(
            network,
            params["target"],
            horizon=params["horizon"],
            discount_rate=parse_rate(params["discount"]),
            years=tuple(params["years"]),
            samples=params["samples"],
            seed=params["seed"],
            allow_files=False,
            progress=progress,
        )
        return result.to_dict()
    if kind == "portfolio":
        return appraisal.portfolio_of(
            network,
            budget_usd=parse_budget(params["budget"]),
            years=parse_span(params["years"]),
            project_ids=params.get("projects"),
            discount_rate=parse_rate(params["discount"]),
            horizon=params["horizon"],
            anchor_years=tuple(params["equilibrium_years"]),
            progress=progress,
        )
    sites = params.get("candidates")
    progress(0.0, "equilibrium flows and the siting programs")
    data = appraisal.centres_of(
        network,
        count=params["count"],
        year=params["year"],
        corridor=params["corridor"],
        candidates=[(s["place"], s.get("capacity_t")) for s in sites] if sites else None,
        radius_km=params["radius_km"],
    )
    progress(1.0, "done")
    return data


# --- running a job (no I/O: the caller stores what this returns) ---------------------------------------------------

#: values a sweep parameter may give before the server's limit (max_sweep_values) is applied to them
MAX_SWEEP_VALUES = 10_000


def _trip_options(params: dict[str, Any]) -> TripOptions:
    """The trip of a simulation's parameters (a job's, or a query's)."""
    from corridor.services.reliability import TripOptions

    return TripOptions(
        origin=params["origin"],
        destination=params["destination"],
        corridor=params.get("corridor"),
        cargo=params["cargo"],
        avoid=params.get("avoid"),
        optimize=params["optimize"],
        depart=params.get("depart"),
        samples=params["samples"],
        seed=params["seed"],
        deadline=params.get("deadline"),
        arrive_by=params.get("arrive_by"),
    )


def execute(
    params: dict[str, Any], network: Network, store: Store, progress: Progress
) -> tuple[dict[str, Any], list[ScenarioResult]]:
    """Run a job; returns its result (JSON-ready) and the scenario runs to store with it."""
    from corridor.services.power import grid_network

    kind = params["kind"]
    grid_year = params.get("grid_year")
    if kind == "simulate":
        from corridor.services.reliability import simulate_trip, simulation_json

        network = grid_network(network, grid_year)
        return simulation_json(simulate_trip(network, _trip_options(params), progress=progress)), []
    if kind == "scenario":
        from corridor.scenarios.run import run_scenario

        scenario = load_named(params["scenario"], network, store)
        network = grid_network(network, grid_year, scenario=scenario)
        result = run_scenario(network, scenario, samples=params["samples"], seed=params["seed"], progress=progress)
        return result.to_dict(), [result]
    if kind == "sweep":
        return _sweep(params, network, store, progress)
    if kind == "assign":
        return _assign(params, network, store, progress), []
    if kind in ("appraise", "portfolio", "centres"):
        return _appraisal(params, network, progress), []
    raise InvalidOptionError(
        f"Unknown job kind {kind!r}; valid: appraise, assign, centres, portfolio, scenario, simulate, sweep"
    )


def _sweep(
    params: dict[str, Any], network: Network, store: Store, progress: Progress
) -> tuple[dict[str, Any], list[ScenarioResult]]:
    from corridor.services.sweeps import SweepOptions, parse_sweep, plan_sweep, run_sweep

    scenario = load_named(params["scenario"], network, store)
    planned = plan_sweep(network, scenario, parse_sweep(network, params["param"], max_values=MAX_SWEEP_VALUES))
    options = SweepOptions(samples=params["samples"], seed=params["seed"])
    swept = run_sweep(network, planned, options, progress=progress)
    result = {"scenario": swept.scenario, "param": swept.param, "values": list(swept.values), "runs": swept.runs()}
    return result, list(swept.results)


def _assign(params: dict[str, Any], network: Network, store: Store, progress: Progress) -> dict[str, Any]:
    from corridor.services.flows import DemandOptions, SolverOptions, assign_demand
    from corridor.services.power import grid_network

    name = params.get("scenario")
    scenario = load_named(name, network, store) if name else None
    network = grid_network(network, params.get("grid_year"), scenario=scenario)
    solver = SolverOptions(algorithm=params["algorithm"], gap=params["gap"], max_iter=params["max_iter"])
    return assign_demand(network, DemandOptions(year=params.get("year"), scenario=scenario), solver, progress=progress)


def clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null (PostgreSQL's JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return clean(value.item())
    return value


# --- the process that runs one job ---------------------------------------------------------------------------------


class LeaseLost(Exception):
    """The job is no longer this worker's: cancelled, failed, or recovered by another server after its lease."""


def _work(job_id: str, store_url: str, network_path: str | None, owner: str) -> None:
    """Entry point of a job's process: run it and store its progress and outcome, while its server holds it."""
    from corridor.api.preload import network_of
    from corridor.store.database import Store

    store = Store(store_url, migrate=False)  # its server migrated it
    _watch(job_id, store, owner)
    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2 or fraction >= 1.0:
            last[0] = now
            fields = {"progress": round(float(fraction), 4), "message": message[:300]}
            if not store.update_job(job_id, only_if=("running",), owner=owner, **fields):
                raise LeaseLost(job_id)

    def fail(error: str) -> None:
        store.update_job(job_id, only_if=("running",), owner=owner, status="failed", message="failed", error=error)

    try:
        job = store.get_job(job_id)
        network = network_of(network_path)  # forked from the forkserver: loaded and warm already
        result, runs = execute(dict(job["params"]), network, store, progress)
        store.finish_job(job_id, clean(result), runs, owner=owner)  # refused unless the lease still holds
    except LeaseLost:
        pass
    except CorridorError as error:
        fail(str(error)[:4000])
    except Exception as error:  # a bug: recorded on the job, not lost
        fail(f"internal error: {error!r}"[:4000])
    finally:
        store.close()


#: seconds between a worker's checks that its server is alive and still holds its job
WATCH_SECONDS = 0.5


def _watch(job_id: str, store: Store, owner: str) -> None:
    """Stop this process when the server that started it is gone or when the job is no longer its server's
    (cancelled, or its lease expired and another server recovered it): no orphan writes to the store after that.
    The result is also written only under a live lease (:meth:`Store.finish_job`).

    The server is watched through multiprocessing's parent sentinel, a pipe whose only writer is the server: it
    closes however the server ends, SIGKILL included. (The forkserver is no witness: it stays up while any job's
    process it forked is alive.)
    """
    from multiprocessing.connection import wait

    server = multiprocessing.parent_process()

    def watch() -> None:
        while True:
            if server is not None and wait([server.sentinel], timeout=WATCH_SECONDS):
                os._exit(3)
            if server is None:
                time.sleep(WATCH_SECONDS)
            with contextlib.suppress(CorridorError):  # the store unreachable for a moment: the lease decides
                if not store.holds_lease(job_id, owner):
                    os._exit(4)

    threading.Thread(target=watch, name="corridor-job-watch", daemon=True).start()


def instance_id() -> str:
    """A name for this server process, unique among the servers sharing a store: host, process id, random part."""
    import socket
    import uuid

    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class JobRunner:
    """Claims queued jobs and runs each in a process, renews their leases, cancels and times them out (a thread
    of the server).

    Every server sharing a store runs one (so does every worker of ``corridor serve --workers N``), under an
    ``owner`` id of its own. A job is claimed by one runner only; the runner renews its lease every third of
    ``lease_seconds`` and fails jobs whose lease has expired (their server stopped), never another live server's.
    """

    def __init__(
        self,
        store: Store,
        *,
        network: Path | None,
        workers: int,
        timeout_seconds: float,
        lease_seconds: float = 30.0,
    ) -> None:
        self.store = store
        self.network = str(network) if network is not None else None
        self.workers = workers
        self.timeout = timeout_seconds
        self.lease = lease_seconds
        self.owner = instance_id()
        self._procs: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(PRELOAD)
        self._renewed = 0.0
        self.interrupted = 0

    def start(self) -> None:
        if self.workers > 0:  # the forkserver loads and warms the network while the server starts
            from corridor.api.preload import start_forkserver

            start_forkserver(self.network)
        self.interrupted = self.store.fail_expired_jobs()
        # with no workers too: the thread also recovers the jobs of stopped servers once their leases expire
        self._thread = threading.Thread(target=self._loop, name="corridor-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; this server's jobs still running are stopped and marked failed (it is shutting down)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            for job_id, (proc, _) in list(self._procs.items()):
                proc.kill()
                proc.join(timeout=5)
                self.store.update_job(
                    job_id,
                    only_if=("running",),
                    owner=self.owner,
                    status="failed",
                    message="interrupted",
                    error="the server stopped",
                )
            self._procs.clear()

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> int:
        return len(self._procs)

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job (of this server or another: its worker sees it and stops); ``False`` if
        it had finished already."""
        done = self.store.update_job(job_id, status="cancelled", message="cancelled")
        with self._lock:
            entry = self._procs.pop(job_id, None)
        if entry is not None:
            entry[0].kill()
            entry[0].join(timeout=5)
        return done

    def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(CorridorError):  # the store is unreachable for a moment: next tick
                self._tick()
            self._wake.wait(0.25)
            self._wake.clear()

    def _stop_proc(self, job_id: str) -> None:
        proc, _ = self._procs.pop(job_id)
        proc.kill()
        proc.join(timeout=5)

    def _tick(self) -> None:
        with self._lock:
            if time.monotonic() - self._renewed >= self.lease / 3:
                held = set(self.store.renew_leases(self.owner, list(self._procs), lease_seconds=self.lease))
                self._renewed = time.monotonic()
                for job_id in [j for j in self._procs if j not in held]:
                    self._stop_proc(job_id)  # cancelled elsewhere, or its lease lapsed and another server took it
                self.store.fail_expired_jobs()
            for job_id, (proc, started) in list(self._procs.items()):
                if not proc.is_alive():
                    proc.join()
                    del self._procs[job_id]
                    self.store.update_job(
                        job_id,
                        only_if=("running",),
                        owner=self.owner,
                        status="failed",
                        message="failed",
                        error=f"the job's process stopped unexpectedly (exit code {proc.exitcode})",
                    )
                elif time.monotonic() - started > self.timeout:
                    self._stop_proc(job_id)
                    self.store.update_job(
                        job_id,
                        only_if=("running",),
                        owner=self.owner,
                        status="failed",
                        message="timed out",
                        error=f"stopped after {self.timeout:g} s (limit job_timeout_seconds={self.timeout:g})",
                    )
            free = self.workers - len(self._procs)
            if free <= 0 or self._stopping.is_set():
                return
            for job_id in self.store.claim_jobs(self.owner, free, lease_seconds=self.lease):
                proc = self._context.Process(
                    target=_work,
                    args=(job_id, self.store.url, self.network, self.owner),
                    name=f"corridor-job-{job_id[:8]}",
                )
                proc.start()
                self._procs[job_id] = (proc, time.monotonic())
