"""Validation at the edge: raw table rows in, records or a DatasetError listing every problem out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from corridor.dataset.layer_records import FiberLink, FiberNode, FiberRtt, OilLink, OilNode
from corridor.dataset.observation_records import Observation, YearChange
from corridor.dataset.power_records import (
    POWER_ROW_NOUNS,
    POWER_TABLES,
    PowerDemand,
    PowerLine,
    PowerNode,
    PowerPlant,
    PowerProfile,
    RailFleet,
    check_power_tables,
)
from corridor.dataset.project_records import Project
from corridor.dataset.records import (
    Berth,
    Capacity,
    Corridor,
    DatasetInfo,
    Delay,
    DemandRecord,
    EmissionFactor,
    Link,
    Place,
    Service,
    Source,
    Transfer,
    Weather,
)
from corridor.dataset.tariff_records import BULK_ROW_NOUNS, BULK_TABLES, BulkTariff, check_bulk_tables
from corridor.dataset.trade_records import (
    TRADE_ROW_NOUNS,
    TRADE_TABLES,
    Gdp,
    GdpGrowth,
    TonnesPerUsd,
    Trade,
    TradeMix,
    TradeRegion,
    TradeShare,
    check_trade_tables,
)
from corridor.dataset.vocab import FREIGHT_MODES, UNIT_PAYLOAD_KEYS, WATER_MODES
from corridor.errors import DatasetError, Problem
from corridor.names import normalize_name

__all__ = ["TABLES", "RawTable", "Tables", "validate_tables"]

M = TypeVar("M", bound=BaseModel)

#: File name of each table, and its record type. Order matters: later tables refer to earlier ones.
TABLES: dict[str, type[BaseModel]] = {
    "sources.csv": Source,
    "corridors.csv": Corridor,
    "emission_factors.csv": EmissionFactor,
    "places.csv": Place,
    "links.csv": Link,
    "transfers.csv": Transfer,
    "services.csv": Service,
    "capacities.csv": Capacity,
    "demand.csv": DemandRecord,
    "weather.csv": Weather,
    "delays.csv": Delay,
    "berths.csv": Berth,
    "oil_nodes.csv": OilNode,
    "oil_links.csv": OilLink,
    "fiber_nodes.csv": FiberNode,
    "fiber_links.csv": FiberLink,
    "fiber_rtt.csv": FiberRtt,
    "observations.csv": Observation,
    "changes.csv": YearChange,
    "projects.csv": Project,
}
TABLES.update(TRADE_TABLES)  # the trade model's tables (corridor.dataset.trade_records)
TABLES.update(POWER_TABLES)  # the power layer and the rail fleets (corridor.dataset.power_records)
TABLES.update(BULK_TABLES)  # rates of dry and liquid bulk (corridor.dataset.tariff_records)
LAYER_TABLES = frozenset({"oil_nodes.csv", "oil_links.csv", "fiber_nodes.csv", "fiber_links.csv", "fiber_rtt.csv"})
OPTIONAL_TABLES = (
    frozenset({"services.csv", "capacities.csv", "demand.csv", "weather.csv", "delays.csv", "berths.csv"})
    | LAYER_TABLES
    | {"observations.csv", "changes.csv", "projects.csv"}
    | set(TRADE_TABLES)
    | set(POWER_TABLES)
    | set(BULK_TABLES)
)
#: What one row of each table is, in messages ("duplicate place 'baku'").
_ROW_NOUNS = {
    "sources.csv": "source",
    "corridors.csv": "corridor",
    "emission_factors.csv": "emission factor",
    "places.csv": "place",
    "links.csv": "link",
    "transfers.csv": "transfer",
    "services.csv": "service",
    "capacities.csv": "capacity element",
    "demand.csv": "demand record",
    "weather.csv": "weather record",
    "delays.csv": "delay record",
    "berths.csv": "berth record",
    "oil_nodes.csv": "oil node",
    "oil_links.csv": "oil link",
    "fiber_nodes.csv": "fiber node",
    "fiber_links.csv": "fiber link",
    "fiber_rtt.csv": "round-trip record",
    "observations.csv": "observation",
    "changes.csv": "change by year",
    "projects.csv": "project",
}
_ROW_NOUNS.update(TRADE_ROW_NOUNS)
_ROW_NOUNS.update(POWER_ROW_NOUNS)
_ROW_NOUNS.update(BULK_ROW_NOUNS)
#: The records of one table, each with its line number (typed by the table, see ``TABLES``).
_Lined = list[tuple[int, Any]]


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file: the header and each row with its line number in the file."""

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, Mapping[str, str]], ...]


@dataclass(frozen=True)
class Tables:
    """The validated records of a dataset."""

    info: DatasetInfo
    sources: tuple[Source, ...]
    corridors: tuple[Corridor, ...]
    emission_factors: tuple[EmissionFactor, ...]
    places: tuple[Place, ...]
    links: tuple[Link, ...]
    transfers: tuple[Transfer, ...]
    services: tuple[Service, ...]
    capacities: tuple[Capacity, ...] = ()
    demand: tuple[DemandRecord, ...] = ()
    weather: tuple[Weather, ...] = ()
    delays: tuple[Delay, ...] = ()
    berths: tuple[Berth, ...] = ()
    oil_nodes: tuple[OilNode, ...] = ()
    oil_links: tuple[OilLink, ...] = ()
    fiber_nodes: tuple[FiberNode, ...] = ()
    fiber_links: tuple[FiberLink, ...] = ()
    fiber_rtt: tuple[FiberRtt, ...] = ()
    observations: tuple[Observation, ...] = ()
    changes: tuple[YearChange, ...] = ()
    projects: tuple[Project, ...] = ()
    # the trade model (corridor.dataset.trade_records)
    trade_regions: tuple[TradeRegion, ...] = ()
    trade: tuple[Trade, ...] = ()
    trade_mix: tuple[TradeMix, ...] = ()
    gdp: tuple[Gdp, ...] = ()
    gdp_growth: tuple[GdpGrowth, ...] = ()
    tonnes_per_usd: tuple[TonnesPerUsd, ...] = ()
    trade_shares: tuple[TradeShare, ...] = ()
    # the power layer and the rail fleets (corridor.dataset.power_records)
    power_nodes: tuple[PowerNode, ...] = ()
    power_profiles: tuple[PowerProfile, ...] = ()
    power_plants: tuple[PowerPlant, ...] = ()
    power_lines: tuple[PowerLine, ...] = ()
    power_demand: tuple[PowerDemand, ...] = ()
    rail_fleet: tuple[RailFleet, ...] = ()
    # rates of dry and liquid bulk (corridor.dataset.tariff_records)
    bulk_tariffs: tuple[BulkTariff, ...] = ()


def _columns(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """Required and allowed column names of a record type (aliases as they appear in files)."""
    required, allowed = set(), set()
    for name, field in model.model_fields.items():
        column = field.alias or name
        allowed.add(column)
        if field.is_required():
            required.add(column)
    return required, allowed


def _problems_from(error: ValidationError, file: str, line: int | None) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item["loc"]]
        column = loc[0] if loc else None
        message = str(item["msg"]).removeprefix("Value error, ")
        if column is None and ": " in message:
            # model-level checks name their column first ("gauge: a rail link needs ...")
            column, message = message.split(": ", 1)
        if column == "from_":
            column = "from"
        if item["type"] not in ("value_error", "assertion_error", "missing") and "input" in item and column:
            message = f"{item['input']!r}: {message}"
        problems.append(Problem(file, line, column, message))
    return problems


def row_content(row: Mapping[str, str | None]) -> frozenset[tuple[str, str]]:
    """What a row of a table says: its non-empty cells by column (a row validates to the record of its content)."""
    return frozenset((key, value) for key, value in row.items() if value is not None and value.strip() != "")


def _records(
    table: RawTable, model: type[M], problems: list[Problem], known: Mapping[frozenset[tuple[str, str]], M] | None
) -> list[tuple[int, M]]:
    required, allowed = _columns(model)
    header = set(table.header)
    missing = sorted(required - header)
    unknown = sorted(header - allowed)
    for column in missing:
        problems.append(Problem(table.file, 1, column, f"missing column {column!r}"))
    for column in unknown:
        problems.append(
            Problem(table.file, 1, column, f"unknown column {column!r}; valid: {', '.join(sorted(allowed))}")
        )
    if missing or unknown:
        return []
    if not table.rows:
        problems.append(Problem(table.file, None, None, "the table has no rows"))
    out = []
    for line, row in table.rows:
        content = row_content(row)
        if known is not None and content in known:  # the content of a row validated before: its record
            out.append((line, known[content]))
            continue
        try:
            out.append((line, model.model_validate(dict(content))))
        except ValidationError as error:
            problems.extend(_problems_from(error, table.file, line))
    return out


def _duplicates(file: str, keyed: Iterable[tuple[int, str]], what: str, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for line, key in keyed:
        if key in seen:
            problems.append(Problem(file, line, "id", f"duplicate {what} {key!r} (first at line {seen[key]})"))
        else:
            seen[key] = line


def validate_tables(
    info: Mapping[str, Any] | None,
    tables: Mapping[str, RawTable],
    *,
    info_file: str = "dataset.yaml",
    known: Mapping[str, Mapping[frozenset[tuple[str, str]], Any]] | None = None,
) -> Tables:
    """Check every table and the references between them; raise DatasetError with all problems found.

    ``known``: by file, the records of row contents validated before (:func:`row_content`), taken as they are
    (a scenario's unchanged rows); the references between tables are checked all the same.
    """
    problems: list[Problem] = []
    parsed_info = _parse_info(info, info_file, problems)
    for name in TABLES:
        if name not in tables and name not in OPTIONAL_TABLES:
            problems.append(Problem(name, None, None, "file is missing"))
    rows: dict[str, _Lined] = {
        name: _records(tables[name], model, problems, (known or {}).get(name)) if name in tables else []
        for name, model in TABLES.items()
    }
    for name, recs in rows.items():
        _duplicates(name, ((line, rec.id) for line, rec in recs), _ROW_NOUNS[name], problems)
    _check_references(rows, parsed_info, info_file, _Known(problems))
    check_trade_tables(rows, tables, problems)
    check_power_tables(rows, {rec.id for _, rec in rows["places.csv"]}, problems)
    check_bulk_tables(
        rows,
        has_wagon_payload=parsed_info is not None and parsed_info.payload_t_per_wagon is not None,
        info_file=info_file,
        problems=problems,
    )
    if problems or parsed_info is None:
        raise DatasetError(problems)
    # Each field of Tables is named after its file (links.csv -> links).
    return Tables(
        info=parsed_info,
        **{name.removesuffix(".csv"): tuple(rec for _, rec in recs) for name, recs in rows.items()},
    )


def _parse_info(info: Mapping[str, Any] | None, info_file: str, problems: list[Problem]) -> DatasetInfo | None:
    """``dataset.yaml`` as a DatasetInfo, or None with its problems added."""
    if info is None:
        problems.append(Problem(info_file, None, None, "file is missing"))
        return None
    try:
        return DatasetInfo.model_validate(info)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            key = ".".join(str(part) for part in item["loc"])
            problems.append(Problem(info_file, None, key, str(item["msg"]).removeprefix("Value error, ")))
        return None


class _Known:
    """Collects the problems of the checks across tables; calling it checks that a reference names something."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, line, column, message))

    def __call__(self, file: str, line: int, column: str, value: str, valid: Iterable[str], what: str) -> bool:
        """True if ``value`` is in ``valid``; otherwise reports "unknown <what> <value>" and returns False.

        ``what`` may end in a hint: "place (see places.csv)".
        """
        if value in valid:
            return True
        name, _, hint = what.partition(" (")
        self.add(file, line, column, f"unknown {name} {value!r}" + (f" ({hint}" if hint else ""))
        return False


def _check_references(rows: Mapping[str, _Lined], info: DatasetInfo | None, info_file: str, known: _Known) -> None:
    """References between tables, in the order their problems are reported."""
    problems = known.problems
    sources = rows["sources.csv"]
    if sources:
        _check_sources(rows, info, info_file, {rec.id for _, rec in sources}, known)
    places = rows["places.csv"]
    links = rows["links.csv"]
    services = rows["services.csv"]
    place_by_id = {rec.id: rec for _, rec in places}
    link_ids = {rec.id for _, rec in links}
    factor_kind = {rec.id: rec.kind for _, rec in rows["emission_factors.csv"]}
    _check_place_names(places, known)
    corridor_ids = {rec.id for _, rec in rows["corridors.csv"]}
    layers_at = _check_links(links, place_by_id, corridor_ids, factor_kind, known)
    _check_transfers(rows["transfers.csv"], place_by_id, layers_at, factor_kind, known)
    _check_services(services, link_ids, known)
    _check_capacities(rows["capacities.csv"], links, rows["transfers.csv"], services, info, info_file, problems)
    _check_demand(rows["demand.csv"], place_by_id, problems)
    _check_variability(rows["weather.csv"], rows["delays.csv"], link_ids, problems)
    _check_cuts(rows["corridors.csv"], link_ids, known)
    _check_berths(rows["berths.csv"], place_by_id, {rec.id for _, rec in services}, known)
    _check_layers(
        rows["oil_nodes.csv"],
        rows["oil_links.csv"],
        rows["fiber_nodes.csv"],
        rows["fiber_links.csv"],
        rows["fiber_rtt.csv"],
        place_by_id,
        known,
    )
    _check_observations(rows, known)


def _check_sources(
    rows: Mapping[str, _Lined], info: DatasetInfo | None, info_file: str, source_ids: set[str], known: _Known
) -> None:
    """Every source a record or dataset.yaml cites is in sources.csv."""
    for file, recs in rows.items():
        if file == "sources.csv":
            continue
        for line, rec in recs:
            for source in rec.source:
                known(file, line, "source", source, source_ids, "source (see sources.csv)")
    if info is None:
        return
    for key in type(info).model_fields:
        quantity = getattr(info, key)
        for source in getattr(quantity, "source", []):
            if source not in source_ids:
                known.add(info_file, None, f"{key}.source", f"unknown source {source!r}")


def _check_place_names(places: Sequence[tuple[int, Place]], known: _Known) -> None:
    """Place names and aliases point to one place each, or lookups would be ambiguous."""
    owner: dict[str, tuple[str, int]] = {}
    for line, place in places:
        for label in (place.name, *place.aliases):
            key = normalize_name(label)
            if key in owner and owner[key][0] != place.id:
                other, other_line = owner[key]
                known.add("places.csv", line, "aliases", f"{label!r} also names {other!r} (line {other_line})")
            owner.setdefault(key, (place.id, line))


def _check_links(
    links: Sequence[tuple[int, Link]],
    place_by_id: Mapping[str, Place],
    corridor_ids: set[str],
    factor_kind: Mapping[str, str],
    known: _Known,
) -> dict[str, set[str]]:
    """Ends, corridors and emission factors of links exist; returns the layers of the links at each place."""
    layers_at: dict[str, set[str]] = {}
    for line, link in links:
        ok_from = known("links.csv", line, "from", link.from_, place_by_id, "place (see places.csv)")
        ok_to = known("links.csv", line, "to", link.to, place_by_id, "place (see places.csv)")
        if ok_from and ok_to:
            layers_at.setdefault(link.from_, set()).add(link.layer)
            layers_at.setdefault(link.to, set()).add(link.layer)
        for corridor in link.corridors:
            if corridor != "*":
                known("links.csv", line, "corridors", corridor, corridor_ids, "corridor (see corridors.csv)")
        if link.mode in FREIGHT_MODES:
            _check_freight_link(line, link, factor_kind, known)
    return layers_at


def _check_freight_link(line: int, link: Link, factor_kind: Mapping[str, str], known: _Known) -> None:
    """A freight link has a transport emission factor, and a pipeline carries liquid bulk only."""
    if link.emission_factor is None:
        known.add("links.csv", line, "emission_factor", "a freight link needs an emission factor")
    elif (
        known("links.csv", line, "emission_factor", link.emission_factor, factor_kind, "emission factor")
        and factor_kind[link.emission_factor] != "transport"
    ):
        known.add("links.csv", line, "emission_factor", f"{link.emission_factor!r} is a hub factor")
    if link.mode == "pipeline" and set(link.commodities) - {"liquid_bulk"}:
        known.add("links.csv", line, "commodities", "a pipeline carries liquid_bulk only")


def _check_transfers(
    transfers: Sequence[tuple[int, Transfer]],
    place_by_id: Mapping[str, Place],
    layers_at: Mapping[str, set[str]],
    factor_kind: Mapping[str, str],
    known: _Known,
) -> None:
    """A transfer's place exists and has links of its layers; one transfer per place, layers and kind."""
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, transfer in transfers:
        if not known("transfers.csv", line, "place", transfer.place, place_by_id, "place (see places.csv)"):
            continue
        at = layers_at.get(transfer.place, set())
        for column in ("from_layer", "to_layer"):
            layer = getattr(transfer, column)
            if layer != "gate" and layer not in at:
                valid = ", ".join(sorted(at | {"gate"}))
                known.add(
                    "transfers.csv",
                    line,
                    column,
                    f"no {layer!r} link touches {transfer.place!r}; layers there: {valid}",
                )
        key = (transfer.place, transfer.from_layer, transfer.to_layer, transfer.kind)
        if key in seen:
            known.add("transfers.csv", line, "kind", f"same place, layers and kind as line {seen[key]}")
        seen.setdefault(key, line)
        factor = transfer.emission_factor
        if (
            factor is not None
            and known("transfers.csv", line, "emission_factor", factor, factor_kind, "emission factor")
            and factor_kind[factor] != "hub"
        ):
            known.add("transfers.csv", line, "emission_factor", f"{factor!r} is not a hub factor")


def _check_services(services: Sequence[tuple[int, Service]], link_ids: set[str], known: _Known) -> None:
    """Services run on links that exist, each link in one service at most."""
    for line, service in services:
        for link_id in service.links:
            known("services.csv", line, "links", link_id, link_ids, "link (see links.csv)")
    counts = Counter(link_id for _, service in services for link_id in service.links)
    for link_id, count in counts.items():
        if count > 1:
            known.add("services.csv", None, "links", f"link {link_id!r} is in {count} services")


def _check_cuts(corridors: Sequence[tuple[int, Corridor]], link_ids: set[str], known: _Known) -> None:
    """The links a corridor's cut names exist."""
    for line, corridor in corridors:
        for item in corridor.cut:
            kind, _, name = item.partition(":")
            if kind == "link" and name not in link_ids:
                known.add("corridors.csv", line, "cut", f"unknown link {name!r} (see links.csv)")


def _check_berths(
    berths: Sequence[tuple[int, Berth]], place_by_id: Mapping[str, Place], service_ids: set[str], known: _Known
) -> None:
    """Berths are at places that exist, for services that exist, one row per place and service."""
    served: dict[tuple[str, str], int] = {}
    for line, berth in berths:
        known("berths.csv", line, "place", berth.place, place_by_id, "place (see places.csv)")
        for service_id in berth.services:
            if not known("berths.csv", line, "services", service_id, service_ids, "service (see services.csv)"):
                continue
            if (berth.place, service_id) in served:
                first = served[(berth.place, service_id)]
                known.add("berths.csv", line, "services", f"{service_id!r} already has berths here (line {first})")
            served.setdefault((berth.place, service_id), line)


def _check_layers(
    oil_nodes: Sequence[tuple[int, OilNode]],
    oil_links: Sequence[tuple[int, OilLink]],
    fiber_nodes: Sequence[tuple[int, FiberNode]],
    fiber_links: Sequence[tuple[int, FiberLink]],
    fiber_rtt: Sequence[tuple[int, FiberRtt]],
    place_by_id: Mapping[str, Place],
    known: _Known,
) -> None:
    """References of the oil and data layers: their nodes, and the freight network's places they sit at."""
    for file, nodes in (("oil_nodes.csv", oil_nodes), ("fiber_nodes.csv", fiber_nodes)):
        for line, node in nodes:
            if node.place is not None:
                known(file, line, "place", node.place, place_by_id, "place (see places.csv)")
    oil_ids = {node.id for _, node in oil_nodes}
    for line, link in oil_links:
        known("oil_links.csv", line, "from", link.from_, oil_ids, "oil node (see oil_nodes.csv)")
        known("oil_links.csv", line, "to", link.to, oil_ids, "oil node (see oil_nodes.csv)")
    fiber_ids = {node.id for _, node in fiber_nodes}
    for line, fiber in fiber_links:
        known("fiber_links.csv", line, "from", fiber.from_, fiber_ids, "fiber node (see fiber_nodes.csv)")
        known("fiber_links.csv", line, "to", fiber.to, fiber_ids, "fiber node (see fiber_nodes.csv)")
    vias = {fiber.via for _, fiber in fiber_links if fiber.via}
    for line, rtt in fiber_rtt:
        known("fiber_rtt.csv", line, "from", rtt.from_, fiber_ids, "fiber node (see fiber_nodes.csv)")
        known("fiber_rtt.csv", line, "to", rtt.to, fiber_ids, "fiber node (see fiber_nodes.csv)")
        if rtt.via is not None:
            known("fiber_rtt.csv", line, "via", rtt.via, vias, "via (a label of fiber_links.csv)")


def _check_variability(
    weather: Sequence[tuple[int, Weather]],
    delays: Sequence[tuple[int, Delay]],
    link_ids: set[str],
    problems: list[Problem],
) -> None:
    """Weather and delay rows name links that exist, and no link gets two rules for one month or one match."""
    month_of: dict[tuple[str, str], int] = {}
    for line, closure in weather:
        for link_id in closure.links:
            if link_id not in link_ids:
                problems.append(Problem("weather.csv", line, "links", f"unknown link {link_id!r} (see links.csv)"))
            for month in closure.months:
                month_key = (link_id, month)
                if month_key in month_of:
                    problems.append(
                        Problem(
                            "weather.csv",
                            line,
                            "months",
                            f"link {link_id!r} already has a closure rule for {month} (line {month_of[month_key]})",
                        )
                    )
                month_of.setdefault(month_key, line)
    match_of: dict[tuple[str, str, str], int] = {}
    for line, rec in delays:
        keys: list[tuple[str, str, str]]
        for link_id in rec.links:
            if link_id not in link_ids:
                problems.append(Problem("delays.csv", line, "links", f"unknown link {link_id!r} (see links.csv)"))
        keys = (
            [("link", link_id, "") for link_id in rec.links]
            if rec.links
            else [("mode", mode, country) for mode in rec.modes for country in (rec.countries or [""])]
        )
        for key in keys:
            if key in match_of:
                what = f"link {key[1]!r}" if key[0] == "link" else f"mode {key[1]!r}"
                if key[2]:
                    what += f" in {key[2]}"
                message = f"{what} already has a running-time factor (line {match_of[key]})"
                problems.append(Problem("delays.csv", line, "id", message))
            match_of.setdefault(key, line)


def _check_capacities(
    capacities: Sequence[tuple[int, Capacity]],
    links: Sequence[tuple[int, Link]],
    transfers: Sequence[tuple[int, Transfer]],
    services: Sequence[tuple[int, Service]],
    info: DatasetInfo | None,
    info_file: str,
    problems: list[Problem],
) -> None:
    """Elements exist in the table their type names, and the unit of each capacity converts into tonnes."""
    ids_of = {
        "link": {rec.id for _, rec in links},
        "transfer": {rec.id for _, rec in transfers},
        "service": {rec.id for _, rec in services},
    }
    table_of = {"link": "links.csv", "transfer": "transfers.csv", "service": "services.csv"}
    for line, cap in capacities:
        for element in cap.elements:
            if element in ids_of[cap.element_type]:
                continue
            other = [kind for kind, ids in ids_of.items() if element in ids]
            hint = (
                f"; {element!r} is a {other[0]} (element_type {other[0]})"
                if other
                else f" (see {table_of[cap.element_type]})"
            )
            problems.append(
                Problem("capacities.csv", line, "elements", f"unknown {cap.element_type} {element!r}{hint}")
            )
        key = UNIT_PAYLOAD_KEYS.get(cap.capacity_unit)
        if key is not None and info is not None and getattr(info, key) is None:
            problems.append(
                Problem(
                    "capacities.csv",
                    line,
                    "capacity_unit",
                    f"{cap.capacity_unit!r} has no conversion into tonnes: add {key} to {info_file}",
                )
            )


def _check_demand(
    demand: Sequence[tuple[int, DemandRecord]], place_by_id: Mapping[str, Place], problems: list[Problem]
) -> None:
    """Places exist and are not avoided by their own row; one row per origin, destination, commodity, year, avoid."""
    seen: dict[tuple[str, str, str, int, frozenset[str]], int] = {}
    for line, rec in demand:
        for column in ("origin", "destination"):
            place_id = getattr(rec, column)
            place = place_by_id.get(place_id)
            if place is None:
                problems.append(
                    Problem("demand.csv", line, column, f"unknown place {place_id!r} (give a place id of places.csv)")
                )
            elif place.country in rec.avoid:
                problems.append(
                    Problem("demand.csv", line, "avoid", f"the row avoids {place.country}, where its {column} is")
                )
        key = (rec.origin, rec.destination, rec.commodity, rec.year, rec.avoid_key)
        if key in seen:
            problems.append(
                Problem(
                    "demand.csv",
                    line,
                    "avoid",
                    f"same origin, destination, commodity, year and avoid as line {seen[key]}",
                )
            )
        else:
            seen[key] = line


def _check_observations(rows: Mapping[str, _Lined], known: _Known) -> None:
    """Observations name places (fiber nodes for latencies), corridors and scopes that exist."""
    places = {rec.id for _, rec in rows["places.csv"]}
    nodes = {rec.id for _, rec in rows["fiber_nodes.csv"]}
    scope_ids = {
        "corridor": ({rec.id for _, rec in rows["corridors.csv"]}, "corridor (see corridors.csv)"),
        "crossing": (places | {"caspian"}, "crossing (a place id of places.csv, or caspian)"),
        "port": (places | {rec.id for _, rec in rows["oil_nodes.csv"]}, "port (a place or oil node id)"),
        "port_total": (
            {end for _, link in rows["links.csv"] if link.mode in WATER_MODES for end in (link.from_, link.to)}
            | {rec.place for _, rec in rows["oil_nodes.csv"] if rec.kind == "terminal" and rec.place},
            "port (a place with water links, or with an oil terminal: oil_nodes.csv place)",
        ),
        "link": ({rec.id for _, rec in rows["links.csv"]}, "link (see links.csv)"),
        "oil_link": ({rec.id for _, rec in rows["oil_links.csv"]}, "oil link (see oil_links.csv)"),
        "oil_kz": ({rec.id for _, rec in rows["oil_links.csv"]}, "oil link (see oil_links.csv)"),
    }
    corridors = scope_ids["corridor"][0]
    for line, obs in rows["observations.csv"]:
        latency = obs.kind == "rtt_ms"
        ends = nodes if latency else places
        what = "fiber node (see fiber_nodes.csv)" if latency else "place (see places.csv)"
        for column in ("origin", "destination"):
            value = getattr(obs, column)
            if value is not None:
                known("observations.csv", line, column, value, ends, what)
        if obs.corridor is not None:
            known("observations.csv", line, "corridor", obs.corridor, corridors, "corridor (see corridors.csv)")
        prefix, _, ident = (obs.scope or "").partition(":")
        if prefix in scope_ids:
            valid, noun = scope_ids[prefix]
            known("observations.csv", line, "scope", ident, valid, noun)
