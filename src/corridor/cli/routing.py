"""Commands ``compare``, ``route``, ``places`` and ``validate``: routes on the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli._options import (
    ArriveByOpt,
    AvoidOpt,
    CarbonOpt,
    CargoOpt,
    DepartOpt,
    GridYearOpt,
    JsonOpt,
    NetworkOpt,
    OptimizeOpt,
    OutputOpt,
    QuantityOpt,
    VotOpt,
    YearOpt,
    open_network,
)
from corridor.cli._output import NARROW_COLUMNS, get_console, money, print_json, write_text_atomic
from corridor.io.files import output_path
from corridor.limits import ALTERNATIVES

if TYPE_CHECKING:
    from corridor.routing.results import Route

PLACE_HELP = (
    "Origin: a network place (name, alias, id, UN/LOCODE), any city of 15,000 people or more ('Paris, FR'), "
    "coordinates ('43.2,76.9') or a UN/LOCODE; places off the network are joined by road."
)


def compare(
    origin: Annotated[str, typer.Argument(help=PLACE_HELP)],
    destination: Annotated[str, typer.Argument(help="Destination place (as the origin).")],
    cargo: CargoOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    avoid: AvoidOpt = None,
    optimize: OptimizeOpt = "generalized",
    value_of_time: VotOpt = None,
    carbon_price: CarbonOpt = None,
    depart: DepartOpt = None,
    arrive_by: ArriveByOpt = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", help="Times under this scenario's flows (queues at loaded ports, ferries, borders)."
        ),
    ] = None,
    year: YearOpt = None,
    grid_year: GridYearOpt = None,
    as_json: JsonOpt = False,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Also write the routes as GeoJSON.")] = None,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """Compare the best route of each corridor: P50 and P10–P90 days, cost, CO2e, transshipments, borders."""
    from corridor.services.power import grid_network
    from corridor.services.trips import comparison_json

    if geojson is not None:
        output_path(geojson)  # refused before any work, not after it
    if output is not None:
        from corridor.io.export import export_format

        export_format(output)
    net = open_network(network)
    under = None
    if scenario is not None:
        from corridor.scenarios.files import load_scenario

        under = load_scenario(scenario, net)
    net = grid_network(net, grid_year, scenario=under)
    data, result = comparison_json(
        net,
        origin,
        destination,
        scenario=under,
        year=year,
        depart=depart,
        arrive_by=arrive_by,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        optimize=optimize,
        value_of_time_usd_per_t_hour=value_of_time,
        carbon_price_usd_per_t=carbon_price,
    )
    if geojson is not None:
        write_text_atomic(geojson, json.dumps(result.to_geojson(), ensure_ascii=False))
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import comparison_export

        write_export(output, comparison_export(data, result))
    if as_json:
        print_json(data)
        return
    _print_comparison(result, data, optimize)


def _print_comparison(result: Any, data: dict[str, Any], optimize: str) -> None:
    """The comparison as a table that fits the console (narrower than 150 columns: no side borders, no mean)."""
    from rich import box
    from rich.table import Table

    qty = f"{result.quantity:g} {result.cargo}"
    when = (
        f"arriving by {_when(result.arrive_by)} at P90, latest departure first"
        if result.arrive_by
        else f"departing {(result.depart or '')[:10]}"
    )
    under_text = f", under {data['scenario']['name']} ({data['scenario']['year']})" if data["scenario"] else ""
    console = get_console()
    narrow = console.width < NARROW_COLUMNS  # e.g. 100 columns: no side borders, no mean, short headers
    table = Table(
        title=f"{result.origin} → {result.destination}, {qty}, {when}{under_text}, "
        f"best route per corridor by {optimize}",
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        pad_edge=not narrow,
        collapse_padding=narrow,
    )
    columns = [("corridor", "left"), ("via", "left")]
    if result.arrive_by:
        columns.append(("leave by", "left"))
    columns.append(("arrive P50", "left"))
    numbers = [("days P50", "right"), ("P10–P90", "right"), ("mean", "right"), ("cost USD", "right")]
    numbers += [("CO2e kg", "right"), ("transshipments", "right"), ("borders", "right")]
    if narrow:
        numbers = [("P50 d", "right"), ("P10–P90", "right"), ("USD", "right"), ("CO2e kg", "right")]
        numbers += [("tr", "right"), ("bo", "right")]
    for name, justify in (*columns, *numbers):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in result.options:
        leave = [_when(r.timing.depart)] if result.arrive_by and r.timing else []
        mean = [] if narrow else [f"{r.mean_days:.1f}"]
        arrive = _when(r.arrive_p50)
        table.add_row(
            r.corridor,
            ", ".join(r.via),
            *leave,
            arrive[:10] if narrow else arrive,
            f"{r.days:.1f}",
            f"{r.days_low:.1f}–{r.days_high:.1f}",
            *mean,
            money(r.cost_usd),
            money(r.co2e_kg),
            str(r.transshipments),
            str(r.border_crossings),
        )
    console.print(table)
    if narrow:
        console.print("tr: transshipments, bo: border crossings; arrival dates UTC.")
    console.print(
        "Days: the Monte Carlo distribution of door-to-door time (dwell, running times, waits for sailings, weather"
        + (", queues under the scenario's flows" if data["scenario"] else "")
        + "). CO2e well-to-wheel (ISO 14083 / GLEC)."
    )
    if data["scenario"]:
        for row in data["scenario"]["over_capacity"]:
            console.print(
                f"over capacity: {row['element']} at {row['utilization']:.0%}, "
                f"{row['waiting_t_at_year_end']:,} t waiting at the year's end; its queue grows all year"
            )
    for cid, why in result.unavailable.items():
        console.print(f"{cid}: {why}")


def _when(iso: str | None) -> str:
    """An ISO instant as the tables show it: ``2026-03-01 08:00`` (UTC)."""
    return "" if not iso else iso[:16].replace("T", " ")


def _legs_table(route: Route, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for name in ("from", "to", "mode", "departs", "arrives", "km", "hours", "cost USD", "CO2e kg"):
        table.add_column(name, justify="left" if name in ("from", "to", "mode", "departs", "arrives") else "right")
    times: list[Any] = list(route.leg_times()) or [None] * len(route.legs)
    for leg, span in zip(route.legs, times, strict=True):
        mode = f"{leg.mode} {leg.gauge}" if leg.gauge else leg.mode
        table.add_row(
            leg.from_place,
            leg.to_place if leg.kind == "move" else "",
            mode,
            span[0].strftime("%Y-%m-%d %H:%M") if span else "",
            span[1].strftime("%Y-%m-%d %H:%M") if span else "",
            f"{leg.distance_km:,.0f}" if leg.kind == "move" else "",
            f"{leg.hours:.1f}",
            money(leg.cost_usd),
            money(leg.co2e_kg),
        )
    table.add_row(
        "total",
        "",
        "",
        _when(route.depart),
        _when(route.leg_times()[-1][1].isoformat()) if route.depart and route.legs else "",
        f"{route.distance_km:,.0f}",
        f"{route.hours:.1f}",
        money(route.cost_usd),
        money(route.co2e_kg),
        style="bold",
    )
    return table


def _find_routes(
    net: Any, origin: str, destination: str, asked: dict[str, Any], *, depart_given: bool, **options: Any
) -> tuple[list[Any], str]:
    """The routes ``corridor route`` shows, and how they were chosen: from the latest departure for a deadline,
    the Pareto set, K alternatives, or the best route."""
    from corridor.routing import route_sets, timing
    from corridor.routing import search as routing

    optimize, arrive_by = asked["optimize"], asked["arrive_by"]
    weights = {k: options.pop(k) for k in ("value_of_time_usd_per_t_hour", "carbon_price_usd_per_t")}
    if arrive_by is not None:
        if depart_given or asked["pareto"] or asked["alternatives"] > 1:
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError(
                "--arrive-by times one route: give it without --depart, --pareto or --alternatives."
            )
        options.pop("depart")
        found = timing.latest_departure(
            net, origin, destination, arrive_by=arrive_by, optimize=optimize, **options, **weights
        )
        return [found], optimize
    if asked["pareto"]:
        return route_sets.pareto(net, origin, destination, **options), "pareto"
    if asked["alternatives"] > 1:
        k = asked["alternatives"]
        return route_sets.alternatives(net, origin, destination, k=k, optimize=optimize, **options, **weights), optimize
    return [routing.route(net, origin, destination, optimize=optimize, **options, **weights)], optimize


def route(
    origin: Annotated[str, typer.Argument(help=PLACE_HELP)],
    destination: Annotated[str, typer.Argument(help="Destination place (as the origin).")],
    optimize: OptimizeOpt = "generalized",
    pareto: Annotated[
        bool, typer.Option("--pareto", help="Every route Pareto-optimal in time, cost and CO2e.")
    ] = False,
    alternatives: Annotated[
        int, typer.Option("--alternatives", help="The K best distinct routes.", **ALTERNATIVES.typer())
    ] = 1,
    corridor: Annotated[str | None, typer.Option("--corridor", help="Keep to one corridor (e.g. middle).")] = None,
    cargo: CargoOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    avoid: AvoidOpt = None,
    value_of_time: VotOpt = None,
    carbon_price: CarbonOpt = None,
    depart: DepartOpt = None,
    arrive_by: ArriveByOpt = None,
    grid_year: GridYearOpt = None,
    as_json: JsonOpt = False,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Also write the route(s) as GeoJSON.")] = None,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """The itinerary leg by leg (expected hours): the best route, the Pareto set, or K alternatives."""
    from corridor.reliability.engine import as_datetime
    from corridor.services.power import grid_network

    if geojson is not None:
        output_path(geojson)
    if output is not None:
        from corridor.io.export import export_format

        export_format(output)
    net = grid_network(open_network(network), grid_year)
    common: dict[str, Any] = {
        "cargo": cargo,
        "quantity": quantity,
        "avoid": avoid,
        "corridor": corridor,
        "depart": as_datetime(depart),
    }
    weights: dict[str, Any] = {
        "value_of_time_usd_per_t_hour": value_of_time,
        "carbon_price_usd_per_t": carbon_price,
    }
    asked = {"optimize": optimize, "pareto": pareto, "alternatives": alternatives, "arrive_by": arrive_by}
    routes, label = _find_routes(net, origin, destination, asked, depart_given=depart is not None, **common, **weights)
    if geojson is not None:
        features = [f for r in routes for f in r.to_geojson()["features"]]
        write_text_atomic(geojson, json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    first = routes[0]
    data = {
        "origin": first.origin,
        "destination": first.destination,
        "cargo": first.cargo,
        "quantity": first.quantity,
        "optimize": label,
        "routes": [r.to_dict() for r in routes],
    }
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import routes_export

        write_export(output, routes_export(data, routes))
    if as_json:
        print_json(data)
        return
    console = get_console()
    if pareto:
        from rich.table import Table

        table = Table(title=f"{first.origin} → {first.destination}: {len(routes)} Pareto-optimal routes")
        for name in ("#", "corridor", "via", "days", "cost USD", "CO2e kg"):
            table.add_column(name, justify="left" if name in ("corridor", "via") else "right")
        for i, r in enumerate(routes, 1):
            table.add_row(str(i), r.corridor, ", ".join(r.via), f"{r.days:.1f}", money(r.cost_usd), money(r.co2e_kg))
        console.print(table)
        return
    for i, r in enumerate(routes, 1):
        head = f"#{i} " if len(routes) > 1 else ""
        spread = (
            f"P50 {r.days:.1f} days (P10–P90 {r.days_low:.1f}–{r.days_high:.1f}, mean {r.mean_days:.1f}); "
            f"arrives {_when(r.arrive_p50)} at P50, {_when(r.arrive_p90)} at P90"
            if r.timing
            else f"{r.days:.1f} days expected"
        )
        if arrive_by is not None and r.timing:
            spread = f"latest departure {_when(r.timing.depart)} to arrive by {_when(arrive_by)} at P90; " + spread
        title = (
            f"{head}{r.origin} → {r.destination} ({r.corridor}), by {label}: {spread}, "
            f"{r.transshipments} transshipments, {r.border_crossings} borders"
        )
        console.print(_legs_table(r, title))


def places(
    search: Annotated[str, typer.Option("--search", help="Part of a name, alias, country code or UN/LOCODE.")] = "",
    world: Annotated[
        bool,
        typer.Option(
            "--world",
            help="Search the world's cities of 15,000 people or more instead (with --search): the label that names "
            "each, and its nearest terminal of the network.",
        ),
    ] = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """List the places of the network (names match without case or accents), or with --world the world's cities."""
    net = open_network(network)
    if world:
        _world_places(net, search, as_json=as_json)
        return
    found = net.search_places(search)
    if as_json:
        print_json(
            [p.model_dump(include={"id", "name", "aliases", "country", "lat", "lon", "kind", "locode"}) for p in found]
        )
        return
    from rich.table import Table

    table = Table(title=f"{len(found)} places" + (f" matching {search!r}" if search else ""))
    for name in ("id", "name", "country", "kind", "UN/LOCODE", "aliases"):
        table.add_column(name)
    for p in found:
        table.add_row(p.id, p.name, p.country, p.kind, p.locode or "", ", ".join(p.aliases))
    get_console().print(table)


def _world_places(net: Any, search: str, *, as_json: bool) -> None:
    from corridor.dataset.anyplace import ACCESS_MAX_KM, world_places
    from corridor.errors import InvalidOptionError

    if not search.strip():
        raise InvalidOptionError("--world searches the world's cities: give part of a name with --search.")
    rows = world_places(net, search)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} cities matching {search!r}, most populous first (at most 20)")
    for name in ("label", "population", "lat", "lon", "nearest terminal", "km"):
        table.add_column(name, justify="left" if name in ("label", "nearest terminal") else "right")
    for row in rows:
        km = row["km"]
        far = isinstance(km, int) and km > ACCESS_MAX_KM
        table.add_row(
            str(row["label"]),
            f"{row['population']:,}",
            f"{row['lat']:.2f}",
            f"{row['lon']:.2f}",
            str(row["nearest_terminal"] or ""),
            "" if km is None else f"{km:,}" + (" (too far)" if far else ""),
        )
    get_console().print(table)


def validate(
    folder: Annotated[Path, typer.Argument(help="Dataset folder to check.")],
) -> None:
    """Check a dataset folder and list every problem with file, line and column."""
    from corridor.appraisal.projects import check_projects
    from corridor.scenarios.years import check_years

    net = open_network(folder)
    check_years(net)  # changes.csv: every year's changes apply to the tables
    check_projects(net)  # projects.csv: every project's changes apply as a scenario's would
    estimated = sum(1 for rec in (*net.places, *net.links, *net.transfers, *net.services) if rec.estimated)
    total = len(net.places) + len(net.links) + len(net.transfers) + len(net.services)
    print(
        f"{folder}: valid. {len(net.places)} places, {len(net.links)} links, {len(net.transfers)} transfers, "
        f"{len(net.services)} services, {len(net.sources)} sources; {estimated} of {total} records are estimates."
    )
