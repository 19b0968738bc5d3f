"""Hostile or mangled dataset files: refused fast with one problem that names the cause, not a cascade."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.dataset import csvfolder
from corridor.errors import DatasetError


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        corridor.load_network(folder)
    return [str(p) for p in caught.value.problems]


def _set(table: str, column: str, value: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        tables[table][0][column] = value

    return edit


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("links.csv", "as_of", "2024-02-31", "'2024-02-31' is not a date that exists"),
        ("links.csv", "as_of", "2024-13", "'2024-13' is not a date that exists"),
        ("links.csv", "as_of", "0000", "'0000' is not a date that exists"),
        ("links.csv", "distance_km", "9" * 5000, "999999999999... (5000 characters) is out of range"),
        ("links.csv", "distance_km", "1e999", "1e999 is out of range (not a finite number)"),
        ("places.csv", "lat", "-1e400", "-1e400 is out of range"),
        ("links.csv", "note", "x" * 20_000, "20,000 characters; a cell may have 10,000"),
    ],
    ids=["impossible date", "month 13", "year 0", "5000 digits", "1e999", "-1e400", "long cell"],
)
def test_bad_cell_is_named(
    make_dataset: Callable[..., Path], table: str, column: str, value: str, message: str
) -> None:
    problems = _problems(make_dataset(_set(table, column, value)))
    assert any(message in p for p in problems), problems
    assert any(p.startswith(f"{table}:") for p in problems)


def test_real_dates_still_read(make_dataset: Callable[..., Path]) -> None:
    net = corridor.load_network(make_dataset(_set("links.csv", "as_of", "2024-02-29")))
    assert net.links


def test_a_byte_order_mark_is_read(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    path = folder / "links.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert corridor.load_network(folder).links


@pytest.mark.parametrize(("separator", "name"), [("\t", "tabs"), (";", "semicolons")])
def test_another_separator_is_named_once(make_dataset: Callable[..., Path], separator: str, name: str) -> None:
    folder = make_dataset()
    path = folder / "links.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", separator), encoding="utf-8")
    assert _problems(folder) == [f"links.csv:1: the columns are separated by {name}; separate them by commas"]


def test_a_directory_named_like_a_table_is_named_once(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    (folder / "links.csv").unlink()
    (folder / "links.csv").mkdir()
    assert _problems(folder) == ["links.csv: is a directory or a special file, not a CSV file"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (300_000, "links.csv:200002: more than 200,000 rows; the most a table may have"),
        (1_000_000, "the most a table may have is 67,108,864"),
    ],
    ids=["300k rows", "a million rows"],
)
def test_too_many_rows_are_refused_fast(make_dataset: Callable[..., Path], rows: int, message: str) -> None:
    folder = make_dataset()
    path = folder / "links.csv"
    header, first = path.read_text(encoding="utf-8").splitlines()[:2]
    path.write_text("\n".join([header, *([first] * rows)]) + "\n", encoding="utf-8")
    started = time.perf_counter()
    problems = _problems(folder)
    assert time.perf_counter() - started < 30
    assert len(problems) == 1 and message in problems[0], problems


def test_too_large_a_file_is_refused_unread(make_dataset: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_dataset()
    monkeypatch.setattr(csvfolder, "MAX_FILE_BYTES", 100)
    problems = _problems(folder)
    assert len(problems) >= 1 and all("the most a table may have is 100" in p for p in problems)


BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "more than 50,000 values with aliases expanded"),
        ("name: !!python/object:os.system x\n", "the tag !!python/object:os.system is not allowed"),
        ("? [a]\n: 1\n", "a key must be a plain value"),
    ],
    ids=["alias bomb", "python tag", "complex key"],
)
def test_hostile_dataset_yaml_is_named(make_dataset: Callable[..., Path], text: str, message: str) -> None:
    folder = make_dataset()
    (folder / "dataset.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    problems = _problems(folder)
    assert time.perf_counter() - started < 10
    assert any(p.startswith("dataset.yaml:") and message in p for p in problems), problems


def test_hostile_choice_yaml_is_refused(make_dataset: Callable[..., Path]) -> None:
    from corridor.choice.logit import load_choice_model
    from corridor.errors import InvalidOptionError

    folder = make_dataset()
    net = corridor.load_network(folder)
    (folder / "choice.yaml").write_text(BOMB, encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="more than 50,000 values"):
        load_choice_model(net)
    (folder / "choice.yaml").write_text("model: !!binary aGk=\n", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="tag !!binary"):
        load_choice_model(net)
