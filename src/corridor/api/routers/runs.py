"""Runs: scenario runs kept in the results store, listed newest first, one with its inputs and outputs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from corridor.api.deps import Limit, Offset, Reader, RunId, RunScenario, State, page
from corridor.api.responses import json_bytes

__all__ = ["router"]

router = APIRouter(tags=["runs"])


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


@router.get("/v1/runs/{run_id}", summary="A stored run: inputs and outputs")
def run(_: Reader, state: State, run_id: RunId) -> Response:
    return Response(json_bytes(state.store.get(run_id)), media_type="application/json")
