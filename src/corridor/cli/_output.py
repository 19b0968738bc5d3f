"""What the commands print and write: a rich console, JSON on stdout, money, whole files or nothing."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def get_console(stderr: bool = False) -> Any:
    """A rich console without colour guessing: ``COLUMNS`` wide when set, else the terminal's width, else 160."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "").strip()
    width = int(columns) if columns.isdigit() and int(columns) >= 40 else None if sys.stdout.isatty() else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


#: below this many columns, tables drop their side borders and abbreviate long headers
NARROW_COLUMNS = 150


def print_json(data: Any) -> None:
    """Print ``data`` as indented strict JSON on stdout, non-ASCII characters kept (never NaN or Infinity)."""
    from corridor.io.jsontext import to_json

    sys.stdout.write(to_json(data, indent=2) + "\n")


def stage_text(path: Path, text: str) -> str:
    """Write ``text`` to a temporary file beside ``path`` (with the permissions a new file gets) and return its name.

    ``path`` must be a regular file or a new name in an existing folder (never a link, device, FIFO or folder).
    """
    import tempfile  # here, not at the top: with random it adds about 1.5 ms to the start of every command

    from corridor.io.files import output_path

    output_path(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_text_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, renamed into place.

    Only a regular file or a new name is written (see :func:`corridor.io.files.output_path`).
    """
    tmp = stage_text(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def money(value: float) -> str:
    """An amount rounded to whole units with thousands separators (USD, kg)."""
    return f"{value:,.0f}"
