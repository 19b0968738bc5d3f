"""Read and write networks in the TNTP format of the Transportation Networks for Research collection.

The format (https://github.com/bstabler/TransportationNetworks): ``<name>_net.tntp`` lists the links, one a line,
``init term capacity length fft B power speed toll type ;`` after a metadata header of ``<TAG> value`` lines ended
by ``<END OF METADATA>``; ``<name>_trips.tntp`` holds the OD matrix as ``Origin o`` followed by ``d : flow;``
entries; ``<name>_flow.tntp`` (best-known link flows) and ``<name>_node.tntp`` (coordinates) are optional. Lines
starting with ``~`` are comments. Link time is ``fft (1 + B (v / capacity) ^ power)``.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import VDF_BPR, Demand, FlowNetwork, TrafficClass, one_element_per_link
from corridor.errors import DatasetError, InvalidOptionError, Problem

__all__ = [
    "NET_COLUMNS",
    "TNTP_CASES",
    "find_tntp_root",
    "network_from_tntp",
    "network_to_tntp",
    "tntp_case_folder",
]

#: The columns of a ``*_net.tntp`` file, in order.
NET_COLUMNS: tuple[str, ...] = (
    "init_node",
    "term_node",
    "capacity",
    "length",
    "free_flow_time",
    "b",
    "power",
    "speed",
    "toll",
    "link_type",
)

#: The networks of the collection that corridor's tests and benchmarks use: accepted name (lower case) -> folder.
TNTP_CASES: dict[str, str] = {
    "siouxfalls": "SiouxFalls",
    "anaheim": "Anaheim",
    "chicago-sketch": "Chicago-Sketch",
    "chicagosketch": "Chicago-Sketch",
    "barcelona": "Barcelona",
    "winnipeg": "Winnipeg",
}

_ENV_ROOT = "CORRIDOR_TNTP_DIR"
_MAX_ZONES = 40_000  # a dense (Z, Z) matrix of float64 beyond this takes more than 12 GB
_MAX_REPORTED = 10  # problems of one kind reported per file; the rest are counted

_TAG = re.compile(r"<([^<>]+)>(.*)")
_ORIGIN = re.compile(r"[ \t]*Origin[ \t]+([^\s;:]+)[ \t]*;?[ \t]*")
_ENTRY = re.compile(r"([^\s;:~]+)[ \t]*:[ \t]*([^\s;:]+)[ \t]*;")
_TOKEN = re.compile(r"[^\s;]+")
_ENTRY_LAST = re.compile(r"([^\s;:~]+)[ \t]*:[ \t]*([^\s;:]+)[ \t]*$")  # the last entry of a line may omit its ';'


# --------------------------------------------------------------------------------------------------------------
# Finding the data


def find_tntp_root() -> Path | None:
    """The folder that holds the TNTP test networks, or None where there is none.

    The folder named by the environment variable ``CORRIDOR_TNTP_DIR`` if set, else ``shared/data/tntp`` beside
    the repository this package was loaded from (``<repo>/../shared/data/tntp``), if it exists.
    """
    given = os.environ.get(_ENV_ROOT, "").strip()
    if given:
        return Path(given).expanduser()
    here = Path(__file__).resolve()
    if len(here.parents) > 4:  # <repo>/src/corridor/dataset/tntp.py
        candidate = here.parents[4] / "shared" / "data" / "tntp"
        if candidate.is_dir():
            return candidate
    return None


def tntp_case_folder(name: str, root: Path | None = None) -> Path:
    """The folder of a TNTP network by name ("SiouxFalls", "Anaheim", "Chicago-Sketch", "Barcelona", "Winnipeg").

    Names are case-insensitive; "ChicagoSketch" is accepted too, and so is the name of any other subfolder of
    ``root`` (default :func:`find_tntp_root`).

    Raises
    ------
    InvalidOptionError
        For an unknown name, listing the available ones.
    DatasetError
        When no root is given and none is found.
    """
    if root is None:
        root = find_tntp_root()
        if root is None:
            raise DatasetError(
                [
                    Problem(
                        _ENV_ROOT,
                        None,
                        None,
                        "TNTP networks not found: set CORRIDOR_TNTP_DIR or place shared/data/tntp beside the "
                        "repository",
                    )
                ]
            )
    root = Path(root)
    key = name.strip().lower()
    if key in TNTP_CASES:
        return root / TNTP_CASES[key]
    present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in present:
        if folder.lower() == key:
            return root / folder
    available = sorted({*TNTP_CASES.values(), *present}, key=str.lower)
    raise InvalidOptionError(f"Unknown TNTP network {name!r}. Available: {', '.join(available)}.")


@dataclass(frozen=True)
class _Files:
    net: Path
    trips: Path
    flow: Path | None
    node: Path | None


def _pick(folder: Path, suffix: str, prefix: str | None, required: bool, what: str) -> Path | None:
    """The one ``*<suffix>`` file of ``folder``, preferring ``<prefix><suffix>``."""
    if prefix is not None and (folder / f"{prefix}{suffix}").is_file():
        return folder / f"{prefix}{suffix}"
    found = sorted(p for p in folder.glob(f"*{suffix}") if p.is_file())
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DatasetError(
            [Problem(str(folder), None, None, f"holds several {what} files ({names}); keep one network per folder")],
            folder=str(folder),
        )
    if not found:
        if required:
            raise DatasetError(
                [Problem(str(folder), None, None, f"no {what} file (*{suffix}) in this folder")], folder=str(folder)
            )
        return None
    return found[0]


def _locate_files(path: Path) -> _Files:
    if not path.exists():
        raise DatasetError([Problem(str(path), None, None, "no such folder or file")], folder=str(path))
    if path.is_file():
        if not path.name.endswith("_net.tntp"):
            raise DatasetError(
                [Problem(str(path), None, None, "is not a *_net.tntp file; give a TNTP folder or its *_net.tntp")]
            )
        folder, prefix, net = path.parent, path.name[: -len("_net.tntp")], path
    else:
        folder = path
        found = _pick(folder, "_net.tntp", None, True, "network")
        assert found is not None
        net, prefix = found, found.name[: -len("_net.tntp")]
    trips = _pick(folder, "_trips.tntp", prefix, True, "trips")
    assert trips is not None
    return _Files(
        net=net,
        trips=trips,
        flow=_pick(folder, "_flow.tntp", prefix, False, "flow"),
        node=_pick(folder, "_node.tntp", prefix, False, "node"),
    )


# --------------------------------------------------------------------------------------------------------------
# Reading: shared pieces


@dataclass
class _Report:
    """Problems of one file, at most ``_MAX_REPORTED`` of each kind, the rest counted."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, line: int | None, column: str | None, message: str, *, kind: str | None = None) -> None:
        key = kind or f"{column}:{message}"
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + 1
        if seen < _MAX_REPORTED:
            self.problems.append(Problem(self.file, line, column, message))

    def each(
        self,
        indices: Sequence[int],
        line_of: Callable[[int], int | None],
        column: str,
        message: Callable[[int], str],
        kind: str,
    ) -> None:
        """One problem per index; only the first few are looked up (finding a line can take a while)."""
        seen = self.counts.get(kind, 0)
        for i in indices[: max(_MAX_REPORTED - seen, 0)]:
            self.problems.append(Problem(self.file, line_of(i), column, message(i)))
        self.counts[kind] = seen + len(indices)

    def finish(self) -> list[Problem]:
        extra = [
            Problem(self.file, None, None, f"... and {n - _MAX_REPORTED} more problem(s) like the above")
            for n in self.counts.values()
            if n > _MAX_REPORTED
        ]
        ordered = sorted(self.problems, key=lambda p: p.line if p.line is not None else 0)
        return [*ordered, *extra]


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(path.name, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})"))
    except OSError as error:
        problems.append(Problem(path.name, None, None, f"cannot be read: {error.strerror or error}"))
    return None


@dataclass(frozen=True)
class _Header:
    tags: dict[str, tuple[str, int]]  # tag (upper case) -> (value, line number)
    body_line: int  # number of the first line after the metadata (1-based)
    body_offset: int  # character offset of that line


def _parse_header(text: str) -> _Header:
    """The ``<TAG> value`` lines up to ``<END OF METADATA>`` (or up to the first line that is neither)."""
    tags: dict[str, tuple[str, int]] = {}
    offset = 0
    number = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("~"):
            offset += len(line) + 1
            continue
        match = _TAG.match(stripped)
        if match is None:
            return _Header(tags, number, offset)
        tag = " ".join(match.group(1).split()).upper()
        offset += len(line) + 1
        if tag == "END OF METADATA":
            return _Header(tags, number + 1, offset)
        tags[tag] = (match.group(2).strip(), number)
    return _Header(tags, number + 1, offset)


def _tag_int(header: _Header, tag: str, report: _Report, *, minimum: int, required: bool = True) -> int | None:
    if tag not in header.tags:
        if required:
            report.add(None, f"<{tag}>", f"the metadata has no <{tag}> line (a whole number >= {minimum})")
        return None
    value, line = header.tags[tag]
    try:
        number = int(value)
    except ValueError:
        report.add(line, f"<{tag}>", f"{value!r} is not a whole number")
        return None
    if number < minimum:
        report.add(line, f"<{tag}>", f"{number} is below {minimum}")
        return None
    return number


def _floats(tokens: Sequence[str]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Tokens as floats (NaN where unparsable) and the indices of the unparsable ones."""
    try:  # numpy's C parser first: numpy 1.x warns and stops at a bad token, 2.x raises
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(" ".join(tokens), dtype=np.float64, sep=" ")
        if values.size == len(tokens):
            return values, np.zeros(0, dtype=np.int64)
    except (ValueError, DeprecationWarning):
        pass
    out = np.empty(len(tokens), dtype=np.float64)
    bad = []
    for i, token in enumerate(tokens):
        try:
            out[i] = float(token)
        except ValueError:
            out[i] = np.nan
            bad.append(i)
    return out, np.array(bad, dtype=np.int64)


@dataclass(frozen=True)
class _Parsed:
    """A column already parsed (by numpy, in bulk), with the text of each value for messages."""

    values: NDArray[np.float64]
    text: Callable[[int], str]

    def __len__(self) -> int:
        return int(self.values.size)


Tokens = Sequence[str] | _Parsed  # a column as read, or already parsed


def _parsed(tokens: Tokens) -> tuple[NDArray[np.float64], NDArray[np.int64], Callable[[int], str]]:
    """Values, indices of the unparsable ones, and each value's text for messages."""
    if isinstance(tokens, _Parsed):
        return tokens.values, np.zeros(0, dtype=np.int64), tokens.text
    values, bad = _floats(tokens)
    return values, bad, tokens.__getitem__


def _report_each(
    report: _Report,
    mask: NDArray[np.bool_],
    line_of: Callable[[int], int | None],
    column: str,
    message: Callable[[int], str],
) -> None:
    """One problem per True of ``mask`` (the first few, then a count)."""
    report.each(np.flatnonzero(mask).tolist(), line_of, column, message, f"{column}:{message.__name__}")


def _number_column(
    tokens: Tokens,
    column: str,
    report: _Report,
    line_of: Callable[[int], int | None],
    *,
    non_negative: bool = True,
) -> NDArray[np.float64]:
    """A numeric column, every unparsable, non-finite (and negative) value reported."""
    values, bad, text = _parsed(tokens)

    def unparsable(i: int) -> str:
        return f"{text(i)!r} is not a number"

    report.each(bad.tolist(), line_of, column, unparsable, f"{column}:parse")
    parsed = np.ones(len(tokens), dtype=bool)
    parsed[bad] = False
    what = "a finite number >= 0" if non_negative else "a finite number"

    def not_finite(i: int) -> str:
        return f"{text(i)!r} is not finite; {column} must be {what}"

    def negative(i: int) -> str:
        return f"{text(i)!r} is negative; {column} must be {what}"

    _report_each(report, parsed & ~np.isfinite(values), line_of, column, not_finite)
    if non_negative:
        _report_each(report, np.isfinite(values) & (values < 0), line_of, column, negative)
    return values


def _id_column(
    tokens: Tokens, column: str, report: _Report, line_of: Callable[[int], int | None], n: int | None, what: str
) -> NDArray[np.int64]:
    """Whole numbers 1..n as 0-based indices (-1 where invalid, each reported); ``n`` None: range unknown."""
    valid = f"1..{n}" if n is not None else "1, 2, ..."
    values, bad, text = _parsed(tokens)

    def unparsable(i: int) -> str:
        return f"{text(i)!r} is not a {what} number (valid: {valid})"

    report.each(bad.tolist(), line_of, column, unparsable, f"{column}:parse")
    parsed = np.ones(len(tokens), dtype=bool)
    parsed[bad] = False
    whole = parsed & np.isfinite(values) & (values == np.round(values))

    def not_whole(i: int) -> str:
        return f"{text(i)!r} is not a whole {what} number (valid: {valid})"

    def outside(i: int) -> str:
        return f"{what} {text(i)} is outside 1..{n}"

    _report_each(report, parsed & ~whole, line_of, column, not_whole)
    inside = whole & (values >= 1) & (values <= (n if n is not None else np.inf))
    _report_each(report, whole & ~inside, line_of, column, outside)
    out = np.full(len(tokens), -1, dtype=np.int64)
    out[inside] = values[inside].astype(np.int64) - 1
    return out


def _data_rows(text: str, header: _Header, report: _Report) -> tuple[list[list[str]], list[int]]:
    """Cells and line numbers of the body lines of a table file: comments and blanks skipped, ';' removed."""
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(text[header.body_offset :].split("\n"), start=header.body_line):
        stripped = line.strip()
        if not stripped or stripped.startswith("~"):
            continue
        data, semicolon, rest = stripped.partition(";")
        if semicolon and rest.strip():
            report.add(number, None, f"text after ';': {rest.strip()!r}")
            continue
        rows.append(data.split())
        lines.append(number)
    return rows, lines


def _line_getter(lines: Sequence[int]) -> Callable[[int], int | None]:
    return lambda i: lines[i]


# --------------------------------------------------------------------------------------------------------------
# Reading: the net file


@dataclass(frozen=True)
class _Net:
    n_zones: int
    n_nodes: int
    first_thru_node: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    columns: dict[str, NDArray[np.float64]]
    link_type: tuple[str, ...]
    tags: dict[str, str]


def _read_net(path: Path, problems: list[Problem]) -> _Net | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    report = _Report(path.name)
    header = _parse_header(text)
    n_zones = _tag_int(header, "NUMBER OF ZONES", report, minimum=1)
    n_nodes = _tag_int(header, "NUMBER OF NODES", report, minimum=1)
    first_thru = _tag_int(header, "FIRST THRU NODE", report, minimum=1)
    n_links = _tag_int(header, "NUMBER OF LINKS", report, minimum=0)
    if n_zones is not None and n_nodes is not None and n_zones > n_nodes:
        report.add(
            header.tags["NUMBER OF ZONES"][1],
            "<NUMBER OF ZONES>",
            f"{n_zones} zones but only {n_nodes} nodes (zones are nodes 1..{n_zones})",
        )
    if first_thru is not None and n_nodes is not None and first_thru > n_nodes + 1:
        report.add(
            header.tags["FIRST THRU NODE"][1],
            "<FIRST THRU NODE>",
            f"{first_thru} is beyond the {n_nodes} nodes (valid: 1..{n_nodes + 1})",
        )
    rows, lines = _data_rows(text, header, report)
    width = len(NET_COLUMNS)
    good = []
    for cells, number in zip(rows, lines, strict=True):
        if len(cells) == width:
            good.append(cells)
            continue
        if len(cells) < width:
            missing = NET_COLUMNS[len(cells) :]
            column = missing[0]
            detail = f"missing {', '.join(missing)}"
        else:
            column = NET_COLUMNS[-1]
            detail = f"{len(cells) - width} extra value(s) after link_type"
        report.add(
            number,
            column,
            f"{len(cells)} values where {width} are expected ({' '.join(NET_COLUMNS)}): {detail}",
            kind="width",
        )
    good_lines = [number for cells, number in zip(rows, lines, strict=True) if len(cells) == width]
    if n_links is not None and len(rows) != n_links:
        report.add(
            header.tags["NUMBER OF LINKS"][1],
            "<NUMBER OF LINKS>",
            f"the metadata says {n_links} links but the file lists {len(rows)}",
        )
    cells_by_column = list(zip(*good, strict=True)) if good else [()] * width
    line_of = _line_getter(good_lines)
    tail = _id_column(cells_by_column[0], "init_node", report, line_of, n_nodes, "node")
    head = _id_column(cells_by_column[1], "term_node", report, line_of, n_nodes, "node")
    columns = {
        name: _number_column(cells_by_column[k], name, report, line_of, non_negative=name != "speed")
        for k, name in enumerate(NET_COLUMNS)
        if 2 <= k <= 8
    }
    capacity, b, power = columns["capacity"], columns["b"], columns["power"]
    delayed = (capacity == 0) & (b > 0) & (power > 0)

    def zero_capacity(i: int) -> str:
        return (
            f"zero capacity with a delay function (b {good[i][5]}, power {good[i][6]}); give a capacity > 0, "
            "or b 0 for a constant-time link"
        )

    _report_each(report, delayed, line_of, "capacity", zero_capacity)
    found = report.finish()
    problems.extend(found)
    if found or n_zones is None or n_nodes is None or first_thru is None:
        return None
    tags = {tag.lower().replace(" ", "_"): value for tag, (value, _) in header.tags.items()}
    return _Net(
        n_zones=n_zones,
        n_nodes=n_nodes,
        first_thru_node=first_thru,
        tail=tail,
        head=head,
        columns=columns,
        link_type=tuple(cells_by_column[9]),
        tags=tags,
    )


# --------------------------------------------------------------------------------------------------------------
# Reading: the trips file


def _read_trips(
    path: Path, n_zones: int | None, problems: list[Problem]
) -> tuple[NDArray[np.float64], dict[str, str]] | None:
    """The OD matrix of a trips file and its metadata; ``n_zones`` from the net file (None: the file's own)."""
    text = _read_text(path, problems)
    if text is None:
        return None
    report = _Report(path.name)
    header = _parse_header(text)
    own = _tag_int(header, "NUMBER OF ZONES", report, minimum=1, required=n_zones is None)
    if own is not None and n_zones is not None and own != n_zones:
        report.add(
            header.tags["NUMBER OF ZONES"][1],
            "<NUMBER OF ZONES>",
            f"{own} zones here but {n_zones} in the net file",
        )
    zones = n_zones if n_zones is not None else own
    if zones is not None and zones > _MAX_ZONES:
        report.add(
            header.tags["NUMBER OF ZONES"][1] if "NUMBER OF ZONES" in header.tags else None,
            "<NUMBER OF ZONES>",
            f"{zones} zones is more than a dense OD matrix can hold here (at most {_MAX_ZONES})",
        )
        zones = None
    if zones is None:
        problems.extend(report.finish())
        return None
    # The body is cut at its "Origin o" lines into blocks of "d : flow;" entries. All blocks are read at once by
    # numpy when they hold nothing else; otherwise block by block with a regular expression, and a block with
    # anything else in it line by line, to say where.
    rows = text[header.body_offset :].split("\n")
    for i in [i for i, row in enumerate(rows) if "~" in row]:
        if rows[i].lstrip().startswith("~"):
            rows[i] = ""
    marks = [i for i, row in enumerate(rows) if "Origin" in row]
    leading = [i for i, row in enumerate(rows[: marks[0] if marks else len(rows)]) if row.strip()]
    if leading:
        report.add(header.body_line + leading[0], "origin", "entries before the first 'Origin' line")
    origin_tokens: list[str] = []
    origin_lines: list[int] = []
    blocks: list[tuple[str, int]] = []  # text, number of its first line
    for start, stop in zip(marks, [*marks[1:], len(rows)], strict=True):
        number = header.body_line + start
        match = _ORIGIN.fullmatch(rows[start])
        if match is None:
            report.add(number, "origin", f"cannot read {rows[start].strip()!r}: expected 'Origin <zone number>'")
            continue
        block = "\n".join(rows[start + 1 : stop])
        origin_tokens.append(match.group(1))
        origin_lines.append(number)
        blocks.append((block, number + 1))
    dest_tokens: Tokens
    flow_tokens: Tokens
    values = _entry_values("\n".join(block for block, _ in blocks))
    if values is not None:
        counts = [block.count(":") for block, _ in blocks]
        dest_tokens = _Parsed(values[0::2], lambda i: entry(i)[1])
        flow_tokens = _Parsed(values[1::2], lambda i: entry(i)[2])
    else:
        dest_tokens, flow_tokens, counts = _read_blocks(blocks, report)
    origins = _id_column(origin_tokens, "origin", report, _line_getter(origin_lines), zones, "zone")
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def entry(i: int) -> tuple[int, str, str]:
        k = int(np.searchsorted(starts, i, side="right")) - 1
        return _find_entry(*blocks[k], i - int(starts[k]))

    def entry_line(i: int) -> int | None:
        return entry(i)[0]

    dests = _id_column(dest_tokens, "destination", report, entry_line, zones, "zone")
    flows = _number_column(flow_tokens, "flow", report, entry_line)
    if report.problems:
        problems.extend(report.finish())
        return None
    row = np.repeat(origins, counts)
    cell = row * zones + dests
    order = np.argsort(cell, kind="stable")
    repeated = np.zeros(cell.size, dtype=bool)
    repeated[order[1:]] = cell[order[1:]] == cell[order[:-1]]

    def twice(i: int) -> str:
        return f"origin {row[i] + 1}, destination {dests[i] + 1} appears more than once"

    _report_each(report, repeated, entry_line, "destination", twice)
    if report.problems:
        problems.extend(report.finish())
        return None
    cells = np.zeros(zones * zones, dtype=np.float64)
    cells[cell] = flows
    matrix = cells.reshape(zones, zones)
    if "TOTAL OD FLOW" in header.tags:
        stated, _ = header.tags["TOTAL OD FLOW"]
        try:
            total = float(stated)
        except ValueError:
            total = np.nan
        actual = float(matrix.sum())
        if not abs(total - actual) <= 1e-6 * max(abs(total), 1.0):
            warnings.warn(
                f"{path.name}: <TOTAL OD FLOW> says {stated} but the entries add up to {actual!r}",
                UserWarning,
                stacklevel=3,
            )
    return matrix, {tag.lower().replace(" ", "_"): value for tag, (value, _) in header.tags.items()}


_NOT_SEPARATOR = bytes(b for b in range(256) if b not in b":;")
_BLANK = b" \t\n\r\v\f"


def _entry_values(text: str) -> NDArray[np.float64] | None:
    """The numbers of a text made of "d : v;" entries only (d and v alternating), or None if it is not that.

    Checked without a regular expression, for speed: the separators are ":;" repeated; no two separators are
    adjacent and the text does not start with one (so each of the 2n fields between them holds something); and
    the text holds exactly 2n numbers (so each field holds exactly one, and nothing follows the last ';').
    """
    n = text.count(":")
    raw = text.encode("utf-8")
    if raw.translate(None, _NOT_SEPARATOR) != b":;" * n:
        return None
    compact = raw.translate(None, _BLANK)
    if compact[:1] in (b":", b";") or any(pair in compact for pair in (b"::", b":;", b";:", b";;")):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(text.replace(":", " ").replace(";", " "), dtype=np.float64, sep=" ")
    except (ValueError, DeprecationWarning):
        return None
    return values if values.size == 2 * n else None


def _read_blocks(blocks: Sequence[tuple[str, int]], report: _Report) -> tuple[list[str], list[str], list[int]]:
    """Destination and flow tokens of the blocks, and the count of each, by regular expression."""
    dests: list[str] = []
    flows: list[str] = []
    counts = []
    for block, first_line in blocks:
        found = _ENTRY.findall(block)
        used = sum(len(d) + len(v) + 2 for d, v in found)
        if used != len(block) - sum(block.count(c) for c in " \t\n"):
            found = _read_block_slowly(block, first_line, report)
        dests.extend(d for d, _ in found)
        flows.extend(v for _, v in found)
        counts.append(len(found))
    return dests, flows, counts


def _read_block_slowly(block: str, first_line: int, report: _Report) -> list[tuple[str, str]]:
    """The entries of a block line by line, reporting what is neither an entry nor blank."""
    entries: list[tuple[str, str]] = []
    for offset, row in enumerate(block.split("\n")):
        found = _ENTRY.findall(row)
        rest = _ENTRY.sub("", row)
        last = _ENTRY_LAST.search(rest)
        if last is not None:
            found.append((last.group(1), last.group(2)))
            rest = rest[: last.start()]
        if rest.strip():
            report.add(
                first_line + offset,
                "destination",
                f"cannot read {rest.strip()!r}: expected 'destination : flow;' entries or an 'Origin n' line",
            )
        entries.extend(found)
    return entries


def _find_entry(block: str, first_line: int, index: int) -> tuple[int, str, str]:
    """Line number and tokens of the ``index``-th entry of a block (only called to report a problem)."""
    seen = 0
    for offset, row in enumerate(block.split("\n")):
        found = _ENTRY.findall(row)
        last = _ENTRY_LAST.search(_ENTRY.sub("", row))
        if last is not None:
            found.append((last.group(1), last.group(2)))
        if index < seen + len(found):
            d, v = found[index - seen]
            return first_line + offset, d, v
        seen += len(found)
    raise IndexError(index)  # not reached: the entries were counted from the same text


# --------------------------------------------------------------------------------------------------------------
# Reading: flow and node files


def _table_rows(text: str, report: _Report, first: str) -> tuple[list[list[str]], list[int]]:
    """Rows of a file with an optional header line (``first`` names its first column, e.g. "From" or "Node")."""
    header = _Header({}, 1, 0)
    rows, lines = _data_rows(text, header, report)
    if rows and rows[0] and rows[0][0].lower() == first.lower():
        return rows[1:], lines[1:]
    if rows and rows[0]:
        try:
            float(rows[0][0])
        except ValueError:
            return rows[1:], lines[1:]  # some other header line
    return rows, lines


def _read_flow(path: Path, net: _Net, link_ids: Sequence[str], problems: list[Problem]) -> NDArray[np.float64] | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    report = _Report(path.name)
    rows, lines = _table_rows(text, report, "From")
    columns = ("From", "To", "Volume", "Cost")
    good, good_lines = [], []
    for cells, number in zip(rows, lines, strict=True):
        if len(cells) in (3, 4):
            good.append(cells[:3])
            good_lines.append(number)
        else:
            report.add(
                number,
                columns[min(len(cells), 3)],
                f"{len(cells)} values where 3 or 4 are expected (From To Volume [Cost])",
                kind="width",
            )
    cells_by_column = list(zip(*good, strict=True)) if good else [(), (), ()]
    line_of = _line_getter(good_lines)
    tail = _id_column(cells_by_column[0], "From", report, line_of, net.n_nodes, "node")
    head = _id_column(cells_by_column[1], "To", report, line_of, net.n_nodes, "node")
    volume = _number_column(cells_by_column[2], "Volume", report, line_of)
    flow = np.full(net.tail.size, np.nan)
    if not report.problems:
        # Match rows to links by (from, to); a pair listed k times in the net file takes its first k rows in order.
        key_links = net.tail * net.n_nodes + net.head
        key_rows = tail * net.n_nodes + head
        by_key: dict[int, list[int]] = {}
        for link in range(key_links.size - 1, -1, -1):
            by_key.setdefault(int(key_links[link]), []).append(link)
        for i, key in enumerate(key_rows.tolist()):
            stack = by_key.get(key)
            if not stack:
                report.add(
                    good_lines[i],
                    "From",
                    f"no link {cells_by_column[0][i]}->{cells_by_column[1][i]} in the net file"
                    + (" (or more rows for it than links)" if key in by_key else ""),
                    kind="unmatched",
                )
                continue
            flow[stack.pop()] = volume[i]
        missing = np.flatnonzero(np.isnan(flow))
        if missing.size and not report.problems:
            listed = ", ".join(link_ids[i] for i in missing[:_MAX_REPORTED])
            more = f" and {missing.size - _MAX_REPORTED} more" if missing.size > _MAX_REPORTED else ""
            report.add(None, "Volume", f"no volume for link(s) {listed}{more}")
    found = report.finish()
    problems.extend(found)
    return None if found else flow


def _read_node(path: Path, n_nodes: int, problems: list[Problem]) -> NDArray[np.float64] | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    report = _Report(path.name)
    rows, lines = _table_rows(text, report, "Node")
    good, good_lines = [], []
    for cells, number in zip(rows, lines, strict=True):
        if len(cells) >= 3:
            good.append(cells[:3])
            good_lines.append(number)
        else:
            report.add(number, ("Node", "X", "Y")[len(cells)], "fewer than 3 values (Node X Y)", kind="width")
    cells_by_column = list(zip(*good, strict=True)) if good else [(), (), ()]
    line_of = _line_getter(good_lines)
    nodes = _id_column(cells_by_column[0], "Node", report, line_of, n_nodes, "node")
    x = _number_column(cells_by_column[1], "X", report, line_of, non_negative=False)
    y = _number_column(cells_by_column[2], "Y", report, line_of, non_negative=False)
    seen = np.zeros(n_nodes, dtype=bool)
    for i, node in enumerate(nodes.tolist()):
        if node < 0:
            continue
        if seen[node]:
            report.add(good_lines[i], "Node", f"node {node + 1} is listed twice", kind="twice")
        seen[node] = True
    found = report.finish()
    problems.extend(found)
    if found:
        return None
    xy = np.full((n_nodes, 2), np.nan)
    xy[nodes, 0] = x
    xy[nodes, 1] = y
    return xy


# --------------------------------------------------------------------------------------------------------------
# Reading: the network


def _link_ids(tail: NDArray[np.int64], head: NDArray[np.int64]) -> tuple[str, ...]:
    """ "init-term" (1-based), a repeated pair numbered "-2", "-3", ... in order."""
    seen: dict[tuple[int, int], int] = {}
    ids = []
    for pair in zip((tail + 1).tolist(), (head + 1).tolist(), strict=True):
        k = seen.get(pair, 0) + 1
        seen[pair] = k
        ids.append(f"{pair[0]}-{pair[1]}" if k == 1 else f"{pair[0]}-{pair[1]}-{k}")
    return tuple(ids)


def network_from_tntp(folder: str | Path, *, name: str | None = None) -> FlowNetwork:
    """Read a network in TNTP format: a folder holding one ``*_net.tntp`` and ``*_trips.tntp``, or that net file.

    Optional ``*_flow.tntp`` (best-known link flows) becomes ``reference_flow`` and ``*_node.tntp`` (coordinates)
    ``node_xy``. Nodes 1..N become indices 0..N-1, zones are nodes 1..Z, nodes below ``<FIRST THRU NODE>`` are
    ``no_through``. Every link is its own BPR element with ``t0`` its free-flow time; a zero capacity is allowed
    where the time is constant (b or power 0) and read as ``inf``. Times are taken to be minutes and flows
    vehicles per hour, as in most of the collection.

    Parameters
    ----------
    folder
        The folder, or the path of its ``*_net.tntp`` (other files are then found beside it).
    name
        The network's name; default the file name's prefix ("SiouxFalls" for ``SiouxFalls_net.tntp``).

    Raises
    ------
    DatasetError
        Listing the problems found, each with file, line and column.
    """
    path = Path(folder)
    files = _locate_files(path)
    where = str(path)
    problems: list[Problem] = []
    net = _read_net(files.net, problems)
    trips = _read_trips(files.trips, net.n_zones if net is not None else None, problems)
    if net is None or trips is None:
        raise DatasetError(problems, folder=where)
    matrix, trips_tags = trips
    link_ids = _link_ids(net.tail, net.head)
    flow = _read_flow(files.flow, net, link_ids, problems) if files.flow is not None else None
    xy = _read_node(files.node, net.n_nodes, problems) if files.node is not None else None
    if problems:
        raise DatasetError(problems, folder=where)

    label = name if name is not None else files.net.name[: -len("_net.tntp")]
    n_links = net.tail.size
    columns = net.columns
    capacity = columns["capacity"].copy()
    capacity[capacity == 0] = np.inf  # constant time (b or power 0): checked above
    element_ptr, element_link = one_element_per_link(n_links)
    zones = np.arange(net.n_zones, dtype=np.int64)
    meta: dict[str, object] = {
        "format": "tntp",
        **net.tags,
        "number_of_zones": net.n_zones,
        "number_of_nodes": net.n_nodes,
        "first_thru_node": net.first_thru_node,
        "number_of_links": n_links,
        "net_file": str(files.net),
        "trips_file": str(files.trips),
        **{f"trips_{tag}": value for tag, value in trips_tags.items() if tag != "number_of_zones"},
        "speed": columns["speed"],
        "link_type": net.link_type,
    }
    if files.flow is not None:
        meta["flow_file"] = str(files.flow)
    if files.node is not None:
        meta["node_file"] = str(files.node)
    return FlowNetwork(
        name=label,
        n_nodes=net.n_nodes,
        zones=tuple(str(z + 1) for z in range(net.n_zones)),
        origin_node=zones,
        destination_node=zones.copy(),
        no_through=np.arange(net.n_nodes) < net.first_thru_node - 1,
        link_ids=link_ids,
        tail=net.tail,
        head=net.head,
        free_flow_time=columns["free_flow_time"],
        length=columns["length"],
        toll=columns["toll"],
        element_ids=link_ids,
        element_ptr=element_ptr,
        element_link=element_link,
        vdf=np.full(n_links, VDF_BPR, dtype=np.int8),
        t0=columns["free_flow_time"].copy(),
        capacity=capacity,
        alpha=columns["b"],
        beta=columns["power"],
        time_unit="min",
        flow_unit="veh/h",
        node_ids=tuple(str(i + 1) for i in range(net.n_nodes)),
        node_xy=xy,
        demand=Demand(classes=(TrafficClass(name="all", demand=matrix),), label=f"{label} trips"),
        reference_flow=flow,
        meta=meta,
    )


# --------------------------------------------------------------------------------------------------------------
# Writing


def _num(value: float) -> str:
    """The shortest text that reads back as exactly ``value``; whole numbers without ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _bpr_links(network: FlowNetwork) -> NDArray[np.int64]:
    """For each link, its element; InvalidOptionError unless every link is its own BPR element."""
    n_links = network.n_links
    counts = np.diff(network.element_ptr)
    if network.n_elements != n_links or not np.all(counts == 1):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: it has {network.n_elements} capacity elements "
            f"for {n_links} links, and TNTP needs every link to be its own element (no shared ports or services)"
        )
    element_of = np.full(n_links, -1, dtype=np.int64)
    element_of[network.element_link] = np.arange(n_links)
    if np.any(element_of < 0):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: some links share an element and others have none"
        )
    not_bpr = np.flatnonzero(network.vdf[element_of] != VDF_BPR)
    if not_bpr.size:
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[not_bpr[0]]!r} (and "
            f"{not_bpr.size - 1} more) use a volume-delay function other than BPR"
        )
    t0 = network.t0[element_of]
    differ = np.flatnonzero(~np.isclose(t0, network.free_flow_time, rtol=1e-12, atol=0.0))
    if differ.size:
        i = differ[0]
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has free-flow time "
            f"{float(network.free_flow_time[i])!r} but delay reference time {float(t0[i])!r}; TNTP needs them equal"
        )
    return element_of


def _check_values(network: FlowNetwork, columns: dict[str, NDArray[np.float64]]) -> None:
    for column, values in columns.items():
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            i = bad[0]
            raise InvalidOptionError(
                f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has {column} "
                f"{float(values[i])!r} (a finite number >= 0 is needed)"
            )


def _first_thru_node(network: FlowNetwork) -> int:
    flagged = np.flatnonzero(network.no_through)
    k = flagged.size
    if k and not np.array_equal(flagged, np.arange(k)):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: its no-through nodes are not the first nodes "
            "(TNTP flags nodes below <FIRST THRU NODE> only)"
        )
    return k + 1


def _net_text(network: FlowNetwork, element_of: NDArray[np.int64], first_thru: int) -> str:
    n = network.n_links
    capacity = network.capacity[element_of]
    alpha = network.alpha[element_of]
    beta = network.beta[element_of]
    infinite = ~np.isfinite(capacity)
    delayed = infinite & (alpha > 0) & (beta > 0)
    if np.any(delayed):
        i = int(np.flatnonzero(delayed)[0])
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has infinite "
            "capacity with a delay function (TNTP writes 0 for infinite capacity only on constant-time links)"
        )
    capacity = np.where(infinite, 0.0, capacity)
    unreadable = (capacity == 0) & (alpha > 0) & (beta > 0)
    if np.any(unreadable):
        i = int(np.flatnonzero(unreadable)[0])
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has zero capacity "
            "with a delay function"
        )
    _check_values(
        network,
        {
            "capacity": capacity,
            "length": network.length,
            "free_flow_time": network.free_flow_time,
            "b": alpha,
            "power": beta,
            "toll": network.toll,
        },
    )
    speed_meta = network.meta.get("speed")
    speed = speed_meta if isinstance(speed_meta, np.ndarray) and speed_meta.shape == (n,) else np.zeros(n)
    type_meta = network.meta.get("link_type")
    link_type = ["1"] * n
    if isinstance(type_meta, tuple | list) and len(type_meta) == n:
        given = [str(t) for t in type_meta]
        if all(_TOKEN.fullmatch(t) for t in given):  # a type with blanks or ';' would break the line
            link_type = given
    head_lines = [
        f"<NUMBER OF ZONES> {network.n_zones}",
        f"<NUMBER OF NODES> {network.n_nodes}",
        f"<FIRST THRU NODE> {first_thru}",
        f"<NUMBER OF LINKS> {n}",
        "<END OF METADATA>",
        "",
        "",
        "~\t" + "\t".join(NET_COLUMNS) + "\t;",
    ]
    body = [
        f"\t{t}\t{h}\t{_num(c)}\t{_num(le)}\t{_num(f)}\t{_num(b)}\t{_num(p)}\t{_num(s)}\t{_num(tl)}\t{k}\t;"
        for t, h, c, le, f, b, p, s, tl, k in zip(
            (network.tail + 1).tolist(),
            (network.head + 1).tolist(),
            capacity.tolist(),
            network.length.tolist(),
            network.free_flow_time.tolist(),
            alpha.tolist(),
            beta.tolist(),
            np.asarray(speed, dtype=np.float64).tolist(),
            network.toll.tolist(),
            link_type,
            strict=True,
        )
    ]
    return "\n".join([*head_lines, *body]) + "\n"


def _trips_text(network: FlowNetwork, demand: Demand) -> str:
    if len(demand.classes) != 1:
        raise InvalidOptionError(
            f"A TNTP trips file holds one OD matrix, but this demand has {len(demand.classes)} classes "
            f"({', '.join(c.name for c in demand.classes)}); pass demand= with one class"
        )
    matrix = np.asarray(demand.classes[0].demand, dtype=np.float64)
    z = network.n_zones
    if matrix.shape != (z, z):
        raise InvalidOptionError(f"The demand matrix is {matrix.shape}, but the network has {z} zones ({z}, {z})")
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise InvalidOptionError("The demand matrix must hold finite numbers >= 0 only")
    lines = [f"<NUMBER OF ZONES> {z}", f"<TOTAL OD FLOW> {_num(float(matrix.sum()))}", "<END OF METADATA>", "", ""]
    per_line = 5
    for o in range(z):
        lines.append(f"Origin\t{o + 1}")
        dests = np.flatnonzero(matrix[o])
        entries = [f"{d + 1:5d} : {_num(v)};" for d, v in zip(dests.tolist(), matrix[o, dests].tolist(), strict=True)]
        lines.extend(" ".join(entries[k : k + per_line]) for k in range(0, len(entries), per_line))
        lines.append("")
    return "\n".join(lines) + "\n"


def _flow_text(network: FlowNetwork, element_of: NDArray[np.int64], flows: NDArray[np.float64]) -> str:
    flows = np.asarray(flows, dtype=np.float64)
    if flows.shape != (network.n_links,):
        raise InvalidOptionError(f"flows has shape {flows.shape}; one value per link ({network.n_links},) is needed")
    if not np.all(np.isfinite(flows)) or np.any(flows < 0):
        raise InvalidOptionError("flows must be finite numbers >= 0")
    capacity = network.capacity[element_of]
    ratio = np.divide(flows, capacity, out=np.zeros_like(flows), where=np.isfinite(capacity))
    time = (
        network.free_flow_time + network.t0[element_of] * network.alpha[element_of] * ratio ** network.beta[element_of]
    )
    rows = [
        f"{t}\t{h}\t{_num(v)}\t{_num(c)}"
        for t, h, v, c in zip(
            (network.tail + 1).tolist(), (network.head + 1).tolist(), flows.tolist(), time.tolist(), strict=True
        )
    ]
    return "\n".join(["From\tTo\tVolume\tCost", *rows]) + "\n"


def _node_text(xy: NDArray[np.float64]) -> str:
    rows = [
        f"{i + 1}\t{_num(x)}\t{_num(y)}\t;" for i, (x, y) in enumerate(xy.tolist()) if np.isfinite(x) and np.isfinite(y)
    ]
    return "\n".join(["Node\tX\tY\t;", *rows]) + "\n"


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path`` (never half a file)."""
    from corridor.io.flows import write_atomic

    # The temporary file is private (0600); give the result the mode an ordinary write would, or the old file's.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.chmod(mode)

    return write_atomic(path, write)


def network_to_tntp(
    network: FlowNetwork,
    folder: str | Path,
    *,
    name: str | None = None,
    flows: NDArray[np.float64] | None = None,
    demand: Demand | None = None,
) -> list[Path]:
    """Write a network as TNTP files that :func:`network_from_tntp` reads back as the same network.

    Writes ``<name>_net.tntp`` and ``<name>_trips.tntp``; ``<name>_flow.tntp`` (From To Volume Cost, the cost
    being the BPR time at those flows) with ``flows``, or else with the network's ``reference_flow`` if it has
    one; and ``<name>_node.tntp`` when the network has node coordinates. Each file is written to a temporary
    file and renamed, so a failure leaves no half-written file; everything is checked before the first is
    written. Other files in the folder are left alone (an older ``<name>_flow.tntp`` would be read back too).

    Node and zone labels are not kept: TNTP numbers nodes 1..N, and zones must be nodes 1..Z in order. Link
    speed and type are taken from ``meta["speed"]`` and ``meta["link_type"]`` where a TNTP reading left them,
    else written as 0 and 1.

    Parameters
    ----------
    network
        A network whose every link is its own BPR element, with ``t0`` equal to the free-flow time.
    folder
        Where to write; created if missing.
    name
        The file names' prefix; default the network's name.
    flows
        Link flows (one per link) for the flow file.
    demand
        The demand to write (one class); default the network's own.

    Returns
    -------
    list of Path
        The files written, net file first.

    Raises
    ------
    InvalidOptionError
        When the network, demand or flows cannot be written as TNTP, saying why.
    """
    label = network.name if name is None else name
    if not label or label != Path(label).name or label in {".", ".."}:
        raise InvalidOptionError(f"A TNTP name must be a plain file-name prefix, got {label!r}")
    element_of = _bpr_links(network)
    zones = np.arange(network.n_zones)
    if not (np.array_equal(network.origin_node, zones) and np.array_equal(network.destination_node, zones)):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: its zones are not nodes 1..{network.n_zones} "
            "(TNTP zones start and end at the node of the same number)"
        )
    chosen = demand if demand is not None else network.demand
    if chosen is None:
        raise InvalidOptionError(f"Network {network.name!r} has no demand of its own: pass demand= to write trips")
    texts = {
        "net": _net_text(network, element_of, _first_thru_node(network)),
        "trips": _trips_text(network, chosen),
    }
    link_flows = flows if flows is not None else network.reference_flow
    if link_flows is not None:
        texts["flow"] = _flow_text(network, element_of, link_flows)
    if network.node_xy is not None and np.any(np.isfinite(network.node_xy).all(axis=1)):
        texts["node"] = _node_text(network.node_xy)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, text in texts.items():
        written.append(_write_text(target / f"{label}_{kind}.tntp", text))
    return written
