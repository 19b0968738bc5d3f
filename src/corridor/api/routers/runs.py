"""Runs: scenario runs kept in the results store, listed newest first, one with its inputs and outputs; deleted by
the key that made them (through a job) or an admin key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from corridor.api.deps import Limit, Offset, Reader, RunId, RunScenario, State, Writer, check_owner, page
from corridor.api.formats import Accept, Format, file_response, requested
from corridor.api.responses import json_bytes

__all__ = ["router"]

router = APIRouter(tags=["runs"])


def _run_view(run: dict[str, Any]) -> dict[str, Any]:
    """A run as clients see it: without the id of the key that owns it (as a job)."""
    return {k: v for k, v in run.items() if k != "created_by"}


@router.get("/v1/runs", summary="Stored scenario runs, newest first")
def runs(
    _: Reader,
    state: State,
    scenario: RunScenario = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows = state.store.list(scenario=scenario, limit=limit, offset=offset)
    return page(rows, state.store.count(scenario=scenario), limit, offset)


@router.get("/v1/runs/{run_id}", summary="A stored run: inputs and outputs (JSON, or a file by format= or Accept)")
def run(_: Reader, state: State, run_id: RunId, fmt: Format = None, accept: Accept = None) -> Response:
    wanted = requested(fmt, accept, geojson=False)  # an unknown format is refused before the store is read
    view = _run_view(state.store.get(run_id))
    if wanted == "json":
        return Response(json_bytes(view), media_type="application/json")
    from corridor.services.exports import run_export

    return file_response(run_export(view), wanted, f"run-{run_id[:8]}")


@router.delete("/v1/runs/{run_id}", status_code=204, summary="Delete a stored run (its key's or by admin)")
def delete_run(key: Writer, state: State, run_id: RunId) -> Response:
    stored = state.store.get(run_id)
    check_owner(state, key, stored.get("created_by"), f"Run {run_id}")
    state.store.delete(run_id)
    return Response(status_code=204)
