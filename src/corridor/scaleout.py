"""Scale-out on Dask distributed: independent tasks on a LocalCluster or on a cluster at a scheduler address.

Engines take a ``map_tasks(function, tasks) -> results`` argument; :func:`dask_map` makes one from a Dask
client, with a progress callback. Tasks should be coarse (each carries many samples or a whole simulation run),
so that scheduling overhead stays small against the work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from corridor.errors import InvalidOptionError

__all__ = ["dask_client", "dask_map", "run_tasks"]

_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx)://[^\s/]+(:\d+)?/?$")


@contextmanager
def dask_client(
    *, scheduler: str | None = None, workers: int | None = None, timeout_seconds: float = 20.0
) -> Iterator[Any]:
    """A Dask client: on the scheduler at ``scheduler`` (``tcp://HOST:PORT``), else on a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker processes (the number of cores if None) and no
    dashboard. Both are closed on exit.

    Raises
    ------
    InvalidOptionError
        For a malformed address, a scheduler that does not answer within ``timeout_seconds``, or a bad
        worker count.
    """
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is not None:
        if not _ADDRESS.match(scheduler):
            raise InvalidOptionError(f"Scheduler address {scheduler!r} is not of the form tcp://HOST:PORT.")
        try:
            client = Client(scheduler, timeout=timeout_seconds)
        except (OSError, TimeoutError) as error:
            raise InvalidOptionError(
                f"Cannot reach the Dask scheduler at {scheduler!r} within {timeout_seconds:g} s: {error}"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise InvalidOptionError(f"workers must be at least 1, got {workers!r}.")
    import os

    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def dask_map(client: Any, *, progress: Callable[[int, int], None] | None = None) -> Callable[..., list[Any]]:
    """A ``map_tasks`` that runs each task on ``client``'s workers and returns the results in task order.

    ``progress(done, total)`` is called as tasks finish.
    """
    from distributed import as_completed

    def run(function: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        futures = client.map(function, list(tasks), pure=False)
        total = len(futures)
        if progress is not None:
            progress(0, total)
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, total)
        results: list[Any] = client.gather(futures)
        return results

    return run


def run_tasks(
    function: Callable[[Any], Any], tasks: Sequence[Any], map_tasks: Callable[..., list[Any]] | None = None
) -> list[Any]:
    """``map_tasks(function, tasks)``, or the tasks one after the other here when it is None."""
    return map_tasks(function, tasks) if map_tasks is not None else [function(task) for task in tasks]
