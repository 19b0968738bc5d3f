"""Commands ``oil``, ``latency`` and ``resilience``: the oil and data layers."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import VOLUME, YEAR

if TYPE_CHECKING:
    from corridor.layers.oil import OilAllocation


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
