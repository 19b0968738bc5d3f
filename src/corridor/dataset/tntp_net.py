"""Read the net, flow and node files of a TNTP network: its links, their best-known flows, node coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.tntp_parse import (
    MAX_REPORTED,
    Header,
    Report,
    data_rows,
    id_column,
    line_getter,
    number_column,
    parse_header,
    read_text,
    report_each,
    tag_int,
)
from corridor.errors import Problem

__all__ = ["NET_COLUMNS", "NetFile", "read_flow", "read_net", "read_node"]

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


@dataclass(frozen=True)
class NetFile:
    n_zones: int
    n_nodes: int
    first_thru_node: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    columns: dict[str, NDArray[np.float64]]
    link_type: tuple[str, ...]
    tags: dict[str, str]


def read_net(path: Path, problems: list[Problem]) -> NetFile | None:
    text = read_text(path, problems)
    if text is None:
        return None
    report = Report(path.name)
    header = parse_header(text)
    n_zones = tag_int(header, "NUMBER OF ZONES", report, minimum=1)
    n_nodes = tag_int(header, "NUMBER OF NODES", report, minimum=1)
    first_thru = tag_int(header, "FIRST THRU NODE", report, minimum=1)
    n_links = tag_int(header, "NUMBER OF LINKS", report, minimum=0)
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
    rows, lines = data_rows(text, header, report)
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
    line_of = line_getter(good_lines)
    tail = id_column(cells_by_column[0], "init_node", report, line_of, n_nodes, "node")
    head = id_column(cells_by_column[1], "term_node", report, line_of, n_nodes, "node")
    columns = {
        name: number_column(cells_by_column[k], name, report, line_of, non_negative=name != "speed")
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

    report_each(report, delayed, line_of, "capacity", zero_capacity)
    found = report.finish()
    problems.extend(found)
    if found or n_zones is None or n_nodes is None or first_thru is None:
        return None
    tags = {tag.lower().replace(" ", "_"): value for tag, (value, _) in header.tags.items()}
    return NetFile(
        n_zones=n_zones,
        n_nodes=n_nodes,
        first_thru_node=first_thru,
        tail=tail,
        head=head,
        columns=columns,
        link_type=tuple(cells_by_column[9]),
        tags=tags,
    )


def _table_rows(text: str, report: Report, first: str) -> tuple[list[list[str]], list[int]]:
    """Rows of a file with an optional header line (``first`` names its first column, e.g. "From" or "Node")."""
    header = Header({}, 1, 0)
    rows, lines = data_rows(text, header, report)
    if rows and rows[0] and rows[0][0].lower() == first.lower():
        return rows[1:], lines[1:]
    if rows and rows[0]:
        try:
            float(rows[0][0])
        except ValueError:
            return rows[1:], lines[1:]  # some other header line
    return rows, lines


def read_flow(path: Path, net: NetFile, link_ids: Sequence[str], problems: list[Problem]) -> NDArray[np.float64] | None:
    text = read_text(path, problems)
    if text is None:
        return None
    report = Report(path.name)
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
    line_of = line_getter(good_lines)
    tail = id_column(cells_by_column[0], "From", report, line_of, net.n_nodes, "node")
    head = id_column(cells_by_column[1], "To", report, line_of, net.n_nodes, "node")
    volume = number_column(cells_by_column[2], "Volume", report, line_of)
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
            listed = ", ".join(link_ids[i] for i in missing[:MAX_REPORTED])
            more = f" and {missing.size - MAX_REPORTED} more" if missing.size > MAX_REPORTED else ""
            report.add(None, "Volume", f"no volume for link(s) {listed}{more}")
    found = report.finish()
    problems.extend(found)
    return None if found else flow


def read_node(path: Path, n_nodes: int, problems: list[Problem]) -> NDArray[np.float64] | None:
    text = read_text(path, problems)
    if text is None:
        return None
    report = Report(path.name)
    rows, lines = _table_rows(text, report, "Node")
    good, good_lines = [], []
    for cells, number in zip(rows, lines, strict=True):
        if len(cells) >= 3:
            good.append(cells[:3])
            good_lines.append(number)
        else:
            report.add(number, ("Node", "X", "Y")[len(cells)], "fewer than 3 values (Node X Y)", kind="width")
    cells_by_column = list(zip(*good, strict=True)) if good else [(), (), ()]
    line_of = line_getter(good_lines)
    nodes = id_column(cells_by_column[0], "Node", report, line_of, n_nodes, "node")
    x = number_column(cells_by_column[1], "X", report, line_of, non_negative=False)
    y = number_column(cells_by_column[2], "Y", report, line_of, non_negative=False)
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
