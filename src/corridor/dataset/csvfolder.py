"""Read a network from a folder of CSV tables and a dataset.yaml."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

from corridor.dataset.network import DEFAULT_DATASET, Network
from corridor.dataset.validate import TABLES, RawTable, validate_tables
from corridor.errors import DatasetError, Problem
from corridor.limits import MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_ROWS

__all__ = ["load_network", "network_from_csv", "read_tables"]


#: a cell that reads as a number (digits, a point, an exponent): checked to be finite before pydantic reads it
_NUMBER = re.compile(r"^\s*[+-]?(\d[\d_]*\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
#: separators a file exported with the wrong settings uses instead of commas
_OTHER_SEPARATORS = {"\t": "tabs", ";": "semicolons", "|": "vertical bars"}


def _read_csv(path: Path, problems: list[Problem]) -> RawTable | None:
    """The table in ``path``, or None with one problem naming why it cannot be read (too large, not a file, not
    UTF-8, another separator than commas); problems of single rows are added and the rows left out."""
    if not path.is_file():
        problems.append(Problem(path.name, None, None, "is a directory or a special file, not a CSV file"))
        return None
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                path.name, None, None, f"the file has {size:,} bytes; the most a table may have is {MAX_FILE_BYTES:,}"
            )
        )
        return None
    try:
        # utf-8-sig: a byte-order mark (as spreadsheet programs write) is read and dropped
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = tuple(name.strip() for name in (reader.fieldnames or ()))
            separator = _separator(header)
            if separator is not None:
                problems.append(
                    Problem(path.name, 1, None, f"the columns are separated by {separator}; separate them by commas")
                )
                return None
            reader.fieldnames = list(header)
            rows: list[tuple[int, dict[str, str]]] = []
            for row in reader:
                line = reader.line_num
                if len(rows) >= MAX_ROWS:
                    problems.append(
                        Problem(path.name, line, None, f"more than {MAX_ROWS:,} rows; the most a table may have")
                    )
                    return None
                if None in row:
                    problems.append(Problem(path.name, line, None, f"more cells than the {len(header)} columns"))
                    continue
                if all(value is None or not value.strip() for value in row.values()):
                    continue  # blank line
                cells = {k: (v if v is not None else "") for k, v in row.items()}
                if _bad_cells(path.name, line, cells, problems):
                    continue
                rows.append((line, cells))
    except UnicodeDecodeError as error:
        problems.append(Problem(path.name, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})"))
        return None
    except csv.Error as error:
        problems.append(Problem(path.name, None, None, f"malformed CSV: {error}"))
        return None
    if not header:
        problems.append(Problem(path.name, None, None, "the file is empty (no header row)"))
        return None
    return RawTable(path.name, header, tuple(rows))


def _separator(header: tuple[str, ...]) -> str | None:
    """The name of the separator a one-column header is split by, if it is not a comma."""
    if len(header) != 1:
        return None
    found = [name for sep, name in _OTHER_SEPARATORS.items() if sep in header[0]]
    return found[0] if found else None


def _as_float(value: str) -> float:
    """The number of a cell :data:`_NUMBER` matches; 0 for one whose blanks ``float`` refuses (``\\s`` also matches
    control characters such as U+001F): not an infinity, and the record's own type check names the cell."""
    try:
        return float(value.replace("_", ""))
    except ValueError:
        return 0.0


def _bad_cells(file: str, line: int, cells: dict[str, str], problems: list[Problem]) -> bool:
    """Report cells too long, and numbers that are not finite (a 5,000-digit number would read as infinity)."""
    bad = False
    for column, value in cells.items():
        if len(value) > MAX_CELL_CHARS:
            problems.append(
                Problem(file, line, column, f"{len(value):,} characters; a cell may have {MAX_CELL_CHARS:,}")
            )
            bad = True
        elif _NUMBER.match(value) and not math.isfinite(_as_float(value)):
            shown = (
                value.strip()
                if len(value.strip()) <= 30
                else f"{value.strip()[:12]}... ({len(value.strip())} characters)"
            )
            problems.append(Problem(file, line, column, f"{shown} is out of range (not a finite number)"))
            bad = True
    return bad


def read_tables(folder: Path) -> tuple[dict[str, Any] | None, dict[str, RawTable], list[Problem]]:
    """Read dataset.yaml and every known table that exists in ``folder``; problems are collected, not raised."""
    from corridor.io.safe_yaml import YamlLimits, YamlRefused, read_yaml

    problems: list[Problem] = []
    info: dict[str, Any] | None = None
    info_path = folder / "dataset.yaml"
    if info_path.is_file():
        try:
            loaded, _ = read_yaml(info_path.read_text(encoding="utf-8"), YamlLimits(aliases=True))
        except YamlRefused as error:
            problems.append(Problem("dataset.yaml", error.line, error.key, error.message))
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem("dataset.yaml", None, None, f"cannot read: {error}"))
        else:
            if isinstance(loaded, dict):
                info = loaded
            else:
                problems.append(Problem("dataset.yaml", None, None, "must be a mapping of keys to values"))
    tables = {}
    for name in TABLES:
        path = folder / name
        if path.exists():
            table = _read_csv(path, problems)
            if table is not None:
                tables[name] = table
    return info, tables, problems


def load_network(path: str | Path | None = None) -> Network:
    """Load the embedded ``eurasia`` dataset, or a dataset folder of the user's.

    Parameters
    ----------
    path
        A folder holding ``dataset.yaml`` and the CSV tables; ``None`` for the embedded dataset.

    Returns
    -------
    Network
        Validated and immutable: places, links, transfers, services, capacities, demand and their sources.

    Raises
    ------
    DatasetError
        Listing every problem with file, line and column.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> network.place("Xian").country
    'CN'
    >>> "middle" in network.corridor_ids
    True
    """
    return network_from_csv(DEFAULT_DATASET if path is None else Path(path))


def network_from_csv(folder: str | Path) -> Network:
    """Load and validate a network from a folder of CSV files (see docs/data.md for the format).

    Parameters
    ----------
    folder
        A folder holding ``dataset.yaml`` and the tables (places.csv, links.csv, ...).

    Returns
    -------
    Network
        Validated and immutable.

    Raises
    ------
    DatasetError
        Listing every problem found, each with file, line and column.

    Examples
    --------
    >>> import corridor
    >>> from corridor.dataset.network import DEFAULT_DATASET  # the embedded dataset's folder
    >>> corridor.network_from_csv(DEFAULT_DATASET).info.name
    'eurasia'
    """
    path = Path(folder)
    if not path.exists():
        raise DatasetError([Problem(str(path), None, None, "no such folder")], folder=str(path))
    if not path.is_dir():
        raise DatasetError([Problem(str(path), None, None, "is a file; give the folder that holds the CSV tables")])
    info, tables, problems = read_tables(path)
    if any((path / name).exists() and name not in tables for name in TABLES):
        # a table that cannot be read at all: its problem alone, not every reference to it that then fails
        raise DatasetError(problems, folder=str(path))
    try:
        validated = validate_tables(info, tables)
    except DatasetError as error:
        raise DatasetError([*problems, *error.problems], folder=str(path)) from None
    if problems:
        raise DatasetError(problems, folder=str(path))
    return Network.from_tables(validated, path=str(path))
