"""The terminal: tables that fit the width given (COLUMNS=100), progress bars on long steps, sweeps run here."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from corridor.cli._runner import CLUSTER_MIN_TASKS, Runner, cluster_pays, stage_progress


def run(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}  # os.environ: not the C environment a library may have set
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "Xian", "Duisburg", "--depart", "2025-03-01"),
        ("route", "Xian", "Duisburg", "--depart", "2025-03-01"),
        ("route", "Xian", "Duisburg", "--pareto", "--corridor", "middle"),
        ("scenario", "run", "red-sea-closed", "--samples", "600", "--no-store"),
        ("scenario", "sweep", "base-2024", "--param", "demand.scale=1:1.5:0.5", "--samples", "600", "--no-store"),
        ("scenario", "list"),
    ],
)
def test_tables_fit_100_columns(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    too_wide = [line for line in lines if len(line) > 100]
    assert too_wide == []


def test_compare_at_100_columns_is_one_short_table() -> None:
    wide = run("compare", "Xian", "Duisburg", "--depart", "2025-03-01", columns=200)
    narrow = run("compare", "Xian", "Duisburg", "--depart", "2025-03-01")
    assert "transshipments" in wide.stdout and "mean" in wide.stdout  # room for every column
    lines = narrow.stdout.splitlines()
    assert len(lines) <= 20  # was 31 lines, the via column folded into one word a line
    assert "tr: transshipments, bo: border crossings" in narrow.stdout
    for corridor in ("middle", "northern", "southern-iran", "maritime-suez", "maritime-cape"):
        row = next(line for line in lines if line.split() and line.split()[0] == corridor)
        assert len(row.split()) >= 8  # corridor, via..., date, P50, P10-P90, USD, CO2e, tr, bo on one line


def test_sweeps_stay_here_unless_asked_or_large() -> None:
    assert not cluster_pays(3, cores=2) and not cluster_pays(CLUSTER_MIN_TASKS, cores=2)
    assert not cluster_pays(CLUSTER_MIN_TASKS - 1, cores=16) and cluster_pays(CLUSTER_MIN_TASKS, cores=16)
    assert Runner(None, None, "sweep", sweep=True, tasks=3).local
    assert not Runner(None, 2, "sweep", sweep=True, tasks=3).local  # --workers asks for a cluster
    assert not Runner("tcp://127.0.0.1:8786", None, "sweep", sweep=True, tasks=1).local
    assert Runner(None, None, "sweep", sweep=True, tasks=100, in_process=True).local
    assert Runner(None, None, "simulate").local  # not a sweep: here


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "100")
    with stage_progress("calibrate") as progress:
        assert progress is not None
        progress(0.5, "fitting the constants")
    shown = screen.getvalue()
    assert "calibrate: done" in shown and "100%" in shown
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe or a file: nothing drawn
    with stage_progress("calibrate") as progress:
        assert progress is None


def test_calibration_reports_its_progress() -> None:
    from corridor.dataset.csvfolder import load_network
    from corridor.services.calibration import calibrate_dataset

    seen: list[tuple[float, str]] = []
    calibrate_dataset(load_network(), progress=lambda fraction, stage: seen.append((fraction, stage)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    stages = {stage.split(" of ")[0] for _, stage in seen}
    assert {"markets", "fitting the constants", "equilibrium", "elasticity", "done"} <= stages


def test_a_sweep_run_here_shows_a_bar_over_its_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("COLUMNS", "100")
    with Runner(None, None, "simulate", sweep=True, tasks=3) as runner:
        assert runner.local and runner.map_tasks is not None
        assert runner.map_tasks(lambda x: x * x, [1, 2, 3]) == [1, 4, 9]
    assert "3/3" in screen.getvalue()
    # a caller that draws its own bar (scenario sweep) gets none from the runner
    with Runner(None, None, "sweep", sweep=True, tasks=3, local_bar=False) as runner:
        assert runner.local and runner.map_tasks is None
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with Runner(None, None, "simulate", sweep=True, tasks=3) as runner:
        assert runner.map_tasks is None  # no terminal: the tasks run here without a bar
