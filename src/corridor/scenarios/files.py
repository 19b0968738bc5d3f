"""Scenario files: YAML changes to a dataset (elements, closures, demand, policies), inherited and applied.

A scenario names the elements it changes as ``TABLE/ID`` (``capacities/kuryk-ferries``, ``links/xian-lanzhou``),
sets fields with units (``6 Mt``, ``500000 TEU``, ``12 h``, ``USD 250``, ``14 /week``, ``50 %``), scales fields by
plain factors, adds and removes records, closes links, passages or countries for a period, scales demand, and
applies policies (a unified through-tariff, a cut of transshipment fees, digital border processing). ``base:``
inherits from another scenario (a library name or a file), or composes several. The format is documented in
docs/scenarios.md. Every problem is reported with file, line and key; nothing is applied if there is one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, Problem, ScenarioError

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = [
    "LIBRARY",
    "Change",
    "Closure",
    "Scenario",
    "SweepParameter",
    "apply_scenario",
    "library_names",
    "library_resolver",
    "load_scenario",
    "load_scenario_text",
    "parse_quantity",
    "parse_sweep_parameter",
]

LIBRARY = Path(__file__).parents[1] / "data" / "scenarios"

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
}

# --- units ---------------------------------------------------------------------------------------------------------

#: Unit words by dimension, with their factor to the dataset's unit of that dimension.
UNITS: dict[str, dict[str, float]] = {
    "tonnes_per_year": {"t": 1.0, "kt": 1e3, "mt": 1e6},
    "teu_per_year": {"teu": 1.0, "kteu": 1e3},
    "wagons_per_year": {"wagons": 1.0},
    "trains_per_year": {"trains": 1.0},
    "hours": {"h": 1.0, "hours": 1.0, "d": 24.0, "days": 24.0, "min": 1 / 60},
    "usd": {"usd": 1.0},
    "km_per_h": {"km/h": 1.0},
    "km": {"km": 1.0},
    "per_week": {"/week": 1.0, "/day": 7.0, "/month": 12 / 52.1775},
    "fraction": {"%": 0.01},
    "count": {},
}
_NUMBER = r"[-+]?(?:\d[\d_,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?:(usd)\s*({_NUMBER})|({_NUMBER})\s*(k|m)?\s*([^\d\s].*?)?)\s*$", re.IGNORECASE)

#: The dimension of each settable field, by table; capacity units follow the record's own unit.
FIELD_DIMENSION: dict[str, dict[str, str]] = {
    "links": {
        "distance_km": "km",
        "speed_kmh": "km_per_h",
        "hours": "hours",
        "tariff_usd": "usd",
        "tariff_low_usd": "usd",
        "tariff_high_usd": "usd",
    },
    "transfers": {"hours_low": "hours", "hours_typical": "hours", "hours_high": "hours", "cost_usd": "usd"},
    "services": {
        "departures_per_week": "per_week",
        "capacity_per_departure": "capacity",
        "max_wait_hours": "hours",
        "departure_hour": "hours",
    },
    "capacities": {
        "capacity_per_year": "capacity",
        "capacity_low": "capacity",
        "capacity_high": "capacity",
        "t0_hours": "hours",
    },
    "weather": {
        "closed_probability": "fraction",
        "hours_low": "hours",
        "hours_typical": "hours",
        "hours_high": "hours",
    },
    "delays": {"factor_low": "count", "factor_typical": "count", "factor_high": "count"},
    "berths": {"berths": "count", "hours_low": "hours", "hours_typical": "hours", "hours_high": "hours"},
    "demand": {"tonnes_per_year": "tonnes_per_year", "tonnes_low": "tonnes_per_year", "tonnes_high": "tonnes_per_year"},
}
_CAPACITY_DIMENSION = {
    "t": "tonnes_per_year",
    "TEU": "teu_per_year",
    "wagons": "wagons_per_year",
    "trains": "trains_per_year",
}


def parse_quantity(text: object, dimension: str) -> float:
    """A number with its unit, in the dataset's unit of ``dimension`` (``6 Mt`` -> 6e6 t a year; ``2 d`` -> 48 h).

    ``count`` takes plain numbers; every other dimension needs a unit.

    Raises
    ------
    ValueError
        Naming the units that dimension takes.
    """
    units = UNITS[dimension]
    valid = _DISPLAY.get(dimension) or ", ".join(units) or "none"
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a quantity")
    if isinstance(text, int | float):
        if dimension == "count":
            return float(text)
        raise ValueError(f"{text!r} has no unit; give one of: {valid} (e.g. {_example(dimension)})")
    match = _QUANTITY.match(str(text))
    if match is None:
        raise ValueError(f"{text!r} is not a number with a unit (e.g. {_example(dimension)})")
    if match.group(1):
        number, prefix, unit = match.group(2), None, "usd"
    else:
        number, prefix, unit = match.group(3), match.group(4), (match.group(5) or "").strip()
    value = float(number.replace("_", "").replace(",", ""))
    written = f"{prefix or ''}{unit}"
    if prefix:
        # "6 Mt" reads as prefix M + unit t; "500k TEU" as 500 x 1000 TEU
        if unit.lower() == "t" or (prefix.lower() == "k" and unit.lower() in ("teu", "t")):
            value *= {"k": 1e3, "m": 1e6}[prefix.lower()]
        else:
            unit = prefix + unit
    key = unit.lower().replace(" ", "").replace("a year", "").replace("/year", "").replace("/yr", "")
    if dimension == "count":
        if key in ("", "x"):
            return value
        raise ValueError(f"{text!r}: a plain number is expected here, without a unit")
    if key == "" or key not in units:
        what = "has no unit" if key == "" else f"has unit {written!r}"
        raise ValueError(f"{text!r} {what}; give one of: {valid} (e.g. {_example(dimension)})")
    return value * units[key]


_DISPLAY = {
    "tonnes_per_year": "t, kt, Mt",
    "teu_per_year": "TEU, k TEU",
    "hours": "h, d, min",
    "usd": "USD",
    "per_week": "/week, /day, /month",
}


def _example(dimension: str) -> str:
    return {
        "tonnes_per_year": "6 Mt",
        "teu_per_year": "500000 TEU",
        "wagons_per_year": "20000 wagons",
        "trains_per_year": "7000 trains",
        "hours": "12 h",
        "usd": "USD 250",
        "km_per_h": "50 km/h",
        "km": "105 km",
        "per_week": "14 /week",
        "fraction": "50 %",
        "count": "1.5",
    }[dimension]


# --- the scenario model ----------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: its own header and every change, closure and demand factor, bases applied first."""

    name: str
    title: str
    description: str = ""
    bases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    year: int | None = None
    changes: tuple[Change, ...] = ()
    adds: tuple[tuple[str, Mapping[str, Any], int | None, str], ...] = ()
    removes: tuple[tuple[str, str, int | None, str], ...] = ()
    closures: tuple[Closure, ...] = ()
    demand_scale: float = 1.0
    demand_od: tuple[tuple[str, str, float], ...] = ()
    path: str = ""
    document: Mapping[str, Any] = field(default_factory=dict)
    #: every scenario up the tree (this one included) and the ancestors of each
    lineage: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: the resolved scenarios named by ``base``, in order
    parents: tuple[Scenario, ...] = field(default=(), repr=False, compare=False)

    def comparison_base(self) -> Scenario | None:
        """The scenario this one is reported against: its base, or for several bases their nearest common one.

        ``None`` for a scenario without a base (such as ``base-2024``) or whose bases share no ancestor.
        """
        if len(self.parents) == 1:
            return self.parents[0]
        if not self.parents:
            return None
        candidates: dict[str, Scenario] = {}
        stack = list(self.parents)
        while stack:
            s = stack.pop()
            candidates.setdefault(s.name, s)
            stack.extend(s.parents)
        common = [
            s
            for name, s in candidates.items()
            if all(name == p.name or name in p.lineage.get(p.name, frozenset()) for p in self.parents)
        ]
        if not common:
            return None
        # the nearest: the common ancestor that has the most ancestors of its own
        return max(common, key=lambda s: len(s.lineage.get(s.name, frozenset())))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "bases": list(self.bases),
            "sources": list(self.sources),
            "year": self.year,
            "changes": [
                {
                    "element": f"{c.table}/{c.id}",
                    "column": c.column,
                    "value": c.value,
                    "factor": c.factor,
                    "from": c.origin,
                }
                for c in self.changes
            ],
            "adds": [{"table": t, "id": rec.get("id"), "from": o} for t, rec, _, o in self.adds],
            "removes": [{"element": f"{t}/{i}", "from": o} for t, i, _, o in self.removes],
            "closures": [
                {
                    "links": list(c.links),
                    "passages": list(c.passages),
                    "countries": list(c.countries),
                    "from": c.start.isoformat() if c.start else None,
                    "to": c.end.isoformat() if c.end else None,
                    "origin": c.origin,
                }
                for c in self.closures
            ],
            "demand_scale": self.demand_scale,
            "demand_od": [{"origin": o, "destination": d, "scale": s} for o, d, s in self.demand_od],
            "path": self.path,
        }


# --- reading YAML with line numbers ---------------------------------------------------------------------------------


def _compose(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document as plain data, and the line (1-based) of every key path."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(
            [Problem(file, line, None, f"not valid YAML: {getattr(error, 'problem', error)}")]
        ) from None
    lines: dict[tuple[Any, ...], int] = {}

    def walk(n: Any, path: tuple[Any, ...]) -> Any:
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in n.value:
                key = (
                    yaml.safe_load(yaml.serialize(key_node))
                    if not isinstance(key_node, yaml.ScalarNode)
                    else key_node.value
                )
                lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = walk(value_node, (*path, key))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(item, (*path, i)) for i, item in enumerate(n.value)]
        return yaml.safe_load(yaml.serialize(n)) if n.tag != "tag:yaml.org,2002:str" else n.value

    return (walk(node, ()) if node is not None else None), lines


_TOP_KEYS = {
    "name",
    "title",
    "description",
    "base",
    "sources",
    "year",
    "set",
    "scale",
    "add",
    "remove",
    "close",
    "demand",
    "policies",
    "requires",
}
_POLICIES = {"unified_tariff", "fee_cut", "digital_border"}


def library_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in LIBRARY.glob("*.yaml"))


def _locate(name_or_file: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_file)
    if text in library_names():
        return LIBRARY / f"{text}.yaml"
    path = Path(text)
    if relative_to is not None and not path.is_absolute():
        candidate = relative_to / path
        if candidate.exists():
            path = candidate
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ScenarioError([Problem(str(path), None, None, "no such scenario file")])
        return path
    close = [n for n in library_names() if n.startswith(text[:3])] or library_names()
    raise InvalidOptionError(
        f"Unknown scenario {text!r}: not a file and not in the library; library: {', '.join(close)}."
    )


def load_scenario(name_or_file: str | Path, network: Network | None = None) -> Scenario:
    """Read a scenario (a library name or a YAML file) and its bases, checked against ``network``'s ids.

    Raises
    ------
    ScenarioError
        Every problem found, with file, line and key (unknown elements, conflicting changes, inheritance cycles,
        missing or wrong units).
    InvalidOptionError
        For a name that is neither a file nor a library scenario.
    """
    from corridor.dataset.csvfolder import load_network

    net = network if network is not None else load_network()
    return _load(_locate(name_or_file), net, ())


#: finds a base by the name a scenario gives: returns (label, identity, text, the resolver for its own bases)
BaseResolver = Callable[[str], tuple[str, str, str, "BaseResolver"]]


def _file_resolver(folder: Path) -> BaseResolver:
    def resolve(base: str) -> tuple[str, str, str, BaseResolver]:
        path = _locate(base, folder)
        return str(path), str(path.resolve()), _read(path), _file_resolver(path.parent)

    return resolve


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem(str(path), None, None, f"cannot read: {error}")]) from None


def load_scenario_text(
    text: str,
    network: Network,
    *,
    name: str,
    label: str = "<scenario>",
    resolve_base: BaseResolver | None = None,
) -> Scenario:
    """Read a scenario from YAML ``text`` (as sent to the API), its bases found by ``resolve_base``.

    ``resolve_base(base)`` returns the base's label, identity, text and resolver; by default only library names are
    accepted, never file paths. ``name`` overrides any ``name:`` in the text.

    Raises
    ------
    ScenarioError, InvalidOptionError
    """
    return _load_text(text, label, f"text:{name}", network, (), resolve_base or library_resolver, name=name)


def library_resolver(base: str) -> tuple[str, str, str, BaseResolver]:
    """Bases by library name only (no files): for scenarios that come from outside, such as API requests."""
    if base not in library_names():
        raise InvalidOptionError(
            f"Unknown base scenario {base!r}; a base is a scenario name (library: {', '.join(library_names())})."
        )
    path = LIBRARY / f"{base}.yaml"
    return str(path), str(path.resolve()), _read(path), library_resolver


def _load(path: Path, net: Network, chain: tuple[str, ...]) -> Scenario:
    return _load_text(_read(path), str(path), str(path.resolve()), net, chain, _file_resolver(path.parent))


def _load_text(
    text: str,
    file: str,
    key: str,
    net: Network,
    chain: tuple[str, ...],
    resolve: BaseResolver,
    *,
    name: str | None = None,
) -> Scenario:
    if key in chain:
        names = " -> ".join(Path(c).stem for c in (*chain, key))
        raise ScenarioError([Problem(file, None, "base", f"inheritance cycle: {names}")])
    doc, lines = _compose(text, file)
    problems: list[Problem] = []

    def at(*keys: Any) -> int | None:
        for n in range(len(keys), -1, -1):
            if keys[:n] in lines:
                return lines[keys[:n]]
        return None

    def bad(message: str, *keys: Any) -> None:
        problems.append(Problem(file, at(*keys), ".".join(str(k) for k in keys) or None, message))

    if not isinstance(doc, dict):
        raise ScenarioError([Problem(file, 1, None, "a scenario is a YAML mapping (name:, title:, set:, ...)")])
    for k in doc:
        if k not in _TOP_KEYS:
            bad(f"unknown key {k!r}; valid: {', '.join(sorted(_TOP_KEYS))}", k)
    name = name or str(doc.get("name") or Path(file).stem)
    if "title" not in doc:
        bad("missing key 'title'")
    base_field = doc.get("base") or []
    bases = [base_field] if isinstance(base_field, str) else base_field
    inherited: list[Scenario] = []
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        bad("base: a scenario name or file, or a list of them", "base")
        bases = []
    for i, base in enumerate(bases):
        try:
            base_file, base_key, base_text, base_resolve = resolve(base)
        except InvalidOptionError as error:
            bad(str(error), "base", *([i] if isinstance(base_field, list) else []))
            continue
        inherited.append(_load_text(base_text, base_file, base_key, net, (*chain, key), base_resolve))

    requires = doc.get("requires") or []
    if not isinstance(requires, list):
        bad("requires: a list of elements TABLE/ID that must be in the network (e.g. fiber_links/caspian-main)")
        requires = []
    for i, ref in enumerate(requires):
        table, _, rid = str(ref).partition("/")
        if table not in TABLE_ATTR or rid not in _records_of(net, table):
            bad(
                f"needs {ref!r}, which this network does not have"
                + (" (the data layer: fiber_nodes.csv, fiber_links.csv)" if table.startswith("fiber") else ""),
                "requires",
                i,
            )

    sources = doc.get("sources") or []
    if not isinstance(sources, list):
        bad("sources: a list of source ids (see sources.csv)", "sources")
        sources = []
    for i, s in enumerate(sources):
        if s not in net.source_by_id:
            bad(f"unknown source {s!r} (see sources.csv)", "sources", i)
    if not sources and not inherited:
        bad("a scenario names its sources (ids of sources.csv)", "sources")
    year = doc.get("year")
    if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
        bad(f"year: {year!r} is not a year", "year")
        year = None

    own: list[Change] = []
    records = _records_by_id(net)

    def element(ref: Any, *keys: Any) -> tuple[str, str] | None:
        if not isinstance(ref, str) or "/" not in ref:
            bad(f"{ref!r} is not an element TABLE/ID (e.g. capacities/kuryk-ferries)", *keys)
            return None
        table, _, rid = ref.partition("/")
        if table not in FIELD_DIMENSION:
            bad(f"unknown table {table!r}; changeable: {', '.join(sorted(FIELD_DIMENSION))}", *keys)
            return None
        if rid not in records[table] and not _added(doc, table, rid):
            close = _closest(rid, records[table])
            bad(f"unknown element {ref!r}" + (f"; closest: {', '.join(close)}" if close else ""), *keys)
            return None
        return table, rid

    for section in ("set", "scale"):
        block = doc.get(section) or {}
        if not isinstance(block, dict):
            bad(f"{section}: a mapping of TABLE/ID to fields", section)
            continue
        for ref, fields in block.items():
            where = element(ref, section, ref)
            if where is None:
                continue
            table, rid = where
            if not isinstance(fields, dict) or not fields:
                bad("give the fields to change, e.g. capacity_per_year: 6 Mt", section, ref)
                continue
            for column, raw in fields.items():
                dims = FIELD_DIMENSION[table]
                if column not in dims:
                    bad(
                        f"{table} has no changeable field {column!r}; valid: {', '.join(sorted(dims))}",
                        section,
                        ref,
                        column,
                    )
                    continue
                line = at(section, ref, column)
                if section == "scale":
                    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
                        bad(f"a scale is a plain number >= 0, got {raw!r}", section, ref, column)
                        continue
                    own.append(Change(table, rid, column, factor=float(raw), line=line, origin=f"{name}: {section}"))
                    continue
                dimension = dims[column]
                if dimension == "capacity":
                    unit = _capacity_unit(records[table].get(rid), table)
                    dimension = _CAPACITY_DIMENSION.get(unit, "count")
                try:
                    value = parse_quantity(raw, dimension)
                except ValueError as error:
                    bad(f"{column}: {error}", section, ref, column)
                    continue
                if dimension == "fraction" and not 0 <= value <= 1:
                    bad(f"{column}: {raw!r} is not between 0 and 100 %", section, ref, column)
                    continue
                if column == "berths":
                    value = int(value)
                own.append(Change(table, rid, column, value=value, line=line, origin=f"{name}: {section}"))

    own.extend(_policies(doc.get("policies"), net, name, at, bad))
    adds = _adds(doc.get("add"), net, name, at, bad)
    removes: list[tuple[str, str, int | None, str]] = []
    remove = doc.get("remove") or {}
    if not isinstance(remove, dict):
        bad("remove: a mapping of table to a list of ids", "remove")
        remove = {}
    for table, ids in remove.items():
        if table not in TABLE_ATTR:
            bad(f"unknown table {table!r}; valid: {', '.join(sorted(TABLE_ATTR))}", "remove", table)
            continue
        for i, rid in enumerate(ids if isinstance(ids, list) else [ids]):
            if rid not in _records_of(net, table):
                bad(f"unknown element '{table}/{rid}'", "remove", table, i)
            else:
                removes.append((table, str(rid), at("remove", table, i), name))
    closures = _closures(doc.get("close"), net, name, at, bad)
    demand = doc.get("demand") or {}
    demand_scale, demand_od = 1.0, []
    if not isinstance(demand, dict):
        bad("demand: a mapping (scale:, od:, year:)", "demand")
        demand = {}
    for k in demand:
        if k not in ("scale", "od", "year"):
            bad(f"unknown key {k!r}; valid: od, scale, year", "demand", k)
    if "scale" in demand:
        s = demand["scale"]
        if isinstance(s, bool) or not isinstance(s, int | float) or s < 0:
            bad(f"a scale is a plain number >= 0, got {s!r}", "demand", "scale")
        else:
            demand_scale = float(s)
    if "year" in demand:
        year = demand["year"] if isinstance(demand["year"], int) else year
    for i, row in enumerate(demand.get("od") or []):
        if not isinstance(row, dict) or set(row) - {"origin", "destination", "scale"} or "scale" not in row:
            bad("each od row has origin, destination and scale", "demand", "od", i)
            continue
        ends = []
        for end in ("origin", "destination"):
            try:
                ends.append(net.place(str(row.get(end, ""))).id)
            except KeyError as error:
                bad(str(error), "demand", "od", i, end)
        s = row["scale"]
        if isinstance(s, bool) or not isinstance(s, int | float) or s < 0:
            bad(f"a scale is a plain number >= 0, got {s!r}", "demand", "od", i, "scale")
        elif len(ends) == 2:
            demand_od.append((ends[0], ends[1], float(s)))

    # Conflicts: two changes of one field within this file
    seen: dict[tuple[str, str, str], Change] = {}
    for change in own:
        k3 = (change.table, change.id, change.column)
        if k3 in seen:
            first = seen[k3]
            problems.append(
                Problem(
                    file,
                    change.line,
                    f"{change.table}/{change.id}.{change.column}",
                    f"conflicting changes: also changed by {first.origin} (line {first.line})",
                )
            )
        seen.setdefault(k3, change)
    # Composition: per field, a base's change yields to one made by a scenario that inherits from it; what is
    # left must agree, unless this file settles it.
    lineage: dict[str, frozenset[str]] = {}
    for base_scenario in inherited:
        lineage.update(base_scenario.lineage)
    lineage[name] = frozenset(lineage) | frozenset(b.name for b in inherited)
    candidates: dict[tuple[str, str, str], list[Change]] = {}
    for base_scenario in inherited:
        for change in base_scenario.changes:
            listed = candidates.setdefault((change.table, change.id, change.column), [])
            if change not in listed:
                listed.append(change)
    changes: list[Change] = []
    for k3, listed in candidates.items():
        if k3 in seen:
            continue
        kept = [
            c
            for c in listed
            if not any(c.scenario in lineage.get(o.scenario, frozenset()) for o in listed if o is not c)
        ]
        if len({(c.value, c.factor) for c in kept}) > 1:
            problems.append(
                Problem(
                    file,
                    at("base"),
                    f"{k3[0]}/{k3[1]}.{k3[2]}",
                    f"bases conflict: {kept[0].origin} and {kept[1].origin} change it differently; set it here",
                )
            )
        changes.append(kept[0])
    if problems:
        raise ScenarioError(problems)
    changes.extend(own)
    scale = demand_scale
    od: list[tuple[str, str, float]] = []
    for base_scenario in inherited:
        scale *= base_scenario.demand_scale
        od.extend(base_scenario.demand_od)
    od.extend(demand_od)
    inherited_year = next((b.year for b in reversed(inherited) if b.year is not None), None)
    return Scenario(
        name=name,
        title=str(doc.get("title") or name),
        description=str(doc.get("description") or ""),
        bases=tuple(b.name for b in inherited),
        sources=tuple(dict.fromkeys([*(s for b in inherited for s in b.sources), *sources])),
        year=year if year is not None else inherited_year,
        changes=tuple(changes),
        adds=tuple(_unique([*(a for b in inherited for a in b.adds), *adds])),
        removes=tuple(_unique([*(r for b in inherited for r in b.removes), *removes])),
        closures=tuple(_unique([*(c for b in inherited for c in b.closures), *closures])),
        demand_scale=scale,
        demand_od=tuple(od),
        path=file,
        document=doc,
        lineage=lineage,
        parents=tuple(inherited),
    )


def _unique(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(item is o or item == o for o in out):
            out.append(item)
    return out


def _records_of(net: Network, table: str) -> dict[str, Any]:
    return {rec.id: rec for rec in getattr(net, TABLE_ATTR[table])}


def _records_by_id(net: Network) -> dict[str, dict[str, Any]]:
    return {table: _records_of(net, table) for table in TABLE_ATTR}


def _added(doc: Mapping[str, Any], table: str, rid: str) -> bool:
    add = doc.get("add") or {}
    rows = add.get(table) if isinstance(add, dict) else None
    return isinstance(rows, list) and any(isinstance(r, dict) and r.get("id") == rid for r in rows)


def _closest(rid: str, ids: Iterable[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(rid, list(ids), n=3, cutoff=0.5)


def _capacity_unit(record: Any, table: str) -> str:
    if record is None:
        return "t"
    return str(getattr(record, "capacity_unit", "t"))


def _policies(block: Any, net: Network, name: str, at: Any, bad: Any) -> list[Change]:
    """Policies expand into changes of fields: tariffs, fees, dwell."""
    out: list[Change] = []
    if block is None:
        return out
    if not isinstance(block, dict):
        bad("policies: a mapping of policy name to its settings", "policies")
        return out
    for policy, settings in block.items():
        if policy not in _POLICIES:
            bad(f"unknown policy {policy!r}; valid: {', '.join(sorted(_POLICIES))}", "policies", policy)
            continue
        if not isinstance(settings, dict):
            bad("give the policy's settings as a mapping", "policies", policy)
            continue
        line = at("policies", policy)
        origin = f"{name}: policies.{policy}"
        if policy == "unified_tariff":
            corridor = settings.get("corridor")
            if corridor not in net.corridor_ids:
                bad(
                    f"unknown corridor {corridor!r}; valid: {', '.join(net.corridor_ids)}",
                    "policies",
                    policy,
                    "corridor",
                )
                continue
            try:
                rate = parse_quantity(settings.get("usd_per_feu_km"), "usd")
            except ValueError as error:
                bad(f"usd_per_feu_km: {error}", "policies", policy, "usd_per_feu_km")
                continue
            modes = settings.get("modes", ["rail"])
            countries = set(settings.get("countries") or [])
            for link in net.links:
                ends = {net.place_by_id[link.from_].country, net.place_by_id[link.to].country}
                if countries and not ends <= countries:
                    continue
                if corridor in link.corridors and link.mode in modes and link.tariff_unit is not None:
                    per_unit = rate * link.distance_km * (0.5 if link.tariff_unit == "TEU" else 1.0)
                    if link.tariff_unit == "t":
                        per_unit = rate * link.distance_km / net.info.payload_t_per_feu.value
                    out.append(Change("links", link.id, "tariff_usd", value=per_unit, line=line, origin=origin))
                    out.append(Change("links", link.id, "tariff_low_usd", value=per_unit, line=line, origin=origin))
                    out.append(Change("links", link.id, "tariff_high_usd", value=per_unit, line=line, origin=origin))
        else:
            ids = settings.get("transfers")
            if not isinstance(ids, list) or not ids:
                bad("transfers: the transfer ids it applies to (see transfers.csv)", "policies", policy, "transfers")
                continue
            key = "share" if policy == "fee_cut" else "dwell_cut"
            try:
                cut = parse_quantity(settings.get(key), "fraction")
            except ValueError as error:
                bad(f"{key}: {error}", "policies", policy, key)
                continue
            if not 0 <= cut <= 1:
                bad(f"{key}: must be between 0 and 100 %", "policies", policy, key)
                continue
            columns = ("cost_usd",) if policy == "fee_cut" else ("hours_low", "hours_typical", "hours_high")
            for i, tid in enumerate(ids):
                if tid not in net.transfer_by_id:
                    close = _closest(str(tid), net.transfer_by_id)
                    hint = f"; closest: {', '.join(close)}" if close else ""
                    bad(f"unknown transfer {tid!r}{hint}", "policies", policy, "transfers", i)
                    continue
                for column in columns:
                    out.append(Change("transfers", tid, column, factor=1 - cut, line=line, origin=origin))
    return out


def _adds(
    block: Any, net: Network, name: str, at: Any, bad: Any
) -> list[tuple[str, Mapping[str, Any], int | None, str]]:
    out: list[tuple[str, Mapping[str, Any], int | None, str]] = []
    if block is None:
        return out
    if not isinstance(block, dict):
        bad("add: a mapping of table to a list of records", "add")
        return out
    for table, rows in block.items():
        if table not in TABLE_ATTR:
            bad(f"unknown table {table!r}; valid: {', '.join(sorted(TABLE_ATTR))}", "add", table)
            continue
        if not isinstance(rows, list):
            bad("a list of records", "add", table)
            continue
        existing = _records_of(net, table)
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or "id" not in row:
                bad("each record is a mapping with an id and the table's columns", "add", table, i)
                continue
            if row["id"] in existing:
                bad(f"{table}/{row['id']} exists already; change it with set:", "add", table, i, "id")
                continue
            out.append((table, row, at("add", table, i), name))
    return out


def _closures(block: Any, net: Network, name: str, at: Any, bad: Any) -> list[Closure]:
    from corridor.dataset.vocab import PASSAGES

    out: list[Closure] = []
    if block is None:
        return out
    if not isinstance(block, list):
        bad("close: a list of closures (links:, passages: or countries:, with from: and to:)", "close")
        return out
    for i, item in enumerate(block):
        if not isinstance(item, dict):
            bad("a closure is a mapping", "close", i)
            continue
        unknown = set(item) - {"links", "passages", "countries", "from", "to", "note"}
        for k in sorted(unknown):
            bad(f"unknown key {k!r}; valid: countries, from, links, note, passages, to", "close", i, k)
        links = [str(x) for x in item.get("links") or []]
        passages = [str(x).lower() for x in item.get("passages") or []]
        countries = [str(x).upper() for x in item.get("countries") or []]
        if not (links or passages or countries):
            bad("name the links, passages or countries to close", "close", i)
        for j, link in enumerate(links):
            if link not in net.link_by_id:
                bad(f"unknown link {link!r}", "close", i, "links", j)
        for j, p in enumerate(passages):
            if p not in PASSAGES:
                bad(f"unknown passage {p!r}; valid: {', '.join(PASSAGES)}", "close", i, "passages", j)
        known_countries = {p.country for p in net.places} | {c for lk in net.links for c in lk.via_countries}
        for j, c in enumerate(countries):
            if c not in known_countries:
                bad(f"no place or link of the network is in {c!r}", "close", i, "countries", j)
        start, end = (_date(item.get(k), bad, "close", i, k) for k in ("from", "to"))
        if start is not None and end is not None and end < start:
            bad(f"{end} is before from: {start}", "close", i, "to")
        out.append(Closure(tuple(links), tuple(passages), tuple(countries), start, end, at("close", i), name))
    return out


def _date(value: Any, bad: Any, *keys: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        bad(f"{value!r} is not a date (YYYY-MM-DD)", *keys)
        return None


# --- applying a scenario ---------------------------------------------------------------------------------------


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


def apply_scenario(network: Network, scenario: Scenario, *, on: date | None = None) -> Network:
    """The network with the scenario's changes, additions, removals and (on day ``on``, or all) closures.

    Demand scaling is applied to demand.csv rows. The result is validated as a dataset.

    Raises
    ------
    ScenarioError
        If the changed dataset does not validate; each problem names the scenario line that caused it.
    """
    from corridor.dataset.network import Network as NetworkClass
    from corridor.dataset.validate import TABLES, RawTable, validate_tables

    file_of = {table: f"{table}.csv" for table in TABLE_ATTR}
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for table, attr in TABLE_ATTR.items():
        rows[table] = {rec.id: _raw(rec) for rec in getattr(network, attr)}
    marks: dict[tuple[str, str], tuple[int | None, str]] = {}
    for table, rid, _line, _origin in scenario.removes:
        rows[table].pop(rid, None)
    for table, record, line, origin in scenario.adds:
        rows[table][str(record["id"])] = {k: _cell(v) for k, v in record.items()}
        marks[(table, str(record["id"]))] = (line, origin)
    for change in scenario.changes:
        row = rows[change.table].get(change.id)
        if row is None:
            continue
        if change.factor is not None:
            current = row.get(change.column, "")
            if current in ("", None):
                continue
            row[change.column] = _cell(float(current) * change.factor)
        else:
            row[change.column] = _cell(change.value)
        marks[(change.table, change.id)] = (change.line, change.origin)
    closed = closed_links(network, scenario.closures, on=on)
    for link_id in closed:
        rows["links"].pop(link_id, None)
    # Services, capacities, weather and delays that only named closed or removed links lose them
    gone = set(network.link_by_id) - set(rows["links"])
    if gone:
        _drop_links(rows, gone)
    if scenario.demand_scale != 1.0 or scenario.demand_od:
        for row in rows["demand"].values():
            factor = scenario.demand_scale
            for origin, destination, s in scenario.demand_od:
                if row["origin"] == origin and row["destination"] == destination:
                    factor *= s
            for column in ("tonnes_per_year", "tonnes_low", "tonnes_high"):
                if row.get(column) not in ("", None):
                    row[column] = _cell(float(row[column]) * factor)
    raw: dict[str, RawTable] = {}
    line_of: dict[tuple[str, int], tuple[str, int | None, str]] = {}
    for table, by_id in rows.items():
        name = file_of[table]
        if not by_id and name not in (
            "sources.csv",
            "corridors.csv",
            "emission_factors.csv",
            "places.csv",
            "links.csv",
        ):
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
    try:
        tables = validate_tables(network.info.model_dump(exclude_none=True), raw)
    except Exception as error:  # DatasetError: relabel rows the scenario touched with its lines
        from corridor.errors import DatasetError

        if not isinstance(error, DatasetError):
            raise
        problems = []
        for p in error.problems:
            hit = line_of.get((p.file, p.line)) if p.line is not None else None
            if hit is not None:
                rid, line, origin = hit
                problems.append(
                    Problem(
                        scenario.path,
                        line,
                        f"{p.file.removesuffix('.csv')}/{rid}.{p.column}",
                        f"{p.message} ({origin})",
                    )
                )
            else:
                problems.append(Problem(scenario.path, None, f"{p.file}:{p.line}:{p.column}", p.message))
        raise ScenarioError(problems) from None
    return NetworkClass.from_tables(tables, path=network.path)


def _drop_links(rows: dict[str, dict[str, dict[str, Any]]], gone: set[str]) -> None:
    for table, column in (("services", "links"), ("weather", "links"), ("delays", "links")):
        for rid in list(rows[table]):
            row = rows[table][rid]
            listed = [x for x in str(row.get(column, "")).split(";") if x]
            if not listed:
                continue
            kept = [x for x in listed if x not in gone]
            if kept:
                row[column] = ";".join(kept)
            else:
                del rows[table][rid]
    # transfers at places that lost the layer they join
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
    for row in rows["corridors"].values():
        cut = [x for x in str(row.get("cut", "")).split(";") if x]
        row["cut"] = ";".join(x for x in cut if not (x.startswith("link:") and x[5:] in gone))
    transfers = set(rows["transfers"])
    services = set(rows["services"])
    for rid in list(rows["capacities"]):
        row = rows["capacities"][rid]
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
            del rows["capacities"][rid]
    for rid in list(rows["berths"]):
        row = rows["berths"][rid]
        kept = [x for x in str(row["services"]).split(";") if x in services]
        if kept:
            row["services"] = ";".join(kept)
        else:
            del rows["berths"][rid]


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


@dataclass(frozen=True, slots=True)
class SweepParameter:
    """One scenario field swept over values: ``TABLE/ID.FIELD`` (in the dataset's unit) or ``demand.scale``."""

    path: str
    values: tuple[float, ...]
    table: str = ""
    id: str = ""
    column: str = ""

    def apply(self, scenario: Scenario, value: float) -> Scenario:
        """The scenario with this parameter set to ``value`` (replacing any change of the same field)."""
        from dataclasses import replace

        name = f"{scenario.name}[{self.path}={value:g}]"
        if self.path == "demand.scale":
            return replace(scenario, name=name, demand_scale=value)
        # a swept capacity or tonnage may leave its published range: the range is dropped for the sweep
        bounds = {
            "capacity_per_year": ("capacity_low", "capacity_high"),
            "tonnes_per_year": ("tonnes_low", "tonnes_high"),
        }
        extra = bounds.get(self.column, ())
        touched = {self.column, *extra}
        kept = tuple(
            c for c in scenario.changes if not (c.table == self.table and c.id == self.id and c.column in touched)
        )
        origin = f"{name}: sweep"
        changes = [Change(self.table, self.id, self.column, value=value, origin=origin)]
        changes.extend(Change(self.table, self.id, column, value=None, origin=origin) for column in extra)
        return replace(scenario, name=name, changes=(*kept, *changes))


def parse_sweep_parameter(text: str, network: Network, *, max_values: int = 200) -> SweepParameter:
    """``PATH=START:STOP:STEP``, with units where the field has them.

    For example ``capacities/kuryk-port.capacity_per_year=4Mt:8Mt:1Mt`` or ``demand.scale=1:2:0.25``.

    Raises
    ------
    InvalidOptionError
        Naming the path, the unit or the range that is wrong.
    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or len(parts) != 3:
        raise InvalidOptionError(f"--param {text!r}: use PATH=START:STOP:STEP, e.g. demand.scale=1:2:0.25.")
    path = path.strip()
    if path == "demand.scale":
        dimension, table, rid, column = "count", "", "", ""
    else:
        element, _, column = path.rpartition(".")
        table, _, rid = element.partition("/")
        if table not in FIELD_DIMENSION or not rid or column not in FIELD_DIMENSION[table]:
            tables = ", ".join(sorted(FIELD_DIMENSION))
            raise InvalidOptionError(f"--param {path!r}: give TABLE/ID.FIELD (tables: {tables}) or demand.scale.")
        records = _records_of(network, table)
        if rid not in records:
            close = _closest(rid, records)
            raise InvalidOptionError(
                f"--param: unknown element '{table}/{rid}'" + (f"; closest: {', '.join(close)}" if close else "")
            )
        dimension = FIELD_DIMENSION[table][column]
        if dimension == "capacity":
            dimension = _CAPACITY_DIMENSION.get(_capacity_unit(records[rid], table), "count")
    try:
        start, stop, step = (parse_quantity(p.strip() if dimension != "count" else float(p), dimension) for p in parts)
    except ValueError as error:
        raise InvalidOptionError(f"--param {path}: {error}") from None
    if not step > 0 or stop < start:
        raise InvalidOptionError(f"--param {path}: need STOP >= START and STEP > 0.")
    if start < 0:
        raise InvalidOptionError(f"--param {path}: values must be >= 0, got START {start:g}.")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > max_values:
        raise InvalidOptionError(f"--param {path}: {count} values; at most {max_values} (use a larger step).")
    values = tuple(start + i * step for i in range(count))
    return SweepParameter(path, values, table, rid, column)
