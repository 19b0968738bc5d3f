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

from corridor.dataset.records import COMMODITIES
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
    from corridor.dataset.avoid import parse_avoid

    file = Path(path)
    name = file.name
    if not file.is_file():
        raise DatasetError(
            [Problem(str(file), None, None, "no such file" if not file.exists() else "is not a regular file")]
        )
    problems: list[Problem] = []
    rows: list[DemandRow] = []
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if not header:
                raise DatasetError([Problem(name, None, None, "the file is empty (no header row)")])
            reader.fieldnames = header
            missing = [c for c in REQUIRED if c not in header]
            unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
            if missing:
                problems.append(Problem(name, 1, None, f"missing column(s) {', '.join(missing)}"))
            if unknown:
                problems.append(
                    Problem(
                        name,
                        1,
                        None,
                        f"unknown column(s) {', '.join(unknown)}; valid: {', '.join(REQUIRED + OPTIONAL)}",
                    )
                )
            if problems:
                raise DatasetError(problems)
            for raw in reader:
                line = reader.line_num
                if None in raw:
                    problems.append(Problem(name, line, None, f"more cells than the {len(header)} columns"))
                    continue
                row = {k: (v or "").strip() for k, v in raw.items()}
                if not any(row.values()):
                    continue
                places = []
                for column in ("origin", "destination"):
                    try:
                        places.append(network.place(row[column]).id)
                    except CorridorError as error:
                        problems.append(Problem(name, line, column, str(error)))
                commodity = row["commodity"]
                if commodity not in COMMODITIES:
                    problems.append(
                        Problem(name, line, "commodity", f"{commodity!r} is not one of {', '.join(COMMODITIES)}")
                    )
                try:
                    tonnes = float(row["tonnes_per_year"])
                except ValueError:
                    tonnes = math.nan
                if not (math.isfinite(tonnes) and tonnes >= 0):
                    problems.append(
                        Problem(name, line, "tonnes_per_year", f"{row['tonnes_per_year']!r} is not a number >= 0")
                    )
                year = default_year
                if row.get("year"):
                    try:
                        year = int(row["year"])
                    except ValueError:
                        problems.append(Problem(name, line, "year", f"{row['year']!r} is not a year"))
                avoid: tuple[str, ...] = ()
                if row.get("avoid"):
                    tokens = [t for t in row["avoid"].replace(";", ",").split(",") if t.strip()]
                    try:
                        rules = parse_avoid(tokens)
                        avoid = tuple(sorted(rules.countries | rules.passages | rules.modes))
                    except CorridorError as error:
                        problems.append(Problem(name, line, "avoid", str(error)))
                if len(places) == 2 and places[0] == places[1]:
                    problems.append(Problem(name, line, "destination", "origin and destination are the same place"))
                if len(places) == 2 and commodity in COMMODITIES and math.isfinite(tonnes) and tonnes >= 0:
                    rows.append(DemandRow(places[0], places[1], commodity, year, tonnes, avoid))
    except UnicodeDecodeError as error:
        raise DatasetError([Problem(name, None, None, f"not UTF-8 text ({error.reason})")]) from None
    except csv.Error as error:
        raise DatasetError([Problem(name, None, None, f"malformed CSV: {error}")]) from None
    if problems:
        raise DatasetError(problems)
    if not rows:
        raise DatasetError([Problem(name, None, None, "no demand rows")])
    return rows
