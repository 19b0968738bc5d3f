"""Electrification by scenario: a link's emission factor set in a scenario or in changes.csv, checked by name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from corridor.dataset.network import Network
from corridor.dataset.observation_records import YearChange
from corridor.errors import InvalidOptionError, ScenarioError
from corridor.routing.search import route
from corridor.scenarios.apply import apply_scenario
from corridor.scenarios.files import load_scenario
from corridor.scenarios.years import network_of_year, year_scenario


def rail_leg_kg(network: Network, origin: str, destination: str) -> float:
    (leg,) = [leg for leg in route(network, origin, destination).legs if leg.kind == "move"]
    return leg.co2e_kg


def test_the_library_scenario_electrifies_dostyk_moyinty(eurasia: Network) -> None:
    scenario = load_scenario("kz-electrification-moyinty-aktogay", eurasia)
    electrified = apply_scenario(eurasia, scenario)
    assert electrified.link_by_id["dostyk-moyinty"].emission_factor == "rail-electric-kz"
    assert eurasia.link_by_id["dostyk-moyinty"].emission_factor == "rail-diesel"
    # an FEU of 20 t over 836 km: 40.0 g/tkm diesel, 29.1 g/tkm on the Kazakh grid (41.5 Wh x about 700 g/kWh)
    assert rail_leg_kg(eurasia, "Dostyk", "Moyinty") == pytest.approx(20 * 836 * 40.0 / 1000)
    assert rail_leg_kg(electrified, "Dostyk", "Moyinty") == pytest.approx(20 * 836 * 29.1 / 1000)
    # the rest of the Kazakh network stays diesel
    assert rail_leg_kg(electrified, "Beyneu", "Aktau") == rail_leg_kg(eurasia, "Beyneu", "Aktau")
    kz = eurasia.factor_by_id["rail-electric-kz"]
    assert kz.energy == "electricity" and kz.ttw == 0 and kz.estimated
    assert set(kz.source) <= set(eurasia.source_by_id)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "electrify.yaml"
    path.write_text("title: Electrify\nsources: [estimate]\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("set:\n  links/dostyk-moyinty:\n    emission_factor: rail-electric-zz\n",
         r"emission_factor: 'rail-electric-zz' is not an id of emission_factors\.csv; closest: rail-electric-"),
        ("set:\n  links/dostyk-moyinty:\n    emission_factor: 3\n", r"3 is not an id of emission_factors\.csv"),
        ("scale:\n  links/dostyk-moyinty:\n    emission_factor: 0.5\n", r"it cannot be scaled"),
        ("set:\n  links/dostyk-moyinty:\n    traction: electric\n", r"no changeable field 'traction'.*emission_factor"),
        # a hub factor on a link: the dataset's own check, placed at the scenario's line
        ("set:\n  links/dostyk-moyinty:\n    emission_factor: hub-rail-terminal\n",
         r"electrify.yaml:5:links/dostyk-moyinty.emission_factor: .hub-rail-terminal. is a hub factor"),
    ],
)  # fmt: skip
def test_bad_factors_are_named(eurasia: Network, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        apply_scenario(eurasia, load_scenario(write(tmp_path, text), eurasia))


def test_a_factor_the_scenario_adds_can_be_named(eurasia: Network, tmp_path: Path) -> None:
    text = (
        "add:\n  emission_factors:\n    - {id: rail-electric-green, kind: transport, description: On wind power,"
        " energy: electricity, ttw: 0, wtw: 0.5, unit: g_per_tkm, quality: modelled, source: estimate,"
        " as_of: 2030, estimated: yes}\n"
        "set:\n  links/dostyk-moyinty:\n    emission_factor: rail-electric-green\n"
    )
    net = apply_scenario(eurasia, load_scenario(write(tmp_path, text), eurasia))
    assert rail_leg_kg(net, "Dostyk", "Moyinty") == pytest.approx(20 * 836 * 0.5 / 1000)


def with_changes(network: Network, *rows: YearChange) -> Network:
    return dataclasses.replace(network, changes=(*network.changes, *rows))


def test_changes_csv_electrifies_a_line_by_year(eurasia: Network) -> None:
    row = YearChange(
        id="dostyk-moyinty-electric",
        years="2024",
        change="set",
        element="links/dostyk-moyinty",
        field="emission_factor",
        value="rail-electric-kz",
        source=["railtech-kz-electrification-2019"],
        as_of="2024",
    )
    net = network_of_year(with_changes(eurasia, row), 2024)
    assert net.link_by_id["dostyk-moyinty"].emission_factor == "rail-electric-kz"
    bad = row.model_copy(update={"value": "rail-electric-zz"})
    message = r"changes\.csv:\d+:value: emission_factor: .rail-electric-zz. is not an id of emission_factors"
    with pytest.raises(ScenarioError, match=message) as error:
        year_scenario(with_changes(eurasia, bad), 2024)
    assert error.value.problems[0].column == "value"


def test_a_factor_cannot_be_swept(eurasia: Network) -> None:
    from corridor.services.sweeps import parse_sweep

    with pytest.raises(InvalidOptionError, match="names a record, not a quantity"):
        parse_sweep(eurasia, "links/dostyk-moyinty.emission_factor=1:2:1")
