"""The power layer of a year (under a scenario), its export for PyPSA users, and its map layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.layers.power import PowerResult
    from corridor.scenarios.files import Scenario

__all__ = ["EXPORT_SUFFIXES", "PowerOptions", "export_power", "grid_network", "power_geojson", "run_power"]

#: the files ``--export`` writes, by suffix: PyPSA's own netCDF, or an Excel workbook of its tables
EXPORT_SUFFIXES = (".nc", ".xlsx")


@dataclass(frozen=True, kw_only=True)
class PowerOptions:
    """What ``corridor power`` and ``GET /v1/power`` ask for."""

    year: int | None = None
    scenario: str | None = None
    include_proposed: bool = False
    co2_price_usd_per_t: float = 0.0
    resolution: Literal["typical-days", "hourly"] = "typical-days"
    avoid: tuple[str, ...] = ()
    threads: int = 1


def run_power(network: Network, options: PowerOptions) -> PowerResult:
    """The dispatch of the year asked (else the scenario's, else 2030) on the network, under the scenario if named.

    Raises
    ------
    InvalidOptionError, ScenarioError, UnknownElementError, SolverError
    """
    from corridor.layers.power import DEFAULT_YEAR, solve_power

    year = options.year
    if options.scenario is not None:
        from corridor.scenarios.apply import apply_scenario
        from corridor.scenarios.files import load_scenario

        scenario = load_scenario(options.scenario, network)
        network = apply_scenario(network, scenario)
        year = year if year is not None else scenario.year
    return solve_power(
        network,
        year=DEFAULT_YEAR if year is None else year,
        include_proposed=options.include_proposed,
        co2_price_usd_per_t=options.co2_price_usd_per_t,
        resolution=options.resolution,
        avoid=options.avoid,
        threads=options.threads,
    )


def grid_network(network: Network, grid_year: int | None, *, scenario: Scenario | None = None) -> Network:
    """``network`` with electric rail at the CO2e intensity of the modelled grid of ``grid_year`` (``--grid-year``).

    The power layer of that year is dispatched (under ``scenario`` when given, so that the cables and plants it adds
    or removes count) and each electric-rail factor of a modelled country (``rail-electric-az``, ``-ge``, ``-kz``,
    ...) becomes 41.5 Wh per net tkm times its grid's CO2e per kWh generated; every other factor, diesel traction
    among them, is the dataset's. ``None`` gives ``network`` unchanged. Compare, route, simulate, assign and scenario
    runs, on the command line and in the API, all take the network from here.

    Raises
    ------
    InvalidOptionError
        For a year outside those the power layer takes.
    ScenarioError, SolverError
    """
    if grid_year is None:
        return network
    from corridor.layers.power import YEARS, solve_power, with_grid_factors

    if isinstance(grid_year, bool) or not isinstance(grid_year, int) or grid_year not in YEARS:
        raise InvalidOptionError(
            f"grid year {grid_year!r}: the power layer models the years {YEARS.start} to {YEARS.stop - 1}"
        )
    grid = network
    if scenario is not None:
        from corridor.scenarios.apply import apply_scenario

        grid = apply_scenario(network, scenario)
    return with_grid_factors(network, solve_power(grid, year=grid_year))


def check_export_path(path: Path) -> None:
    """Refuse an export path PyPSA cannot write, before any solving.

    Raises
    ------
    InvalidOptionError
        For a suffix other than .nc or .xlsx, a folder, or a missing parent folder.
    """
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise InvalidOptionError(
            f"--export {str(path)!r}: give a file ending in .nc (PyPSA netCDF) or .xlsx (Excel), not {path.suffix!r}"
        )
    if path.is_dir():
        raise InvalidOptionError(f"--export {str(path)!r} is a folder; give a file name")
    if not path.parent.exists():
        raise InvalidOptionError(f"--export {str(path)!r}: the folder {str(path.parent)!r} does not exist")


def export_power(result: PowerResult, path: Path) -> Path:
    """Write the solved PyPSA network of ``result`` to ``path`` (.nc netCDF or .xlsx), results included, so that
    ``pypsa.Network(path)`` opens it.

    Raises
    ------
    InvalidOptionError
        See :func:`check_export_path`.
    """
    check_export_path(path)
    n = result.network
    if n is None:
        raise InvalidOptionError("This power result holds no PyPSA network to export.")
    if path.suffix.lower() == ".nc":
        n.export_to_netcdf(str(path))
    else:
        n.export_to_excel(str(path))
    return path


def power_geojson(network: Network, result: PowerResult | None = None) -> dict[str, Any]:
    """The power layer as GeoJSON for the web map: nodes as points, interconnectors as lines (with the year's flows
    when ``result`` is given)."""
    nodes = {n.id: n for n in network.power_nodes}
    flows = {f.line: f for f in result.flows} if result is not None else {}
    features: list[dict[str, Any]] = []
    for n in network.power_nodes:
        plants = [p for p in network.power_plants if p.node == n.id]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
                "properties": {
                    "layer": "power",
                    "id": n.id,
                    "name": n.name,
                    "kind": n.kind,
                    "capacity_mw": sum(p.capacity_mw for p in plants if p.status == "operational"),
                    "intensity_g_per_kwh": None if result is None else result.intensity_g_per_kwh.get(n.id),
                },
            }
        )
    for ln in network.power_lines:
        a, b = nodes[ln.from_], nodes[ln.to]
        flow = flows.get(ln.id)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                "properties": {
                    "layer": "power",
                    "id": ln.id,
                    "name": ln.name,
                    "status": ln.status,
                    "ready": ln.ready,
                    "capacity_mw": ln.capacity_mw,
                    "submarine": ln.submarine,
                    "net_twh": None if flow is None else round(flow.net_twh, 3),
                    "utilisation": None if flow is None else round(flow.utilisation, 3),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
