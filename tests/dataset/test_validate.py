"""Malformed datasets: every problem reported with file, line and column; nothing loads half-way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.errors import DatasetError
from fixtures.toy import with_flow_tables, with_reliability_tables


def set_cell(table: str, row: int, column: str, value: Any) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        tables[table][row][column] = value

    return edit


def drop_column(table: str, column: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        for row in tables[table]:
            row.pop(column, None)

    return edit


def duplicate_row(table: str, row: int) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        tables[table].append(dict(tables[table][row]))

    return edit


CASES = [
    # (edit, expected text in the message)
    (set_cell("links.csv", 1, "distance_km", -5), r"links\.csv:3:distance_km: .*greater than 0"),
    (set_cell("links.csv", 0, "to", "zulu"), r"links\.csv:2:to: unknown place 'zulu'"),
    (set_cell("links.csv", 0, "mode", "zeppelin"), r"links\.csv:2:mode: 'zeppelin'.*'rail'"),
    (drop_column("links.csv", "distance_km"), r"links\.csv:1:distance_km: missing column 'distance_km'"),
    (duplicate_row("places.csv", 1), r"places\.csv:7:id: duplicate place 'b' \(first at line 3\)"),
    (set_cell("places.csv", 0, "country", "XX"), r"places\.csv:2:country: 'XX' is not an ISO 3166-1 alpha-2"),
    (set_cell("places.csv", 0, "lat", 95), r"places\.csv:2:lat: .*less than or equal to 90"),
    (set_cell("places.csv", 0, "locode", "bad"), r"places\.csv:2:locode: 'bad' is not a UN/LOCODE"),
    (set_cell("places.csv", 1, "as_of", "last year"), r"places\.csv:3:as_of: 'last year' is not a date"),
    (set_cell("places.csv", 1, "source", ""), r"places\.csv:3:source"),
    (set_cell("places.csv", 1, "source", "nowhere"), r"places\.csv:3:source: unknown source 'nowhere'"),
    (set_cell("places.csv", 1, "aliases", "Alpha"), r"places\.csv:3:aliases: 'Alpha' also names 'a'"),
    (set_cell("links.csv", 0, "gauge", ""), r"links\.csv:2:gauge: a rail link needs a gauge"),
    (set_cell("links.csv", 2, "gauge", 1520), r"links\.csv:4:gauge: only rail links have a gauge"),
    (
        set_cell("links.csv", 0, "tariff_low_usd", 500),
        r"links\.csv:2:tariff_usd: need tariff_low_usd <= tariff_usd",
    ),
    (set_cell("links.csv", 0, "corridors", "x;zz"), r"links\.csv:2:corridors: unknown corridor 'zz'"),
    (set_cell("links.csv", 0, "passages", "panama"), r"links\.csv:2:passages: unknown passage 'panama'"),
    (
        set_cell("links.csv", 0, "emission_factor", "hub"),
        r"links\.csv:2:emission_factor: 'hub' is a hub factor",
    ),
    (set_cell("links.csv", 0, "speed_kmh", ""), r"links\.csv:2:speed_kmh: give speed_kmh or hours"),
    (
        set_cell("transfers.csv", 0, "hours_low", 9),
        r"transfers\.csv:2:hours_low: need hours_low <= hours_typical",
    ),
    (
        set_cell("transfers.csv", 0, "to_layer", "sea"),
        r"transfers\.csv:2:to_layer: no 'sea' link touches 'b'",
    ),
    (set_cell("transfers.csv", 0, "to_layer", "hovercraft"), r"transfers\.csv:2:to_layer: unknown layer"),
    (
        set_cell("transfers.csv", 0, "cost_usd", -1),
        r"transfers\.csv:2:cost_usd: .*greater than or equal to 0",
    ),
    (set_cell("services.csv", 0, "links", "nope"), r"services\.csv:2:links: unknown link 'nope'"),
    (set_cell("services.csv", 0, "departures_per_week", 0), r"services\.csv:2:departures_per_week"),
    (
        set_cell("emission_factors.csv", 0, "wtw", 1),
        r"emission_factors\.csv:2:wtw: well-to-wheel 1\.0 is below",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_problem_is_named(make_dataset: Callable[..., Path], edit: Any, expected: str) -> None:
    folder = make_dataset(edit)
    with pytest.raises(DatasetError, match=expected):
        corridor.load_network(folder)


def test_every_problem_is_listed_at_once(make_dataset: Callable[..., Path]) -> None:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        tables["links.csv"][0]["distance_km"] = -1
        tables["links.csv"][1]["to"] = "nowhere"
        tables["places.csv"][2]["country"] = "ZZ"

    with pytest.raises(DatasetError) as caught:
        corridor.load_network(make_dataset(edit))
    where = {(p.file, p.line, p.column) for p in caught.value.problems}
    assert {("links.csv", 2, "distance_km"), ("links.csv", 3, "to"), ("places.csv", 4, "country")} <= where


def test_missing_files_and_bad_yaml(make_dataset: Callable[..., Path]) -> None:
    folder = make_dataset()
    (folder / "links.csv").unlink()
    (folder / "dataset.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        corridor.load_network(folder)
    text = str(caught.value)
    assert "links.csv: file is missing" in text
    assert "dataset.yaml:1: not valid YAML" in text


def test_dataset_yaml_missing_key(make_dataset: Callable[..., Path]) -> None:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        del info["payload_t_per_feu"]

    with pytest.raises(DatasetError, match=r"dataset\.yaml:payload_t_per_feu: Field required"):
        corridor.load_network(make_dataset(edit))


def test_dataset_yaml_sources_are_checked(make_dataset: Callable[..., Path]) -> None:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        info["carbon_price_usd_per_t"]["source"] = ["nowhere"]

    with pytest.raises(DatasetError, match=r"dataset\.yaml:carbon_price_usd_per_t\.source: unknown source 'nowhere'"):
        corridor.load_network(make_dataset(edit))


# --- capacities.csv and demand.csv (optional tables) ----------------------------------------------------------------


def flow(*edits: Callable[[dict[str, Any], dict[str, Any]], None]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """The toy dataset with its capacities.csv and demand.csv, then ``edits``."""

    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        with_flow_tables(tables, info)
        for each in edits:
            each(tables, info)

    return edit


def drop_info(key: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        del info[key]

    return edit


FLOW_CASES = [
    # capacities.csv: line 2 is the port at C (transfer), line 3 the ferry service
    (
        flow(set_cell("capacities.csv", 0, "elements", "c-port;nope")),
        r"capacities\.csv:2:elements: unknown transfer 'nope' \(see transfers\.csv\)",
    ),
    (
        flow(set_cell("capacities.csv", 0, "element_type", "link")),
        r"capacities\.csv:2:elements: unknown link 'c-port'; 'c-port' is a transfer",
    ),
    (flow(set_cell("capacities.csv", 1, "element_type", "port")), r"capacities\.csv:3:element_type: 'port'"),
    (flow(set_cell("capacities.csv", 1, "elements", "")), r"capacities\.csv:3:elements: Field required"),
    (flow(set_cell("capacities.csv", 0, "vdf", "akcelik")), r"capacities\.csv:2:vdf: 'akcelik'.*'bpr'"),
    (
        flow(set_cell("capacities.csv", 0, "vdf", "conical"), set_cell("capacities.csv", 0, "alpha", 1)),
        r"capacities\.csv:2:alpha: a conical function needs alpha > 1, got 1\.0",
    ),
    (
        flow(set_cell("capacities.csv", 0, "beta", 1.2)),
        r"capacities\.csv:2:beta: a queue function needs 0 < beta < 1",
    ),
    (flow(set_cell("capacities.csv", 0, "beta", 0)), r"capacities\.csv:2:beta: a queue function needs 0 < beta < 1"),
    (flow(set_cell("capacities.csv", 1, "alpha", -0.1)), r"capacities\.csv:3:alpha: a bpr function needs alpha >= 0"),
    (
        flow(drop_info("payload_t_per_wagon")),
        r"capacities\.csv:3:capacity_unit: 'wagons' has no conversion into tonnes: add payload_t_per_wagon to "
        r"dataset\.yaml",
    ),
    (
        flow(set_cell("capacities.csv", 0, "capacity_unit", "trains")),
        r"capacities\.csv:2:capacity_unit: 'trains' has no conversion into tonnes: add payload_t_per_train",
    ),
    (flow(set_cell("capacities.csv", 0, "capacity_unit", "boxes")), r"capacities\.csv:2:capacity_unit: 'boxes'"),
    (flow(set_cell("capacities.csv", 0, "capacity_per_year", 0)), r"capacities\.csv:2:capacity_per_year: .*greater"),
    (
        flow(set_cell("capacities.csv", 0, "capacity_per_year", "nan")),
        r"capacities\.csv:2:capacity_per_year: 'nan': Input should be a finite number",
    ),
    (
        flow(set_cell("capacities.csv", 0, "capacity_low", 2000000)),
        r"capacities\.csv:2:capacity_per_year: need capacity_low <= capacity_per_year <= capacity_high",
    ),
    (flow(set_cell("capacities.csv", 0, "t0_hours", -1)), r"capacities\.csv:2:t0_hours: .*greater than or equal to 0"),
    (flow(set_cell("capacities.csv", 0, "commodities", "coal")), r"capacities\.csv:2:commodities: unknown commodity"),
    (
        flow(set_cell("capacities.csv", 1, "id", "c-port")),
        r"capacities\.csv:3:id: duplicate capacity element 'c-port' \(first at line 2\)",
    ),
    (flow(set_cell("capacities.csv", 0, "source", "nowhere")), r"capacities\.csv:2:source: unknown source 'nowhere'"),
    # demand.csv: line 2 A-E containers 2024, line 3 the same avoiding RU, line 4 dry bulk 2023
    (flow(set_cell("demand.csv", 0, "tonnes_per_year", -5)), r"demand\.csv:2:tonnes_per_year: .*greater than or equal"),
    (
        flow(set_cell("demand.csv", 2, "tonnes_per_year", "NaN")),
        r"demand\.csv:4:tonnes_per_year: 'NaN': Input should be a finite number",
    ),
    (
        flow(set_cell("demand.csv", 0, "tonnes_high", 90000)),
        r"demand\.csv:2:tonnes_per_year: need tonnes_low <= tonnes_per_year <= tonnes_high",
    ),
    (flow(set_cell("demand.csv", 0, "origin", "zulu")), r"demand\.csv:2:origin: unknown place 'zulu'"),
    (flow(set_cell("demand.csv", 2, "destination", "Echo")), r"demand\.csv:4:destination: unknown place 'Echo'"),
    (flow(set_cell("demand.csv", 1, "avoid", "RU;XX")), r"demand\.csv:3:avoid: cannot avoid 'XX': not an ISO"),
    (flow(set_cell("demand.csv", 1, "avoid", "CN")), r"demand\.csv:3:avoid: the row avoids CN, where its origin is"),
    (
        flow(set_cell("demand.csv", 1, "avoid", "")),
        r"demand\.csv:3:avoid: same origin, destination, commodity, year and avoid as line 2",
    ),
    (
        flow(set_cell("demand.csv", 0, "avoid", "suez;ru"), set_cell("demand.csv", 1, "avoid", "RU,SUEZ")),
        r"demand\.csv:3:avoid: same origin, destination, commodity, year and avoid as line 2",
    ),
    (flow(set_cell("demand.csv", 0, "destination", "a")), r"demand\.csv:2:destination: the same place as the origin"),
    (flow(set_cell("demand.csv", 0, "commodity", "coal")), r"demand\.csv:2:commodity: 'coal'"),
    (flow(set_cell("demand.csv", 0, "year", "2024.5")), r"demand\.csv:2:year: '2024\.5'"),
    (flow(set_cell("demand.csv", 2, "id", "ae-2024")), r"demand\.csv:4:id: duplicate demand record 'ae-2024'"),
    (flow(set_cell("demand.csv", 0, "as_of", "")), r"demand\.csv:2:as_of: Field required"),
]


@pytest.mark.parametrize(("edit", "expected"), FLOW_CASES)
def test_flow_table_problem_is_named(make_dataset: Callable[..., Path], edit: Any, expected: str) -> None:
    with pytest.raises(DatasetError, match=expected):
        corridor.load_network(make_dataset(edit))


def test_flow_tables_are_optional_and_load(make_dataset: Callable[..., Path]) -> None:
    plain = corridor.load_network(make_dataset())
    assert plain.capacities == () and plain.demand == () and plain.demand_years == ()
    net = corridor.load_network(make_dataset(flow()))
    assert [c.id for c in net.capacities] == ["c-port", "ferry"]
    assert net.demand_years == (2023, 2024)


@pytest.mark.parametrize(
    "token", ["RU", "ru", "IR", "suez", "SUEZ", "red-sea", "caspian", "sea", "Rail", "ferry", "XX", "zz", "hovercraft"]
)
def test_avoid_tokens_read_as_routing_reads_them(token: str) -> None:
    """The demand table accepts exactly the tokens that ``corridor route --avoid`` accepts."""
    from corridor.dataset.avoid import parse_avoid
    from corridor.dataset.vocab import normalize_avoid_token
    from corridor.errors import InvalidOptionError

    try:
        rules = parse_avoid(token)
    except InvalidOptionError:
        with pytest.raises(ValueError, match="cannot avoid"):
            normalize_avoid_token(token)
        return
    normalized = normalize_avoid_token(token)
    assert normalized in rules.countries | rules.passages | rules.modes
    assert parse_avoid(normalized) == rules


def rel(*edits: Callable[[dict[str, Any], dict[str, Any]], None]) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    """The toy dataset with weather.csv, delays.csv and berths.csv, then ``edits``."""

    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        with_reliability_tables(tables, info)
        for each in edits:
            each(tables, info)

    return edit


RELIABILITY_CASES = [
    (rel(set_cell("weather.csv", 0, "closed_probability", 1.5)), r"weather\.csv:2:closed_probability: .*less than or"),
    (rel(set_cell("weather.csv", 0, "closed_probability", -0.1)), r"weather\.csv:2:closed_probability: .*greater"),
    (
        rel(set_cell("weather.csv", 0, "hours_low", 100)),
        r"weather\.csv:2:hours_typical: need hours_low <= hours_typical <= hours_high, got 100\.0, 24\.0, 72\.0",
    ),
    (rel(set_cell("weather.csv", 0, "hours_low", -3)), r"weather\.csv:2:hours_low: .*greater than or equal to 0"),
    (rel(set_cell("weather.csv", 0, "months", "Nov;Smarch")), r"weather\.csv:2:months: unknown month 'Smarch'"),
    (rel(set_cell("weather.csv", 0, "links", "cd;zz")), r"weather\.csv:2:links: unknown link 'zz'"),
    (
        rel(duplicate_row("weather.csv", 0), set_cell("weather.csv", 1, "id", "again")),
        r"weather\.csv:3:months: link 'cd' already has a closure rule for Nov \(line 2\)",
    ),
    (
        rel(set_cell("weather.csv", 0, "distribution", "lognormal"), set_cell("weather.csv", 0, "hours_typical", 12)),
        r"weather\.csv:2:distribution: a lognormal needs low < typical < high",
    ),
    (
        rel(set_cell("weather.csv", 0, "distribution", "empirical")),
        r"weather\.csv:2:hours_samples: an empirical distribution needs the observed values",
    ),
    (
        rel(
            set_cell("weather.csv", 0, "distribution", "empirical"), set_cell("weather.csv", 0, "hours_samples", "5;-2")
        ),
        r"weather\.csv:2:hours_samples: durations cannot be negative, got -2",
    ),
    (rel(set_cell("weather.csv", 0, "distribution", "gamma")), r"weather\.csv:2:distribution: 'gamma'"),
    (rel(set_cell("delays.csv", 0, "factor_low", 0)), r"delays\.csv:2:factor_low: .*greater than 0"),
    (rel(set_cell("delays.csv", 0, "factor_high", 0.95)), r"delays\.csv:2:factor_typical: need factor_low <="),
    (rel(set_cell("delays.csv", 0, "modes", "")), r"delays\.csv:2:modes: give the modes or the links"),
    (rel(set_cell("delays.csv", 0, "links", "ab")), r"delays\.csv:2:links: give either links, or modes"),
    (rel(set_cell("delays.csv", 0, "modes", "teleport")), r"delays\.csv:2:modes: unknown mode 'teleport'"),
    (
        rel(set_cell("delays.csv", 1, "countries", "")),
        r"delays\.csv:3:id: mode 'rail' already has a running-time factor \(line 2\)",
    ),
    (rel(set_cell("berths.csv", 0, "place", "zulu")), r"berths\.csv:2:place: unknown place 'zulu'"),
    (rel(set_cell("berths.csv", 0, "services", "nope")), r"berths\.csv:2:services: unknown service 'nope'"),
    (rel(set_cell("berths.csv", 0, "berths", 0)), r"berths\.csv:2:berths: .*greater than or equal to 1"),
    # services.csv: timetables
    (set_cell("services.csv", 0, "weekdays", "Mon;Thu"), r"services\.csv:2:weekdays: 2 weekday\(s\) listed but"),
    (set_cell("services.csv", 0, "weekdays", "Mon;Mon"), r"services\.csv:2:weekdays: listed more than once"),
    (set_cell("services.csv", 0, "max_wait_hours", 30), r"services\.csv:2:max_wait_hours: applies to services that"),
    (set_cell("services.csv", 0, "departs", "sometimes"), r"services\.csv:2:departs: 'sometimes'"),
    (set_cell("services.csv", 0, "departure_hour", 24), r"services\.csv:2:departure_hour: .*less than 24"),
    (set_cell("services.csv", 0, "departures_per_week", -1), r"services\.csv:2:departures_per_week: .*greater than 0"),
    (
        set_cell("transfers.csv", 0, "distribution", "empirical"),
        r"transfers\.csv:2:hours_samples: an empirical distribution needs",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), RELIABILITY_CASES)
def test_reliability_table_problem_is_named(make_dataset: Callable[..., Path], edit: Any, expected: str) -> None:
    with pytest.raises(DatasetError, match=expected):
        corridor.load_network(make_dataset(edit))


def test_reliability_tables_are_optional_and_load(make_dataset: Callable[..., Path]) -> None:
    plain = corridor.load_network(make_dataset())
    assert plain.weather == () and plain.delays == () and plain.berths == ()
    net = corridor.load_network(make_dataset(rel()))
    assert [w.id for w in net.weather] == ["storms"] and net.weather[0].months == ["Nov", "Dec"]
    assert [d.specificity for d in net.delays] == [0, 1] and net.berths[0].berths == 2
