"""Scenarios: the library and those stored through the API; one resolved; store and delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from corridor.api.deps import Limit, Offset, Reader, ScenarioName, ServiceState, State, Writer, check_owner, page
from corridor.api.jobs import load_named, store_resolver
from corridor.api.models import ScenarioCreate
from corridor.errors import ConflictError, InvalidOptionError, NotFoundError

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])


def _scenario_rows(state: ServiceState) -> list[dict[str, Any]]:
    """Every scenario, the library's first, then the store's."""
    from corridor.scenarios.files import library_names, load_scenario

    rows = []
    for name in library_names():
        s = load_scenario(name, state.network)
        rows.append(
            {
                "name": s.name,
                "title": s.title,
                "description": s.description,
                "year": s.year,
                "bases": list(s.bases),
                "source": "library",
            }
        )
    for row in state.store.list_scenarios():
        rows.append(
            {
                "name": row["name"],
                "title": row["title"],
                "description": "",
                "year": None,
                "bases": row["bases"],
                "source": "store",
                "created_at": row["created_at"],
            }
        )
    return rows


@router.get("/v1/scenarios", summary="Library and stored scenarios")
def scenarios(_: Reader, state: State, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    rows = _scenario_rows(state)
    return page(rows[offset : offset + limit], len(rows), limit, offset)


@router.get("/v1/scenarios/{name}", summary="A scenario resolved: every change, from where")
def scenario(_: Reader, state: State, name: ScenarioName) -> dict[str, Any]:
    from corridor.scenarios.files import library_names

    s = load_named(name, state.network, state.store)
    data = s.to_dict()
    data.pop("path", None)
    data["source"] = "library" if name in library_names() else "store"
    stored = state.store.get_scenario(name)
    data["yaml"] = stored["text"] if stored else None
    return data


@router.post("/v1/scenarios", status_code=201, summary="Store a new scenario (YAML or JSON)")
def create_scenario(key: Writer, state: State, body: ScenarioCreate, response: Response) -> dict[str, Any]:
    import yaml

    from corridor.scenarios.apply import check_scenario
    from corridor.scenarios.files import library_names, load_scenario_text

    if (body.yaml is None) == (body.document is None):
        raise InvalidOptionError("Send the scenario as 'yaml' (text) or as 'document' (JSON object), one of them.")
    if body.name in library_names():
        raise ConflictError(f"{body.name!r} is a library scenario; choose another name.")
    try:
        text = body.yaml if body.yaml is not None else yaml.safe_dump(body.document, sort_keys=False)
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise InvalidOptionError(f"The document cannot be written as YAML: {error}") from None
    s = load_scenario_text(
        text, state.network, name=body.name, label="<request>", resolve_base=store_resolver(state.store)
    )
    check_scenario(state.network, s)  # applied as a dry run: a scenario that cannot run is not stored
    state.store.save_scenario(body.name, text, title=s.title, bases=list(s.bases), created_by=key)
    response.headers["Location"] = f"/v1/scenarios/{body.name}"
    data = s.to_dict()
    data.pop("path", None)
    return {**data, "source": "store"}


@router.delete("/v1/scenarios/{name}", status_code=204, summary="Delete a stored scenario (its key's or by admin)")
def delete_scenario(key: Writer, state: State, name: ScenarioName) -> Response:
    from corridor.scenarios.files import library_names

    if name in library_names():
        raise ConflictError(f"{name!r} is a library scenario; only stored scenarios can be deleted.")
    stored = state.store.get_scenario(name)
    if stored is None:
        raise NotFoundError(f"No stored scenario {name!r}.")
    check_owner(state, key, stored["created_by"], f"Scenario {name!r}")
    state.store.delete_scenario(name)
    return Response(status_code=204)
