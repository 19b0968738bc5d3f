"""Reading dataset folders: files that are not what they should be."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import corridor
from corridor.errors import DatasetError


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder"):
        corridor.network_from_csv(tmp_path / "absent")


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text("id\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="is a file; give the folder"):
        corridor.network_from_csv(path)


def test_not_utf8(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    (folder / "places.csv").write_bytes("id,name\n\xe9\xff,x\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"places\.csv: not UTF-8 text"):
        corridor.network_from_csv(folder)


def test_empty_file(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    (folder / "transfers.csv").write_text("", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"transfers\.csv: the file is empty"):
        corridor.network_from_csv(folder)


def test_row_with_extra_cells(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    path = folder / "corridors.csv"
    path.write_text(path.read_text(encoding="utf-8") + "z,Zed,,toy,2024,no,,surplus\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"corridors\.csv:4: more cells than the"):
        corridor.network_from_csv(folder)


def test_blank_lines_are_skipped(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    path = folder / "places.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert len(corridor.network_from_csv(folder).places) == 5
