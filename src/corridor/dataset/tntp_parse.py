"""Pieces every TNTP file reader shares: the metadata header, the problem report, numeric and id columns."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.errors import Problem

__all__ = [
    "MAX_REPORTED",
    "Header",
    "Parsed",
    "Report",
    "Tokens",
    "data_rows",
    "id_column",
    "line_getter",
    "number_column",
    "parse_header",
    "read_text",
    "report_each",
    "tag_int",
]

MAX_REPORTED = 10  # problems of one kind reported per file; the rest are counted

_TAG = re.compile(r"<([^<>]+)>(.*)")


@dataclass
class Report:
    """Problems of one file, at most ``MAX_REPORTED`` of each kind, the rest counted."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, line: int | None, column: str | None, message: str, *, kind: str | None = None) -> None:
        key = kind or f"{column}:{message}"
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + 1
        if seen < MAX_REPORTED:
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
        for i in indices[: max(MAX_REPORTED - seen, 0)]:
            self.problems.append(Problem(self.file, line_of(i), column, message(i)))
        self.counts[kind] = seen + len(indices)

    def finish(self) -> list[Problem]:
        extra = [
            Problem(self.file, None, None, f"... and {n - MAX_REPORTED} more problem(s) like the above")
            for n in self.counts.values()
            if n > MAX_REPORTED
        ]
        ordered = sorted(self.problems, key=lambda p: p.line if p.line is not None else 0)
        return [*ordered, *extra]


def read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(path.name, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})"))
    except OSError as error:
        problems.append(Problem(path.name, None, None, f"cannot be read: {error.strerror or error}"))
    return None


@dataclass(frozen=True)
class Header:
    tags: dict[str, tuple[str, int]]  # tag (upper case) -> (value, line number)
    body_line: int  # number of the first line after the metadata (1-based)
    body_offset: int  # character offset of that line


def parse_header(text: str) -> Header:
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
            return Header(tags, number, offset)
        tag = " ".join(match.group(1).split()).upper()
        offset += len(line) + 1
        if tag == "END OF METADATA":
            return Header(tags, number + 1, offset)
        tags[tag] = (match.group(2).strip(), number)
    return Header(tags, number + 1, offset)


def tag_int(header: Header, tag: str, report: Report, *, minimum: int, required: bool = True) -> int | None:
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
class Parsed:
    """A column already parsed (by numpy, in bulk), with the text of each value for messages."""

    values: NDArray[np.float64]
    text: Callable[[int], str]

    def __len__(self) -> int:
        return int(self.values.size)


Tokens = Sequence[str] | Parsed  # a column as read, or already parsed


def _parsed(tokens: Tokens) -> tuple[NDArray[np.float64], NDArray[np.int64], Callable[[int], str]]:
    """Values, indices of the unparsable ones, and each value's text for messages."""
    if isinstance(tokens, Parsed):
        return tokens.values, np.zeros(0, dtype=np.int64), tokens.text
    values, bad = _floats(tokens)
    return values, bad, tokens.__getitem__


def report_each(
    report: Report,
    mask: NDArray[np.bool_],
    line_of: Callable[[int], int | None],
    column: str,
    message: Callable[[int], str],
) -> None:
    """One problem per True of ``mask`` (the first few, then a count)."""
    report.each(np.flatnonzero(mask).tolist(), line_of, column, message, f"{column}:{message.__name__}")


def number_column(
    tokens: Tokens,
    column: str,
    report: Report,
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

    report_each(report, parsed & ~np.isfinite(values), line_of, column, not_finite)
    if non_negative:
        report_each(report, np.isfinite(values) & (values < 0), line_of, column, negative)
    return values


def id_column(
    tokens: Tokens, column: str, report: Report, line_of: Callable[[int], int | None], n: int | None, what: str
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

    report_each(report, parsed & ~whole, line_of, column, not_whole)
    inside = whole & (values >= 1) & (values <= (n if n is not None else np.inf))
    report_each(report, whole & ~inside, line_of, column, outside)
    out = np.full(len(tokens), -1, dtype=np.int64)
    out[inside] = values[inside].astype(np.int64) - 1
    return out


def data_rows(text: str, header: Header, report: Report) -> tuple[list[list[str]], list[int]]:
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


def line_getter(lines: Sequence[int]) -> Callable[[int], int | None]:
    return lambda i: lines[i]
