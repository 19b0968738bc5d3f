"""Commands ``oil``, ``latency``, ``resilience`` and ``power``: the oil, data and power layers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import VOLUME, YEAR

if TYPE_CHECKING:
    from corridor.layers.oil import OilAllocation
    from corridor.layers.power import PowerResult


def _split_list(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def oil(
    volume_mt: Annotated[
        float, typer.Option("--volume-mt", help="Export volume to allocate, Mt a year.", **VOLUME.typer())
    ],
    fields: Annotated[
        list[str] | None,
        typer.Option("--from", help="Field(s) the volume comes from (Tengiz, Kashagan, Karachaganak); all if omitted."),
    ] = None,
    avoid: Annotated[
        list[str] | None,
        typer.Option("--avoid", help="Countries (RU), systems (CPC) or oil links/nodes to avoid; comma-separated."),
    ] = None,
    compete: Annotated[
        str, typer.Option("--compete", help="System whose break-even tariff is reported (default BTC).")
    ] = "BTC",
    year: Annotated[
        int,
        typer.Option(
            "--year", help="Year whose contracted minimums and idle lines apply (default 2024).", **YEAR.typer()
        ),
    ] = 2024,
    contracts: Annotated[
        bool,
        typer.Option("--contracts/--no-contracts", help="Ship at least the contracted minimums (take-or-pay)."),
    ] = True,
    include_idle: Annotated[
        bool, typer.Option("--include-idle", help="Offer the capacity of idle lines (Baku-Supsa) as if restarted.")
    ] = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Allocate crude exports across routes at least cost under capacities and contracts (a linear program)."""
    from corridor.layers.oil import allocate_oil

    result = allocate_oil(
        open_network(network),
        volume_mt,
        fields=_split_list(fields) or None,
        avoid=_split_list(avoid),
        compete=compete,
        year=year,
        contracts=contracts,
        include_idle=include_idle,
    )
    for note in result.notes:
        print(f"corridor: warning: {note}", file=sys.stderr)
    if as_json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    console = get_console()
    table = Table(
        title=f"{result.volume_mt:g} Mt a year from {', '.join(result.fields)} ({result.year}): least-cost allocation"
    )
    for column in ("route", "Mt", "USD/t", "USD/t range", "spare Mt", "days", "countries"):
        table.add_column(column, justify="left" if column in ("route", "countries") else "right")
    for row in result.to_dict()["routes"]:
        table.add_row(
            row["name"],
            f"{row['volume_mt']:.2f}",
            f"{row['cost_usd_per_t']:.1f}",
            f"{row['cost_low_usd_per_t']:.0f}-{row['cost_high_usd_per_t']:.0f}",
            f"{row['spare_mt']:.2f}",
            f"{row['days']:.1f}",
            " ".join(row["countries"]),
        )
    console.print(table)
    console.print(f"total {result.total_cost_usd / 1e6:,.1f} M USD a year; allocated {result.allocated_mt:.2f} Mt")
    if result.shortfall_mt > 0:
        console.print(f"SHORTFALL: {result.shortfall_mt:.2f} Mt cannot be carried")
    for b in result.binding:
        console.print(
            f"binding: {b['kind']} {b['element']} ({b['capacity_mt']:g} Mt), worth {b['shadow_usd_per_t']} USD/t"
        )
    _print_contracts(result)
    be = result.breakeven
    if be is not None:
        if be.breakeven_usd_per_t is None:
            console.print(f"{be.route}: cheaper than {be.against} at no {be.system} tariff (not even 0)")
        else:
            console.print(
                f"{be.system} tariff now {be.tariff_usd_per_t:.1f} USD/t; {be.route} becomes the cheaper route "
                f"against {be.against} at {be.breakeven_usd_per_t:.1f} USD/t"
                + (" (it is cheaper already)" if be.cheaper_now else "")
            )


def _print_contracts(result: OilAllocation) -> None:
    console = get_console()
    for c in result.contracts:
        if not c.honoured:
            continue
        cost = f", costing {c.shadow_usd_per_t:g} USD/t over the least-cost allocation" if c.shadow_usd_per_t else ""
        console.print(
            f"contract: {c.system} ({c.link}) at least {c.minimum_mt:g} Mt in {result.year}, ships "
            f"{c.volume_mt:.2f} Mt{cost} (sources: {', '.join(c.source)})"
        )
    for i in result.idle:
        console.print(f"idle: {i.system} ({i.link}) since {i.since}, {i.capacity_mt:g} Mt not offered (--include-idle)")


StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        help="Sections used: operational, planned (also those being built, the default) or proposed (all).",
    ),
]


def latency(
    origin: Annotated[str, typer.Argument(help="A hub of the data layer (Frankfurt, Istanbul, Almaty, ...).")],
    destination: Annotated[str, typer.Argument(help="Another hub.")],
    avoid: Annotated[
        list[str] | None,
        typer.Option("--avoid", help="Countries (RU, IR), ways (Russia), systems, sections or nodes; comma-separated."),
    ] = None,
    status: StatusOpt = "planned",
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Round-trip time of the best fiber route between two hubs, and of each other way."""
    from corridor.layers.data import latency as run

    result = run(open_network(network), origin, destination, avoid=_split_list(avoid), status=status)
    if as_json:
        print_json(result.to_dict())
        return
    from rich.table import Table

    table = Table(title=f"{result.origin} - {result.destination}: round trip (floor {result.floor_ms:.1f} ms)")
    for column in ("via", "RTT ms", "cable km", "circuit km", "Tbps", "status", "systems"):
        table.add_column(column, justify="left" if column in ("via", "status", "systems") else "right")
    for r in result.routes:
        table.add_row(
            r.via,
            f"{r.rtt_ms:.1f}",
            f"{r.length_km:,.0f}",
            f"{r.circuit_km:,.0f}",
            f"{r.capacity_tbps:g}",
            r.status,
            ", ".join(r.systems),
        )
    get_console().print(table)


def resilience(
    ends: Annotated[
        list[str] | None,
        typer.Argument(help="Two hubs or regions (europe, east-asia, ...); Europe and East Asia if omitted."),
    ] = None,
    cut: Annotated[
        list[str] | None,
        typer.Option("--cut", help="A section, system or node whose loss to assess; repeat or comma-separate."),
    ] = None,
    avoid: Annotated[list[str] | None, typer.Option("--avoid", help="Countries, ways or systems left out.")] = None,
    status: StatusOpt = "planned",
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Disjoint paths, minimum cut, capacity and latency between two regions or hubs, and what a cut does."""
    from corridor.errors import InvalidOptionError
    from corridor.layers.data import resilience as run

    pair = list(ends or ["europe", "east-asia"])
    if len(pair) != 2:
        raise InvalidOptionError(f"give two ends (hubs or regions), or none for europe east-asia; got {len(pair)}")
    result = run(open_network(network), pair[0], pair[1], cut=_split_list(cut), avoid=_split_list(avoid), status=status)
    if as_json:
        print_json(result.to_dict())
        return
    console = get_console()
    best = "-" if result.best_rtt_ms is None else f"{result.best_rtt_ms:.1f} ms"
    console.print(
        f"{result.a} - {result.b}: {len(result.disjoint_paths)} section-disjoint paths, "
        f"{result.capacity_tbps:g} Tbps, best round trip {best}"
    )
    console.print(f"minimum cut (sections): {', '.join(result.min_cut) or '-'}")
    console.print(f"capacity bottleneck (sections): {', '.join(result.capacity_cut) or '-'}")
    from rich.table import Table

    paths = Table(title="Section-disjoint paths")
    for column in ("via", "RTT ms", "Tbps", "nodes"):
        paths.add_column(column)
    for p in result.disjoint_paths:
        paths.add_row(p.via, f"{p.rtt_ms:.1f}", f"{p.capacity_tbps:g}", " - ".join(p.nodes))
    console.print(paths)
    for title, rows in (("Cuts", result.cuts), ("Most critical single sections", result.critical)):
        if not rows:
            continue
        table = Table(title=title)
        for column in ("cut", "RTT before", "RTT after", "Tbps before", "Tbps after", "paths"):
            table.add_column(column)
        for c in rows:
            after = "disconnected" if c.rtt_after_ms is None else f"{c.rtt_after_ms:.1f}"
            before = "-" if c.rtt_before_ms is None else f"{c.rtt_before_ms:.1f}"
            table.add_row(
                c.element,
                before,
                after,
                f"{c.capacity_before_tbps:g}",
                f"{c.capacity_after_tbps:g}",
                f"{c.paths_before} -> {c.paths_after}",
            )
        console.print(table)


def power(
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year dispatched (default: the scenario's, else 2030).", **YEAR.typer()),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="A scenario (library name or file) that adds or removes cables and plants."),
    ] = None,
    include_proposed: Annotated[
        bool,
        typer.Option("--include-proposed", help="Also take proposed lines and plants (the Caspian cable) as built."),
    ] = False,
    co2_price: Annotated[
        float,
        typer.Option(
            "--co2-price", help="Price on life-cycle CO2e, USD per tonne, added to plants' costs.", **VOLUME.typer()
        ),
    ] = 0.0,
    resolution: Annotated[
        str,
        typer.Option("--resolution", help="typical-days (4 x 24 h, the default) or hourly (8,760 h)."),
    ] = "typical-days",
    avoid: Annotated[
        list[str] | None, typer.Option("--avoid", help="Lines or plants left out (ids or names); comma-separated.")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Write the solved PyPSA network to FILE.nc (netCDF) or FILE.xlsx (Excel)."),
    ] = None,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Dispatch the power layer for a year: flows on each interconnector, curtailment, exports, emissions."""
    from corridor.errors import InvalidOptionError
    from corridor.services.power import PowerOptions, check_export_path, export_power, run_power

    if resolution not in ("typical-days", "hourly"):
        raise InvalidOptionError(f"--resolution {resolution!r}: give typical-days or hourly")
    if export is not None:
        check_export_path(export)
    result = run_power(
        open_network(network),
        PowerOptions(
            year=year,
            scenario=scenario,
            include_proposed=include_proposed,
            co2_price_usd_per_t=co2_price,
            resolution="hourly" if resolution == "hourly" else "typical-days",
            avoid=tuple(_split_list(avoid)),
        ),
    )
    for note in result.notes:
        print(f"corridor: warning: {note}", file=sys.stderr)
    if export is not None:
        export_power(result, export)
        print(f"corridor: wrote the PyPSA network to {export}", file=sys.stderr)
    if as_json:
        print_json(result.to_dict())
        return
    _print_power(result)


def _print_power(result: PowerResult) -> None:
    from rich.table import Table

    console = get_console()
    lines = Table(title=f"Interconnectors in {result.year} ({result.resolution})")
    for column in ("line", "from", "to", "MW", "fwd TWh", "back TWh", "use", "h at limit", "status"):
        lines.add_column(column, justify="left" if column in ("line", "from", "to", "status") else "right")
    for f in result.flows:
        lines.add_row(
            f.line,
            f.from_,
            f.to,
            f"{f.capacity_mw:,.0f}",
            f"{f.forward_twh:.2f}",
            f"{f.backward_twh:.2f}",
            f"{f.utilisation:.0%}",
            f"{f.hours_at_limit:,.0f}",
            f.status,
        )
    console.print(lines)
    nodes = Table(title="Grids")
    for column in ("node", "demand TWh", "generation TWh", "curtailed", "unserved TWh", "Mt CO2e", "g/kWh", "USD/MWh"):
        nodes.add_column(column, justify="left" if column == "node" else "right")
    for node, demand in result.demand_twh.items():
        nodes.add_row(
            node,
            f"{demand:.1f}",
            f"{sum(result.generation_twh[node].values()):.1f}",
            f"{result.curtailment_share(node):.1%}",
            f"{result.unserved_twh[node]:.3f}",
            f"{result.emissions_t[node] / 1e6:.1f}",
            f"{result.intensity_g_per_kwh[node]:.0f}",
            f"{result.price_usd_per_mwh[node]:.1f}",
        )
    console.print(nodes)
    exports = ", ".join(f"{k} {v:.2f} TWh" for k, v in result.exports_twh.items())
    console.print(f"exports: {exports}; to Europe {result.exports_to_europe_twh:.2f} TWh")
    console.print(
        f"emissions {result.total_emissions_mt:.1f} Mt CO2e (life cycle); curtailment "
        f"{result.curtailment_share():.1%} of wind, solar and water available"
    )
    for r in result.rail:
        console.print(
            f"electric rail {r.country}: grid {r.grid_g_per_kwh:.0f} g/kWh -> {r.modelled_wtw_g_per_tkm:.1f} g/tkm WTW "
            f"(dataset {r.wtw_g_per_tkm:g}); {r.electrified_share:.0%} of the country's rail km electric"
        )
    if result.rail_links:
        per_t = ", ".join(f"{x.link} {x.dataset_kg_per_t:.2f} -> {x.modelled_kg_per_t:.2f}" for x in result.rail_links)
        console.print(f"freight CO2e of electric lines, kg a tonne (dataset -> this grid): {per_t}")
