"""Applying a scenario to a Network: removals, additions, changes, closures and demand scaling, then validation."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from corridor.errors import DatasetError, InvalidOptionError, Problem, ScenarioError
from corridor.scenarios.sections import TABLE_ATTR, Change, Closure

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.validate import RawTable
    from corridor.scenarios.files import Scenario

__all__ = ["apply_scenario", "check_scenario", "closed_links", "network_rows"]

#: Rows by id of each table, as the strings of a CSV file.
Rows = dict[str, dict[str, dict[str, Any]]]
#: The scenario line and origin of each record it added or changed, by table and id.
Marks = dict[tuple[str, str], tuple[int | None, str]]
#: Files passed to validation even when empty.
_ALWAYS = ("sources.csv", "corridors.csv", "emission_factors.csv", "places.csv", "links.csv")


class NetworkRows(NamedTuple):
    """A network's records as CSV rows, and the record each row's content validates to."""

    #: table -> id -> the record as the strings of its CSV row
    rows: dict[str, dict[str, dict[str, str]]]
    #: file -> the row's content (:func:`corridor.dataset.validate.row_content`) -> its record
    records: dict[str, dict[frozenset[tuple[str, str]], Any]]


#: NetworkRows by id() of a network alive (each entry leaves with its network)
_ROWS: dict[int, NetworkRows] = {}


def network_rows(network: Network) -> NetworkRows:
    """Every record of ``network`` as its CSV row, and the record back from the row's content: once per network.

    A scenario is applied to one network many times (a job's check and then its run, each year of a validation,
    each value of a sweep). Its rows start as copies of these, and validation takes the record of every row it
    leaves as it was instead of validating the row again (on the embedded dataset about 25 ms of the 35 ms of an
    application); the rows it edits, adds or generates are validated, and the checks across tables see them all.
    """
    from corridor.dataset.validate import row_content

    key = id(network)
    found = _ROWS.get(key)
    if found is None:
        rows: dict[str, dict[str, dict[str, str]]] = {}
        records: dict[str, dict[frozenset[tuple[str, str]], Any]] = {}
        for table, attr in TABLE_ATTR.items():
            by_id = rows[table] = {}
            content = records[f"{table}.csv"] = {}
            for rec in getattr(network, attr):
                by_id[rec.id] = row = _raw(rec)
                content[row_content(row)] = rec
        found = _ROWS[key] = NetworkRows(rows, records)
        weakref.finalize(network, _ROWS.pop, key, None)
    return found


def closed_links(network: Network, closures: Sequence[Closure], *, on: date | None = None) -> set[str]:
    """Ids of the links closed on day ``on`` (every closure if None) by ``closures``."""
    out: set[str] = set()
    for closure in closures:
        if on is not None and (
            (closure.start is not None and on < closure.start) or (closure.end is not None and on > closure.end)
        ):
            continue
        out.update(closure.links)
        for link in network.links:
            countries = {
                network.place_by_id[link.from_].country,
                network.place_by_id[link.to].country,
                *link.via_countries,
            }
            if set(link.passages) & set(closure.passages) or countries & set(closure.countries):
                out.add(link.id)
    return out


def check_scenario(network: Network, scenario: Scenario) -> None:
    """Refuse a scenario that could not be run, before it is stored or queued: its year must be one the dataset
    describes, and it must apply to ``network`` (every change, addition, removal and closure at once, as a dry run).

    Raises
    ------
    ScenarioError, InvalidOptionError
    """
    from corridor.scenarios.years import check_year

    if scenario.year is not None:
        try:
            check_year(network, scenario.year)
        except InvalidOptionError as error:
            raise ScenarioError([Problem(scenario.path or scenario.name, None, "year", str(error))]) from None
    apply_scenario(network, scenario)


def apply_scenario(network: Network, scenario: Scenario, *, on: date | None = None) -> Network:
    """The network with the scenario's changes, additions, removals and (on day ``on``, or all) closures.

    A scenario with a year first takes that year's changes (changes.csv, see ``corridor.scenarios.years``) and, in
    a dataset with a trade model, that year's demand generated from trade (``corridor.model.trade``).

    Demand scaling is applied to demand.csv rows. The result is validated as a dataset.

    Raises
    ------
    ScenarioError
        If the changed dataset does not validate; each problem names the scenario line that caused it.
    """
    from corridor.dataset.network import Network as NetworkClass
    from corridor.dataset.validate import validate_tables
    from corridor.scenarios.years import with_year

    scenario = with_year(network, scenario)
    as_read = network_rows(network)
    rows: Rows = {table: {rid: dict(row) for rid, row in by_id.items()} for table, by_id in as_read.rows.items()}
    if scenario.year is not None:
        _year_demand(network, rows["demand"], scenario.year)
    marks = _edit(rows, scenario)
    closed = closed_links(network, scenario.closures, on=on)
    for link_id in closed:
        rows["links"].pop(link_id, None)
    # Services, capacities, weather and delays that only named closed or removed links lose them
    gone = set(network.link_by_id) - set(rows["links"])
    if gone:
        _drop_links(rows, gone)
    if scenario.demand_scale != 1.0 or scenario.demand_od:
        _scale_demand(rows["demand"], scenario.demand_scale, scenario.demand_od)
    raw, line_of = _raw_tables(rows, marks)
    try:
        tables = validate_tables(network.info.model_dump(exclude_none=True), raw, known=as_read.records)
    except DatasetError as error:  # relabel rows the scenario touched with its lines
        raise ScenarioError(_relabel(error.problems, line_of, scenario.path)) from None
    return NetworkClass.from_tables(tables, path=network.path)


def _year_demand(network: Network, demand: dict[str, dict[str, Any]], year: int) -> None:
    """The demand rows of ``year``: the table's where it has that year (each sourced for it), else generated from
    trade where the dataset has a trade model that covers the year (``corridor.model.trade``)."""
    if not network.trade or network.demand_of_year(year):
        return
    from corridor.model.trade import demand_of_year, trade_years

    first, last = trade_years(network)
    if not first <= year <= last:
        return
    demand.update({rec.id: _raw(rec) for rec in demand_of_year(network, year)})


def _edit(rows: Rows, scenario: Scenario) -> Marks:
    """Remove, add and change the scenario's records in ``rows``; the line and origin of each added or changed one."""
    marks: Marks = {}
    for table, rid, _line, _origin in scenario.removes:
        rows[table].pop(rid, None)
    for table, record, line, origin in scenario.adds:
        rows[table][str(record["id"])] = {k: _cell(v) for k, v in record.items()}
        marks[(table, str(record["id"]))] = (line, origin)
    for change in scenario.changes:
        row = rows[change.table].get(change.id)
        if row is not None and _change(row, change):
            marks[(change.table, change.id)] = (change.line, change.origin)
    return marks


def _change(row: dict[str, Any], change: Change) -> bool:
    """Set or scale the field of ``row`` that ``change`` names; False for a scale of an empty field (left empty)."""
    if change.factor is None:
        row[change.column] = _cell(change.value)
        return True
    current = row.get(change.column, "")
    if current in ("", None):
        return False
    row[change.column] = _cell(float(current) * change.factor)
    return True


def _scale_demand(demand: dict[str, dict[str, Any]], scale: float, od: Sequence[tuple[str, str, float]]) -> None:
    """Scale the tonnes of every demand row by ``scale`` and by the scales of its origin and destination in ``od``."""
    for row in demand.values():
        factor = scale
        for origin, destination, s in od:
            if row["origin"] == origin and row["destination"] == destination:
                factor *= s
        for column in ("tonnes_per_year", "tonnes_low", "tonnes_high"):
            if row.get(column) not in ("", None):
                row[column] = _cell(float(row[column]) * factor)


def _raw_tables(
    rows: Rows, marks: Marks
) -> tuple[dict[str, RawTable], dict[tuple[str, int], tuple[str, int | None, str]]]:
    """The tables as files to validate, and the id, scenario line and origin of each row the scenario touched."""
    from corridor.dataset.validate import TABLES, RawTable

    raw: dict[str, RawTable] = {}
    line_of: dict[tuple[str, int], tuple[str, int | None, str]] = {}
    for table, by_id in rows.items():
        name = f"{table}.csv"
        if not by_id and name not in _ALWAYS:
            continue
        header = tuple(dict.fromkeys(k for row in by_id.values() for k in row))
        numbered = []
        for i, (rid, row) in enumerate(by_id.items(), start=2):
            numbered.append((i, row))
            if (table, rid) in marks:
                line, origin = marks[(table, rid)]
                line_of[(name, i)] = (rid, line, origin)
        raw[name] = RawTable(name, header, tuple(numbered))
    assert set(raw) <= set(TABLES)
    return raw, line_of


def _relabel(
    problems: Sequence[Problem], line_of: dict[tuple[str, int], tuple[str, int | None, str]], path: str
) -> list[Problem]:
    """The dataset's problems placed in the scenario: at the line that touched the row, or at the row of its file."""
    out = []
    for p in problems:
        hit = line_of.get((p.file, p.line)) if p.line is not None else None
        if hit is not None:
            rid, line, origin = hit
            out.append(
                Problem(path, line, f"{p.file.removesuffix('.csv')}/{rid}.{p.column}", f"{p.message} ({origin})")
            )
        else:
            out.append(Problem(path, None, f"{p.file}:{p.line}:{p.column}", p.message))
    return out


def _drop_links(rows: Rows, gone: set[str]) -> None:
    """Drop the links ``gone`` from every list that names them, and the records left with nothing."""
    for table in ("services", "weather", "delays"):
        _filter_list(rows[table], "links", lambda x: x not in gone, optional=True)
    _drop_stranded_transfers(rows)
    for row in rows["corridors"].values():
        cut = [x for x in str(row.get("cut", "")).split(";") if x]
        row["cut"] = ";".join(x for x in cut if not (x.startswith("link:") and x[5:] in gone))
    transfers = set(rows["transfers"])
    services = set(rows["services"])
    _drop_capacity_elements(rows["capacities"], gone, transfers, services)
    _filter_list(rows["berths"], "services", services.__contains__)


def _filter_list(
    table: dict[str, dict[str, Any]], column: str, keep: Callable[[str], bool], *, optional: bool = False
) -> None:
    """Keep the items of each row's ;-separated ``column`` that ``keep`` accepts; drop the rows left with none.

    With ``optional``, a row without the list (absent or empty) is left as it is.
    """
    for rid in list(table):
        row = table[rid]
        if optional:
            listed = [x for x in str(row.get(column, "")).split(";") if x]
            if not listed:
                continue
        else:
            listed = str(row[column]).split(";")
        kept = [x for x in listed if keep(x)]
        if kept:
            row[column] = ";".join(kept)
        else:
            del table[rid]


def _drop_stranded_transfers(rows: Rows) -> None:
    """Drop the transfers at places that lost the layer they join."""
    layers: dict[str, set[str]] = {}
    for row in rows["links"].values():
        layer = f"rail{row['gauge']}" if row["mode"] == "rail" else row["mode"]
        layers.setdefault(row["from"], set()).add(layer)
        layers.setdefault(row["to"], set()).add(layer)
    for rid in list(rows["transfers"]):
        row = rows["transfers"][rid]
        at = layers.get(row["place"], set()) | {"gate"}
        if row["from_layer"] not in at or row["to_layer"] not in at:
            del rows["transfers"][rid]


def _drop_capacity_elements(
    capacities: dict[str, dict[str, Any]], gone: set[str], transfers: set[str], services: set[str]
) -> None:
    """Drop the links ``gone`` and the transfers and services no longer there from the capacities' elements."""
    for rid in list(capacities):
        row = capacities[rid]
        elements = [x for x in str(row["elements"]).split(";") if x]
        if row["element_type"] == "link":
            kept = [x for x in elements if x not in gone]
        elif row["element_type"] == "service":
            kept = [x for x in elements if x in services]
        else:
            kept = [x for x in elements if x in transfers]
        if kept:
            row["elements"] = ";".join(kept)
        else:
            del capacities[rid]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _raw(record: Any) -> dict[str, str]:
    """A validated record back as the strings of a CSV row (aliases as in the files)."""
    return {key: _cell(value) for key, value in record.model_dump(by_alias=True).items()}
