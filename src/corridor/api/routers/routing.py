"""Routing: the best route of each corridor (compare, as JSON and GeoJSON) and a route leg by leg."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from corridor.api.deps import (
    OPTIMIZE,
    Avoid,
    Cargo,
    Corridor,
    Destination,
    Optimize,
    Origin,
    Quantity,
    Reader,
    ServiceState,
    State,
    choice,
    compute,
)
from corridor.errors import LimitError
from corridor.mapdata import with_link_geometry

__all__ = ["router"]

router = APIRouter(tags=["routing"])


async def asked(
    state: State,
    origin: Origin,
    destination: Destination,
    cargo: Cargo = "FEU",
    quantity: Quantity = 1.0,
    avoid: Avoid = None,
    optimize: Optimize = "generalized",
) -> tuple[Any, ...]:
    """The query of a comparison, checked, with the places by id (the cache key)."""
    choice(optimize, OPTIMIZE, "optimize")
    net = state.network
    return (net.place(origin).id, net.place(destination).id, cargo, quantity, avoid, optimize)


Asked = Annotated[tuple[Any, ...], Depends(asked)]


def _comparison(state: ServiceState, args: tuple[Any, ...]) -> Any:
    from corridor.routing import compare

    origin, destination, cargo, quantity, avoid, optimize = args
    return compare(state.network, origin, destination, cargo=cargo, quantity=quantity, avoid=avoid, optimize=optimize)


# a few milliseconds of routing: answered on the event loop, since a thread would only wait for the GIL
@router.get("/v1/compare", summary="The best route of each corridor (as `corridor compare --json`)")
async def compare(_: Reader, state: State, args: Asked) -> Response:
    body = state.cached(("compare", *args), lambda: _comparison(state, args).to_dict())
    return Response(body, media_type="application/json")


@router.get("/v1/compare/geojson", summary="The routes of a comparison as GeoJSON")
async def compare_geojson(_: Reader, state: State, args: Asked) -> Response:
    body = state.cached(
        ("geojson", *args), lambda: with_link_geometry(_comparison(state, args).to_geojson(), state.lanes)
    )
    return Response(body, media_type="application/geo+json")


@router.get("/v1/route", summary="The itinerary leg by leg (as `corridor route --json`)")
async def route(
    _: Reader,
    state: State,
    origin: Origin,
    destination: Destination,
    cargo: Cargo = "FEU",
    quantity: Quantity = 1.0,
    avoid: Avoid = None,
    optimize: Optimize = "generalized",
    corridor: Corridor = None,
    alternatives: Annotated[int, Query(ge=1, description="The K best distinct routes.")] = 1,
    pareto: Annotated[bool, Query(description="Every Pareto-optimal route in time, cost and CO2e.")] = False,
) -> dict[str, Any]:
    limits = state.settings.limits
    if alternatives > limits.max_alternatives:
        raise LimitError("max_alternatives", alternatives, limits.max_alternatives, "alternatives")
    choice(optimize, OPTIMIZE, "optimize")
    common: dict[str, Any] = {"cargo": cargo, "quantity": quantity, "avoid": avoid, "corridor": corridor}
    return await compute(
        state, lambda: _routes(state, origin, destination, optimize, alternatives=alternatives, pareto=pareto, **common)
    )


def _routes(
    state: ServiceState, origin: str, destination: str, optimize: str, *, alternatives: int, pareto: bool, **common: Any
) -> dict[str, Any]:
    """The answer of ``GET /v1/route``: the Pareto set, the K best, or the best route."""
    from corridor import routing

    net = state.network
    if pareto:
        routes, label = routing.pareto(net, origin, destination, **common), "pareto"
    elif alternatives > 1:
        routes = routing.alternatives(net, origin, destination, k=alternatives, optimize=optimize, **common)
        label = optimize
    else:
        routes, label = [routing.route(net, origin, destination, optimize=optimize, **common)], optimize
    first = routes[0]
    return {
        "origin": first.origin,
        "destination": first.destination,
        "cargo": first.cargo,
        "quantity": first.quantity,
        "optimize": label,
        "routes": [r.to_dict() for r in routes],
    }
