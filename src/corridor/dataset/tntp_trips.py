"""Read the trips file of a TNTP network: the OD matrix, given as "Origin o" lines followed by "d : flow;" entries."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.tntp_parse import (
    Header,
    Parsed,
    Report,
    Tokens,
    id_column,
    line_getter,
    number_column,
    parse_header,
    read_text,
    report_each,
    tag_int,
)
from corridor.errors import Problem

__all__ = ["read_trips"]

_MAX_ZONES = 40_000  # a dense (Z, Z) matrix of float64 beyond this takes more than 12 GB

_ORIGIN = re.compile(r"[ \t]*Origin[ \t]+([^\s;:]+)[ \t]*;?[ \t]*")
_ENTRY = re.compile(r"([^\s;:~]+)[ \t]*:[ \t]*([^\s;:]+)[ \t]*;")
_ENTRY_LAST = re.compile(r"([^\s;:~]+)[ \t]*:[ \t]*([^\s;:]+)[ \t]*$")  # the last entry of a line may omit its ';'


def read_trips(
    path: Path, n_zones: int | None, problems: list[Problem]
) -> tuple[NDArray[np.float64], dict[str, str]] | None:
    """The OD matrix of a trips file and its metadata; ``n_zones`` from the net file (None: the file's own)."""
    text = read_text(path, problems)
    if text is None:
        return None
    report = Report(path.name)
    header = parse_header(text)
    zones = _zone_count(header, n_zones, report)
    if zones is None:
        problems.extend(report.finish())
        return None
    origin_tokens, origin_lines, blocks = _origin_blocks(text, header, report)
    dest_tokens, flow_tokens, entries = _read_entries(blocks, report)
    origins = id_column(origin_tokens, "origin", report, line_getter(origin_lines), zones, "zone")
    dests = id_column(dest_tokens, "destination", report, entries.line, zones, "zone")
    flows = number_column(flow_tokens, "flow", report, entries.line)
    cell = None if report.problems else _od_cells(np.repeat(origins, entries.counts), dests, zones, entries, report)
    if cell is None or report.problems:
        problems.extend(report.finish())
        return None
    cells = np.zeros(zones * zones, dtype=np.float64)
    cells[cell] = flows
    matrix = cells.reshape(zones, zones)
    _check_total(header, matrix, path)
    return matrix, {tag.lower().replace(" ", "_"): value for tag, (value, _) in header.tags.items()}


def _zone_count(header: Header, n_zones: int | None, report: Report) -> int | None:
    """The zones of the OD matrix: the net file's, checked against the trips file's own; None if unusable."""
    own = tag_int(header, "NUMBER OF ZONES", report, minimum=1, required=n_zones is None)
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
        return None
    return zones


def _origin_blocks(text: str, header: Header, report: Report) -> tuple[list[str], list[int], list[tuple[str, int]]]:
    """The body cut at its "Origin o" lines: each origin's token and line, and the text and first line of its block.

    Comment lines are blanked (so line numbers hold); an "Origin" line that cannot be read is reported and its
    block left out.
    """
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
        origin_tokens.append(match.group(1))
        origin_lines.append(number)
        blocks.append(("\n".join(rows[start + 1 : stop]), number + 1))
    return origin_tokens, origin_lines, blocks


class _Entries:
    """Where the "d : flow;" entries of the blocks are: how many in each block, and the line and text of each.

    Finding an entry's line reads its block again; it is done only to report a problem.
    """

    def __init__(self, blocks: Sequence[tuple[str, int]], counts: list[int]) -> None:
        self.blocks = blocks
        self.counts = counts
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def entry(self, i: int) -> tuple[int, str, str]:
        """Line number, destination and flow text of the ``i``-th entry."""
        k = int(np.searchsorted(self.starts, i, side="right")) - 1
        return _find_entry(*self.blocks[k], i - int(self.starts[k]))

    def line(self, i: int) -> int | None:
        return self.entry(i)[0]

    def destination(self, i: int) -> str:
        return self.entry(i)[1]

    def flow(self, i: int) -> str:
        return self.entry(i)[2]


def _read_entries(blocks: Sequence[tuple[str, int]], report: Report) -> tuple[Tokens, Tokens, _Entries]:
    """Destination and flow tokens of every block, and where each entry is.

    All blocks are read at once by numpy when they hold nothing but entries; otherwise block by block with a
    regular expression, and a block with anything else in it line by line, to say where.
    """
    values = _entry_values("\n".join(block for block, _ in blocks))
    if values is None:
        dests, flows, counts = _read_blocks(blocks, report)
        return dests, flows, _Entries(blocks, counts)
    entries = _Entries(blocks, [block.count(":") for block, _ in blocks])
    return Parsed(values[0::2], entries.destination), Parsed(values[1::2], entries.flow), entries


def _od_cells(
    row: NDArray[np.int64], dests: NDArray[np.int64], zones: int, entries: _Entries, report: Report
) -> NDArray[np.int64]:
    """Each entry's index in the flattened OD matrix; a pair given twice is reported."""
    cell = row * zones + dests
    order = np.argsort(cell, kind="stable")
    repeated = np.zeros(cell.size, dtype=bool)
    repeated[order[1:]] = cell[order[1:]] == cell[order[:-1]]

    def twice(i: int) -> str:
        return f"origin {row[i] + 1}, destination {dests[i] + 1} appears more than once"

    report_each(report, repeated, entries.line, "destination", twice)
    return cell


def _check_total(header: Header, matrix: NDArray[np.float64], path: Path) -> None:
    """Warn when the entries do not add up to the file's <TOTAL OD FLOW>."""
    if "TOTAL OD FLOW" not in header.tags:
        return
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
            stacklevel=4,  # the caller of network_from_tntp (through read_trips)
        )


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


def _read_blocks(blocks: Sequence[tuple[str, int]], report: Report) -> tuple[list[str], list[str], list[int]]:
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


def _read_block_slowly(block: str, first_line: int, report: Report) -> list[tuple[str, str]]:
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
