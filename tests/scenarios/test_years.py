"""Years as first-class: changes.csv rows applied as the year's scenario, before a scenario's own changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.errors import DatasetError, InvalidOptionError, ScenarioError
from corridor.scenarios.files import load_scenario_text
from corridor.scenarios.years import check_year, dataset_years, network_of_year, with_year, year_scenario
from corridor.services.trips import compare_trip
from fixtures.toy import PROV, with_flow_tables

Rows = list[dict[str, Any]]


def _change(**row: Any) -> dict[str, Any]:
    return {"field": "", "value": "", "from": "", "to": "", **row, **PROV}


CHANGES = [
    _change(
        id="port-2023",
        years="2023",
        change="set",
        element="capacities/c-port",
        field="capacity_per_year",
        value="0.9 Mt",
    ),
    _change(id="rail-2022-2023", years="2022-2023", change="scale", element="links/b*", field="tariff_usd", value="2"),
    _change(
        id="ferry-closed", years="2023", change="close", element="links/cd", **{"from": "2023-03", "to": "2023-04"}
    ),
]


def _with_changes(rows: Rows) -> Callable[[dict[str, Rows], dict[str, Any]], None]:
    def edit(tables: dict[str, Rows], info: dict[str, Any]) -> None:
        with_flow_tables(tables, info)
        tables["changes.csv"] = rows

    return edit


@pytest.fixture
def dated(make_dataset: Callable[..., Path]) -> corridor.Network:
    return corridor.load_network(make_dataset(_with_changes(CHANGES)))


def test_years_are_those_of_demand_and_changes(dated: corridor.Network) -> None:
    assert dataset_years(dated) == (2022, 2023, 2024)
    assert check_year(dated, 2023) == 2023
    with pytest.raises(InvalidOptionError, match=r"No data for year 2019; years with data: 2022, 2023, 2024"):
        check_year(dated, 2019)
    with pytest.raises(InvalidOptionError, match="years with data"):
        network_of_year(dated, 2030)


def test_a_year_sets_scales_and_closes(dated: corridor.Network) -> None:
    from datetime import date

    assert network_of_year(dated, 2023, on=date(2023, 6, 1)).capacity_by_id["c-port"].capacity_per_year == 900_000
    y23 = network_of_year(dated, 2023, on=None)
    # the pattern b* names both links that start at b; each is doubled
    assert y23.link_by_id["bc"].tariff_usd == 2 * dated.link_by_id["bc"].tariff_usd
    assert y23.link_by_id["be"].tariff_usd == 2 * dated.link_by_id["be"].tariff_usd
    assert y23.link_by_id["ab"].tariff_usd == dated.link_by_id["ab"].tariff_usd
    assert "cd" not in y23.link_by_id  # closed (every closure of the year when no day is given)
    # a month bound is its first and last day: the ferry runs in May, not in April
    assert "cd" in network_of_year(dated, 2023, on=date(2023, 5, 1)).link_by_id
    assert "cd" not in network_of_year(dated, 2023, on=date(2023, 4, 30)).link_by_id
    y22 = network_of_year(dated, 2022)
    assert y22.capacity_by_id["c-port"].capacity_per_year == dated.capacity_by_id["c-port"].capacity_per_year
    assert network_of_year(dated, 2024) is dated  # nothing changed that year
    # the changes and observations tables survive the year's scenario
    assert y23.changes == dated.changes


def test_compare_in_a_year_reads_that_years_network(dated: corridor.Network) -> None:
    now, _ = compare_trip(dated, "a", "e", depart="2024-06-15")
    then, _ = compare_trip(dated, "a", "e", year=2022)
    cost = {o.corridor: o.cost_usd for o in now.options}
    cost_then = {o.corridor: o.cost_usd for o in then.options}
    # corridor x pays b-c twice over (+200), y pays b-e twice over (+2000)
    assert cost_then["x"] == pytest.approx(cost["x"] + 200)
    assert cost_then["y"] == pytest.approx(cost["y"] + 2000)
    assert then.depart.startswith("2022-06-15")


def test_a_scenarios_own_change_wins_over_its_years(dated: corridor.Network) -> None:
    text = "title: t\nsources: [toy]\nyear: 2023\nset:\n  capacities/c-port:\n    capacity_per_year: 2 Mt\n"
    scenario = load_scenario_text(text, dated, name="t")
    applied = with_year(dated, scenario)
    values = [c.value for c in applied.changes if c.id == "c-port"]
    assert values == [900_000, 2_000_000]  # the year's first, the scenario's after it (it wins)
    assert applied.closures and applied.closures[0].links == ("cd",)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            _change(
                id="x1", years="2023", change="set", element="capacities/nope", field="capacity_per_year", value="1 Mt"
            ),
            "element",
            "unknown element 'capacities/nope'",
        ),
        (
            _change(
                id="x2", years="2023", change="set", element="capacities/c-port", field="capacity_per_year", value="5"
            ),
            "value",
            "has no unit",
        ),
        (
            _change(id="x3", years="2023", change="set", element="capacities/c-port", field="colour", value="1 Mt"),
            "field",
            "no changeable field 'colour'",
        ),
        (
            _change(id="x4", years="2023", change="scale", element="links/zz*", field="tariff_usd", value="2"),
            "element",
            "matches no links record",
        ),
        (
            _change(id="x5", years="2023", change="scale", element="links/ab", field="tariff_usd", value="two"),
            "value",
            "a scale is a plain number",
        ),
    ],
)
def test_a_bad_change_names_file_line_and_column(
    make_dataset: Callable[..., Path], row: dict[str, Any], column: str, message: str
) -> None:
    net = corridor.load_network(make_dataset(_with_changes([CHANGES[1], row])))
    with pytest.raises(ScenarioError) as caught:
        year_scenario(net, 2023)
    problems = caught.value.problems
    assert any(
        p.file == "changes.csv" and p.line == 3 and p.column == column and message in p.message for p in problems
    ), problems


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            _change(id="y1", years="20x3", change="set", element="capacities/c-port", field="f", value="1"),
            "years",
            "is not a year",
        ),
        (
            _change(id="y2", years="2024-2021", change="set", element="capacities/c-port", field="f", value="1"),
            "years",
            "first before last",
        ),
        (
            _change(id="y3", years="2023", change="raise", element="capacities/c-port", field="f", value="1"),
            "change",
            "set",
        ),
        (
            _change(id="y4", years="2023", change="close", element="capacities/c-port"),
            "element",
            "a closure names links",
        ),
        (
            _change(id="y5", years="2023", change="set", element="c-port", field="f", value="1"),
            "element",
            "is not TABLE/ID",
        ),
        (
            _change(
                id="y6",
                years="2023",
                change="set",
                element="capacities/c-port",
                field="f",
                value="1",
                **{"from": "2023-01-01"},
            ),
            "from",
            "only a closure has a period",
        ),
        (
            _change(id="y7", years="2023", change="close", element="links/cd", **{"from": "March"}),
            "from",
            "is not a date",
        ),
    ],
)
def test_a_malformed_change_row_is_a_dataset_problem(
    make_dataset: Callable[..., Path], row: dict[str, Any], column: str, message: str
) -> None:
    with pytest.raises(DatasetError) as caught:
        corridor.load_network(make_dataset(_with_changes([row])))
    assert any(
        p.file == "changes.csv" and p.line == 2 and p.column == column and message in p.message
        for p in caught.value.problems
    ), caught.value.problems


def test_every_year_of_the_embedded_dataset_applies(eurasia: corridor.Network) -> None:
    years = dataset_years(eurasia)
    assert years[0] <= 2021 and 2024 in years
    for year in years:
        net = network_of_year(eurasia, year)
        assert net.links  # applies and validates
    y22 = network_of_year(eurasia, 2022)
    assert y22.capacity_by_id["btk-line"].capacity_per_year == 1e6
    assert (
        y22.link_by_id["shanghai-rotterdam-suez"].tariff_usd
        > 3 * eurasia.link_by_id["shanghai-rotterdam-suez"].tariff_usd
    )
    assert not {"shanghai-rotterdam-suez"} & set(network_of_year(eurasia, 2024).link_by_id)  # Red Sea closed


def test_year_options_name_the_years_that_exist(make_dataset: Callable[..., Path]) -> None:
    import subprocess
    import sys

    folder = make_dataset(_with_changes(CHANGES))
    for args in (["compare", "a", "e", "--year", "2019"], ["assign", "--year", "2019"]):
        run = subprocess.run(
            [sys.executable, "-m", "corridor", *args, "--network", str(folder)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 2, (args, run.stderr)
        assert "2019" in run.stderr and "2023" in run.stderr and "Traceback" not in run.stderr, run.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "corridor", "compare", "a", "e", "--year", "2022", "--network", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    assert '"year": 2022' in ok.stdout and '"depart": "2022-06-15' in ok.stdout
    # a scenario of the embedded library run in another year (its network and demand as they stood then)
    for year, code in (("2023", 0), ("1999", 2)):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "corridor",
                "scenario",
                "run",
                "base-2024",
                "--year",
                year,
                "--no-store",
                "--samples",
                "120",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == code, run.stderr
        assert (f'"year": {year}' in run.stdout) if code == 0 else ("years with data" in run.stderr)


def test_validate_checks_every_years_changes(make_dataset: Callable[..., Path]) -> None:
    import subprocess
    import sys

    bad = _change(id="neg", years="2022-2023", change="scale", element="links/b*", field="hours", value="-2")
    folder = make_dataset(_with_changes([CHANGES[0], bad]))
    run = subprocess.run(
        [sys.executable, "-m", "corridor", "validate", str(folder)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    # the row's problem once, at its line and the value's column, though its pattern names two links in two years
    assert run.stderr.count("changes.csv:3:value:") == 1, run.stderr
    good = subprocess.run(
        [sys.executable, "-m", "corridor", "validate", str(make_dataset(_with_changes(CHANGES)))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert good.returncode == 0, good.stderr


def test_a_year_changes_the_oil_layer(eurasia: corridor.Network) -> None:
    # changes.csv sets the oil layer's fields in Mt ("5.7 Mt" is stored as 5.7): other shippers and field output
    y25 = network_of_year(eurasia, 2025)
    nodes = {n.id: n for n in y25.oil_nodes}
    links = {x.id: x for x in y25.oil_links}
    assert nodes["tengiz"].production_mt == pytest.approx(36.6)
    assert nodes["tengiz"].production_high_mt == pytest.approx(36.6)  # raised with it, so the record stays valid
    assert links["cpc-russia"].other_use_mt == pytest.approx(5.7)
    base = {x.id: x for x in eurasia.oil_links}
    assert links["atyrau-samara"].other_use_mt == base["atyrau-samara"].other_use_mt  # untouched rows stay
    assert {x.id: x for x in network_of_year(eurasia, 2023).oil_links}["beyneu-aktau"].other_use_mt == 1.984


def test_an_oil_change_takes_tonnes_in_its_units(eurasia: corridor.Network) -> None:
    from corridor.scenarios.quantities import parse_quantity

    assert parse_quantity("5.7 Mt", "megatonnes_per_year") == pytest.approx(5.7)
    assert parse_quantity("250 kt", "megatonnes_per_year") == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"has unit 'TEU'; give one of: t, kt, Mt"):
        parse_quantity("5 TEU", "megatonnes_per_year")
