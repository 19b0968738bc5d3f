"""Projects: the investments of the dataset's projects.csv (appraised, chosen and sited by jobs, see /v1/jobs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from corridor.api.deps import Reader, State

__all__ = ["router"]

router = APIRouter(tags=["appraisal"])

ProjectPath = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


def _project(p: Any) -> dict[str, Any]:
    low, mid, high = p.capex_range_musd
    return {
        "id": p.id,
        "title": p.title,
        "corridor": p.corridor,
        "capex_musd": {"low": low, "central": mid, "high": high},
        "opex_musd_per_year": p.opex_musd_per_year,
        "build_from": p.build_from,
        "build_to": p.build_to,
        "life_years": p.life_years,
        "changes": p.fragment,
        "without": p.counterfactual,
        "bottleneck": list(p.bottleneck),
        "scenario": p.scenario,
        "source": list(p.source),
        "as_of": p.as_of,
        "estimated": p.estimated,
        "note": p.note,
    }


@router.get("/v1/projects", summary="The dataset's investments: capex range, opex, build years, life, changes")
def projects(_: Reader, state: State) -> dict[str, Any]:
    rows = [_project(p) for p in state.network.projects]
    return {"items": rows, "total": len(rows)}


@router.get("/v1/projects/{project_id}", summary="One investment of projects.csv")
def project(_: Reader, state: State, project_id: ProjectPath) -> dict[str, Any]:
    from corridor.appraisal.projects import project_of
    from corridor.errors import InvalidOptionError, NotFoundError

    try:
        return _project(project_of(state.network, project_id))
    except InvalidOptionError as error:
        raise NotFoundError(str(error)) from None
