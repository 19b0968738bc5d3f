"""Command ``rolling-stock``: wagons and locomotives a year's flows need, by railway, and the Caspian ferry fleet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import HOURS, YEAR

if TYPE_CHECKING:
    from corridor.reliability.rolling_stock import RollingStock


def rolling_stock(
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year of the demand (default: the scenario's, else the latest).", **YEAR.typer()),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="A scenario (library name or file): its network, fleet and year.")
    ] = None,
    ferries: Annotated[
        bool, typer.Option("--ferries/--no-ferries", help="Size the Caspian rail-ferry fleet (the fleet model).")
    ] = True,
    target_p90_hours: Annotated[
        float,
        typer.Option("--target-p90-hours", help="Target 90th-percentile wait for the ferries, hours.", **HOURS.typer()),
    ] = 72.0,
    teu_per_flat_wagon: Annotated[float, typer.Option("--teu-per-flat-wagon", help="TEU a flat wagon carries.")] = 2.0,
    dwell_hours: Annotated[
        float, typer.Option("--dwell-hours", help="Loading and unloading of a loaded trip together, hours.")
    ] = 48.0,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Wagons (flat, tank, open) and locomotives the year's equilibrium flows need by railway and gauge, the empty
    returns of the east-west imbalance, turnaround times and the shortfall against the fleets and orders."""
    from corridor.reliability.rolling_stock import StockOptions
    from corridor.services.rolling_stock import StockRequest, rolling_stock_report

    stock, fleet = rolling_stock_report(
        open_network(network),
        StockRequest(year=year, scenario=scenario, ferries=ferries, target_p90_hours=target_p90_hours),
        StockOptions(teu_per_flat_wagon=teu_per_flat_wagon, dwell_hours=dwell_hours),
    )
    if as_json:
        print_json({**stock.to_dict(), "caspian_ferries": fleet})
        return
    _print_stock(stock, fleet)


def _print_stock(stock: RollingStock, fleet: dict[str, Any] | None) -> None:
    from rich.table import Table

    console = get_console()
    table = Table(title=f"Rolling stock for the equilibrium flows of {stock.year}")
    columns = ("railway", "km", "wagons", "of which flat", "tank", "turnaround d", "empty trips", "locos", "fleet")
    for column in (*columns, "short", "short after orders"):
        table.add_column(column, justify="left" if column == "railway" else "right")

    def short(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    for r in stock.railways:
        wagons = sum(r.wagons.values())
        if wagons < 0.5:
            continue
        turnaround = max(r.turnaround_days.values()) if r.turnaround_days else 0.0
        fleet_text = ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in r.fleet.items()) or "-"
        table.add_row(
            f"{r.country} {r.gauge}",
            f"{r.route_km:,.0f}",
            f"{wagons:,.0f}",
            f"{r.wagons.get('flat_wagon', 0):,.0f}",
            f"{r.wagons.get('tank_car', 0):,.0f}",
            f"{turnaround:.1f}",
            f"{sum(r.empties.values()):,.0f}",
            f"{sum(r.locomotives.values()):,.1f}",
            fleet_text,
            f"locos {short(r.shortfall('locomotive'))}, wagons {short(r.shortfall('all_wagons'))}",
            f"locos {short(r.shortfall('locomotive', with_orders=True))}, "
            f"wagons {short(r.shortfall('all_wagons', with_orders=True))}",
        )
    console.print(table)
    if fleet is not None:
        by_service = ", ".join(f"{k} {v:,.0f}" for k, v in fleet["wagons_by_service"].items())
        console.print(
            f"Caspian rail ferries: {by_service} wagons a year ({fleet['volume_teu']:,.0f} TEU slots); "
            f"fleet {fleet.get('ferries', 0)}"
            + ("" if fleet.get("meets_target", True) else " (does not meet the target)")
        )
