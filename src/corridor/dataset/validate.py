"""Validation at the edge: raw table rows in, records or a DatasetError listing every problem out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from corridor.dataset.records import (
    FREIGHT_MODES,
    UNIT_PAYLOAD_KEYS,
    Berth,
    Capacity,
    Corridor,
    DatasetInfo,
    Delay,
    DemandRecord,
    EmissionFactor,
    FiberLink,
    FiberNode,
    FiberRtt,
    Link,
    OilLink,
    OilNode,
    Place,
    Service,
    Source,
    Transfer,
    Weather,
)
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
}
LAYER_TABLES = frozenset({"oil_nodes.csv", "oil_links.csv", "fiber_nodes.csv", "fiber_links.csv", "fiber_rtt.csv"})
OPTIONAL_TABLES = (
    frozenset({"services.csv", "capacities.csv", "demand.csv", "weather.csv", "delays.csv", "berths.csv"})
    | LAYER_TABLES
)


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


def _records(table: RawTable, model: type[M], problems: list[Problem]) -> list[tuple[int, M]]:
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
        data = {key: value for key, value in row.items() if value is not None and value.strip() != ""}
        try:
            out.append((line, model.model_validate(data)))
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
    info: Mapping[str, Any] | None, tables: Mapping[str, RawTable], *, info_file: str = "dataset.yaml"
) -> Tables:
    """Check every table and the references between them; raise DatasetError with all problems found."""
    problems: list[Problem] = []
    parsed_info: DatasetInfo | None = None
    if info is None:
        problems.append(Problem(info_file, None, None, "file is missing"))
    else:
        try:
            parsed_info = DatasetInfo.model_validate(info)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                key = ".".join(str(part) for part in item["loc"])
                problems.append(Problem(info_file, None, key, str(item["msg"]).removeprefix("Value error, ")))
    for name in TABLES:
        if name not in tables and name not in OPTIONAL_TABLES:
            problems.append(Problem(name, None, None, "file is missing"))

    def rows(name: str, model: type[M]) -> list[tuple[int, M]]:
        return _records(tables[name], model, problems) if name in tables else []

    sources = rows("sources.csv", Source)
    corridors = rows("corridors.csv", Corridor)
    factors = rows("emission_factors.csv", EmissionFactor)
    places = rows("places.csv", Place)
    links = rows("links.csv", Link)
    transfers = rows("transfers.csv", Transfer)
    services = rows("services.csv", Service)
    capacities = rows("capacities.csv", Capacity)
    demand = rows("demand.csv", DemandRecord)
    weather = rows("weather.csv", Weather)
    delays = rows("delays.csv", Delay)
    berths = rows("berths.csv", Berth)
    oil_nodes = rows("oil_nodes.csv", OilNode)
    oil_links = rows("oil_links.csv", OilLink)
    fiber_nodes = rows("fiber_nodes.csv", FiberNode)
    fiber_links = rows("fiber_links.csv", FiberLink)
    fiber_rtt = rows("fiber_rtt.csv", FiberRtt)

    for file, recs, what in (
        ("sources.csv", sources, "source"),
        ("corridors.csv", corridors, "corridor"),
        ("emission_factors.csv", factors, "emission factor"),
        ("places.csv", places, "place"),
        ("links.csv", links, "link"),
        ("transfers.csv", transfers, "transfer"),
        ("services.csv", services, "service"),
        ("capacities.csv", capacities, "capacity element"),
        ("demand.csv", demand, "demand record"),
        ("weather.csv", weather, "weather record"),
        ("delays.csv", delays, "delay record"),
        ("berths.csv", berths, "berth record"),
        ("oil_nodes.csv", oil_nodes, "oil node"),
        ("oil_links.csv", oil_links, "oil link"),
        ("fiber_nodes.csv", fiber_nodes, "fiber node"),
        ("fiber_links.csv", fiber_links, "fiber link"),
        ("fiber_rtt.csv", fiber_rtt, "round-trip record"),
    ):
        _duplicates(file, ((line, rec.id) for line, rec in recs), what, problems)

    source_ids = {rec.id for _, rec in sources}
    corridor_ids = {rec.id for _, rec in corridors}
    factor_kind = {rec.id: rec.kind for _, rec in factors}
    place_by_id = {rec.id: rec for _, rec in places}
    link_ids = {rec.id for _, rec in links}

    def known(file: str, line: int, column: str, value: str, valid: Iterable[str], what: str) -> bool:
        if value in valid:
            return True
        name, _, hint = what.partition(" (")
        problems.append(Problem(file, line, column, f"unknown {name} {value!r}" + (f" ({hint}" if hint else "")))
        return False

    if sources:
        for file, recs in (
            ("corridors.csv", corridors),
            ("emission_factors.csv", factors),
            ("places.csv", places),
            ("links.csv", links),
            ("transfers.csv", transfers),
            ("services.csv", services),
            ("capacities.csv", capacities),
            ("demand.csv", demand),
            ("weather.csv", weather),
            ("delays.csv", delays),
            ("berths.csv", berths),
            ("oil_nodes.csv", oil_nodes),
            ("oil_links.csv", oil_links),
            ("fiber_nodes.csv", fiber_nodes),
            ("fiber_links.csv", fiber_links),
            ("fiber_rtt.csv", fiber_rtt),
        ):
            for line, rec in recs:
                for source in rec.source:
                    known(file, line, "source", source, source_ids, "source (see sources.csv)")
        if parsed_info is not None:
            for key in type(parsed_info).model_fields:
                quantity = getattr(parsed_info, key)
                for source in getattr(quantity, "source", []):
                    if source not in source_ids:
                        problems.append(Problem(info_file, None, f"{key}.source", f"unknown source {source!r}"))

    # Place names and aliases must point to one place each, or lookups would be ambiguous.

    owner: dict[str, tuple[str, int]] = {}
    for line, place in places:
        for label in (place.name, *place.aliases):
            key = normalize_name(label)
            if key in owner and owner[key][0] != place.id:
                other, other_line = owner[key]
                problems.append(
                    Problem("places.csv", line, "aliases", f"{label!r} also names {other!r} (line {other_line})")
                )
            owner.setdefault(key, (place.id, line))

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
            if link.emission_factor is None:
                problems.append(
                    Problem("links.csv", line, "emission_factor", "a freight link needs an emission factor")
                )
            elif (
                known("links.csv", line, "emission_factor", link.emission_factor, factor_kind, "emission factor")
                and factor_kind[link.emission_factor] != "transport"
            ):
                problems.append(
                    Problem("links.csv", line, "emission_factor", f"{link.emission_factor!r} is a hub factor")
                )
            if link.mode == "pipeline" and set(link.commodities) - {"liquid_bulk"}:
                problems.append(Problem("links.csv", line, "commodities", "a pipeline carries liquid_bulk only"))

    seen_transfer: dict[tuple[str, str, str, str], int] = {}
    for line, transfer in transfers:
        if not known("transfers.csv", line, "place", transfer.place, place_by_id, "place (see places.csv)"):
            continue
        at = layers_at.get(transfer.place, set())
        for column in ("from_layer", "to_layer"):
            layer = getattr(transfer, column)
            if layer != "gate" and layer not in at:
                valid = ", ".join(sorted(at | {"gate"}))
                problems.append(
                    Problem(
                        "transfers.csv",
                        line,
                        column,
                        f"no {layer!r} link touches {transfer.place!r}; layers there: {valid}",
                    )
                )
        transfer_key = (transfer.place, transfer.from_layer, transfer.to_layer, transfer.kind)
        if transfer_key in seen_transfer:
            problems.append(
                Problem(
                    "transfers.csv", line, "kind", f"same place, layers and kind as line {seen_transfer[transfer_key]}"
                )
            )
        seen_transfer.setdefault(transfer_key, line)
        if (
            transfer.emission_factor is not None
            and known(
                "transfers.csv", line, "emission_factor", transfer.emission_factor, factor_kind, "emission factor"
            )
            and factor_kind[transfer.emission_factor] != "hub"
        ):
            problems.append(
                Problem(
                    "transfers.csv",
                    line,
                    "emission_factor",
                    f"{transfer.emission_factor!r} is not a hub factor",
                )
            )

    for line, service in services:
        for link_id in service.links:
            known("services.csv", line, "links", link_id, link_ids, "link (see links.csv)")
    counts = Counter(link_id for _, service in services for link_id in service.links)
    for link_id, count in counts.items():
        if count > 1:
            problems.append(Problem("services.csv", None, "links", f"link {link_id!r} is in {count} services"))

    _check_capacities(capacities, links, transfers, services, parsed_info, info_file, problems)
    _check_demand(demand, place_by_id, problems)
    _check_variability(weather, delays, link_ids, problems)
    for line, corridor_rec in corridors:
        for cut_item in corridor_rec.cut:
            kind, _, name = cut_item.partition(":")
            if kind == "link" and name not in link_ids:
                problems.append(Problem("corridors.csv", line, "cut", f"unknown link {name!r} (see links.csv)"))
    service_ids = {rec.id for _, rec in services}
    served: dict[tuple[str, str], int] = {}
    for line, berth in berths:
        known("berths.csv", line, "place", berth.place, place_by_id, "place (see places.csv)")
        for service_id in berth.services:
            if known("berths.csv", line, "services", service_id, service_ids, "service (see services.csv)"):
                if (berth.place, service_id) in served:
                    first = served[(berth.place, service_id)]
                    problems.append(
                        Problem(
                            "berths.csv", line, "services", f"{service_id!r} already has berths here (line {first})"
                        )
                    )
                served.setdefault((berth.place, service_id), line)

    _check_layers(oil_nodes, oil_links, fiber_nodes, fiber_links, fiber_rtt, place_by_id, known)
    if problems or parsed_info is None:
        raise DatasetError(problems)

    def strip(recs: Sequence[tuple[int, M]]) -> tuple[M, ...]:
        return tuple(rec for _, rec in recs)

    return Tables(
        info=parsed_info,
        sources=strip(sources),
        corridors=strip(corridors),
        emission_factors=strip(factors),
        places=strip(places),
        links=strip(links),
        transfers=strip(transfers),
        services=strip(services),
        capacities=strip(capacities),
        demand=strip(demand),
        weather=strip(weather),
        delays=strip(delays),
        berths=strip(berths),
        oil_nodes=strip(oil_nodes),
        oil_links=strip(oil_links),
        fiber_nodes=strip(fiber_nodes),
        fiber_links=strip(fiber_links),
        fiber_rtt=strip(fiber_rtt),
    )


def _check_layers(
    oil_nodes: Sequence[tuple[int, OilNode]],
    oil_links: Sequence[tuple[int, OilLink]],
    fiber_nodes: Sequence[tuple[int, FiberNode]],
    fiber_links: Sequence[tuple[int, FiberLink]],
    fiber_rtt: Sequence[tuple[int, FiberRtt]],
    place_by_id: Mapping[str, Any],
    known: Any,
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
