"""Validation: the model against every published observation of the dataset (as `corridor validate-model --json`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Response

from corridor.api.deps import Reader, State, compute

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.services.validation import ModelValidation

__all__ = ["router"]

router = APIRouter(tags=["validation"])

# The validation of one year's observations, found once per served network and year (the network does not change
# while serving); a query selects its kinds from it. One year at a time keeps a request within the time limit.
_YEARS: dict[tuple[int, int], ModelValidation] = {}
_LOCK = threading.Lock()


def _of_year(network: Network, year: int) -> ModelValidation:
    from corridor.services.validation import validate_model

    with _LOCK:
        found = _YEARS.get((id(network), year))
        if found is None:
            found = _YEARS[(id(network), year)] = validate_model(network, year=year)
        return found


Kind = Literal["transit_days", "rate_usd", "volume_t", "oil_t", "rtt_ms"]


@router.get(
    "/v1/validation",
    summary="The model against a year's published figures (as `corridor validate-model --year Y --json`)",
)
async def validation(
    _: Reader,
    state: State,
    year: Annotated[int, Query(ge=1990, le=2100, description="The year whose observations to check.")],
    kind: Annotated[list[Kind] | None, Query(description="Only these kinds (repeat the parameter).")] = None,
) -> Response:
    from corridor.services.validation import select_checks, validation_json

    kinds = tuple(sorted(set(kind))) if kind else None

    def make() -> bytes:
        return state.cached(
            ("validation", year, kinds),
            lambda: validation_json(select_checks(_of_year(state.network, year), year=year, kinds=kinds)),
        )

    body = await compute(state, make)
    return Response(body, media_type="application/json")
