"""Read a user's demand file (CSV): annual tonnes by origin, destination and commodity, for ``corridor assign``.

Columns: origin, destination, commodity (container, dry_bulk, liquid_bulk), tonnes_per_year; optional year,
avoid (``RU;suez``, as ``--avoid`` takes), id, source, as_of, note. Place names match as in ``corridor compare``
(names, aliases, ids; case and accents ignored). Every problem is reported with file, line and column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.dataset.avoid import parse_avoid
from corridor.dataset.vocab import COMMODITIES
from corridor.errors import CorridorError, DatasetError, Problem

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = ["DemandRow", "read_demand_csv"]

REQUIRED = ("origin", "destination", "commodity", "tonnes_per_year")
OPTIONAL = ("year", "avoid", "id", "source", "as_of", "estimated", "note", "tonnes_low", "tonnes_high")


@dataclass(frozen=True, slots=True)
class DemandRow:
    """One origin-destination demand of a user's file, with place ids resolved."""

    origin: str
    destination: str
    commodity: str
    year: int
    tonnes_per_year: float
    avoid: tuple[str, ...] = ()


def read_demand_csv(path: str | Path, network: Network, *, default_year: int = 2024) -> list[DemandRow]:
    """Read and check a demand CSV against ``network``.

    Raises
    ------
    DatasetError
        Listing every problem with file, line and column; nothing is returned if there is one.
    """
    file = Path(path)
    name = file.name
    if not file.is_file():
        raise DatasetError(
            [Problem(str(file), None, None, "no such file" if not file.exists() else "is not a regular file")]
        )
    problems: list[Problem] = []
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = _read_rows(csv.DictReader(handle), name, network, default_year, problems)
    except UnicodeDecodeError as error:
        raise DatasetError([Problem(name, None, None, f"not UTF-8 text ({error.reason})")]) from None
    except csv.Error as error:
        raise DatasetError([Problem(name, None, None, f"malformed CSV: {error}")]) from None
    if problems:
        raise DatasetError(problems)
    if not rows:
        raise DatasetError([Problem(name, None, None, "no demand rows")])
    return rows


def _read_rows(
    reader: csv.DictReader[str], name: str, network: Network, default_year: int, problems: list[Problem]
) -> list[DemandRow]:
    """The rows that are right (blank rows skipped); the problems of the others are added to ``problems``."""
    header = _read_header(reader, name)
    rows = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            problems.append(Problem(name, line, None, f"more cells than the {len(header)} columns"))
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        demand = _read_row(row, _Where(name, line, problems), network, default_year)
        if demand is not None:
            rows.append(demand)
    return rows


def _read_header(reader: csv.DictReader[str], name: str) -> list[str]:
    """The column names (stripped, and set as the reader's); DatasetError if one is missing or unknown."""
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise DatasetError([Problem(name, None, None, "the file is empty (no header row)")])
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    problems = []
    if missing:
        problems.append(Problem(name, 1, None, f"missing column(s) {', '.join(missing)}"))
    if unknown:
        problems.append(
            Problem(name, 1, None, f"unknown column(s) {', '.join(unknown)}; valid: {', '.join(REQUIRED + OPTIONAL)}")
        )
    if problems:
        raise DatasetError(problems)
    return header


@dataclass(frozen=True, slots=True)
class _Where:
    """The file and line of a row, and where its problems go."""

    file: str
    line: int
    problems: list[Problem]

    def add(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))


def _read_row(row: dict[str, str], where: _Where, network: Network, default_year: int) -> DemandRow | None:
    """One row as a DemandRow, or None with its problems reported (in the order of the columns)."""
    places = []
    for column in ("origin", "destination"):
        try:
            places.append(network.place(row[column]).id)
        except CorridorError as error:
            where.add(column, str(error))
    commodity = row["commodity"]
    if commodity not in COMMODITIES:
        where.add("commodity", f"{commodity!r} is not one of {', '.join(COMMODITIES)}")
    tonnes = _tonnes(row["tonnes_per_year"])
    if tonnes is None:
        where.add("tonnes_per_year", f"{row['tonnes_per_year']!r} is not a number >= 0")
    year = _year(row.get("year"), default_year, where)
    avoid = _avoid(row.get("avoid"), where)
    if len(places) == 2 and places[0] == places[1]:
        where.add("destination", "origin and destination are the same place")
    if len(places) != 2 or commodity not in COMMODITIES or tonnes is None:
        return None
    return DemandRow(places[0], places[1], commodity, year, tonnes, avoid)


def _tonnes(text: str) -> float | None:
    """The number in ``text`` if it is finite and >= 0, else None."""
    try:
        tonnes = float(text)
    except ValueError:
        return None
    return tonnes if math.isfinite(tonnes) and tonnes >= 0 else None


def _year(text: str | None, default_year: int, where: _Where) -> int:
    """The year of a row: ``default_year`` if the cell is empty or not a year (then reported)."""
    if not text:
        return default_year
    try:
        return int(text)
    except ValueError:
        where.add("year", f"{text!r} is not a year")
        return default_year


def _avoid(text: str | None, where: _Where) -> tuple[str, ...]:
    """What a row avoids (``RU;suez`` or ``RU,suez``) as sorted tokens; () if empty or unreadable (then reported)."""
    if not text:
        return ()
    tokens = [t for t in text.replace(";", ",").split(",") if t.strip()]
    try:
        rules = parse_avoid(tokens)
    except CorridorError as error:
        where.add("avoid", str(error))
        return ()
    return tuple(sorted(rules.countries | rules.passages | rules.modes))
