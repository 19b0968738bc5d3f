"""Outputs go only to regular files or new paths: a device, a FIFO, a socket, a symbolic link or a folder named as
an output is refused with a message naming it (exit 2), and left as it was."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from corridor.cli._output import stage_text, write_text_atomic
from corridor.errors import InvalidOptionError
from corridor.io.files import output_path
from corridor.io.flows import write_atomic, write_geojson


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.geojson"
    os.mkfifo(path)
    return path


def _symlink(tmp_path: Path) -> Path:
    target = tmp_path / "target.geojson"
    target.write_text("kept", encoding="utf-8")
    link = tmp_path / "link.geojson"
    link.symlink_to(target)
    return link


def _dangling(tmp_path: Path) -> Path:
    link = tmp_path / "dangling.geojson"
    link.symlink_to(tmp_path / "nowhere.geojson")
    return link


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.geojson"
    path.mkdir()
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "s.geojson"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
    return path


SPECIAL: list[tuple[str, Callable[[Path], Path], str]] = [
    ("dev-null", lambda _: Path("/dev/null"), "a character device"),
    ("dev-full", lambda _: Path("/dev/full"), "a character device"),
    ("fifo", _fifo, "a FIFO"),
    ("symlink", _symlink, "a symbolic link"),
    ("dangling-symlink", _dangling, "a symbolic link"),
    ("folder", _folder, "a folder"),
    ("socket", _socket, "a socket"),
]


def _state(path: Path) -> tuple[int, int, int]:
    st = os.lstat(path)
    return st.st_mode, st.st_ino, st.st_size


@pytest.mark.parametrize(("make", "kind"), [(m, k) for _, m, k in SPECIAL], ids=[n for n, _, _ in SPECIAL])
def test_every_writer_refuses_special_paths(tmp_path: Path, make: Callable[[Path], Path], kind: str) -> None:
    path = make(tmp_path)
    before = _state(path)
    writers: list[Callable[[], object]] = [
        lambda: output_path(path),
        lambda: write_text_atomic(path, "{}"),
        lambda: stage_text(path, "{}"),
        lambda: write_geojson({"type": "FeatureCollection", "features": []}, path),
        lambda: write_atomic(path, lambda tmp: tmp.write_text("x", encoding="utf-8")),
    ]
    for write in writers:
        with pytest.raises(InvalidOptionError, match=f"Cannot write {str(path)!r}: it is {kind}"):
            write()
    assert _state(path) == before
    assert not list(tmp_path.glob(".*.tmp")) and not list(Path(path.parent).glob(f".{path.name}.*.tmp"))


def test_regular_files_and_new_names_are_written(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text("old", encoding="utf-8")
    write_text_atomic(old, "new")
    write_text_atomic(tmp_path / "new.json", "fresh")
    assert old.read_text(encoding="utf-8") == "new" and (tmp_path / "new.json").read_text(encoding="utf-8") == "fresh"
    with pytest.raises(InvalidOptionError, match=r"folder .* does not exist"):
        output_path(tmp_path / "missing" / "out.json")


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("dev-null", lambda _: Path("/dev/null"), "a character device"),
        ("fifo", _fifo, "a FIFO"),
        ("symlink", _symlink, "a symbolic link"),
    ],
)
def test_compare_geojson_refuses_special_paths(
    tmp_path: Path, name: str, make: Callable[[Path], Path], kind: str
) -> None:
    path = make(tmp_path)
    before = _state(path)
    result = run("compare", "Almaty", "Poti", "--geojson", str(path))
    assert result.returncode == 2, result.stderr
    assert f"Cannot write {str(path)!r}: it is {kind}" in result.stderr and "Traceback" not in result.stderr
    assert _state(path) == before
    if name == "symlink":
        assert (tmp_path / "target.geojson").read_text(encoding="utf-8") == "kept"


def test_assign_outputs_refuse_a_fifo_and_a_link(tntp_root: Path, tmp_path: Path) -> None:
    fifo, link = _fifo(tmp_path), _symlink(tmp_path)
    folder = str(tntp_root / "SiouxFalls")
    for option, path, kind in (("--geojson", fifo, "a FIFO"), ("--flows", link, "a symbolic link")):
        target = path.with_suffix(".csv") if option == "--flows" else path
        if option == "--flows":
            target.symlink_to(tmp_path / "target.geojson")
        result = run("assign", "--tntp", folder, "--max-iter", "3", option, str(target))
        assert result.returncode == 2, result.stderr
        assert f"Cannot write {str(target)!r}: it is {kind}" in result.stderr


def test_simulate_plot_refuses_a_link(tmp_path: Path) -> None:
    png = tmp_path / "plot.png"
    png.symlink_to(tmp_path / "elsewhere.png")
    result = run("simulate", "Almaty", "Poti", "--samples", "2000", "--plot", str(png))
    assert result.returncode == 2 and f"Cannot write {str(png)!r}: it is a symbolic link" in result.stderr
    assert not (tmp_path / "elsewhere.png").exists()


def test_route_geojson_to_a_regular_file_still_works(tmp_path: Path) -> None:
    out = tmp_path / "route.geojson"
    out.write_text("old", encoding="utf-8")
    result = run("route", "Almaty", "Poti", "--geojson", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "Xian", "Nowhere-at-all", "--geojson"],
        ["route", "Xian", "Nowhere-at-all", "--geojson"],
        ["simulate", "Xian", "Nowhere-at-all", "--plot"],
        ["validate-model", "--kind", "no-such-kind", "--markdown"],
    ],
    ids=["compare", "route", "simulate", "validate-model"],
)
def test_outputs_are_checked_before_any_work(tmp_path: Path, args: list[str]) -> None:
    """The output is refused first: the bad place (or kind) after it is never reached."""
    path = _fifo(tmp_path).rename(tmp_path / ("pipe.png" if "--plot" in args else "pipe.out"))
    result = run(*args, str(path))
    assert result.returncode == 2 and f"Cannot write {str(path)!r}: it is a FIFO" in result.stderr, result.stderr
