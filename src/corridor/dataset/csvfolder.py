"""Read a network from a folder of CSV tables and a dataset.yaml."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from corridor.dataset.network import DEFAULT_DATASET, Network
from corridor.dataset.validate import TABLES, RawTable, validate_tables
from corridor.errors import DatasetError, Problem

__all__ = ["load_network", "network_from_csv", "read_tables"]


def _read_csv(path: Path, problems: list[Problem]) -> RawTable | None:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = tuple(name.strip() for name in (reader.fieldnames or ()))
            reader.fieldnames = list(header)
            rows = []
            for row in reader:
                line = reader.line_num
                if None in row:
                    problems.append(Problem(path.name, line, None, f"more cells than the {len(header)} columns"))
                    continue
                if all(value is None or not value.strip() for value in row.values()):
                    continue  # blank line
                rows.append((line, {k: (v if v is not None else "") for k, v in row.items()}))
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
        if path.is_file():
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

    Raises
    ------
    DatasetError
        Listing every problem with file, line and column.
    """
    return network_from_csv(DEFAULT_DATASET if path is None else Path(path))


def network_from_csv(folder: str | Path) -> Network:
    """Load and validate a network from a folder of CSV files (see docs/data.md for the format).

    Raises
    ------
    DatasetError
        Listing every problem found, each with file, line and column.
    """
    path = Path(folder)
    if not path.exists():
        raise DatasetError([Problem(str(path), None, None, "no such folder")], folder=str(path))
    if not path.is_dir():
        raise DatasetError([Problem(str(path), None, None, "is a file; give the folder that holds the CSV tables")])
    info, tables, problems = read_tables(path)
    try:
        validated = validate_tables(info, tables)
    except DatasetError as error:
        raise DatasetError([*problems, *error.problems], folder=str(path)) from None
    if problems:
        raise DatasetError(problems, folder=str(path))
    return Network.from_tables(validated, path=str(path))
