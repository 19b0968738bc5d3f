"""Reliability: the transit-time distribution of the best route, for runs small enough to answer at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from corridor.api.deps import (
    OPTIMIZE,
    ArriveBy,
    Avoid,
    Cargo,
    Corridor,
    Destination,
    GridYear,
    Optimize,
    Origin,
    Reader,
    State,
    choice,
    compute,
)
from corridor.api.formats import Accept, Format, file_response, requested
from corridor.errors import LimitError
from corridor.limits import SAMPLES, SEED

__all__ = ["router"]

router = APIRouter(tags=["reliability"])


@router.get("/v1/simulate", summary="Transit-time distribution of the best route (small runs)")
async def simulate(
    _: Reader,
    state: State,
    origin: Origin,
    destination: Destination,
    cargo: Cargo = "FEU",
    avoid: Avoid = None,
    optimize: Optimize = "generalized",
    corridor: Corridor = None,
    samples: Annotated[
        int, Query(**SAMPLES.query(), description="Shipments simulated (max_sync_samples; more: a job).")
    ] = 4000,
    seed: Annotated[int, Query(**SEED.query())] = 0,
    depart: Annotated[str | None, Query(max_length=40, description="Departure date, UTC.")] = None,
    deadline: Annotated[str | None, Query(max_length=40, description="Days after departure, or a date.")] = None,
    arrive_by: ArriveBy = None,
    grid_year: GridYear = None,
    fmt: Format = None,
    accept: Accept = None,
) -> Any:
    from corridor.api.jobs import clean
    from corridor.services.power import grid_network
    from corridor.services.reliability import TripOptions, simulate_trip, simulation_json

    limits = state.settings.limits
    if samples > limits.max_sync_samples:
        raise LimitError("max_sync_samples", samples, limits.max_sync_samples, "samples")
    choice(optimize, OPTIMIZE, "optimize")
    wanted = requested(fmt, accept)
    options = TripOptions(
        origin=origin,
        destination=destination,
        corridor=corridor,
        cargo=cargo,
        avoid=avoid,
        optimize=optimize,
        depart=depart,
        samples=samples,
        seed=seed,
        deadline=deadline,
        arrive_by=arrive_by,
    )

    def run() -> tuple[Any, dict[str, Any]]:
        simulated = simulate_trip(grid_network(state.network, grid_year), options)
        return simulated, clean(simulation_json(simulated))

    simulated, data = await compute(state, run)
    if wanted == "json":
        return data
    from corridor.services.exports import simulation_export

    return file_response(simulation_export(simulated, data), wanted, "simulate")
