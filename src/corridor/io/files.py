"""Where an output may be written: a regular file (replaced whole) or a new name in an existing folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from corridor.errors import InvalidOptionError

__all__ = ["output_path"]

_KINDS = (
    (stat.S_ISLNK, "a symbolic link (name the file it points to)"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def output_path(path: str | Path) -> Path:
    """``path`` as a :class:`Path` if an output may replace it; :class:`InvalidOptionError` naming it if not.

    Outputs are written to a temporary file and renamed into place, which would replace a symbolic link, a device,
    a FIFO or a socket by a regular file (as root, ``/dev/null`` itself); so only regular files and new names are
    accepted, in a folder that exists.
    """
    target = Path(path)
    try:
        mode: int | None = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as error:
        raise InvalidOptionError(f"Cannot write {str(target)!r}: {error.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = next((text for test, text in _KINDS if test(mode)), "not a regular file")
        raise InvalidOptionError(
            f"Cannot write {str(target)!r}: it is {kind}; outputs are written only to regular files or new paths"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidOptionError(f"Cannot write {str(target)!r}: folder {str(folder)!r} does not exist")
    return target
