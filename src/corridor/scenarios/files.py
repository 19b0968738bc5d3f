"""Scenario files: YAML changes to a dataset (elements, closures, demand, policies), read with their bases.

A scenario names the elements it changes as ``TABLE/ID`` (``capacities/kuryk-ferries``, ``links/xian-lanzhou``),
sets fields with units (``6 Mt``, ``500000 TEU``, ``12 h``, ``USD 250``, ``14 /week``, ``50 %``), scales fields by
plain factors, adds and removes records, closes links, passages or countries for a period, scales demand, and
applies policies (a unified through-tariff, a cut of transshipment fees, digital border processing). ``base:``
inherits from another scenario (a library name or a file), or composes several. The format is documented in
docs/scenarios.md. Every problem is reported with file, line and key; nothing is applied if there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, Problem, ScenarioError
from corridor.scenarios.sections import Change, Closure, Problems, Sections, read_sections

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = [
    "LIBRARY",
    "BaseResolver",
    "Scenario",
    "library_names",
    "library_resolver",
    "load_scenario",
    "load_scenario_text",
]

LIBRARY = Path(__file__).parents[1] / "data" / "scenarios"


# --- the scenario model ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: its own header and every change, closure and demand factor, bases applied first.

    Examples
    --------
    >>> import corridor
    >>> scenario = corridor.load_scenario("red-sea-closed", corridor.load_network())
    >>> scenario.to_dict()["name"]
    'red-sea-closed'
    """

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
    #: what the year's closures (changes.csv) leave open: ``passages/red-sea``, ``links/ID``, ``countries/CODE``
    reopened: tuple[str, ...] = ()
    #: whether the changes of its year (changes.csv) are already among ``changes`` and ``closures``
    year_applied: bool = False
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
            "reopened": list(self.reopened),
            "demand_scale": self.demand_scale,
            "demand_od": [{"origin": o, "destination": d, "scale": s} for o, d, s in self.demand_od],
            "path": self.path,
        }


# --- reading YAML with line numbers ---------------------------------------------------------------------------------


def _compose(text: str, file: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document as plain data, and the line (1-based) of every key path (read by the safe reader)."""
    from corridor.io.safe_yaml import YamlRefused, read_yaml

    try:
        return read_yaml(text)
    except YamlRefused as error:
        raise ScenarioError([Problem(file, error.line, error.key, error.message)]) from None


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
    "reopen",
    "demand",
    "policies",
    "requires",
}


# --- finding scenarios: the library, files, text ---------------------------------------------------------------------


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

    Parameters
    ----------
    name_or_file
        A name of the scenario library (``base-2024``, ``red-sea-closed``, ``kuryk-6mt``, ...) or a YAML file.
    network
        The dataset the scenario's ids are checked against; default the embedded one.

    Returns
    -------
    Scenario
        The changes, closures, policies and demand of the scenario with those of its bases, immutable.

    Raises
    ------
    ScenarioError
        Every problem found, with file, line and key (unknown elements, conflicting changes, inheritance cycles,
        missing or wrong units).
    InvalidOptionError
        For a name that is neither a file nor a library scenario.

    Examples
    --------
    >>> import corridor
    >>> scenario = corridor.load_scenario("red-sea-closed", corridor.load_network())
    >>> scenario.name
    'red-sea-closed'
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


# --- one scenario document and its bases -----------------------------------------------------------------------------


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
    """The scenario in ``text`` (from ``file``, known as ``key``) with its bases; ``chain``: the keys inheriting it."""
    if key in chain:
        names = " -> ".join(Path(c).stem for c in (*chain, key))
        raise ScenarioError([Problem(file, None, "base", f"inheritance cycle: {names}")])
    doc, lines = _compose(text, file)
    problems = Problems(file, lines)
    if not isinstance(doc, dict):
        raise ScenarioError([Problem(file, 1, None, "a scenario is a YAML mapping (name:, title:, set:, ...)")])
    _check_header(doc, problems)
    name = name or str(doc.get("name") or Path(file).stem)
    inherited = _load_bases(doc.get("base"), net, (*chain, key), resolve, problems)
    own = read_sections(doc, net, name, problems, has_bases=bool(inherited))
    settled = _check_own_changes(own.changes, problems)
    lineage = _lineage(name, inherited)
    changes = _compose_changes(inherited, lineage, settled, problems)
    if problems.found:
        raise ScenarioError(problems.found)
    return _scenario(name, doc, file, own, inherited, lineage, [*changes, *own.changes])


def _check_header(doc: Mapping[Any, Any], problems: Problems) -> None:
    """Report unknown top-level keys and a missing title."""
    for k in doc:
        if k not in _TOP_KEYS:
            problems.bad(f"unknown key {k!r}; valid: {', '.join(sorted(_TOP_KEYS))}", k)
    if "title" not in doc:
        problems.bad("missing key 'title'")


def _load_bases(
    base_field: Any, net: Network, chain: tuple[str, ...], resolve: BaseResolver, problems: Problems
) -> list[Scenario]:
    """The scenarios named by ``base:`` (one or a list), each resolved with its own bases."""
    base_field = base_field or []
    bases = [base_field] if isinstance(base_field, str) else base_field
    inherited: list[Scenario] = []
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        problems.bad("base: a scenario name or file, or a list of them", "base")
        bases = []
    for i, base in enumerate(bases):
        try:
            base_file, base_key, base_text, base_resolve = resolve(base)
        except InvalidOptionError as error:
            problems.bad(str(error), "base", *([i] if isinstance(base_field, list) else []))
            continue
        inherited.append(_load_text(base_text, base_file, base_key, net, chain, base_resolve))
    return inherited


def _check_own_changes(own: list[Change], problems: Problems) -> dict[tuple[str, str, str], Change]:
    """Report two changes of one field within one file; the first change of each field."""
    seen: dict[tuple[str, str, str], Change] = {}
    for change in own:
        k3 = (change.table, change.id, change.column)
        if k3 in seen:
            first = seen[k3]
            problems.found.append(
                Problem(
                    problems.file,
                    change.line,
                    f"{change.table}/{change.id}.{change.column}",
                    f"conflicting changes: also changed by {first.origin} (line {first.line})",
                )
            )
        seen.setdefault(k3, change)
    return seen


def _lineage(name: str, inherited: list[Scenario]) -> dict[str, frozenset[str]]:
    """Every scenario up the tree of ``name`` (itself included) and the ancestors of each."""
    lineage: dict[str, frozenset[str]] = {}
    for base_scenario in inherited:
        lineage.update(base_scenario.lineage)
    lineage[name] = frozenset(lineage) | frozenset(b.name for b in inherited)
    return lineage


def _compose_changes(
    inherited: list[Scenario],
    lineage: Mapping[str, frozenset[str]],
    settled: Mapping[tuple[str, str, str], Change],
    problems: Problems,
) -> list[Change]:
    """The bases' changes of the fields this file leaves alone, composed.

    Per field, a base's change yields to one made by a scenario that inherits from it; what is left must agree,
    unless this file settles it (a field in ``settled``).
    """
    candidates: dict[tuple[str, str, str], list[Change]] = {}
    for base_scenario in inherited:
        for change in base_scenario.changes:
            listed = candidates.setdefault((change.table, change.id, change.column), [])
            if change not in listed:
                listed.append(change)
    changes: list[Change] = []
    for k3, listed in candidates.items():
        if k3 in settled:
            continue
        kept = [
            c
            for c in listed
            if not any(c.scenario in lineage.get(o.scenario, frozenset()) for o in listed if o is not c)
        ]
        if len({(c.value, c.factor) for c in kept}) > 1:
            problems.found.append(
                Problem(
                    problems.file,
                    problems.at("base"),
                    f"{k3[0]}/{k3[1]}.{k3[2]}",
                    f"bases conflict: {kept[0].origin} and {kept[1].origin} change it differently; set it here",
                )
            )
        changes.append(kept[0])
    return changes


def _scenario(
    name: str,
    doc: Mapping[str, Any],
    file: str,
    own: Sections,
    inherited: list[Scenario],
    lineage: dict[str, frozenset[str]],
    changes: list[Change],
) -> Scenario:
    """The resolved scenario: the bases' sources, additions, removals, closures and demand, then its own."""
    scale = own.demand_scale
    od: list[tuple[str, str, float]] = []
    for base_scenario in inherited:
        scale *= base_scenario.demand_scale
        od.extend(base_scenario.demand_od)
    od.extend(own.demand_od)
    inherited_year = next((b.year for b in reversed(inherited) if b.year is not None), None)
    return Scenario(
        name=name,
        title=str(doc.get("title") or name),
        description=str(doc.get("description") or ""),
        bases=tuple(b.name for b in inherited),
        sources=tuple(dict.fromkeys([*(s for b in inherited for s in b.sources), *own.sources])),
        year=own.year if own.year is not None else inherited_year,
        changes=tuple(changes),
        adds=tuple(_unique([*(a for b in inherited for a in b.adds), *own.adds])),
        removes=tuple(_unique([*(r for b in inherited for r in b.removes), *own.removes])),
        closures=tuple(_unique([*(c for b in inherited for c in b.closures), *own.closures])),
        reopened=tuple(dict.fromkeys([*(r for b in inherited for r in b.reopened), *own.reopened])),
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
