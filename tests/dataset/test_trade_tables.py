"""The trade tables of a dataset: read and checked like the others, every problem named by file, line and column."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.dataset.csvfolder import network_from_csv
from corridor.dataset.network import DEFAULT_DATASET
from corridor.dataset.trade_records import TRADE_TABLES
from corridor.errors import DatasetError

TRADE_FILES = tuple(TRADE_TABLES)


def _copy(tmp: Path) -> Path:
    folder = tmp / "eurasia"
    shutil.copytree(DEFAULT_DATASET, folder)
    return folder


def _edit(folder: Path, file: str, change: Callable[[list[dict[str, str]]], None]) -> None:
    path = folder / file
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _set(index: int, **cells: str) -> Callable[[list[dict[str, str]]], None]:
    def change(rows: list[dict[str, str]]) -> None:
        rows[index].update(cells)

    return change


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DatasetError) as info:
        network_from_csv(folder)
    return [str(p) for p in info.value.problems]


def test_the_embedded_dataset_has_the_trade_tables() -> None:
    network = network_from_csv(DEFAULT_DATASET)
    assert {r.id for r in network.trade_regions} == {"cn", "kz", "uz", "az", "ge", "tr", "eu"}
    assert min(t.year for t in network.trade if (t.exporter, t.importer) == ("cn", "eu")) <= 2015
    assert max(t.year for t in network.trade) == 2024
    assert all(t.source for t in network.trade)


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("trade.csv", _set(0, value_musd="-5"), "trade.csv:2:value_musd: "),
        ("trade.csv", _set(0, exporter="mars"), "trade.csv:2:exporter: unknown region 'mars' (see trade_regions.csv)"),
        ("trade.csv", _set(1, year="2019"), "trade.csv:3:year: same exporter, importer, year as line 2"),
        ("trade.csv", _set(0, importer="az"), "trade.csv:2:importer: the same region as the exporter ('az')"),
        ("trade.csv", _set(0, source="nowhere"), "trade.csv:2:source: unknown source 'nowhere' (see sources.csv)"),
        ("gdp.csv", _set(0, gdp_busd="0"), "gdp.csv:2:gdp_busd: "),
        ("gdp.csv", _set(0, year="twenty"), "gdp.csv:2:year: "),
        (
            "gdp_growth.csv",
            _set(0, growth_low_pct="9"),
            "gdp_growth.csv:2:growth_pct: need growth_low_pct <= growth_pct <= growth_high_pct",
        ),
        ("gdp_growth.csv", _set(1, first_year="2030"), "gdp_growth.csv:3:first_year: 'cn' already has a growth"),
        ("gdp_growth.csv", _set(0, last_year="2020"), "gdp_growth.csv:2:last_year: 2020 is before first_year 2025"),
        ("trade_mix.csv", _set(1, share="1"), "trade_mix.csv:4:share: the shares of cn to eu add up to 1.98"),
        ("trade_mix.csv", _set(0, commodity="coal"), "trade_mix.csv:2:commodity: "),
        ("tonnes_per_usd.csv", _set(0, kg_per_usd="0.5"), "tonnes_per_usd.csv:2:kg_per_usd: need kg_per_usd_low"),
        ("trade_shares.csv", _set(0, share="0"), "trade_shares.csv:2:share: "),
        (
            "trade_shares.csv",
            _set(0, exporter="ge"),
            "trade_shares.csv:2:exporter: no trade from 'ge' to 'kz' in trade.csv",
        ),
        (
            "trade_shares.csv",
            _set(0, commodity="liquid_bulk"),
            "trade_shares.csv:2:commodity: no liquid_bulk share of 'tr' to 'kz' in trade_mix.csv",
        ),
        ("trade_regions.csv", _set(1, countries="KZ;CN"), "trade_regions.csv:3:countries: CN is also in 'cn' (line 2)"),
        ("trade_regions.csv", _set(0, countries="XX"), "trade_regions.csv:2:countries: "),
    ],
)
def test_bad_rows_are_named(
    tmp_path: Path, file: str, change: Callable[[list[dict[str, str]]], None], expected: str
) -> None:
    folder = _copy(tmp_path)
    _edit(folder, file, change)
    problems = _problems(folder)
    assert any(p.startswith(expected) for p in problems), problems


def test_the_trade_tables_come_together(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "gdp.csv").unlink()
    problems = _problems(folder)
    assert any(p.startswith("gdp.csv: file is missing (the trade model needs it") for p in problems), problems


def test_a_dataset_without_trade_tables_loads(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    for name in TRADE_FILES:
        (folder / name).unlink()
    network = network_from_csv(folder)
    assert network.trade == () and network.gdp == ()


def test_an_unknown_column_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "gdp.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("gdp_busd", "gdp_usd", 1), encoding="utf-8")
    problems = _problems(folder)
    assert "gdp.csv:1:gdp_busd: missing column 'gdp_busd'" in problems
    assert any(p.startswith("gdp.csv:1:gdp_usd: unknown column 'gdp_usd'") for p in problems)


_FOLDER = Path(tempfile.mkdtemp(prefix="corridor-trade-fuzz-"))
shutil.copytree(DEFAULT_DATASET, _FOLDER / "eurasia")
_TRADE = (_FOLDER / "eurasia" / "trade.csv").read_text(encoding="utf-8")

cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='\x00"\r\n,'), max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)


@given(column=st.sampled_from(["exporter", "importer", "year", "value_musd", "as_of", "estimated"]), value=cells)
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_cell_of_trade_csv_loads_or_is_named(column: str, value: str) -> None:
    folder = _FOLDER / "eurasia"
    (folder / "trade.csv").write_text(_TRADE, encoding="utf-8")
    _edit(folder, "trade.csv", _set(5, **{column: value}))
    try:
        network = network_from_csv(folder)
    except DatasetError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file in ("trade.csv", "trade_shares.csv"), problem
            # the edited row (line 7), the header, or a later row that the edit duplicates
            assert problem.file != "trade.csv" or problem.line in (1, 7) or "line 7" in problem.message, problem
    else:
        assert len(network.trade) == _TRADE.count("\n") - 1
