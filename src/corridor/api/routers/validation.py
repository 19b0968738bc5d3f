"""Validation: the model against every published observation of the dataset (as `corridor validate-model --json`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from corridor.api.deps import Reader, State, compute

__all__ = ["router"]

router = APIRouter(tags=["validation"])

Kind = Literal["transit_days", "rate_usd", "volume_t", "oil_t", "rtt_ms"]


@router.get("/v1/validation", summary="The model against published figures (as `corridor validate-model --json`)")
async def validation(
    _: Reader,
    state: State,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Only the observations of this year.")] = None,
    kind: Annotated[list[Kind] | None, Query(description="Only these kinds (repeat the parameter).")] = None,
) -> Response:
    from corridor.services.validation import validate_model, validation_json

    kinds = tuple(sorted(set(kind))) if kind else None

    def make() -> bytes:
        return state.cached(
            ("validation", year, kinds), lambda: validation_json(validate_model(state.network, year=year, kinds=kinds))
        )

    body = await compute(state, make)
    return Response(body, media_type="application/json")
