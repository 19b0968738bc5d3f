"""Command ``demand``: the freight demand of a year generated from trade (gravity model of the trade tables)."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import YEAR


def demand(
    year: Annotated[
        int, typer.Option("--year", help="Year of the demand (the years with GDP or growth data).", **YEAR.typer())
    ],
    case: Annotated[
        str, typer.Option("--case", help="GDP path of the typical tonnes: low, central or high.")
    ] = "central",
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Print the demand of a year generated from trade: tonnes by OD and commodity with their range, and totals."""
    from corridor.services.demand import demand_json

    data = demand_json(open_network(network), year, case=case)
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    console = get_console()
    table = Table(title=f"Demand {data['year']} from trade ({data['case']} GDP case), tonnes a year")
    for column in ("origin", "destination", "commodity", "tonnes", "low", "high", "avoid"):
        table.add_column(column, justify="right" if column in ("tonnes", "low", "high") else "left")
    for row in data["rows"]:
        table.add_row(
            row["origin"],
            row["destination"],
            row["commodity"],
            f"{row['tonnes']:,.0f}",
            f"{row['tonnes_low']:,.0f}",
            f"{row['tonnes_high']:,.0f}",
            ";".join(row["avoid"]),
        )
    console.print(table)
    pairs = Table(title="By region pair")
    for column in ("from", "to", "commodity", "tonnes", "low", "high"):
        pairs.add_column(column, justify="right" if column in ("tonnes", "low", "high") else "left")
    for row in data["region_pairs"]:
        pairs.add_row(
            row["origin_region"],
            row["destination_region"],
            row["commodity"],
            f"{row['tonnes']:,.0f}",
            f"{row['tonnes_low']:,.0f}",
            f"{row['tonnes_high']:,.0f}",
        )
    console.print(pairs)
    fit = data["fit"]
    elasticity = fit["coefficients"]["ln_gdp_product"]
    distance = fit["coefficients"]["ln_distance_km"]
    console.print(
        f"total {data['tonnes']:,.0f} t; gravity fit (PPML, {fit['observations']} records of {fit['flows']} flows): "
        f"GDP elasticity {elasticity['estimate']:.3f} (s.e. {elasticity['std_error']:.3f}), distance "
        f"{distance['estimate']:.3f} (s.e. {distance['std_error']:.3f}), pseudo R2 {fit['pseudo_r2']:.3f}"
    )
