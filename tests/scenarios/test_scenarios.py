"""Scenario files: units, inheritance and composition, policies, closures; bad files named by file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError, ScenarioError
from corridor.scenarios.apply import apply_scenario
from corridor.scenarios.files import library_names, load_scenario
from corridor.scenarios.quantities import parse_quantity

LIBRARY = {
    "base-2024",
    "no-black-sea-cable",
    "caspian-cable-2030",
    "ktz-locomotives-2028",
    "kz-electrification-moyinty-aktogay",
    "red-sea-open",
    "alat-expansion",
    "aktau-container-hub",
    "kuryk-6mt",
    "btk-5mt",
    "dostyk-moyinty-second-track",
    "unified-tariff",
    "digital-corridor",
    "red-sea-closed",
    "northern-closed",
    "demand-2030",
    "roadmap-2027",
}


HEAD = "title: X\nsources: [estimate]\n"


def kuryk(mt: float) -> str:
    """A set: block giving Kuryk port a capacity of ``mt`` Mt."""
    return f"set:\n  capacities/kuryk-port:\n    capacity_per_year: {mt:g} Mt\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "dimension", "value"),
    [
        ("6 Mt", "tonnes_per_year", 6e6),
        ("250 kt", "tonnes_per_year", 2.5e5),
        ("500000 TEU", "teu_per_year", 5e5),
        ("500k TEU", "teu_per_year", 5e5),
        ("1,200 TEU", "teu_per_year", 1200),
        ("12 h", "hours", 12),
        ("2 d", "hours", 48),
        ("USD 250", "usd", 250),
        ("250 USD", "usd", 250),
        ("14 /week", "per_week", 14),
        ("2 /day", "per_week", 14),
        ("50 %", "fraction", 0.5),
        ("62.5 km/h", "km_per_h", 62.5),
        (1.5, "count", 1.5),
    ],
)
def test_quantities_convert(text: Any, dimension: str, value: float) -> None:
    assert parse_quantity(text, dimension) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "dimension", "message"),
    [
        (6000000, "tonnes_per_year", r"has no unit; give one of: t, kt, Mt \(e\.g\. 6 Mt\)"),
        ("6 TEU", "tonnes_per_year", r"has unit 'TEU'; give one of"),
        ("twelve hours", "hours", r"not a number with a unit"),
        ("12 h", "count", r"a plain number is expected"),
    ],
)
def test_bad_quantities_name_the_units(text: Any, dimension: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_quantity(text, dimension)


#: library scenarios of 2030 (the power layer's cables, and the demand of 2030)
YEAR_2030 = {"demand-2030", "no-black-sea-cable", "caspian-cable-2030"}


def test_library_loads_and_applies(eurasia: Network) -> None:
    assert set(library_names()) == LIBRARY
    for name in library_names():
        scenario = load_scenario(name, eurasia)
        assert scenario.sources and scenario.year == (2030 if name in YEAR_2030 else 2024)
        assert all(s in eurasia.source_by_id for s in scenario.sources)
        apply_scenario(eurasia, scenario)


def test_an_empty_scenario_changes_nothing(eurasia: Network, tmp_path: Path) -> None:
    same = apply_scenario(
        eurasia, load_scenario(write(tmp_path, "same", "title: Same\nsources: [estimate]\n"), eurasia)
    )
    for attr in ("places", "links", "transfers", "services", "capacities", "demand", "weather", "delays", "berths"):
        assert getattr(same, attr) == getattr(eurasia, attr), attr
    assert same.info == eurasia.info


def test_changes_policies_and_composition(eurasia: Network) -> None:
    def applied(name: str) -> Network:
        return apply_scenario(eurasia, load_scenario(name, eurasia))

    assert applied("kuryk-6mt").capacity_by_id["kuryk-port"].capacity_per_year == 6e6
    assert applied("base-2024").capacity_by_id["btk-line"].capacity_per_year == pytest.approx(3.67e6)
    # roadmap-2027 composes every plan: btk-5mt's 5 Mt overrides the 3.67 Mt all the bases inherit
    roadmap = applied("roadmap-2027")
    assert roadmap.capacity_by_id["btk-line"].capacity_per_year == 5e6
    assert roadmap.capacity_by_id["alat-port"].capacity_per_year == 25e6
    digital = applied("digital-corridor").transfer_by_id["akhalkalaki-border"]
    before = eurasia.transfer_by_id["akhalkalaki-border"]
    assert (digital.hours_low, digital.hours_typical, digital.hours_high) == pytest.approx(
        (before.hours_low / 2, before.hours_typical / 2, before.hours_high / 2)
    )
    tariff = applied("unified-tariff")
    assert tariff.transfer_by_id["aktau-feeder"].cost_usd == eurasia.transfer_by_id["aktau-feeder"].cost_usd / 2
    link = tariff.link_by_id["zhezkazgan-beyneu"]
    assert link.tariff_usd == pytest.approx(0.30 * link.distance_km)
    assert tariff.link_by_id["xian-lanzhou"] == eurasia.link_by_id["xian-lanzhou"]  # China did not sign


def test_rows_a_scenario_leaves_keep_their_records_and_validate_as_before(
    eurasia: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridor.dataset.validate import validate_tables
    from corridor.scenarios.apply import _raw_tables, network_rows

    rows = network_rows(eurasia)
    assert network_rows(eurasia) is rows  # once per network
    raw, _ = _raw_tables({table: dict(by_id) for table, by_id in rows.rows.items()}, {})
    info = eurasia.info.model_dump(exclude_none=True)
    # the records taken for known rows are those a fresh validation of every row gives
    assert validate_tables(info, raw, known=rows.records) == validate_tables(info, raw)
    tariff = apply_scenario(eurasia, load_scenario("unified-tariff", eurasia))
    # a row the scenario left is its record as it was; one it changed is validated anew
    assert tariff.link_by_id["xian-lanzhou"] is eurasia.link_by_id["xian-lanzhou"]
    assert tariff.link_by_id["zhezkazgan-beyneu"] is not eurasia.link_by_id["zhezkazgan-beyneu"]
    # and the changed network is the one validating every row gives
    import corridor.dataset.validate as validate

    every_row = validate.validate_tables

    def without_known(*args: Any, **kwargs: Any) -> Any:
        return every_row(*args, **{**kwargs, "known": None})

    monkeypatch.setattr(validate, "validate_tables", without_known)
    fresh = apply_scenario(eurasia, load_scenario("unified-tariff", eurasia))
    assert fresh.link_by_id["xian-lanzhou"] is not eurasia.link_by_id["xian-lanzhou"]  # validated anew, this time
    for attr in ("places", "links", "transfers", "services", "capacities", "demand", "changes", "oil_links"):
        assert getattr(fresh, attr) == getattr(tariff, attr), attr


def test_closures_remove_what_they_close(eurasia: Network) -> None:
    red_sea = apply_scenario(eurasia, load_scenario("red-sea-closed", eurasia))
    assert not any("red-sea" in link.passages for link in red_sea.links)
    options = corridor.compare(red_sea, "Shanghai", "Rotterdam")
    assert "maritime-suez" in options.unavailable and "maritime-cape" in {o.corridor for o in options.options}
    northern = apply_scenario(eurasia, load_scenario("northern-closed", eurasia))
    assert not any(eurasia.place_by_id[link.to].country in ("RU", "BY") for link in northern.links)


def test_inheritance_overrides_and_demand_scales(eurasia: Network, tmp_path: Path) -> None:
    write(
        tmp_path,
        "parent",
        "title: P\nsources: [estimate]\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 5 Mt\n",
    )
    child = write(
        tmp_path,
        "child",
        "title: C\nbase: parent.yaml\n" + kuryk(5.5) + "demand:\n  scale: 2\n",
    )
    scenario = load_scenario(child, eurasia)
    net = apply_scenario(eurasia, scenario)
    assert net.capacity_by_id["kuryk-port"].capacity_per_year == 5.5e6
    assert sum(d.tonnes_per_year for d in net.demand) == pytest.approx(
        2 * sum(d.tonnes_per_year for d in eurasia.demand)
    )


BAD = [
    ("title: X\nsources: [estimate]\nset:\n  capacities/kuryk-prt:\n    capacity_per_year: 6 Mt\n",
     r"bad\.yaml:4:set\.capacities/kuryk-prt: unknown element 'capacities/kuryk-prt'; closest: kuryk-port"),
    ("title: X\nsources: [estimate]\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 6000000\n",
     r"bad\.yaml:5:set\.capacities/kuryk-port\.capacity_per_year: capacity_per_year: 6000000 has no unit"),
    ("title: X\nsources: [estimate]\nset:\n  capacities/alat-containers:\n    capacity_per_year: 5 Mt\n",
     r"bad\.yaml:5:.*'5 Mt' has unit 'Mt'; give one of: TEU, k TEU"),
    ("title: X\nsources: [estimate]\nset:\n  capacities/kuryk-port:\n    volume: 6 Mt\n",
     r"bad\.yaml:5:.*capacities has no changeable field 'volume'"),
    ("title: X\nsources: [estimate]\nset:\n  transfers/aktau-ferry:\n    cost_usd: USD 100\n"
     "policies:\n  fee_cut:\n    transfers: [aktau-ferry]\n    share: 50 %\n",
     r"bad\.yaml:7:transfers/aktau-ferry\.cost_usd: conflicting changes: also changed by bad: set \(line 5\)"),
    ("title: X\nsources: [nowhere]\n", r"bad\.yaml:2:sources\.0: unknown source 'nowhere'"),
    ("title: X\nsources: [estimate]\ncolour: red\n", r"bad\.yaml:3:colour: unknown key 'colour'"),
    ("title: X\nsources: [estimate]\nbase: nothing-like-it\n", r"bad\.yaml:3:base: Unknown scenario 'nothing-like-it'"),
    ("title: X\nsources: [estimate]\nclose:\n  - passages: [panama]\n",
     r"bad\.yaml:4:close\.0\.passages\.0: unknown passage 'panama'"),
    ("title: X\nsources: [estimate]\nclose:\n  - links: [aktau-alat-ferry]\n    from: 2024-05-01\n    to: 2024-04-01\n",
     r"bad\.yaml:6:close\.0\.to: 2024-04-01 is before from: 2024-05-01"),
    (HEAD + "demand:\n  scale: -1\n", r"bad\.yaml:4:demand\.scale: a scale is a plain number >= 0"),
    (HEAD + "policies:\n  free_lunch: {}\n", r"bad\.yaml:4:policies\.free_lunch: unknown policy"),
    ("title: X\nsources: [estimate]\nset: [1, 2\n", r"bad\.yaml:4: not valid YAML"),
    ("sources: [estimate]\n", r"bad\.yaml:1: missing key 'title'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_scenario_is_named(eurasia: Network, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, "bad", text), eurasia)


def test_inheritance_cycle_and_base_conflict(eurasia: Network, tmp_path: Path) -> None:
    write(tmp_path, "a", "title: A\nsources: [estimate]\nbase: b.yaml\n")
    write(tmp_path, "b", "title: B\nsources: [estimate]\nbase: a.yaml\n")
    with pytest.raises(ScenarioError, match=r"inheritance cycle: a -> b -> a"):
        load_scenario(tmp_path / "a.yaml", eurasia)
    write(tmp_path, "p", "title: P\nsources: [estimate]\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 5 Mt\n")
    write(
        tmp_path, "q", "title: Q\nsources: [estimate]\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 5.8 Mt\n"
    )
    both = write(tmp_path, "both", "title: Both\nbase: [p.yaml, q.yaml]\n")
    with pytest.raises(ScenarioError, match=r"both\.yaml:2:capacities/kuryk-port\.capacity_per_year: bases conflict"):
        load_scenario(both, eurasia)
    settled = write(
        tmp_path,
        "settled",
        "title: S\nbase: [p.yaml, q.yaml]\nset:\n  capacities/kuryk-port:\n    capacity_per_year: 6 Mt\n",
    )
    assert (
        apply_scenario(eurasia, load_scenario(settled, eurasia)).capacity_by_id["kuryk-port"].capacity_per_year == 6e6
    )


def test_invalid_result_names_the_scenario_line(eurasia: Network, tmp_path: Path) -> None:
    path = write(
        tmp_path, "dwell", "title: D\nsources: [estimate]\nset:\n  transfers/aktau-ferry:\n    hours_low: 5 d\n"
    )
    with pytest.raises(ScenarioError, match=r"dwell\.yaml:5:transfers/aktau-ferry\.hours_low: need hours_low <="):
        apply_scenario(eurasia, load_scenario(path, eurasia))


def test_unknown_name_lists_the_library(eurasia: Network) -> None:
    with pytest.raises(InvalidOptionError, match=r"Unknown scenario 'kuryk-9mt'.*kuryk-6mt"):
        load_scenario("kuryk-9mt", eurasia)
