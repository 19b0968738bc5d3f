"""Routing: the best route of each corridor (compare, as JSON and GeoJSON) and a route leg by leg."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from corridor.api.deps import (
    OPTIMIZE,
    ArriveBy,
    Avoid,
    Cargo,
    Corridor,
    Depart,
    Destination,
    GridYear,
    Optimize,
    Origin,
    Quantity,
    Reader,
    ScenarioQuery,
    ServiceState,
    State,
    choice,
    compute,
)
from corridor.api.formats import Accept, Format, file_response, requested
from corridor.errors import InvalidOptionError, LimitError
from corridor.limits import ALTERNATIVES
from corridor.services.mapdata import with_link_geometry

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
    depart: Depart = None,
    scenario: ScenarioQuery = None,
    arrive_by: ArriveBy = None,
    grid_year: GridYear = None,
) -> tuple[Any, ...]:
    """The query of a comparison, checked, with the places by id and the departure resolved (the cache key)."""
    from corridor.dataset.anyplace import place_key
    from corridor.reliability.engine import as_datetime

    choice(optimize, OPTIMIZE, "optimize")
    net = state.network
    if arrive_by is not None and depart is not None:
        raise InvalidOptionError("Give depart or arrive_by, not both.")
    instant = as_datetime(depart).isoformat() if arrive_by is None else None
    deadline = None if arrive_by is None else as_datetime(arrive_by).isoformat()
    if scenario is not None:
        from corridor.api.jobs import load_named

        load_named(scenario, net, state.store)  # a bad name is a 4xx before any work
    return (
        place_key(net, origin),
        place_key(net, destination),
        cargo,
        quantity,
        avoid,
        optimize,
        instant,
        scenario,
        deadline,
        grid_year,
    )


Asked = Annotated[tuple[Any, ...], Depends(asked)]


def _comparison(state: ServiceState, args: tuple[Any, ...], *, legs: bool = True) -> Any:
    from corridor.services.power import grid_network
    from corridor.services.trips import comparison_json

    origin, destination, cargo, quantity, avoid, optimize, depart, scenario, arrive_by, grid_year = args
    under = None
    if scenario is not None:
        from corridor.api.jobs import load_named

        under = load_named(scenario, state.network, state.store)
    return comparison_json(
        grid_network(state.network, grid_year, scenario=under),
        origin,
        destination,
        scenario=under,
        depart=depart,
        arrive_by=arrive_by,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        optimize=optimize,
        legs=legs,
    )


# the routes are timed by the Monte Carlo engine (compiled, releasing the GIL): answered in a thread
Legs = Annotated[
    bool,
    Query(description="Each option with its legs (as `corridor compare --json`); without, the totals only."),
]


@router.get("/v1/compare", summary="The best route of each corridor (as `corridor compare --json`, or as a file)")
async def compare(
    _: Reader,
    state: State,
    args: Asked,
    legs: Legs = False,
    fmt: Format = None,
    accept: Accept = None,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    wanted = requested(fmt, accept)
    if wanted == "json":
        key = ("compare", state.version, legs, *args)
        # the same dataset, the same query (the departure resolved: today's changes at midnight), the same answer
        headers = {"ETag": state.etag_of(key), "Cache-Control": "no-cache"}
        if if_none_match and headers["ETag"] in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers=headers)

        # without legs, each option's totals only (a seventh of the bytes on Xi'an-Duisburg, and none of the legs
        # built)
        body = state.hit(key) or await compute(
            state, lambda: state.cached(key, lambda: _comparison(state, args, legs=legs)[0])
        )
        return Response(body, media_type="application/json", headers=headers)

    def make() -> Response:
        from corridor.services.exports import comparison_export

        data, comparison = _comparison(state, args)
        export = comparison_export(data, comparison)
        if wanted == "geojson":
            export = replace(export, geojson=with_link_geometry(comparison.to_geojson(), state.lanes))
        return file_response(export, wanted, "compare")

    return await compute(state, make)


@router.get("/v1/compare/geojson", summary="The routes of a comparison as GeoJSON")
async def compare_geojson(_: Reader, state: State, args: Asked) -> Response:
    def make() -> Any:
        return with_link_geometry(_comparison(state, args)[1].to_geojson(), state.lanes)

    body = await compute(state, lambda: state.cached(("geojson", state.version, *args), make))
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
    depart: Depart = None,
    arrive_by: ArriveBy = None,
    alternatives: Annotated[int, Query(**ALTERNATIVES.query(), description="The K best distinct routes.")] = 1,
    pareto: Annotated[bool, Query(description="Every Pareto-optimal route in time, cost and CO2e.")] = False,
    grid_year: GridYear = None,
    fmt: Format = None,
    accept: Accept = None,
) -> Any:
    limits = state.settings.limits
    if alternatives > limits.max_alternatives:
        raise LimitError("max_alternatives", alternatives, limits.max_alternatives, "alternatives")
    choice(optimize, OPTIMIZE, "optimize")
    from corridor.reliability.engine import as_datetime

    if arrive_by is not None and (depart is not None or pareto or alternatives > 1):
        raise InvalidOptionError("arrive_by times one route: give it without depart, pareto or alternatives.")
    common: dict[str, Any] = {
        "cargo": cargo,
        "quantity": quantity,
        "avoid": avoid,
        "corridor": corridor,
        "depart": as_datetime(depart),
    }
    wanted = requested(fmt, accept)

    def net() -> Any:
        from corridor.services.power import grid_network

        return grid_network(state.network, grid_year)

    if arrive_by is not None:
        deadline = as_datetime(arrive_by)
        found = await compute(state, lambda: _latest(net(), origin, destination, optimize, deadline, **common))
    else:
        found = await compute(
            state,
            lambda: _routes(net(), origin, destination, optimize, alternatives=alternatives, pareto=pareto, **common),
        )
    data, routes = found
    if wanted == "json":
        return data
    from corridor.services.exports import routes_export

    return file_response(routes_export(data, routes), wanted, "route")


def _latest(
    net: Any, origin: str, destination: str, optimize: str, arrive_by: Any, **common: Any
) -> tuple[dict[str, Any], list[Any]]:
    """The answer of ``GET /v1/route?arrive_by=``: the route from the latest departure that makes it at P90."""
    from corridor.routing.timing import latest_departure

    common.pop("depart")
    found = latest_departure(net, origin, destination, arrive_by=arrive_by, optimize=optimize, **common)
    data = {
        "origin": found.origin,
        "destination": found.destination,
        "cargo": found.cargo,
        "quantity": found.quantity,
        "optimize": optimize,
        "arrive_by": arrive_by.isoformat(),
        "routes": [found.to_dict()],
    }
    return data, [found]


def _routes(
    net: Any, origin: str, destination: str, optimize: str, *, alternatives: int, pareto: bool, **common: Any
) -> tuple[dict[str, Any], list[Any]]:
    """The answer of ``GET /v1/route``: the Pareto set, the K best, or the best route."""
    from corridor.routing import route_sets
    from corridor.routing import search as routing

    routes: list[Any]
    if pareto:
        routes, label = route_sets.pareto(net, origin, destination, **common), "pareto"
    elif alternatives > 1:
        routes = route_sets.alternatives(net, origin, destination, k=alternatives, optimize=optimize, **common)
        label = optimize
    else:
        routes, label = [routing.route(net, origin, destination, optimize=optimize, **common)], optimize
    first = routes[0]
    data = {
        "origin": first.origin,
        "destination": first.destination,
        "cargo": first.cargo,
        "quantity": first.quantity,
        "optimize": label,
        "routes": [r.to_dict() for r in routes],
    }
    return data, routes
