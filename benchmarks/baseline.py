"""The previous version of corridor as a peer: a git worktree of a fixed commit, run with the same interpreter."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The last commit before one model of durations (routes timed by the Monte Carlo engine): the peer of the cold
#: start and of scenario runs, checked out beside the project and run with the same interpreter.
BASELINE_COMMIT = "6d24405"


def baseline_source() -> Path | None:
    """``src`` of BASELINE_COMMIT in a git worktree under the system's temp folder (None outside a git clone)."""
    folder = Path(tempfile.gettempdir()) / f"corridor-baseline-{BASELINE_COMMIT}"
    if not (folder / "src" / "corridor").is_dir():
        done = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--force", "--detach", str(folder), BASELINE_COMMIT],
            capture_output=True,
        )
        if done.returncode != 0:
            return None
    return folder / "src"


def cli_of(source: Path | None) -> list[str]:
    """A command that runs the corridor CLI of ``source`` (None: this checkout) with this interpreter."""
    return [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(source or ROOT / 'src')!r}); from corridor.cli import main; main()",
    ]
