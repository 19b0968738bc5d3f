"""projects.csv: validated like every table, each project's changes checked as a scenario's, the embedded projects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.appraisal.projects import check_projects, merge_fragments, project_of, project_scenarios
from corridor.errors import DatasetError, InvalidOptionError, ScenarioError
from fixtures.projects import TOY_PROJECTS, project_row, with_projects

BAD_ROWS = [
    ({"build_from": 2025, "build_to": 2023}, "build_to", "2023 is before build_from 2025"),
    ({"capex_musd": 20}, "capex_musd", "20 is not within its range 8 to 15"),
    ({"changes": "{sett: {capacities/c-port: {capacity_per_year: 3 Mt}}}"}, "changes", "unknown section 'sett'"),
    ({"changes": "[1, 2]"}, "changes", "is not a scenario fragment"),
    ({"changes": "{set: [unclosed"}, "changes", "not a YAML mapping"),
    ({"source": "nowhere"}, "source", "unknown source 'nowhere'"),
    ({"capex_musd": -1, "capex_low_musd": ""}, "capex_musd", "greater than or equal to 0"),
    ({"life_years": 0}, "life_years", "greater than or equal to 1"),
]


@pytest.mark.parametrize(("edit", "column", "message"), BAD_ROWS)
def test_a_bad_project_row_is_named_with_its_line_and_column(
    make_dataset: Callable[..., Path], edit: dict[str, Any], column: str, message: str
) -> None:
    folder = make_dataset(with_projects([TOY_PROJECTS[1], project_row(**edit)]))
    with pytest.raises(DatasetError) as caught:
        corridor.load_network(folder)
    found = [p for p in caught.value.problems if p.file == "projects.csv"]
    assert [(p.line, p.column) for p in found] == [(3, column)]
    assert message in found[0].message


def test_a_project_that_changes_an_unknown_element_is_named_at_its_line(make_dataset: Callable[..., Path]) -> None:
    rows = [TOY_PROJECTS[0], project_row(id="typo", changes="{set: {capacities/c-prt: {capacity_per_year: 2 Mt}}}")]
    net = corridor.load_network(make_dataset(with_projects(rows)))
    with pytest.raises(ScenarioError) as caught:
        check_projects(net)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("projects.csv", 3, "changes")
    assert "c-prt" in problem.message and "c-port" in problem.message


def test_unknown_project_names_the_projects_and_the_closest(toy_net: corridor.Network) -> None:
    with pytest.raises(InvalidOptionError, match=r"Unknown project 'port-upgrad'; projects: port-upgrade, ferry-back"):
        project_of(toy_net, "port-upgrad")


def test_the_case_without_a_project_takes_its_counterfactual(toy_net: corridor.Network) -> None:
    with_, without = project_scenarios(toy_net, [project_of(toy_net, "ferry-back")])
    values = {c.column: c.value for c in with_.changes}
    assert values == {"departures_per_week": 14.0}
    assert {c.column: c.value for c in without.changes} == {"departures_per_week": 3.5}


def test_merge_fragments_later_wins_and_lists_join() -> None:
    merged = merge_fragments(
        {"set": {"links/a": {"speed_kmh": "50 km/h", "tariff_usd": "USD 3"}}, "requires": ["x"]},
        {"set": {"links/a": {"speed_kmh": "60 km/h"}}, "requires": ["y", "x"]},
    )
    assert merged == {"set": {"links/a": {"speed_kmh": "60 km/h", "tariff_usd": "USD 3"}}, "requires": ["x", "y"]}


ROADMAP = {
    "aktau-container-hub",
    "kuryk-expansion",
    "aktau-port-expansion",
    "alat-phase-2",
    "dostyk-moyinty-second-track",
    "btk-capacity",
    "caspian-ferry-orders",
    "caspian-feeder-orders",
    "digital-border",
}


def test_the_embedded_projects_are_sourced_and_apply(eurasia: corridor.Network) -> None:
    assert {p.id for p in eurasia.projects} >= ROADMAP
    sources = {s.id for s in eurasia.sources}
    for p in eurasia.projects:
        assert p.source and set(p.source) <= sources and p.as_of
        low, mid, high = p.capex_range_musd
        assert 0 < low <= mid <= high
        assert p.build_from <= p.build_to < p.opening_year
        if p.estimated:
            assert p.note
    check_projects(eurasia)
    # each project whose scenario the library has changes what that scenario changes
    from corridor.scenarios.files import load_scenario

    for p in eurasia.projects:
        if p.scenario:
            with_, _ = project_scenarios(eurasia, [p])
            library = load_scenario(p.scenario, eurasia)
            assert {(c.table, c.id, c.column, c.value) for c in with_.changes} == {
                (c.table, c.id, c.column, c.value) for c in library.changes
            }
