"""A user's demand file: place names as the CLI takes them, and every problem named by file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.dataset.demand import read_demand_csv
from corridor.dataset.network import Network
from corridor.errors import DatasetError

GOOD = (
    "origin,destination,commodity,tonnes_per_year,year,avoid\n"
    "Xian,Duisburg,container,100000,2024,RU\n"
    "Aktau,Baku,dry_bulk,5e5,,\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demand.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_names_aliases_and_avoid(tmp_path: Path, eurasia: Network) -> None:
    rows = read_demand_csv(write(tmp_path, GOOD), eurasia)
    assert [(r.origin, r.destination, r.commodity, r.year, r.tonnes_per_year, r.avoid) for r in rows] == [
        ("xian", "duisburg", "container", 2024, 100000.0, ("RU",)),
        ("aktau", "baku", "dry_bulk", 2024, 500000.0, ()),
    ]


BAD = [
    ("origin,destination,commodity\n", "demand.csv:1: missing column(s) tonnes_per_year"),
    ("origin,destination,commodity,tonnes_per_year,colour\n", "unknown column(s) colour"),
    (
        "origin,destination,commodity,tonnes_per_year\nAtlantis,Baku,container,1\n",
        "demand.csv:2:origin: Unknown place 'Atlantis'",
    ),
    (
        "origin,destination,commodity,tonnes_per_year\nAktau,Baku,gold,1\n",
        "demand.csv:2:commodity: 'gold' is not one of container",
    ),
    (
        "origin,destination,commodity,tonnes_per_year\nAktau,Baku,container,-3\n",
        "demand.csv:2:tonnes_per_year: '-3' is not a number >= 0",
    ),
    ("origin,destination,commodity,tonnes_per_year\nAktau,Baku,container,nan\n", "demand.csv:2:tonnes_per_year: 'nan'"),
    (
        "origin,destination,commodity,tonnes_per_year,avoid\nAktau,Baku,container,1,XX\n",
        "demand.csv:2:avoid: Cannot avoid 'XX'",
    ),
    (
        "origin,destination,commodity,tonnes_per_year,year\nAktau,Baku,container,1,soon\n",
        "demand.csv:2:year: 'soon' is not a year",
    ),
    ("origin,destination,commodity,tonnes_per_year\nAktau,Aktau,container,1\n", "same place"),
    ("origin,destination,commodity,tonnes_per_year\n", "no demand rows"),
    ("", "the file is empty"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_rows_are_named(tmp_path: Path, eurasia: Network, text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_demand_csv(write(tmp_path, text), eurasia)


def test_missing_file(tmp_path: Path, eurasia: Network) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        read_demand_csv(tmp_path / "none.csv", eurasia)
