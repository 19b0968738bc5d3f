"""Years as first-class: the dataset as it stood in a past year, from the changes by year of changes.csv.

The dataset's tables hold the corridor as it stands; ``changes.csv`` says what was different in earlier years (a
capacity, a frequency, a tariff, a closure such as the Red Sea's from December 2023). The rows of one year become a
scenario (``year-2022``) that every command applies before anything else: ``compare --year``, ``assign --year``,
scenario runs (a scenario's own changes win over its year's) and the validation against published figures. A row
that names an unknown element, field or unit is reported with changes.csv, its line and column, as a scenario
problem would be.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, Problem, ScenarioError
from corridor.scenarios.files import Scenario
from corridor.scenarios.sections import Problems, read_sections

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.observation_records import YearChange
    from corridor.scenarios.sections import Closure

__all__ = ["check_year", "check_years", "dataset_years", "network_of_year", "with_year", "year_scenario"]

_FILE = "changes.csv"


def dataset_years(network: Network) -> tuple[int, ...]:
    """The years the dataset describes: those of its demand table, of its changes by year and, with a trade model,
    those it generates demand for; sorted."""
    years = set(network.demand_years)
    for change in network.changes:
        years.update(change.year_list)
    if network.trade:
        from corridor.model.trade import trade_years

        first, last = trade_years(network)
        years.update(range(first, last + 1))
    return tuple(sorted(years))


def check_year(network: Network, year: int) -> int:
    """``year`` if the dataset describes it, else InvalidOptionError naming the years that exist."""
    years = dataset_years(network)
    if isinstance(year, bool) or not isinstance(year, int) or year not in years:
        shown = ", ".join(map(str, years)) if years else "none (the dataset has no demand or changes.csv)"
        raise InvalidOptionError(f"No data for year {year!r}; years with data: {shown}.")
    return year


def year_scenario(network: Network, year: int) -> Scenario:
    """The changes of ``year`` as a scenario (``year-YYYY``): fields set or scaled, links closed.

    Raises
    ------
    ScenarioError
        Every problem of the year's rows, with changes.csv, the row's line and its column.
    """
    rows = [(i + 2, c) for i, c in enumerate(network.changes) if year in c.year_list]
    doc: dict[str, Any] = {"year": year}
    lines: dict[tuple[Any, ...], int] = {}
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, change in rows:
        _add_row(network, doc, lines, change, line, seen, problems)
    sources = sorted({s for _, c in rows for s in c.source})
    found = Problems(_FILE, lines)
    sections = read_sections(doc, network, f"year-{year}", found, has_bases=True)
    # a pattern names several elements: one problem of its row is reported once
    problems.extend(dict.fromkeys(_relabel(p) for p in found.found))
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=f"year-{year}",
        title=f"The dataset as it stood in {year}",
        description=f"{len(rows)} changes by year from changes.csv",
        sources=tuple(sources),
        year=year,
        changes=tuple(sections.changes),
        closures=tuple(sections.closures),
        year_applied=True,
        path=_FILE,
        document=doc,
    )


def _add_row(
    network: Network,
    doc: dict[str, Any],
    lines: dict[tuple[Any, ...], int],
    change: YearChange,
    line: int,
    seen: dict[tuple[str, str, str], int],
    problems: list[Problem],
) -> None:
    """Put one row of changes.csv into the scenario document, recording its line under every key path it makes."""
    if change.change == "close":
        table, _, ident = change.element.partition("/")
        closures = doc.setdefault("close", [])
        i = len(closures)
        item: dict[str, Any] = {table: [ident]}
        if change.from_:
            item["from"] = _day(change.from_, first=True)
        if change.to:
            item["to"] = _day(change.to, first=False)
        closures.append(item)
        for path in ((), (table,), (table, 0), ("from",), ("to",)):
            lines[("close", i, *path)] = line
        return
    assert change.field is not None and change.value is not None  # the record checks it
    value: Any = change.value
    if change.change == "scale":
        try:
            value = float(change.value)
        except ValueError:
            problems.append(Problem(_FILE, line, "value", f"{change.value!r}: a scale is a plain number >= 0"))
            return
    for element in _elements(network, change.element, line, problems):
        for column in (f.strip() for f in change.field.split(";") if f.strip()):
            key = (change.change, element, column)
            if key in seen:
                problems.append(
                    Problem(_FILE, line, "field", f"{element} {column} is changed twice in one year (line {seen[key]})")
                )
                continue
            seen[key] = line
            doc.setdefault(change.change, {}).setdefault(element, {})[column] = value
            lines[(change.change,)] = lines[(change.change, element)] = lines[key] = line


def _elements(network: Network, pattern: str, line: int, problems: list[Problem]) -> list[str]:
    """The elements ``TABLE/ID`` a row names: itself, or every id its pattern (``links/*-suez``) matches."""
    if not any(ch in pattern for ch in "*?["):
        return [pattern]
    from fnmatch import fnmatchcase

    from corridor.scenarios.sections import TABLE_ATTR, records_of

    table, _, glob = pattern.partition("/")
    if table not in TABLE_ATTR:
        problems.append(Problem(_FILE, line, "element", f"unknown table {table!r}; valid: {', '.join(TABLE_ATTR)}"))
        return []
    found = [f"{table}/{rid}" for rid in records_of(network, table) if fnmatchcase(rid, glob)]
    if not found:
        problems.append(Problem(_FILE, line, "element", f"{pattern!r} matches no {table} record"))
    return found


def _day(text: str, *, first: bool) -> str:
    """A full date for a closure bound given as YYYY, YYYY-MM or YYYY-MM-DD (the first or the last day)."""
    parts = text.split("-")
    if len(parts) == 3:
        return text
    year = int(parts[0])
    if len(parts) == 1:
        return f"{year}-01-01" if first else f"{year}-12-31"
    month = int(parts[1])
    if first:
        return f"{year}-{month:02d}-01"
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1).isoformat()


def _relabel(problem: Problem) -> Problem:
    """A scenario problem as a changes.csv one: the key path becomes the column it concerns."""
    column = problem.column or ""
    parts = column.split(".")
    if parts[0] in ("set", "scale"):
        column = "field" if len(parts) > 2 else "element"
        if "unit" in problem.message or "is not" in problem.message or "a scale is" in problem.message:
            column = "value" if len(parts) > 2 else column
    elif parts[0] == "close":
        column = parts[-1] if parts[-1] in ("from", "to") else "element"
    return dataclasses.replace(problem, file=_FILE, column=column or None)


def check_years(network: Network) -> None:
    """Every row of changes.csv applies to the dataset: each year's changes checked as ``year_scenario`` does.

    Raises
    ------
    ScenarioError
        Every problem of every year, once each, with changes.csv, the row's line and its column.
    """
    years = sorted({y for change in network.changes for y in change.year_list})
    problems: list[Problem] = []
    for year in years:
        try:
            year_scenario(network, year)
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(list(dict.fromkeys(problems)))


def with_year(network: Network, scenario: Scenario) -> Scenario:
    """``scenario`` with the changes of its year applied first (its own changes win where both set a field); the
    year's closures it reopens are left out."""
    if scenario.year_applied or scenario.year is None or not network.changes:
        return scenario
    year = year_scenario(network, scenario.year)
    if not year.changes and not year.closures:
        return dataclasses.replace(scenario, year_applied=True)
    reopened = set(scenario.reopened)
    kept = tuple(c for c in year.closures if not _covered(c, reopened))
    return dataclasses.replace(
        scenario,
        changes=(*year.changes, *scenario.changes),
        closures=(*kept, *scenario.closures),
        year_applied=True,
        sources=tuple(dict.fromkeys((*scenario.sources, *year.sources))),
    )


def _covered(closure: Closure, reopened: set[str]) -> bool:
    """Whether the scenario reopens everything ``closure`` closes."""
    names = [
        *(f"links/{x}" for x in closure.links),
        *(f"passages/{x}" for x in closure.passages),
        *(f"countries/{x}" for x in closure.countries),
    ]
    return bool(names) and all(n in reopened for n in names)


def network_of_year(network: Network, year: int, *, on: date | None = None) -> Network:
    """The network as it stood in ``year`` (closures as on day ``on``, or all of the year's if None).

    Raises
    ------
    InvalidOptionError
        For a year the dataset does not describe, naming those it does.
    ScenarioError
        For a row of changes.csv that cannot be applied.
    """
    from corridor.scenarios.apply import apply_scenario

    check_year(network, year)
    scenario = year_scenario(network, year)
    if not scenario.changes and not scenario.closures and not network.trade:
        return network
    return apply_scenario(network, scenario, on=on)
