"""Demand: the freight demand of a year generated from the dataset's trade tables (gravity model)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from corridor.api.deps import Reader, State

__all__ = ["router"]

router = APIRouter(tags=["demand"])


@router.get("/v1/demand", summary="Demand of a year generated from trade, by OD row and by region pair")
def demand(
    _: Reader,
    state: State,
    year: Annotated[int, Query(ge=1900, le=2100, description="Year of the demand (years with GDP or growth data).")],
    case: Annotated[
        Literal["low", "central", "high"], Query(description="GDP path of the typical tonnes.")
    ] = "central",
) -> dict[str, Any]:
    from corridor.services.demand import demand_json

    return demand_json(state.network, year, case=case)
