"""Warm processes: the network and the compiled kernels ready before the first request or job needs them.

Two users:

- the server warms its own process before it answers (:func:`warm`, from the app's lifespan): the first
  simulation in a process compiles the Monte Carlo kernels, or loads them from numba's cache, which takes seconds
  on a cold cache (a fresh checkout, a changed kernel) and longer on a busy machine. Paid by a request, that time
  counted against ``request_timeout_seconds``; paid here, before ``/healthz`` answers, it never does.
- the job runner's forkserver imports this module (it is last in :data:`corridor.api.jobs.PRELOAD`). Started with
  :data:`VARIABLE` in its environment (:func:`start_forkserver`), it loads that network and warms it once; every
  job's process is forked from it and starts with both (:func:`network_of`), instead of spending most of a second
  on imports, reading the dataset and loading the kernels before it computes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = ["VARIABLE", "network_of", "start_forkserver", "warm"]

#: the environment variable through which the job runner hands the forkserver the network to preload
VARIABLE = "CORRIDOR_JOB_PRELOAD"
#: shipments of the warm-up simulation: enough to run every kernel once, too few to cost anything
WARM_SAMPLES = 64

#: the network this process was given before its jobs (the forkserver's, inherited by each job): (path, network)
_preloaded: tuple[str | None, Network] | None = None
_start_lock = threading.Lock()


def warm(network: Network) -> None:
    """Compile, or load from numba's cache, the kernels of routing and simulation, and the network's virtual graph.

    Routes the first link of the network and simulates a few shipments over it; a network on which that link has
    no route warms only its graph (the kernels then compile on first use, as without this).
    """
    # loaded first, so that the route below is timed by the compiled walk of corridor.reliability.engine's
    # simulate_hours, which it warms too
    import corridor.reliability.kernels  # noqa: F401
    from corridor.errors import CorridorError
    from corridor.model.graph import graph_of
    from corridor.reliability.engine import plan_route, simulate_plan
    from corridor.routing.search import grow_default_trees, route

    graph_of(network)
    _warm_scenarios(network)
    grow_default_trees(network)  # every origin's routes of the default comparison, this month (about 0.2 s)
    for link in network.links[:5]:
        try:
            found = route(network, link.from_, link.to)
        except CorridorError:
            continue
        simulate_plan(plan_route(network, found), samples=WARM_SAMPLES, seed=0)
        return


def _warm_scenarios(network: Network) -> None:
    """What a scenario run's process would otherwise load before it computes: the modules of the scenario and
    choice engines, scipy.special (the lognormal draws) and the serial kernels of the equilibrium (about 0.1 s a
    job; the parallel ones stay unloaded, see :func:`corridor.assignment.kernels.warm_serial`), the network's
    records as rows, which applying a scenario starts from (:func:`corridor.scenarios.apply.network_rows`), and its
    choice model (read once while its file stays as it was)."""
    import scipy.special  # noqa: F401

    import corridor.assignment.problem
    import corridor.choice.logit
    import corridor.dataset.flownet
    import corridor.model.freight
    import corridor.scenarios.apply
    import corridor.scenarios.run
    import corridor.scenarios.years  # noqa: F401
    from corridor.assignment.kernels import warm_serial
    from corridor.choice.logit import load_choice_model
    from corridor.errors import CorridorError
    from corridor.scenarios.apply import network_rows

    warm_serial()
    network_rows(network)
    with contextlib.suppress(CorridorError):  # a bad choice.yaml fails the runs that read it, not the server
        load_choice_model(network)


def network_of(path: str | None) -> Network:
    """The network at ``path`` (``None``: the embedded one): the preloaded one if it is that, else read now."""
    if _preloaded is not None and _preloaded[0] == path:
        return _preloaded[1]
    from corridor.dataset.csvfolder import load_network

    return load_network(Path(path) if path else None)


def start_forkserver(network: str | None) -> None:
    """Start this process's forkserver now, told to preload ``network`` (a dataset folder, ``None``: embedded).

    The forkserver is one per process and keeps the environment it started with; the variable is set only while it
    starts. If it was running already (another runner in this process) or restarts later, it has no network and
    each job reads its own (:func:`network_of`).
    """
    from multiprocessing import forkserver

    with _start_lock:
        previous = os.environ.get(VARIABLE)
        os.environ[VARIABLE] = json.dumps({"network": network})
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                os.environ.pop(VARIABLE, None)
            else:
                os.environ[VARIABLE] = previous


def _preload() -> None:
    """In the forkserver (the variable set): load and warm the network its jobs will use."""
    global _preloaded
    given = os.environ.pop(VARIABLE, None)
    if given is None:
        return
    # an error here would stop the forkserver, and with it every job: a job then reads its network itself
    with contextlib.suppress(Exception):
        path = json.loads(given)["network"]
        from corridor.dataset.csvfolder import load_network

        network = load_network(Path(path) if path else None)
        warm(network)
        _preloaded = (path, network)
    # what is loaded now is shared with every job's process until written to: kept out of the garbage collector's
    # passes, which would otherwise touch, and so copy, every page of it in each job's process
    gc.freeze()


_preload()
