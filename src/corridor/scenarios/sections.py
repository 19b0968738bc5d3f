"""Reading the sections of one scenario document into changes and closures, each problem placed at its line."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from corridor.errors import Problem
from corridor.limits import DEMAND_SCALE, MAX_YEAR, MIN_YEAR
from corridor.scenarios.quantities import FIELD_DIMENSION, REFERENCE_FIELDS, dimension_of, parse_quantity

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.records import Link

    _Policy = Callable[[str, Mapping[str, Any], Network, int | None, str, "Problems"], list["Change"]]

__all__ = ["TABLE_ATTR", "Change", "Closure", "Problems", "Sections", "closest", "read_sections", "records_of"]

#: Tables a scenario may change, the Network attribute that holds them, and their file.
TABLE_ATTR = {
    "places": "places",
    "links": "links",
    "transfers": "transfers",
    "services": "services",
    "capacities": "capacities",
    "weather": "weather",
    "delays": "delays",
    "berths": "berths",
    "demand": "demand",
    "sources": "sources",
    "corridors": "corridors",
    "emission_factors": "emission_factors",
    "oil_nodes": "oil_nodes",
    "oil_links": "oil_links",
    "fiber_nodes": "fiber_nodes",
    "fiber_links": "fiber_links",
    "fiber_rtt": "fiber_rtt",
    "observations": "observations",
    "changes": "changes",
    "trade_regions": "trade_regions",
    "trade": "trade",
    "trade_mix": "trade_mix",
    "gdp": "gdp",
    "gdp_growth": "gdp_growth",
    "tonnes_per_usd": "tonnes_per_usd",
    "trade_shares": "trade_shares",
    "power_nodes": "power_nodes",
    "power_profiles": "power_profiles",
    "power_plants": "power_plants",
    "power_lines": "power_lines",
    "power_demand": "power_demand",
    "rail_fleet": "rail_fleet",
    "bulk_tariffs": "bulk_tariffs",
}

#: An added record: its table, its fields as written, its line and the scenario that adds it.
Added = tuple[str, Mapping[str, Any], int | None, str]
#: A removed record: its table, its id, its line and the scenario that removes it.
Removed = tuple[str, str, int | None, str]


@dataclass(frozen=True, slots=True)
class Change:
    """One field of one record: set to ``value`` (already in the dataset's unit) or multiplied by ``factor``."""

    table: str
    id: str
    column: str
    value: Any = None
    factor: float | None = None
    line: int | None = None
    origin: str = ""  # the scenario (and key) that made the change

    @property
    def scenario(self) -> str:
        return self.origin.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Closure:
    """Links closed from ``start`` to ``end`` (inclusive): named, or all those of passages or countries."""

    links: tuple[str, ...] = ()
    passages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    line: int | None = None
    origin: str = ""


@dataclass
class Problems:
    """The problems found in one scenario document, each placed at the line of the key it concerns."""

    file: str
    lines: Mapping[tuple[Any, ...], int]
    found: list[Problem] = field(default_factory=list)

    def at(self, *keys: Any) -> int | None:
        """The line of the key path ``keys``, or of its nearest parent that has one."""
        for n in range(len(keys), -1, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]]
        return None

    def bad(self, message: str, *keys: Any) -> None:
        """A problem at the key path ``keys``."""
        self.found.append(Problem(self.file, self.at(*keys), ".".join(str(k) for k in keys) or None, message))


@dataclass(frozen=True)
class Sections:
    """What one scenario document says by itself, before its bases are composed with it."""

    sources: list[Any]
    year: int | None
    changes: list[Change]
    adds: list[Added]
    removes: list[Removed]
    closures: list[Closure]
    demand_scale: float
    demand_od: list[tuple[str, str, float]]
    reopened: list[str] = field(default_factory=list)


def read_sections(doc: Mapping[str, Any], net: Network, name: str, problems: Problems, *, has_bases: bool) -> Sections:
    """Every section of the scenario ``name`` after its header, checked against ``net``, in the document's order."""
    _check_requires(doc.get("requires"), net, problems)
    sources = _sources(doc.get("sources"), net, problems, has_bases=has_bases)
    year = _year(doc.get("year"), problems)
    changes = _field_changes(doc, net, name, problems)
    changes.extend(_policies(doc.get("policies"), net, name, problems))
    adds = _adds(doc.get("add"), net, name, problems)
    removes = _removes(doc.get("remove"), net, name, problems)
    closures = _closures(doc.get("close"), net, name, problems)
    reopened = _reopened(doc.get("reopen"), net, problems)
    demand_scale, demand_od, demand_year = _demand(doc.get("demand"), net, problems)
    return Sections(
        sources=sources,
        year=year if demand_year is None else demand_year,
        changes=changes,
        adds=adds,
        removes=removes,
        closures=closures,
        demand_scale=demand_scale,
        demand_od=demand_od,
        reopened=reopened,
    )


def records_of(net: Network, table: str) -> dict[str, Any]:
    """The records of ``table`` in ``net`` by id."""
    return {rec.id: rec for rec in getattr(net, TABLE_ATTR[table])}


def closest(rid: str, ids: Iterable[str]) -> list[str]:
    """Up to three of ``ids`` that look like ``rid``, for a hint."""
    import difflib

    return difflib.get_close_matches(rid, list(ids), n=3, cutoff=0.5)


# --- the header: requires, sources, year -----------------------------------------------------------------------------


def _check_requires(block: Any, net: Network, problems: Problems) -> None:
    requires = block or []
    if not isinstance(requires, list):
        problems.bad(
            "requires: a list of elements TABLE/ID that must be in the network (e.g. fiber_links/caspian-main)"
        )
        requires = []
    for i, ref in enumerate(requires):
        table, _, rid = str(ref).partition("/")
        if table not in TABLE_ATTR or rid not in records_of(net, table):
            problems.bad(
                f"needs {ref!r}, which this network does not have"
                + (" (the data layer: fiber_nodes.csv, fiber_links.csv)" if table.startswith("fiber") else ""),
                "requires",
                i,
            )


def _sources(block: Any, net: Network, problems: Problems, *, has_bases: bool) -> list[Any]:
    sources = block or []
    if not isinstance(sources, list):
        problems.bad("sources: a list of source ids (see sources.csv)", "sources")
        sources = []
    for i, s in enumerate(sources):
        if not isinstance(s, str) or s not in net.source_by_id:
            problems.bad(f"unknown source {s!r} (see sources.csv)", "sources", i)
    if not sources and not has_bases:
        problems.bad("a scenario names its sources (ids of sources.csv)", "sources")
    return sources


def _year(year: object, problems: Problems) -> int | None:
    if year is None:
        return None
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        problems.bad(f"year: {year!r} is not a year", "year")
        return None
    return year


# --- set: and scale: -------------------------------------------------------------------------------------------------


def _field_changes(doc: Mapping[str, Any], net: Network, name: str, problems: Problems) -> list[Change]:
    """The changes of ``set:`` (values with units) and then of ``scale:`` (plain factors)."""
    records = {table: records_of(net, table) for table in TABLE_ATTR}
    out: list[Change] = []
    for section in ("set", "scale"):
        block = doc.get(section) or {}
        if not isinstance(block, dict):
            problems.bad(f"{section}: a mapping of TABLE/ID to fields", section)
            continue
        origin = f"{name}: {section}"
        for ref, fields in block.items():
            where = _element(ref, doc, records, problems, section, ref)
            if where is None:
                continue
            if not isinstance(fields, dict) or not fields:
                problems.bad("give the fields to change, e.g. capacity_per_year: 6 Mt", section, ref)
                continue
            table, rid = where
            for column, raw in fields.items():
                if column in REFERENCE_FIELDS.get(table, {}):
                    named = REFERENCE_FIELDS[table][column]
                    known = set(records[named]) | _added_ids(doc, named)
                    change = _reference_change(table, rid, column, raw, known, origin, problems, section, ref)
                else:
                    record = records[table].get(rid)
                    change = _field_change(table, rid, column, raw, record, origin, problems, section, ref)
                if change is not None:
                    out.append(change)
    return out


def _added_ids(doc: Mapping[str, Any], table: str) -> set[str]:
    """The ids of the records of ``table`` that the document adds."""
    add = doc.get("add") or {}
    rows = add.get(table) if isinstance(add, dict) else None
    if not isinstance(rows, list):
        return set()
    return {str(r["id"]) for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str)}


def _reference_change(
    table: str,
    rid: str,
    column: str,
    raw: Any,
    known: set[str],
    origin: str,
    problems: Problems,
    section: str,
    ref: str,
) -> Change | None:
    """A field that names a record of another table (a link's ``emission_factor``): set to an id that exists or
    that the document adds; never scaled."""
    keys = (section, ref, column)
    named = REFERENCE_FIELDS[table][column]
    if section == "scale":
        problems.bad(f"{column} names a record of {named}.csv: set it (set:), it cannot be scaled", *keys)
        return None
    if not isinstance(raw, str) or raw.strip() not in known:
        close = closest(str(raw), known)
        hint = f"; closest: {', '.join(close)}" if close else f"; see {named}.csv"
        problems.bad(f"{column}: {raw!r} is not an id of {named}.csv{hint}", *keys)
        return None
    return Change(table, rid, column, value=raw.strip(), line=problems.at(*keys), origin=origin)


def _element(
    ref: Any, doc: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]], problems: Problems, *keys: Any
) -> tuple[str, str] | None:
    """The table and id of an element ``TABLE/ID`` that exists or that the document adds, or None (a problem)."""
    if not isinstance(ref, str) or "/" not in ref:
        problems.bad(f"{ref!r} is not an element TABLE/ID (e.g. capacities/kuryk-ferries)", *keys)
        return None
    table, _, rid = ref.partition("/")
    if table not in FIELD_DIMENSION:
        problems.bad(f"unknown table {table!r}; changeable: {', '.join(sorted(FIELD_DIMENSION))}", *keys)
        return None
    if rid not in records[table] and not _added(doc, table, rid):
        close = closest(rid, records[table])
        problems.bad(f"unknown element {ref!r}" + (f"; closest: {', '.join(close)}" if close else ""), *keys)
        return None
    return table, rid


def _added(doc: Mapping[str, Any], table: str, rid: str) -> bool:
    add = doc.get("add") or {}
    rows = add.get(table) if isinstance(add, dict) else None
    return isinstance(rows, list) and any(isinstance(r, dict) and r.get("id") == rid for r in rows)


def _field_change(
    table: str, rid: str, column: Any, raw: Any, record: Any, origin: str, problems: Problems, section: str, ref: str
) -> Change | None:
    """One field of ``set:`` (a value with its unit) or ``scale:`` (a plain factor), or None (a problem)."""
    keys = (section, ref, column)
    dims = FIELD_DIMENSION[table]
    if column not in dims:
        problems.bad(f"{table} has no changeable field {column!r}; valid: {', '.join(sorted(dims))}", *keys)
        return None
    line = problems.at(*keys)
    if section == "scale":
        if _not_a_scale(raw, finite=True):
            problems.bad(f"a scale is a plain number >= 0, got {raw!r}", *keys)
            return None
        return Change(table, rid, column, factor=float(raw), line=line, origin=origin)
    dimension = dimension_of(table, column, record)
    try:
        value = parse_quantity(raw, dimension)
    except ValueError as error:
        problems.bad(f"{column}: {error}", *keys)
        return None
    if dimension == "fraction" and not 0 <= value <= 1:
        problems.bad(f"{column}: {raw!r} is not between 0 and 100 %", *keys)
        return None
    if column == "berths":
        value = int(value)
    return Change(table, rid, column, value=value, line=line, origin=origin)


def _not_a_scale(value: Any, *, finite: bool) -> bool:
    """Whether ``value`` is not a plain number >= 0 (or, with ``finite``, not a finite one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True
    return (finite and not math.isfinite(value)) or value < 0


# --- policies: -------------------------------------------------------------------------------------------------------


def _policies(block: Any, net: Network, name: str, problems: Problems) -> list[Change]:
    """Policies expand into changes of fields: tariffs, fees, dwell."""
    out: list[Change] = []
    if block is None:
        return out
    if not isinstance(block, dict):
        problems.bad("policies: a mapping of policy name to its settings", "policies")
        return out
    for policy, settings in block.items():
        if policy not in _POLICIES:
            problems.bad(f"unknown policy {policy!r}; valid: {', '.join(sorted(_POLICIES))}", "policies", policy)
            continue
        if not isinstance(settings, dict):
            problems.bad("give the policy's settings as a mapping", "policies", policy)
            continue
        line = problems.at("policies", policy)
        origin = f"{name}: policies.{policy}"
        out.extend(_POLICIES[policy](policy, settings, net, line, origin, problems))
    return out


def _unified_tariff(
    policy: str, settings: Mapping[str, Any], net: Network, line: int | None, origin: str, problems: Problems
) -> list[Change]:
    """One tariff a FEU-km on the corridor's links (of ``modes``, within ``countries`` if given)."""
    corridor = settings.get("corridor")
    if not isinstance(corridor, str) or corridor not in net.corridor_ids:
        problems.bad(
            f"unknown corridor {corridor!r}; valid: {', '.join(net.corridor_ids)}", "policies", policy, "corridor"
        )
        return []
    try:
        rate = parse_quantity(settings.get("usd_per_feu_km"), "usd")
    except ValueError as error:
        problems.bad(f"usd_per_feu_km: {error}", "policies", policy, "usd_per_feu_km")
        return []
    modes = _names(settings.get("modes", ["rail"]), problems, "policies", policy, "modes")
    countries = set(_names(settings.get("countries"), problems, "policies", policy, "countries"))
    out: list[Change] = []
    for link in net.links:
        ends = {net.place_by_id[link.from_].country, net.place_by_id[link.to].country}
        if countries and not ends <= countries:
            continue
        if corridor in link.corridors and link.mode in modes and link.tariff_unit is not None:
            per_unit = _tariff_per_unit(rate, link, net)
            out.extend(
                Change("links", link.id, column, value=per_unit, line=line, origin=origin)
                for column in ("tariff_usd", "tariff_low_usd", "tariff_high_usd")
            )
    return out


def _tariff_per_unit(usd_per_feu_km: float, link: Link, net: Network) -> float:
    """The tariff of ``link`` in its own unit (a FEU, two TEU, or a tonne) at a rate a FEU-km."""
    if link.tariff_unit == "t":
        return usd_per_feu_km * link.distance_km / net.info.payload_t_per_feu.value
    return usd_per_feu_km * link.distance_km * (0.5 if link.tariff_unit == "TEU" else 1.0)


#: Policies that cut fields of transfers: the setting that gives the cut and the fields it cuts.
_CUTS = {
    "fee_cut": ("share", ("cost_usd",)),
    "digital_border": ("dwell_cut", ("hours_low", "hours_typical", "hours_high")),
}


def _transfer_cut(
    policy: str, settings: Mapping[str, Any], net: Network, line: int | None, origin: str, problems: Problems
) -> list[Change]:
    """A share cut from the fees (``fee_cut``) or the dwell (``digital_border``) of the listed transfers."""
    ids = settings.get("transfers")
    if not isinstance(ids, list) or not ids:
        problems.bad("transfers: the transfer ids it applies to (see transfers.csv)", "policies", policy, "transfers")
        return []
    key, columns = _CUTS[policy]
    try:
        cut = parse_quantity(settings.get(key), "fraction")
    except ValueError as error:
        problems.bad(f"{key}: {error}", "policies", policy, key)
        return []
    if not 0 <= cut <= 1:
        problems.bad(f"{key}: must be between 0 and 100 %", "policies", policy, key)
        return []
    out: list[Change] = []
    for i, tid in enumerate(ids):
        if not isinstance(tid, str) or tid not in net.transfer_by_id:
            close = closest(str(tid), net.transfer_by_id)
            hint = f"; closest: {', '.join(close)}" if close else ""
            problems.bad(f"unknown transfer {tid!r}{hint}", "policies", policy, "transfers", i)
            continue
        out.extend(Change("transfers", tid, column, factor=1 - cut, line=line, origin=origin) for column in columns)
    return out


#: Each policy and the changes it expands into.
_POLICIES: dict[str, _Policy] = {
    "unified_tariff": _unified_tariff,
    "fee_cut": _transfer_cut,
    "digital_border": _transfer_cut,
}


# --- add:, remove:, close: -------------------------------------------------------------------------------------------


def _adds(block: Any, net: Network, name: str, problems: Problems) -> list[Added]:
    out: list[Added] = []
    if block is None:
        return out
    if not isinstance(block, dict):
        problems.bad("add: a mapping of table to a list of records", "add")
        return out
    for table, rows in block.items():
        if table not in TABLE_ATTR:
            problems.bad(f"unknown table {table!r}; valid: {', '.join(sorted(TABLE_ATTR))}", "add", table)
            continue
        if not isinstance(rows, list):
            problems.bad("a list of records", "add", table)
            continue
        existing = records_of(net, table)
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or not isinstance(row.get("id"), str):
                problems.bad("each record is a mapping with an id and the table's columns", "add", table, i)
                continue
            if row["id"] in existing:
                problems.bad(f"{table}/{row['id']} exists already; change it with set:", "add", table, i, "id")
                continue
            out.append((table, row, problems.at("add", table, i), name))
    return out


def _removes(block: Any, net: Network, name: str, problems: Problems) -> list[Removed]:
    out: list[Removed] = []
    remove = block or {}
    if not isinstance(remove, dict):
        problems.bad("remove: a mapping of table to a list of ids", "remove")
        return out
    for table, ids in remove.items():
        if table not in TABLE_ATTR:
            problems.bad(f"unknown table {table!r}; valid: {', '.join(sorted(TABLE_ATTR))}", "remove", table)
            continue
        existing = records_of(net, table)
        for i, rid in enumerate(ids if isinstance(ids, list) else [ids]):
            if not isinstance(rid, str) or rid not in existing:
                problems.bad(f"unknown element '{table}/{rid}'", "remove", table, i)
            else:
                out.append((table, str(rid), problems.at("remove", table, i), name))
    return out


def _closures(block: Any, net: Network, name: str, problems: Problems) -> list[Closure]:
    out: list[Closure] = []
    if block is None:
        return out
    if not isinstance(block, list):
        problems.bad("close: a list of closures (links:, passages: or countries:, with from: and to:)", "close")
        return out
    for i, item in enumerate(block):
        if not isinstance(item, dict):
            problems.bad("a closure is a mapping", "close", i)
            continue
        out.append(_closure(i, item, net, name, problems))
    return out


def _closure(i: int, item: Mapping[Any, Any], net: Network, name: str, problems: Problems) -> Closure:
    """The closure ``close[i]``, its problems reported."""
    from corridor.dataset.vocab import PASSAGES

    unknown = set(item) - {"links", "passages", "countries", "from", "to", "note"}
    for k in sorted(unknown):
        problems.bad(f"unknown key {k!r}; valid: countries, from, links, note, passages, to", "close", i, k)
    links, passages, countries = (
        _names(item.get(k), problems, "close", i, k) for k in ("links", "passages", "countries")
    )
    passages, countries = [p.lower() for p in passages], [c.upper() for c in countries]
    if not (links or passages or countries):
        problems.bad("name the links, passages or countries to close", "close", i)
    for j, link in enumerate(links):
        if link not in net.link_by_id:
            problems.bad(f"unknown link {link!r}", "close", i, "links", j)
    for j, p in enumerate(passages):
        if p not in PASSAGES:
            problems.bad(f"unknown passage {p!r}; valid: {', '.join(PASSAGES)}", "close", i, "passages", j)
    known_countries = {p.country for p in net.places} | {c for lk in net.links for c in lk.via_countries}
    for j, c in enumerate(countries):
        if c not in known_countries:
            problems.bad(f"no place or link of the network is in {c!r}", "close", i, "countries", j)
    start, end = (_date(item.get(k), problems, "close", i, k) for k in ("from", "to"))
    if start is not None and end is not None and end < start:
        problems.bad(f"{end} is before from: {start}", "close", i, "to")
    return Closure(tuple(links), tuple(passages), tuple(countries), start, end, problems.at("close", i), name)


def _reopened(block: Any, net: Network, problems: Problems) -> list[str]:
    """``reopen:``: links, passages or countries that the year's closures (changes.csv) leave open in this scenario,
    as ``links/ID``, ``passages/NAME``, ``countries/CODE``."""
    from corridor.dataset.vocab import PASSAGES

    if block is None:
        return []
    if not isinstance(block, dict) or not block:
        problems.bad("reopen: a mapping of links:, passages: or countries: to lists", "reopen")
        return []
    known_countries = {p.country for p in net.places} | {c for lk in net.links for c in lk.via_countries}
    valid = {"links": set(net.link_by_id), "passages": set(PASSAGES), "countries": known_countries}
    out = []
    for kind, names in block.items():
        if kind not in valid:
            problems.bad(f"unknown key {kind!r}; valid: countries, links, passages", "reopen", kind)
            continue
        if not isinstance(names, list):
            problems.bad(f"{kind}: a list", "reopen", kind)
            continue
        for j, value in enumerate(names):
            text = str(value).upper() if kind == "countries" else str(value)
            if text not in valid[kind]:
                problems.bad(f"unknown {kind.rstrip('s')} {value!r}", "reopen", kind, j)
            else:
                out.append(f"{kind}/{text}")
    return out


def _names(value: Any, problems: Problems, *keys: Any) -> list[str]:
    """A list of names (ids, passages, country codes); anything else is reported."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str | int) and not isinstance(x, bool) for x in value):
        problems.bad("a list of names", *keys)
        return []
    return [str(x) for x in value]


def _date(value: Any, problems: Problems, *keys: Any) -> date | None:
    """A date of a closure: YYYY-MM-DD that exists, between the first and the last year a scenario may have."""
    if value is None:
        return None
    day: date
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            problems.bad(f"{value!r} is not a date (YYYY-MM-DD)", *keys)
            return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        problems.bad(f"{day} is not between {MIN_YEAR} and {MAX_YEAR}", *keys)
        return None
    return day


# --- demand: ---------------------------------------------------------------------------------------------------------


def _demand(block: Any, net: Network, problems: Problems) -> tuple[float, list[tuple[str, str, float]], int | None]:
    """The demand scale, the scales by origin and destination, and the year of ``demand.year`` if it gives one."""
    demand = block or {}
    scale, od = 1.0, []
    if not isinstance(demand, dict):
        problems.bad("demand: a mapping (scale:, od:, year:)", "demand")
        demand = {}
    for k in demand:
        if k not in ("scale", "od", "year"):
            problems.bad(f"unknown key {k!r}; valid: od, scale, year", "demand", k)
    if "scale" in demand:
        s = demand["scale"]
        if _not_a_scale(s, finite=True) or s > DEMAND_SCALE.high:
            problems.bad(f"a scale is a plain number >= 0 and <= {DEMAND_SCALE.high:g}, got {s!r}", "demand", "scale")
        else:
            scale = float(s)
    year = demand["year"] if "year" in demand and isinstance(demand["year"], int) else None
    rows = demand.get("od") or []
    if not isinstance(rows, list):
        problems.bad("od: a list of rows (origin, destination, scale)", "demand", "od")
        rows = []
    for i, row in enumerate(rows):
        pair = _od_scale(i, row, net, problems)
        if pair is not None:
            od.append(pair)
    return scale, od, year


def _od_scale(i: int, row: Any, net: Network, problems: Problems) -> tuple[str, str, float] | None:
    """One row of ``demand.od``: the ids of its origin and destination and its scale, or None (a problem)."""
    if not isinstance(row, dict) or set(row) - {"origin", "destination", "scale"} or "scale" not in row:
        problems.bad("each od row has origin, destination and scale", "demand", "od", i)
        return None
    ends = []
    for end in ("origin", "destination"):
        try:
            ends.append(net.place(str(row.get(end, ""))).id)
        except KeyError as error:
            problems.bad(str(error), "demand", "od", i, end)
    s = row["scale"]
    if _not_a_scale(s, finite=True) or s > DEMAND_SCALE.high:
        problems.bad(
            f"a scale is a plain number >= 0 and <= {DEMAND_SCALE.high:g}, got {s!r}", "demand", "od", i, "scale"
        )
        return None
    if len(ends) == 2:
        return ends[0], ends[1], float(s)
    return None
