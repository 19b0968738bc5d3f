"""Writers of assignment results: tables as CSV or Parquet, GeoJSON flow maps, a PNG convergence plot.

Every writer writes the whole file or nothing (a temporary file in the same folder, renamed into place).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError
from corridor.io.files import output_path

if TYPE_CHECKING:
    import pandas as pd

    from corridor.assignment.results import AssignmentResult

__all__ = ["TABLE_FORMATS", "plot_convergence", "write_atomic", "write_geojson", "write_table"]

TABLE_FORMATS = (".csv", ".parquet")


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    ``path`` must be a regular file or a new name (see :func:`corridor.io.files.output_path`).
    """
    target = output_path(path)
    folder = target.parent if str(target.parent) else Path(".")
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a result file is as readable as any other
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as CSV or Parquet, chosen by the file's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise InvalidOptionError(f"Cannot write {str(path)!r}: use a {' or '.join(TABLE_FORMATS)} file name")
    if suffix == ".csv":
        return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))
    return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_geojson(data: dict[str, Any], path: str | Path) -> Path:
    """Write a GeoJSON FeatureCollection."""
    text = json.dumps(data, ensure_ascii=False)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return write_atomic(path, write)


def plot_convergence(result: AssignmentResult, path: str | Path, *, title: str | None = None) -> Path:
    """A PNG of the relative gap per iteration (log scale), with the target gap if known."""
    if Path(path).suffix.lower() != ".png":
        raise InvalidOptionError(f"Cannot write {str(path)!r}: the convergence plot is a .png file")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = result.convergence_frame()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    try:
        ax.semilogy(history["iteration"], history["relative_gap"].clip(lower=1e-16), marker=".", lw=1.2)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("iteration")
        ax.set_ylabel("relative gap")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(
            title
            or f"{result.network.name}: {result.algorithm}, {result.iterations} iterations, "
            f"gap {result.relative_gap:.2e} in {result.seconds:.2f} s"
        )
        fig.tight_layout()
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
