"""The power layer and the rolling stock: a year's dispatch (as `corridor power --json`), its map layer, and the
wagons and locomotives a year's flows need (as `corridor rolling-stock --json`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from corridor.api.deps import Reader, State, compute

__all__ = ["router"]

router = APIRouter(tags=["power"])

Year = Annotated[int | None, Query(ge=2000, le=2060, description="The year (default: the scenario's, else 2030).")]
ScenarioName = Annotated[
    str | None, Query(max_length=100, description="A library scenario (GET /v1/scenarios), e.g. no-black-sea-cable.")
]


def _library(name: str | None) -> str | None:
    """``name`` if it names a library scenario: a request never reads a file by its path."""
    from corridor.errors import InvalidOptionError
    from corridor.scenarios.files import library_names

    if name is None or name in library_names():
        return name
    raise InvalidOptionError(f"scenario {name!r} is not in the library; valid: {', '.join(sorted(library_names()))}")


@router.get("/v1/power", summary="A year's least-cost dispatch of the power layer (as `corridor power --json`)")
async def power(
    _: Reader,
    state: State,
    year: Year = None,
    scenario: ScenarioName = None,
    include_proposed: Annotated[bool, Query(description="Also take proposed lines and plants as built.")] = False,
    co2_price: Annotated[float, Query(ge=0, le=10_000, description="USD per t of life-cycle CO2e.")] = 0.0,
) -> Response:
    """Four typical days of 24 hours; every hour of the year (``corridor power --resolution hourly``) takes longer
    than a request should."""
    from corridor.services.power import PowerOptions, run_power

    options = PowerOptions(
        year=year,
        scenario=_library(scenario),
        include_proposed=include_proposed,
        co2_price_usd_per_t=co2_price,
    )

    def make() -> bytes:
        return state.cached(("power", options), lambda: run_power(state.network, options).to_dict())

    return Response(await compute(state, make), media_type="application/json")


@router.get("/v1/power/map", summary="The power layer as GeoJSON: grids, markets and interconnectors with flows")
async def power_map(_: Reader, state: State, year: Year = None) -> Response:
    from corridor.services.power import PowerOptions, power_geojson, run_power

    def make() -> bytes:
        def build() -> dict[str, Any]:
            result = run_power(state.network, PowerOptions(year=year)) if year is not None else None
            return power_geojson(state.network, result)

        return state.cached(("power-map", year), build)

    return Response(await compute(state, make), media_type="application/geo+json")


@router.get(
    "/v1/rolling-stock",
    summary="Wagons and locomotives a year's flows need by railway, and the Caspian ferry fleet",
)
async def rolling_stock(
    _: Reader,
    state: State,
    year: Annotated[
        int | None, Query(ge=1990, le=2100, description="Year of the demand (default: the latest).")
    ] = None,
    scenario: ScenarioName = None,
    ferries: Annotated[bool, Query(description="Size the Caspian rail-ferry fleet.")] = True,
) -> Response:
    from corridor.services.rolling_stock import StockRequest, rolling_stock_report

    request = StockRequest(year=year, scenario=_library(scenario), ferries=ferries)

    def make() -> bytes:
        def build() -> dict[str, Any]:
            stock, fleet = rolling_stock_report(state.network, request)
            return {**stock.to_dict(), "caspian_ferries": fleet}

        return state.cached(("rolling-stock", request), build)

    return Response(await compute(state, make), media_type="application/json")
