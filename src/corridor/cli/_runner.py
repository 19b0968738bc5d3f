"""Where the tasks of ``simulate``, ``fleet`` and ``scenario sweep`` run (here, or on Dask), and progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from corridor.cli._output import get_console

#: a sweep goes to a Dask LocalCluster by itself only from this many tasks on a machine of this many cores: a
#: cluster takes time to start, each worker warms up (compiled kernels, the dataset sent with each task), and on a
#: small machine the client shares the cores with the workers (docs/benchmarks.md, "Dask sweep"); a few runs do
#: not win that back. --workers or --scheduler always ask for a cluster, --in-process never
CLUSTER_MIN_TASKS = 8
CLUSTER_MIN_CORES = 4


def cluster_pays(tasks: int, cores: int | None = None) -> bool:
    """Whether ``tasks`` independent tasks gain from a LocalCluster on a machine of ``cores`` cores (default this)."""
    cores = (os.cpu_count() or 1) if cores is None else cores
    return tasks >= CLUSTER_MIN_TASKS and cores >= CLUSTER_MIN_CORES


@contextmanager
def stage_progress(label: str) -> Iterator[Callable[[float, str], None] | None]:
    """A rich progress bar (percent, the current stage, time) on a terminal's stderr; None elsewhere.

    Yields ``progress(fraction, stage)`` for engines that report how far they are (``run_scenario``, ``calibrate``,
    sweeps), or None when stderr is not a terminal (pipes, files, tests), so that nothing is drawn there.
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=get_console(stderr=True),
        transient=False,
    )
    task = bar.add_task(label, total=100.0)

    def update(fraction: float, stage: str) -> None:
        bar.update(task, completed=100.0 * min(max(fraction, 0.0), 1.0), description=f"{label}: {stage}")

    with bar:
        yield update
        bar.update(task, completed=100.0, description=f"{label}: done")


def task_progress(label: str) -> tuple[Any, Any]:
    """A rich progress bar over tasks on a terminal's stderr, else nothing."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=get_console(stderr=True)
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


class Runner:
    """Where tasks run: here by default; on Dask with a progress bar when asked (``--workers``, ``--scheduler``) or
    for a sweep of ``tasks`` large enough to gain from a LocalCluster (:func:`cluster_pays`)."""

    def __init__(
        self,
        scheduler: str | None,
        workers: int | None,
        label: str,
        *,
        sweep: bool = False,
        tasks: int = 0,
        in_process: bool = False,
        local_bar: bool = True,
    ) -> None:
        if in_process and (scheduler is not None or workers is not None):
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError("--in-process cannot go with --workers or --scheduler.")
        self.scheduler, self.workers, self.label = scheduler, workers, label
        asked = scheduler is not None or workers is not None
        self.local = in_process or not (asked or (sweep and cluster_pays(tasks)))
        self.sweep = sweep and local_bar  # a bar over the tasks run here (off where the caller draws its own)
        self.map_tasks: Any = None
        self._stack: Any = None

    def __enter__(self) -> Runner:
        from contextlib import ExitStack

        if self.local:
            if self.sweep:  # the tasks one after the other here, with a bar over them on a terminal
                bar, update = task_progress(self.label)
                if bar is not None:
                    self._stack = ExitStack()
                    self._stack.enter_context(bar)
                    self.map_tasks = _local_map(update)
            return self

        from corridor.scaleout import dask_client, dask_map

        self._stack = ExitStack()
        client = self._stack.enter_context(dask_client(scheduler=self.scheduler, workers=self.workers))
        bar, update = task_progress(self.label)
        if bar is not None:
            self._stack.enter_context(bar)
        self.map_tasks = dask_map(client, progress=update)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()


def _local_map(update: Callable[[int, int], None]) -> Callable[[Callable[[Any], Any], Any], list[Any]]:
    """``map_tasks`` that runs the tasks here, one after the other, reporting each one done."""

    def run(function: Callable[[Any], Any], tasks: Any) -> list[Any]:
        items = list(tasks)
        out = []
        for i, task in enumerate(items):
            update(i, len(items))
            out.append(function(task))
        update(len(items), len(items))
        return out

    return run
