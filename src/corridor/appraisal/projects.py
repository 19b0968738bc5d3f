"""The investments of projects.csv as scenarios: the case with a project and without it, and their checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError, Problem, ScenarioError

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.project_records import Project
    from corridor.scenarios.files import Scenario

__all__ = ["check_projects", "merge_fragments", "project_of", "project_scenarios", "projects_of", "scenario_of"]

_FILE = "projects.csv"


def project_of(network: Network, project_id: str) -> Project:
    """The project ``project_id`` of the dataset, or InvalidOptionError naming the projects there are."""
    for project in network.projects:
        if project.id == project_id:
            return project
    from corridor.scenarios.sections import closest

    known = [p.id for p in network.projects]
    close = closest(project_id, known) if known else []
    hint = f" Closest: {', '.join(close)}." if close else ""
    shown = ", ".join(known) if known else "none (the dataset has no projects.csv)"
    raise InvalidOptionError(f"Unknown project {project_id!r}; projects: {shown}.{hint}")


def projects_of(network: Network, ids: Sequence[str] | None = None) -> tuple[Project, ...]:
    """The dataset's projects, or those named by ``ids`` in that order (each checked as :func:`project_of`)."""
    if ids is None:
        return network.projects
    return tuple(project_of(network, pid) for pid in ids)


def merge_fragments(*fragments: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario sections of several fragments as one: later fragments win where two set the same field."""
    out: dict[str, Any] = {}
    for fragment in fragments:
        for section, block in fragment.items():
            if section == "requires":
                out[section] = list(dict.fromkeys([*out.get(section, []), *block]))
            elif section in ("add", "remove"):
                merged = out.setdefault(section, {})
                for table, items in block.items():
                    merged[table] = [*merged.get(table, []), *items]
            else:
                merged = out.setdefault(section, {})
                for key, value in block.items():
                    if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                        merged[key] = {**merged[key], **value}
                    else:
                        merged[key] = value
    return out


def scenario_of(
    network: Network,
    name: str,
    title: str,
    fragment: Mapping[str, Any],
    *,
    sources: Sequence[str],
    year: int | None = None,
) -> Scenario:
    """A scenario made of ``fragment`` (the sections of a scenario file) for ``year``.

    Raises
    ------
    ScenarioError
        Every problem of the fragment, as a scenario file's.
    """
    from corridor.io.jsontext import to_json
    from corridor.scenarios.files import load_scenario_text

    doc: dict[str, Any] = {"title": title, "sources": list(sources), **fragment}
    if year is not None:
        doc["year"] = year
    # JSON is YAML: the fragment goes through the one scenario reader with all its checks
    return load_scenario_text(to_json(doc), network, name=name, label=f"{_FILE}:{name}")


def check_projects(network: Network) -> None:
    """Every project's changes (and the case without it) apply to the dataset, as a scenario's would.

    Raises
    ------
    ScenarioError
        Every problem, with projects.csv, the project's line and the column (``changes`` or ``without``).
    """
    from corridor.scenarios.apply import check_scenario

    problems: list[Problem] = []
    for line, project in enumerate(network.projects, start=2):
        for column, fragment in (("changes", project.fragment), ("without", project.counterfactual)):
            if not fragment:
                continue
            try:
                check_scenario(
                    network, scenario_of(network, project.id, project.title, fragment, sources=project.source)
                )
            except ScenarioError as error:
                problems.extend(
                    Problem(_FILE, line, column, f"{p.column + ': ' if p.column else ''}{p.message}")
                    for p in error.problems
                )
    if problems:
        raise ScenarioError(problems)


def project_scenarios(network: Network, projects: Sequence[Project]) -> tuple[Scenario, Scenario]:
    """The scenarios with ``projects`` together and without them (the counterfactual of each that the dataset has
    already), as one appraisal compares them."""
    without = merge_fragments(*(p.counterfactual for p in projects))
    with_ = merge_fragments(without, *(p.fragment for p in projects))
    sources = sorted({s for p in projects for s in p.source})
    name = "+".join(p.id for p in projects)
    title = " + ".join(p.title for p in projects)
    return (
        scenario_of(network, name, title, with_, sources=sources),
        scenario_of(network, f"without-{name}", f"Without {title}", without, sources=sources),
    )
