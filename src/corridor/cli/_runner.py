"""Where the tasks of ``simulate``, ``fleet`` and ``scenario sweep`` run: on Dask with a progress bar, or here."""

from __future__ import annotations

import sys
from typing import Any

from corridor.cli._output import get_console


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
    """Where tasks run: on Dask with a progress bar (a LocalCluster by default for sweeps), or here."""

    def __init__(
        self, scheduler: str | None, workers: int | None, label: str, *, sweep: bool = False, in_process: bool = False
    ) -> None:
        if in_process and (scheduler is not None or workers is not None):
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError("--in-process cannot go with --workers or --scheduler.")
        self.scheduler, self.workers, self.label = scheduler, workers, label
        self.local = in_process or (not sweep and scheduler is None and workers is None)
        self.map_tasks: Any = None
        self._stack: Any = None

    def __enter__(self) -> Runner:
        if self.local:
            return self
        from contextlib import ExitStack

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
