"""The ``corridor`` command line: thin wrappers that parse options, call the engines and print results."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from corridor.network import Network
    from corridor.results import Route

app = typer.Typer(
    name="corridor",
    help="Routes, costs, times and emissions on the Middle Corridor and its competitors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

NetworkOpt = Annotated[
    Path | None,
    typer.Option("--network", help="Dataset folder (CSV tables and dataset.yaml); the embedded 'eurasia' if omitted."),
]
CargoOpt = Annotated[str, typer.Option("--cargo", help="FEU, TEU, t (dry bulk tonnes) or liquid (liquid bulk tonnes).")]
QuantityOpt = Annotated[float, typer.Option("--quantity", help="How many cargo units.")]
AvoidOpt = Annotated[
    str | None,
    typer.Option("--avoid", help="Comma-separated countries (RU,IR), passages (suez,red-sea,bosporus,...) or modes."),
]
OptimizeOpt = Annotated[str, typer.Option("--optimize", help="time, cost, co2e or generalized.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
VotOpt = Annotated[
    float | None,
    typer.Option("--value-of-time", help="USD per FEU-hour in the generalized cost (dataset default)."),
]
CarbonOpt = Annotated[
    float | None,
    typer.Option("--carbon-price", help="USD per t CO2e in the generalized cost (dataset default)."),
]


def _network(path: Path | None) -> Network:
    from corridor.network import load_network

    return load_network(path)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _stage(path: Path, text: str) -> str:
    """Write ``text`` to a temporary file beside ``path`` (with the permissions a new file gets) and return its name."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _write_atomic(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, renamed into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    tmp = _stage(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _money(value: float) -> str:
    return f"{value:,.0f}"


@app.command()
def compare(
    origin: Annotated[str, typer.Argument(help="Origin place (name, alias or id).")],
    destination: Annotated[str, typer.Argument(help="Destination place.")],
    cargo: CargoOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    avoid: AvoidOpt = None,
    optimize: OptimizeOpt = "generalized",
    value_of_time: VotOpt = None,
    carbon_price: CarbonOpt = None,
    as_json: JsonOpt = False,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Also write the routes as GeoJSON.")] = None,
    network: NetworkOpt = None,
) -> None:
    """Compare the best route of each corridor: days, cost, CO2e, transshipments, borders."""
    from corridor.routing import compare as run

    net = _network(network)
    result = run(
        net,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        optimize=optimize,
        value_of_time_usd_per_hour=value_of_time,
        carbon_price_usd_per_t=carbon_price,
    )
    if geojson is not None:
        _write_atomic(geojson, json.dumps(result.to_geojson(), ensure_ascii=False))
    if as_json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    qty = f"{result.quantity:g} {result.cargo}"
    table = Table(title=f"{result.origin} → {result.destination}, {qty}, best route per corridor by {optimize}")
    for name, justify in (
        ("corridor", "left"),
        ("via", "left"),
        ("days", "right"),
        ("days low–high", "right"),
        ("cost USD", "right"),
        ("CO2e kg", "right"),
        ("transshipments", "right"),
        ("borders", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in result.options:
        table.add_row(
            r.corridor,
            ", ".join(r.via),
            f"{r.days:.1f}",
            f"{r.days_low:.1f}–{r.days_high:.1f}",
            _money(r.cost_usd),
            _money(r.co2e_kg),
            str(r.transshipments),
            str(r.border_crossings),
        )
    console = _console()
    console.print(table)
    console.print("CO2e well-to-wheel (ISO 14083 / GLEC); days include expected waits for sailings and border dwell.")
    for cid, why in result.unavailable.items():
        console.print(f"{cid}: {why}")


def _legs_table(route: Route, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for name in ("from", "to", "mode", "km", "hours", "cost USD", "CO2e kg"):
        table.add_column(name, justify="left" if name in ("from", "to", "mode") else "right")
    for leg in route.legs:
        mode = f"{leg.mode} {leg.gauge}" if leg.gauge else leg.mode
        table.add_row(
            leg.from_place,
            leg.to_place if leg.kind == "move" else "",
            mode,
            f"{leg.distance_km:,.0f}" if leg.kind == "move" else "",
            f"{leg.hours:.1f}",
            _money(leg.cost_usd),
            _money(leg.co2e_kg),
        )
    table.add_row(
        "total",
        "",
        "",
        f"{route.distance_km:,.0f}",
        f"{route.hours:.1f}",
        _money(route.cost_usd),
        _money(route.co2e_kg),
        style="bold",
    )
    return table


@app.command()
def route(
    origin: Annotated[str, typer.Argument(help="Origin place (name, alias or id).")],
    destination: Annotated[str, typer.Argument(help="Destination place.")],
    optimize: OptimizeOpt = "generalized",
    pareto: Annotated[
        bool, typer.Option("--pareto", help="Every route Pareto-optimal in time, cost and CO2e.")
    ] = False,
    alternatives: Annotated[int, typer.Option("--alternatives", help="The K best distinct routes.", min=1)] = 1,
    corridor: Annotated[str | None, typer.Option("--corridor", help="Keep to one corridor (e.g. middle).")] = None,
    cargo: CargoOpt = "FEU",
    quantity: QuantityOpt = 1.0,
    avoid: AvoidOpt = None,
    value_of_time: VotOpt = None,
    carbon_price: CarbonOpt = None,
    as_json: JsonOpt = False,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Also write the route(s) as GeoJSON.")] = None,
    network: NetworkOpt = None,
) -> None:
    """The itinerary leg by leg: the best route, the Pareto set, or K alternatives."""
    from corridor import routing

    net = _network(network)
    common: dict[str, Any] = {"cargo": cargo, "quantity": quantity, "avoid": avoid, "corridor": corridor}
    weights: dict[str, Any] = {
        "value_of_time_usd_per_hour": value_of_time,
        "carbon_price_usd_per_t": carbon_price,
    }
    if pareto:
        routes = routing.pareto(net, origin, destination, **common)
        label = "pareto"
    elif alternatives > 1:
        routes = routing.alternatives(net, origin, destination, k=alternatives, optimize=optimize, **common, **weights)
        label = optimize
    else:
        routes = [routing.route(net, origin, destination, optimize=optimize, **common, **weights)]
        label = optimize
    if geojson is not None:
        features = [f for r in routes for f in r.to_geojson()["features"]]
        _write_atomic(geojson, json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    first = routes[0]
    if as_json:
        _print_json(
            {
                "origin": first.origin,
                "destination": first.destination,
                "cargo": first.cargo,
                "quantity": first.quantity,
                "optimize": label,
                "routes": [r.to_dict() for r in routes],
            }
        )
        return
    console = _console()
    if pareto:
        from rich.table import Table

        table = Table(title=f"{first.origin} → {first.destination}: {len(routes)} Pareto-optimal routes")
        for name in ("#", "corridor", "via", "days", "cost USD", "CO2e kg"):
            table.add_column(name, justify="left" if name in ("corridor", "via") else "right")
        for i, r in enumerate(routes, 1):
            table.add_row(str(i), r.corridor, ", ".join(r.via), f"{r.days:.1f}", _money(r.cost_usd), _money(r.co2e_kg))
        console.print(table)
        return
    for i, r in enumerate(routes, 1):
        head = f"#{i} " if len(routes) > 1 else ""
        title = (
            f"{head}{r.origin} → {r.destination} ({r.corridor}), by {label}: {r.days:.1f} days "
            f"({r.days_low:.1f}–{r.days_high:.1f}), {r.transshipments} transshipments, "
            f"{r.border_crossings} borders"
        )
        console.print(_legs_table(r, title))


@app.command()
def places(
    search: Annotated[str, typer.Option("--search", help="Part of a name, alias, country code or UN/LOCODE.")] = "",
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """List the places of the network (names match without case or accents)."""
    net = _network(network)
    found = net.search_places(search)
    if as_json:
        _print_json(
            [p.model_dump(include={"id", "name", "aliases", "country", "lat", "lon", "kind", "locode"}) for p in found]
        )
        return
    from rich.table import Table

    table = Table(title=f"{len(found)} places" + (f" matching {search!r}" if search else ""))
    for name in ("id", "name", "country", "kind", "UN/LOCODE", "aliases"):
        table.add_column(name)
    for p in found:
        table.add_row(p.id, p.name, p.country, p.kind, p.locode or "", ", ".join(p.aliases))
    _console().print(table)


@app.command()
def validate(
    folder: Annotated[Path, typer.Argument(help="Dataset folder to check.")],
) -> None:
    """Check a dataset folder and list every problem with file, line and column."""
    net = _network(folder)
    estimated = sum(1 for rec in (*net.places, *net.links, *net.transfers, *net.services) if rec.estimated)
    total = len(net.places) + len(net.links) + len(net.transfers) + len(net.services)
    print(
        f"{folder}: valid. {len(net.places)} places, {len(net.links)} links, {len(net.transfers)} transfers, "
        f"{len(net.services)} services, {len(net.sources)} sources; {estimated} of {total} records are estimates."
    )


def _progress_bar(target_gap: float) -> tuple[Any, Any]:
    """A rich progress bar on a terminal's stderr (log scale from the first gap to the target), else nothing."""
    if not sys.stderr.isatty():
        return None, None
    import math

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("assignment"),
        BarColumn(),
        TextColumn("iteration {task.fields[iteration]}, gap {task.fields[gap]}"),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
    )
    task = bar.add_task("assign", total=1.0, iteration=0, gap="-")
    first: list[float] = []

    def update(iteration: int, gap: float) -> None:
        if not first and gap > 0:
            first.append(gap)
        done = 0.0
        if first and gap > 0 and first[0] > target_gap:
            done = min(1.0, max(0.0, math.log(first[0] / gap) / math.log(first[0] / target_gap)))
        bar.update(task, completed=done, iteration=iteration, gap=f"{gap:.2e}")

    return bar, update


def _flow_network(network: Path | None, demand: Path | None, year: int | None, **kw: Any) -> Any:
    from corridor.freight import flow_network

    net = _network(network)
    rows = None
    if demand is not None:
        from corridor.io.demand import read_demand_csv

        rows = read_demand_csv(demand, net)
    flow_net = flow_network(net, year=year, demand=rows, **kw)
    if flow_net.demand is None:
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Dataset {net.info.name!r} has no demand table (demand.csv); give --demand FILE")
    return flow_net


@app.command()
def assign(
    tntp: Annotated[
        Path | None, typer.Option("--tntp", help="A TNTP network folder (*_net.tntp, *_trips.tntp) to assign.")
    ] = None,
    demand: Annotated[
        Path | None,
        typer.Option("--demand", help="Demand CSV (origin, destination, commodity, tonnes_per_year[, year, avoid])."),
    ] = None,
    network: NetworkOpt = None,
    algorithm: Annotated[str, typer.Option("--algorithm", help="msa, fw, cfw, bfw or bush.")] = "bfw",
    objective: Annotated[str, typer.Option("--objective", help="ue (user equilibrium) or so (system optimum).")] = "ue",
    gap: Annotated[float, typer.Option("--gap", help="Target relative gap.")] = 1e-4,
    max_iter: Annotated[int, typer.Option("--max-iter", help="Most iterations.")] = 1000,
    max_seconds: Annotated[float | None, typer.Option("--max-seconds", help="Stop after this many seconds.")] = None,
    toll_factor: Annotated[float, typer.Option("--toll-factor", help="Time units per toll unit (TNTP).")] = 0.0,
    distance_factor: Annotated[float, typer.Option("--distance-factor", help="Time units per length unit.")] = 0.0,
    year: Annotated[int | None, typer.Option("--year", help="Year of the dataset's demand table.")] = None,
    demand_scale: Annotated[float, typer.Option("--demand-scale", help="Multiply every demand value.")] = 1.0,
    capacity_scale: Annotated[float, typer.Option("--capacity-scale", help="Multiply every capacity.")] = 1.0,
    flows: Annotated[Path | None, typer.Option("--flows", help="Write link flows (.csv or .parquet).")] = None,
    elements: Annotated[
        Path | None, typer.Option("--elements", help="Write capacity elements with v/c and delay (.csv/.parquet).")
    ] = None,
    convergence: Annotated[
        Path | None, typer.Option("--convergence", help="Write the gap per iteration (.csv or .parquet).")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the convergence plot (.png).")] = None,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Write a map-ready flow file (GeoJSON).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Equilibrium flow assignment on a TNTP network or a corridor network (volume-delay on capacities)."""
    from corridor.assignment import ALGORITHMS, warmup
    from corridor.assignment import assign as run
    from corridor.errors import InvalidOptionError

    if algorithm not in ALGORITHMS:
        raise InvalidOptionError(f"Unknown algorithm {algorithm!r}; valid: {', '.join(ALGORITHMS)}")
    for path, kinds in (
        (plot, (".png",)),
        (flows, (".csv", ".parquet")),
        (elements, (".csv", ".parquet")),
        (convergence, (".csv", ".parquet")),
        (geojson, (".geojson", ".json")),
    ):
        if path is not None and path.suffix.lower() not in kinds:
            raise InvalidOptionError(f"Cannot write {str(path)!r}: use a {' or '.join(kinds)} file name")
    if tntp is not None:
        if demand is not None or network is not None:
            raise InvalidOptionError("--tntp brings its own network and trips: leave out --network and --demand")
        from corridor.io.tntp import network_from_tntp

        flow_net = network_from_tntp(tntp)
        if demand_scale != 1.0 and flow_net.demand is not None:
            flow_net = _replace_demand(flow_net, flow_net.demand.scaled(demand_scale))
        if capacity_scale != 1.0:
            flow_net = _scale_capacity(flow_net, capacity_scale)
    else:
        flow_net = _flow_network(network, demand, year, demand_scale=demand_scale, capacity_scale=capacity_scale)
    if geojson is not None and flow_net.node_xy is None:
        raise InvalidOptionError(f"Network {flow_net.name!r} has no node coordinates, so no map can be drawn")
    warmup()  # compiled kernels load before the clock starts
    bar, update = _progress_bar(gap)
    if bar is not None:
        bar.start()
    try:
        result = run(
            flow_net,
            algorithm=algorithm,
            objective=objective,
            gap=gap,
            max_iter=max_iter,
            max_seconds=max_seconds,
            toll_factor=toll_factor,
            distance_factor=distance_factor,
            progress=update,
        )
    finally:
        if bar is not None:
            bar.stop()
    from corridor.io.flows import plot_convergence, write_geojson, write_table

    if flows is not None:
        write_table(result.links_frame(), flows)
    if elements is not None:
        write_table(result.elements_frame(), elements)
    if convergence is not None:
        write_table(result.convergence_frame(), convergence)
    if plot is not None:
        plot_convergence(result, plot)
    if geojson is not None:
        write_geojson(result.to_geojson(), geojson)
    summary = result.to_dict()
    if tntp is None:
        from corridor.freight import passage_volumes

        summary["passage_volumes_t"] = passage_volumes(result)
        summary["year"] = flow_net.demand.year if flow_net.demand is not None else None
    if as_json:
        _print_json(summary)
        return
    _print_assignment(result, summary)


def _replace_demand(net: Any, demand: Any) -> Any:
    import dataclasses

    return dataclasses.replace(net, demand=demand)


def _scale_capacity(net: Any, factor: float) -> Any:
    import dataclasses
    import math

    from corridor.errors import InvalidOptionError

    if not (math.isfinite(factor) and factor > 0):
        raise InvalidOptionError(f"The capacity scale must be a positive number, got {factor!r}")
    return dataclasses.replace(net, capacity=net.capacity * factor)


def _print_assignment(result: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table

    console = _console()
    state = "converged" if result.converged else "stopped before the target gap"
    console.print(
        f"{result.network.name}: {result.algorithm} ({result.equilibrium.upper()}), {result.iterations} iterations, "
        f"relative gap {result.relative_gap:.3e} ({state}), objective {result.objective:,.3f}, "
        f"{result.seconds:.3f} s"
    )
    if summary.get("flow_rmse") is not None:
        console.print(f"link-flow RMSE against the reference flows: {summary['flow_rmse']:.3f}")
    if "passage_volumes_t" in summary:
        vols = ", ".join(f"{k} {v / 1e6:.2f} Mt" for k, v in summary["passage_volumes_t"].items())
        console.print(f"year {summary['year']}, demand {result.total_demand / 1e6:.2f} Mt; through passages: {vols}")
    if result.unassigned:
        console.print(
            f"{len(result.unassigned)} OD pair(s) with no allowed path, {result.unassigned_demand:,.1f} "
            f"{result.network.flow_unit} unassigned (see --json)"
        )
    if summary["bottlenecks"]:
        table = Table(title="Most utilised capacity elements")
        for name in ("element", "kind", "volume", "capacity", "v/c", f"delay ({result.network.time_unit})"):
            table.add_column(name, justify="left" if name in ("element", "kind") else "right")
        for b in summary["bottlenecks"]:
            table.add_row(
                b["label"],
                b["kind"],
                f"{b['volume']:,.0f}",
                f"{b['capacity']:,.0f}",
                f"{b['utilization']:.2f}",
                f"{b['delay']:.2f}",
            )
        console.print(table)


@app.command()
def bottlenecks(
    network: NetworkOpt = None,
    demand: Annotated[
        Path | None,
        typer.Option("--demand", help="Demand CSV (origin, destination, commodity, tonnes_per_year[, year, avoid])."),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year of the dataset's demand table.")] = None,
    demand_scale: Annotated[float, typer.Option("--demand-scale", help="Multiply every demand value.")] = 1.0,
    capacity_scale: Annotated[float, typer.Option("--capacity-scale", help="Multiply every capacity.")] = 1.0,
    top: Annotated[int, typer.Option("--top", help="How many elements to list.", min=1)] = 15,
    as_json: JsonOpt = False,
) -> None:
    """Capacity elements ranked by v/c, delay (equilibrium) and shadow price (hard-capacity LP)."""
    from corridor.bottlenecks import rank_bottlenecks

    flow_net = _flow_network(network, demand, year, demand_scale=demand_scale, capacity_scale=capacity_scale)
    report = rank_bottlenecks(flow_net, top=top)
    if as_json:
        _print_json(report)
        return
    from rich.table import Table

    table = Table(
        title=f"Bottlenecks, {flow_net.name} {report['year']}: demand {report['demand_t'] / 1e6:.2f} Mt, "
        f"unserved under hard capacities {report['unserved_t'] / 1e6:.3f} Mt"
    )
    for name in ("#", "element", "kind", "volume t", "capacity t", "v/c", "delay h", "shadow USD/t"):
        table.add_column(name, justify="left" if name in ("element", "kind") else "right")
    for b in report["bottlenecks"]:
        table.add_row(
            str(b["rank"]),
            b["label"],
            b["kind"],
            f"{b['volume_t']:,.0f}",
            f"{b['capacity_t']:,.0f}",
            f"{b['utilization']:.2f}",
            f"{b['delay_hours']:.1f}",
            f"{b['shadow_price_usd_per_t']:.2f}",
        )
    _console().print(table)


SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run on the Dask scheduler at tcp://HOST:PORT instead of a LocalCluster."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes of the Dask LocalCluster (default: one per core).", min=1),
]


def _task_progress(label: str) -> tuple[Any, Any]:
    """A rich progress bar over tasks on a terminal's stderr, else nothing."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=_console(stderr=True)
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


InProcessOpt = Annotated[
    bool, typer.Option("--in-process", help="Run a sweep in this process instead of a Dask LocalCluster.")
]


class _Runner:
    """Where tasks run: on Dask with a progress bar (a LocalCluster by default for sweeps), or here."""

    def __init__(
        self, scheduler: str | None, workers: int | None, label: str, *, sweep: bool = False, in_process: bool = False
    ) -> None:
        if in_process and (scheduler is not None or workers is not None):
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError("--in-process cannot go with --workers or --scheduler.")
        self.scheduler, self.workers, self.label = scheduler, workers, label
        self.local = in_process or (not sweep and scheduler is None and workers is None)
        self.map_tasks: Any = None
        self._stack: Any = None

    def __enter__(self) -> _Runner:
        if self.local:
            return self
        from contextlib import ExitStack

        from corridor.scaleout import dask_client, dask_map

        self._stack = ExitStack()
        client = self._stack.enter_context(dask_client(scheduler=self.scheduler, workers=self.workers))
        bar, update = _task_progress(self.label)
        if bar is not None:
            self._stack.enter_context(bar)
        self.map_tasks = dask_map(client, progress=update)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()


def _deadline_days(deadline: str | None, depart: Any) -> float | None:
    from corridor.reliability import deadline_days

    return deadline_days(deadline, depart)


def _parse_sweep(text: str) -> list[Any]:
    """START:STOP:STEP_DAYS as departure dates (STOP included)."""
    from datetime import timedelta

    from corridor.errors import InvalidOptionError
    from corridor.reliability import as_datetime

    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidOptionError(f"--sweep-depart {text!r}: use START:STOP:STEP_DAYS, e.g. 2026-01-01:2026-12-31:7.")
    first, last = as_datetime(parts[0]), as_datetime(parts[1])
    try:
        step = float(parts[2])
    except ValueError:
        raise InvalidOptionError(f"--sweep-depart step {parts[2]!r} is not a number of days.") from None
    if not step > 0 or last < first:
        raise InvalidOptionError(f"--sweep-depart {text!r}: need STOP >= START and a positive step.")
    out: list[Any] = []
    when = first
    while when <= last and len(out) <= 1000:
        out.append(when)
        when = when + timedelta(days=step)
    if len(out) > 1000:
        raise InvalidOptionError(f"--sweep-depart {text!r} gives more than 1000 departures; use a larger step.")
    return out


def _plot_reliability(result: Any, path: Path) -> None:
    if path.suffix.lower() != ".png":
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Cannot write {str(path)!r}: the plot is a .png file")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from corridor.io.flows import write_atomic

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    try:
        ax.hist(result.days, bins=80, color="#4C72B0", alpha=0.85)
        marks = [("P50", result.p50_days, "#2ca02c"), ("P90", result.p90_days, "#ff7f0e")]
        marks.append(("P95", result.p95_days, "#d62728"))
        if result.deadline_days is not None:
            marks.append(("deadline", result.deadline_days, "black"))
        for label, value, color in marks:
            ax.axvline(value, color=color, lw=1.6, ls="--", label=f"{label} {value:.1f} d")
        route = result.route
        title = f"{route.origin} → {route.destination} ({result.corridor})" if route else result.corridor
        ax.set_title(f"{title}, departing {result.depart.date().isoformat()}: {result.samples:,} samples")
        ax.set_xlabel("door-to-door days")
        ax.set_ylabel("samples")
        ax.legend()
        fig.tight_layout()
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


@app.command()
def simulate(
    origin: Annotated[str, typer.Argument(help="Origin place (name, alias or id).")],
    destination: Annotated[str, typer.Argument(help="Destination place.")],
    corridor: Annotated[str | None, typer.Option("--corridor", help="Keep to one corridor (e.g. middle).")] = None,
    depart: Annotated[
        str | None, typer.Option("--depart", help="Departure date or date-time, UTC (default: today).")
    ] = None,
    samples: Annotated[int, typer.Option("--samples", help="Shipments simulated.", min=1)] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).", min=0)] = 0,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="Days after departure, or a date: the on-time probability.")
    ] = None,
    cargo: CargoOpt = "FEU",
    avoid: AvoidOpt = None,
    optimize: OptimizeOpt = "generalized",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a histogram with the percentiles (.png).")] = None,
    sweep_depart: Annotated[
        str | None,
        typer.Option("--sweep-depart", help="START:STOP:STEP_DAYS: one run per departure date (seasons)."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Tail drivers shown in the table.", min=1)] = 8,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Door-to-door time distribution of the best route: P50, P90, P95, on-time probability, tail drivers."""
    from corridor.reliability import as_datetime, plan_route, simulate_plan
    from corridor.routing import route as best_route

    net = _network(network)
    instant = as_datetime(depart)
    deadline_days = _deadline_days(deadline, instant)
    departures = _parse_sweep(sweep_depart) if sweep_depart else None
    if plot is not None and plot.suffix.lower() != ".png":
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Cannot write {str(plot)!r}: the plot is a .png file")
    chosen = best_route(net, origin, destination, corridor=corridor, cargo=cargo, avoid=avoid, optimize=optimize)
    plan = plan_route(net, chosen)
    with _Runner(scheduler, workers, "simulate", sweep=departures is not None, in_process=in_process) as runner:
        if departures is not None:
            rows = _sweep_departures(plan, departures, samples, seed, deadline_days, runner.map_tasks)
            if as_json:
                _print_json({"corridor": chosen.corridor, "samples": samples, "seed": seed, "runs": rows})
                return
            _print_sweep(chosen, rows)
            return
        result = simulate_plan(
            plan, depart=instant, samples=samples, seed=seed, deadline_days=deadline_days, map_tasks=runner.map_tasks
        )
    if plot is not None:
        _plot_reliability(result, plot)
    if as_json:
        _print_json(result.to_dict())
        return
    _print_reliability(result, top)


def _sweep_departures(
    plan: Any, departures: list[Any], samples: int, seed: int, deadline_days: float | None, map_tasks: Any
) -> list[dict[str, Any]]:
    """One run per departure, each a task with its own seed (SeedSequence.spawn)."""
    import numpy as np

    from corridor.reliability import simulate_plan

    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(len(departures))]

    def one(task: tuple[Any, int]) -> dict[str, Any]:
        r = simulate_plan(plan, depart=task[0], samples=samples, seed=task[1], deadline_days=deadline_days)
        row = r.to_dict(top=3)
        return {
            "depart": task[0].date().isoformat(),
            "seed": task[1],
            **{k: row[k] for k in ("mean_days", "p50_days", "p90_days", "p95_days", "on_time_probability")},
            "tail_drivers": row["tail_drivers"],
        }

    tasks = list(zip(departures, seeds, strict=True))
    from corridor.scaleout import run_tasks

    results: list[dict[str, Any]] = run_tasks(one, tasks, map_tasks)
    return results


def _print_sweep(route: Any, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"{route.origin} → {route.destination} ({route.corridor}) by departure date")
    for name in ("depart", "mean days", "P50", "P90", "P95", "on time", "main tail driver"):
        table.add_column(name, justify="left" if name in ("depart", "main tail driver") else "right")
    for row in rows:
        on_time = row["on_time_probability"]
        driver = row["tail_drivers"][0] if row["tail_drivers"] else None
        table.add_row(
            row["depart"],
            f"{row['mean_days']:.1f}",
            f"{row['p50_days']:.1f}",
            f"{row['p90_days']:.1f}",
            f"{row['p95_days']:.1f}",
            "-" if on_time is None else f"{on_time:.1%}",
            f"{driver['element']} ({driver['share']:.0%})" if driver else "",
        )
    _console().print(table)


def _print_reliability(result: Any, top: int) -> None:
    from rich.table import Table

    route = result.route
    console = _console()
    console.print(
        f"{route.origin} → {route.destination} ({result.corridor}) via {', '.join(route.via)}; departing "
        f"{result.depart.date().isoformat()}; {result.samples:,} samples, seed {result.seed}"
    )
    summary = Table(show_header=True)
    for name in ("mean days", "P50", "P90", "P95", "min–max", "expected (routing)", "on time"):
        summary.add_column(name, justify="right")
    on_time = result.on_time_probability()
    summary.add_row(
        f"{result.mean_days:.1f}",
        f"{result.p50_days:.1f}",
        f"{result.p90_days:.1f}",
        f"{result.p95_days:.1f}",
        f"{result.days.min():.1f}–{result.days.max():.1f}",
        f"{route.days:.1f}",
        "-" if on_time is None else f"{on_time:.1%} within {result.deadline_days:g} d",
    )
    console.print(summary)
    drivers = Table(title="What drives the spread (share of the variance of door-to-door time)")
    for name, justify in (
        ("element", "left"),
        ("kind", "left"),
        ("at", "left"),
        ("mean h", "right"),
        ("share", "right"),
    ):
        drivers.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in result.tail_drivers(top):
        drivers.add_row(row["element"], row["kind"], row["place"], f"{row['mean_hours']:.1f}", f"{row['share']:.1%}")
    console.print(drivers)


@app.command()
def fleet(
    volume_teu: Annotated[float, typer.Option("--volume-teu", help="Annual volume to carry across, TEU.")],
    ferries: Annotated[
        int | None, typer.Option("--ferries", help="Evaluate this fleet (default: find the smallest).", min=1)
    ] = None,
    target_p90_hours: Annotated[
        float, typer.Option("--target-p90-hours", help="Target 90th-percentile wait in port, hours.")
    ] = 72.0,
    service: Annotated[
        list[str] | None,
        typer.Option("--service", help="Services crossing (repeat); default the Aktau and Kuryk rail ferries."),
    ] = None,
    share: Annotated[
        list[float] | None, typer.Option("--share", help="Share of the volume per --service (repeat, same order).")
    ] = None,
    teu_per_wagon: Annotated[float, typer.Option("--teu-per-wagon", help="TEU a rail-ferry wagon slot takes.")] = 2.0,
    batch_teu: Annotated[float, typer.Option("--batch-teu", help="TEU per arriving block train.")] = 62.0,
    days: Annotated[
        float, typer.Option("--days", help="Days simulated per replication (after a 30-day warm-up).")
    ] = 365.0,
    replications: Annotated[int, typer.Option("--replications", help="Independent runs pooled.", min=1)] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 0,
    start: Annotated[
        str, typer.Option("--start", help="First simulated day (seasons follow the calendar).")
    ] = "2026-01-01",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """How many ferries keep the 90th-percentile wait in port under a target for an annual volume (SimPy)."""
    from corridor.errors import InvalidOptionError
    from corridor.ports import crossing_from_network, size_fleet
    from corridor.reliability import as_datetime

    if not (volume_teu > 0 and volume_teu != float("inf")):
        raise InvalidOptionError(f"--volume-teu must be a positive number, got {volume_teu:g}.")
    if teu_per_wagon <= 0 or batch_teu <= 0:
        raise InvalidOptionError("--teu-per-wagon and --batch-teu must be positive.")
    net = _network(network)
    services = tuple(service) if service else ("aktau-alat-ferries", "kuryk-alat-ferries")
    crossing = crossing_from_network(
        net, services=services, shares=share or None, teu_per_wagon=teu_per_wagon, batch_teu=batch_teu
    )
    with _Runner(scheduler, workers, "fleet", sweep=ferries is None, in_process=in_process) as runner:
        result = size_fleet(
            crossing,
            volume_per_year=volume_teu,
            target_p90_wait_hours=target_p90_hours,
            ferries=[ferries] if ferries else None,
            days=days,
            replications=replications,
            seed=seed,
            start=as_datetime(start),
            map_tasks=runner.map_tasks,
        )
    data = result.to_dict()
    data["services"] = list(services)
    data["vessel_capacity_teu"] = crossing.capacity_units
    if as_json:
        _print_json(data)
        return
    _print_fleet(data, crossing)


def _print_fleet(data: dict[str, Any], crossing: Any) -> None:
    from rich.table import Table

    console = _console()
    console.print(
        f"{data['volume_teu']:,.0f} TEU a year across the Caspian ({', '.join(data['services'])}), vessels of "
        f"{crossing.capacity_units:g} TEU; target: 90% of cargo waits under {data['target_p90_wait_hours']:g} h"
    )
    table = Table()
    for name in ("ferries", "offered load", "mean wait h", "P90 wait h", "fleet busy"):
        table.add_column(name, justify="right")
    for c in data["candidates"]:
        table.add_row(
            str(c["ferries"]),
            f"{c['offered_load']:.0%}",
            f"{c['mean_wait_hours']:.1f}",
            f"{c['p90_wait_hours']:.1f}",
            f"{c['fleet_utilization']:.0%}",
        )
    for u in data["unstable"]:
        table.add_row(str(u["ferries"]), f"{u['offered_load']:.0%}", "unstable", "-", "-")
    console.print(table)
    if data["ferries"] is None:
        console.print("No fleet tried is stable at this volume.")
    elif data["meets_target"]:
        r = data["result"]
        console.print(
            f"{data['ferries']} ferries meet the target: P90 wait {r['p90_wait_hours']:.1f} h, "
            f"{r['sailings_per_year']:.0f} sailings a year, queues {r['queue_mean_teu']} TEU on average."
        )
    else:
        console.print(f"No fleet tried meets the target; the largest ({data['ferries']}) is shown in the JSON.")


@app.command()
def calibrate(
    theta: Annotated[float, typer.Option("--theta", help="Cost sensitivity of the logit, per USD a tonne.")] = 0.02,
    kind: Annotated[str, typer.Option("--kind", help="mnl (multinomial) or nested logit.")] = "mnl",
    nest_scale: Annotated[float, typer.Option("--nest-scale", help="Scale of the nests (nested logit), 0-1.")] = 0.5,
    write: Annotated[
        bool, typer.Option("--write", help="Save the model as choice.yaml in the dataset folder.")
    ] = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Calibrate corridor choice to the Middle Corridor's published volumes; print the fit and elasticities."""
    from corridor.choice import CALIBRATION_TARGETS
    from corridor.choice import calibrate as run
    from corridor.errors import InvalidOptionError

    if kind not in ("mnl", "nested"):
        raise InvalidOptionError(f"--kind {kind!r}: valid: mnl, nested.")
    net = _network(network)
    result = run(net, theta=theta, kind=kind, nest_scale=nest_scale)  # type: ignore[arg-type]
    data = result.to_dict()
    data["targets_mt"] = {str(y): v / 1e6 for y, v in CALIBRATION_TARGETS.items()}
    if write:
        import yaml

        from corridor.io.flows import write_atomic

        assert net.path is not None
        target = Path(net.path) / "choice.yaml"
        header = (
            "# Corridor choice model of this dataset, written by `corridor calibrate --write"
            + (f" --theta {theta:g}" if theta != 0.02 else "")
            + (f" --kind {kind}" if kind != "mnl" else "")
            + "`.\n# theta is an assumption (per USD a tonne); the Middle Corridor constant is fitted to the last\n"
            + "# year's published volume; the other years are out-of-sample checks. See docs/model.md.\n"
        )
        text = header + yaml.safe_dump(data, sort_keys=False)
        write_atomic(target, lambda tmp: _write_text(tmp, text))
        data["written"] = str(target)
    if as_json:
        _print_json(data)
        return
    from rich.table import Table

    console = _console()
    model = data["model"]
    console.print(f"{kind} logit, theta {model['theta']:g} per USD a tonne; constants {model['asc']}")
    table = Table(title="Middle Corridor volume, Mt")
    for column in ("year", "published", "modelled", "error"):
        table.add_column(column, justify="right")
    for row in data["fit"]:
        fitted = " (fitted)" if row["fitted"] else ""
        table.add_row(
            str(row["year"]),
            f"{row['observed_mt']:g}",
            f"{row['modelled_mt']:.2f}",
            f"{row['error_pct']:+.1f}%{fitted}",
        )
    console.print(table)
    el = Table(title="Elasticities of volume to a 10% rise of corridor-specific cost (last year)")
    for column in ("corridor", "own", "Middle's volume (cross)"):
        el.add_column(column, justify="right")
    for cid, value in data["elasticities"].items():
        cross = data["cross_elasticities"].get(cid)
        el.add_row(cid, f"{value:.3f}", "-" if cross is None else f"{cross:.3f}")
    console.print(el)
    if write:
        console.print(f"written {data['written']}")


scenario_app = typer.Typer(
    name="scenario",
    help="Scenarios: what tariffs, capacity, digital borders and disruptions do (see docs/scenarios.md).",
    no_args_is_help=True,
)
app.add_typer(scenario_app)
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Results store URL (sqlite:///PATH or postgresql://...); default in the user data dir."
    ),
]


@scenario_app.command("list")
def scenario_list(as_json: JsonOpt = False, network: NetworkOpt = None) -> None:
    """The built-in scenarios."""
    from corridor.scenarios import library_names, load_scenario

    net = _network(network)
    rows: list[dict[str, Any]] = []
    for name in library_names():
        s = load_scenario(name, net)
        rows.append(
            {"name": s.name, "title": s.title, "base": list(s.bases), "year": s.year, "sources": list(s.sources)}
        )
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Built-in scenarios (corridor scenario show NAME)")
    for column in ("name", "base", "title"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], ", ".join(row["base"]), row["title"])
    _console().print(table)


@scenario_app.command("show")
def scenario_show(
    scenario: Annotated[str, typer.Argument(help="A library name or a YAML file.")],
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """A scenario resolved: every change with the scenario it comes from, closures and demand."""
    from corridor.scenarios import load_scenario

    s = load_scenario(scenario, _network(network))
    data = s.to_dict()
    if as_json:
        _print_json(data)
        return
    console = _console()
    console.print(f"{s.name}: {s.title}")
    if s.description:
        console.print(s.description.strip())
    console.print(f"base: {', '.join(s.bases) or '-'}; year {s.year}; sources: {', '.join(s.sources)}")
    from rich.table import Table

    if s.changes:
        table = Table(title="changes")
        for column in ("element", "field", "value", "from"):
            table.add_column(column)
        for c in s.changes:
            value = (
                f"x {c.factor:g}"
                if c.factor is not None
                else f"{c.value:g}"
                if isinstance(c.value, float)
                else str(c.value)
            )
            table.add_row(f"{c.table}/{c.id}", c.column, value, c.origin)
        console.print(table)
    for c in data["closures"]:
        what = ", ".join([*c["links"], *c["passages"], *c["countries"]])
        console.print(f"closed: {what} from {c['from'] or 'start'} to {c['to'] or 'end'} ({c['origin']})")
    if s.demand_scale != 1.0 or s.demand_od:
        console.print(f"demand x {s.demand_scale:g}" + "".join(f"; {o}->{d} x {f:g}" for o, d, f in s.demand_od))


@scenario_app.command("run")
def scenario_run(
    scenario: Annotated[str, typer.Argument(help="A library name or a YAML file.")],
    samples: Annotated[int, typer.Option("--samples", help="Shipments simulated per corridor.", min=120)] = 24_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 0,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not save the run.")] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Write report.md, report.html (self-contained) and figures/*.svg to this folder, the scenario "
            "against its base (which is run too).",
        ),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option("--against", help="With --report: compare with this scenario (name or file) instead of the base."),
    ] = None,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Run a scenario: volumes by corridor, P50/P90 days, cost, CO2e and bottlenecks; saved in the store."""
    from corridor.errors import InvalidOptionError
    from corridor.runs import run_scenario
    from corridor.scenarios import load_scenario
    from corridor.store import Store

    net = _network(network)
    s = load_scenario(scenario, net)
    if against is not None and report is None:
        raise InvalidOptionError("--against needs --report DIR")
    reference = None
    if report is not None:
        _check_output_dir(report)
        reference = load_scenario(against, net) if against is not None else s.comparison_base()
    target = None if no_store else Store(store)  # opened first: a bad store fails before the run
    result = run_scenario(net, s, samples=samples, seed=seed)
    base_data = run_scenario(net, reference, samples=samples, seed=seed).to_dict() if reference else None
    run_id = target.save(result) if target is not None else None
    data = result.to_dict()
    data["run_id"] = run_id
    data["store"] = target.shown if target is not None else None
    if target is not None:
        target.close()
    if report is not None:
        from corridor.report import build_report

        built = build_report(
            data,
            base_data,
            scenario=s.to_dict(),
            corridor_names={c.id: c.name for c in net.corridors},
            source_titles={k: v.title for k, v in net.source_by_id.items()},
        )
        written = _write_report(report, built)
        data["report"] = {"markdown": str(written[0]), "html": str(written[1]), "base": built.base}
    if as_json:
        _print_json(data)
        return
    _print_scenario_results([data] if base_data is None else [base_data, data])
    if report is not None:
        _console().print(f"report: {data['report']['html']} and {data['report']['markdown']}")


def _check_output_dir(folder: Path) -> None:
    from corridor.errors import InvalidOptionError

    if folder.exists() and not folder.is_dir():
        raise InvalidOptionError(f"--report {folder}: exists and is not a folder")
    parent = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("."))
    if not os.access(parent, os.W_OK):
        raise InvalidOptionError(f"--report {folder}: {parent} is not writable")


def _write_report(folder: Path, built: Any) -> tuple[Path, Path]:
    """Write every file beside its final name first, then move them in: no reader sees a half-written file."""
    figures = folder / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    files = {folder / "report.md": built.markdown, folder / "report.html": built.html}
    files.update({figures / f"{name}.svg": svg for name, svg in built.figures.items()})
    staged = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text), path))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    return folder / "report.md", folder / "report.html"


@scenario_app.command("compare")
def scenario_compare(
    scenarios: Annotated[list[str], typer.Argument(help="Scenarios (library names or files); the first is the base.")],
    samples: Annotated[int, typer.Option("--samples", help="Shipments simulated per corridor.", min=120)] = 24_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", min=0)] = 0,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Run several scenarios and show them side by side, with the change against the first."""
    from corridor.runs import run_scenario
    from corridor.scenarios import load_scenario

    net = _network(network)
    loaded = [load_scenario(name, net) for name in scenarios]  # all checked before any run
    results = [run_scenario(net, s, samples=samples, seed=seed).to_dict() for s in loaded]
    if as_json:
        _print_json(results)
        return
    _print_scenario_results(results)


@scenario_app.command("sweep")
def scenario_sweep(
    scenario: Annotated[str, typer.Argument(help="A library name or a YAML file.")],
    param: Annotated[
        str,
        typer.Option(
            "--param",
            help="PATH=START:STOP:STEP: TABLE/ID.FIELD with units (capacities/kuryk-port.capacity_per_year="
            "4Mt:8Mt:1Mt) or demand.scale=1:2:0.25.",
        ),
    ],
    samples: Annotated[int, typer.Option("--samples", help="Shipments simulated per corridor.", min=120)] = 6_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the same for every value).", min=0)] = 0,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not save the runs.")] = False,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Run a scenario once per value of one parameter, on Dask (a LocalCluster by default), with a progress bar."""
    from corridor.runs import run_scenario
    from corridor.scaleout import run_tasks
    from corridor.scenarios import apply_scenario, load_scenario, parse_sweep_parameter
    from corridor.store import Store

    net = _network(network)
    base = load_scenario(scenario, net)
    sweep = parse_sweep_parameter(param, net)
    variants = [sweep.apply(base, value) for value in sweep.values]
    for variant in variants:  # every value is checked before anything runs
        apply_scenario(net, variant)
    target = None if no_store else Store(store)

    def one(variant: Any) -> Any:
        return run_scenario(net, variant, samples=samples, seed=seed)

    with _Runner(scheduler, workers, "sweep", sweep=True, in_process=in_process) as runner:
        results = run_tasks(one, variants, runner.map_tasks)
    rows = []
    for value, result in zip(sweep.values, results, strict=True):
        data = result.to_dict()
        data["value"] = value
        data["run_id"] = target.save(result) if target is not None else None
        rows.append(data)
    if target is not None:
        target.close()
    if as_json:
        _print_json({"scenario": base.name, "param": sweep.path, "runs": rows})
        return
    from rich.table import Table

    table = Table(title=f"{base.name}: sweep of {sweep.path}")
    corridors = list(dict.fromkeys(c for r in rows for c in r["volumes_mt"]))
    table.add_column(sweep.path, justify="right")
    for cid in corridors:
        table.add_column(f"{cid} Mt", justify="right")
    table.add_column("middle P90 d", justify="right")
    table.add_column("top bottleneck (v/c)")
    for r in rows:
        top = r["bottlenecks"][0] if r["bottlenecks"] else None
        table.add_row(
            f"{r['value']:g}",
            *[f"{r['volumes_mt'].get(c, 0):.2f}" for c in corridors],
            f"{r['p90_days'].get('middle', float('nan')):.1f}",
            f"{top['element']} ({top['utilization']:.2f})" if top else "-",
        )
    _console().print(table)


@scenario_app.command("runs")
def scenario_runs(
    scenario: Annotated[str | None, typer.Option("--scenario", help="Only runs of this scenario.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most runs listed.", min=1)] = 20,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many (newest first).", min=0)] = 0,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Runs saved in the store, newest first."""
    from corridor.store import Store

    with Store(store) as target:
        rows = target.list(scenario=scenario, limit=limit, offset=offset)
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"Stored runs ({len(rows)} shown)")
    for column in ("id", "scenario", "created", "version", "seed"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["scenario"], row["created_at"][:19], row["version"], str(row["seed"]))
    _console().print(table)


def _print_scenario_results(results: list[dict[str, Any]]) -> None:
    from rich.table import Table

    console = _console()
    base = results[0]
    corridors = list(dict.fromkeys(c for r in results for c in r["volumes_mt"]))
    table = Table(title="Volumes (Mt a year through each corridor) and Xi'an-Duisburg P90 days")
    table.add_column("")
    for r in results:
        table.add_column(r["scenario"], justify="right")
    for cid in corridors:
        cells = []
        for r in results:
            v = r["volumes_mt"].get(cid)
            delta = (
                ""
                if r is base or v is None or cid not in base["volumes_mt"]
                else f" ({v - base['volumes_mt'][cid]:+.2f})"
            )
            cells.append("-" if v is None else f"{v:.2f}{delta}")
        table.add_row(f"{cid} Mt", *cells)
    for cid in dict.fromkeys(c for r in results for c in r["p90_days"]):
        cells = [f"{r['p90_days'][cid]:.1f}" if cid in r["p90_days"] else "closed" for r in results]
        table.add_row(f"{cid} P90 d", *cells)
    table.add_row("CO2e kt", *[f"{r['co2e_kt']:,.0f}" for r in results])
    table.add_row("top bottleneck", *[r["bottlenecks"][0]["element"] if r["bottlenecks"] else "-" for r in results])
    console.print(table)
    for r in results:
        if r.get("run_id"):
            console.print(f"saved run {r['run_id']} in {r['store']}")


# --- layers: oil and data ------------------------------------------------------------------------------------------


def _split_list(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


@app.command()
def oil(
    volume_mt: Annotated[float, typer.Option("--volume-mt", help="Export volume to allocate, Mt a year.")],
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
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Allocate crude exports across routes at least cost under capacities (a linear program)."""
    from corridor.layers.oil import allocate_oil

    result = allocate_oil(
        _network(network), volume_mt, fields=_split_list(fields) or None, avoid=_split_list(avoid), compete=compete
    )
    for note in result.notes:
        print(f"corridor: warning: {note}", file=sys.stderr)
    if as_json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    console = _console()
    table = Table(title=f"{result.volume_mt:g} Mt a year from {', '.join(result.fields)}: least-cost allocation")
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


StatusOpt = Annotated[
    str,
    typer.Option(
        "--status",
        help="Sections used: operational, planned (also those being built, the default) or proposed (all).",
    ),
]


@app.command()
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

    result = run(_network(network), origin, destination, avoid=_split_list(avoid), status=status)
    if as_json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    table = Table(title=f"{result.origin} - {result.destination}: round trip (floor {result.floor_ms:.1f} ms)")
    for column in ("via", "RTT ms", "km", "Tbps", "status", "systems"):
        table.add_column(column, justify="left" if column in ("via", "status", "systems") else "right")
    for r in result.routes:
        table.add_row(
            r.via, f"{r.rtt_ms:.1f}", f"{r.length_km:,.0f}", f"{r.capacity_tbps:g}", r.status, ", ".join(r.systems)
        )
    _console().print(table)


@app.command()
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
    result = run(_network(network), pair[0], pair[1], cut=_split_list(cut), avoid=_split_list(avoid), status=status)
    if as_json:
        _print_json(result.to_dict())
        return
    console = _console()
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


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    store: StoreOpt = None,
    network: NetworkOpt = None,
    anonymous_read: Annotated[
        bool,
        typer.Option("--anonymous-read/--no-anonymous-read", help="Answer read requests without an API key."),
    ] = True,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="An origin allowed to call the API from a browser.")
    ] = None,
    job_workers: Annotated[int, typer.Option("--job-workers", help="Jobs run at once (one process each).", min=0)] = 1,
    max_body_bytes: Annotated[int, typer.Option("--max-body-bytes", help="Largest request body.", min=1)] = 1_048_576,
    max_job_samples: Annotated[
        int, typer.Option("--max-job-samples", help="Most shipments of a simulation job.", min=1)
    ] = 500_000,
    max_scenario_samples: Annotated[
        int, typer.Option("--max-scenario-samples", help="Most samples per corridor of a scenario run.", min=120)
    ] = 48_000,
    max_sweep_values: Annotated[int, typer.Option("--max-sweep-values", help="Most values of a sweep.", min=1)] = 20,
    max_iterations: Annotated[
        int, typer.Option("--max-iterations", help="Most iterations of an assignment job.", min=1)
    ] = 2_000,
    job_timeout: Annotated[float, typer.Option("--job-timeout", help="Seconds a job may run.", min=1)] = 900.0,
) -> None:
    """Serve the REST API (/v1, OpenAPI at /docs) and the web map (/) with background jobs."""
    import uvicorn

    from corridor.api import Limits, ServiceSettings, create_app

    limits = Limits(
        max_body_bytes=max_body_bytes,
        max_job_samples=max_job_samples,
        max_scenario_samples=max_scenario_samples,
        max_sweep_values=max_sweep_values,
        max_iterations=max_iterations,
        job_timeout_seconds=job_timeout,
    )
    settings = ServiceSettings(
        store=store,
        network=network,
        anonymous_read=anonymous_read,
        cors_origins=tuple(cors_origin or ()),
        job_workers=job_workers,
        limits=limits,
    )
    service = create_app(settings)
    held = service.state.corridor
    interrupted = held.store.fail_interrupted_jobs()
    console = _console(stderr=True)
    console.print(f"corridor {service.version}: http://{host}:{port}/ (API /v1, docs /docs), store {held.store.shown}")
    if interrupted:
        console.print(f"{interrupted} job(s) left running by a stopped server marked failed")
    uvicorn.run(service, host=host, port=port, log_level="warning", timeout_keep_alive=5)


apikey_app = typer.Typer(name="apikey", help="API keys of the service (stored hashed).", no_args_is_help=True)
app.add_typer(apikey_app)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")] = "default",
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key; it is printed once (only its hash is stored)."""
    from corridor.store import Store

    with Store(store) as target:
        key_id, key = target.create_api_key(name)
        shown = target.shown
    if as_json:
        _print_json({"id": key_id, "name": name, "key": key, "store": shown})
        return
    print(key)
    _console(stderr=True).print(f"API key {key_id} ({name}) in {shown}: keep it now, it is not shown again.")


@apikey_app.command("list")
def apikey_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """API keys (ids, names, dates; never the keys)."""
    from corridor.store import Store

    with Store(store) as target:
        keys = target.list_api_keys()
    if as_json:
        _print_json(keys)
        return
    from rich.table import Table

    table = Table(title=f"{len(keys)} API keys")
    for column in ("id", "name", "created", "revoked"):
        table.add_column(column)
    for k in keys:
        table.add_row(k["id"], k["name"], k["created_at"], k["revoked_at"] or "")
    _console().print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see `corridor apikey list`).")], store: StoreOpt = None
) -> None:
    """Revoke an API key: it is refused from then on."""
    from corridor.store import Store

    with Store(store) as target:
        target.revoke_api_key(key_id)
    _console(stderr=True).print(f"API key {key_id} revoked")


def main() -> None:
    """Entry point: run the app; errors of the user's making become a message and exit code 2."""
    from corridor.errors import CorridorError

    try:
        app()  # click's standalone mode turns usage errors into a message and exit code 2
    except CorridorError as error:
        print(f"corridor: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as error:  # e.g. an unreadable dataset file or an unwritable output
        print(f"corridor: {error}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
