"""Commands ``simulate`` and ``fleet``: door-to-door time distributions and the Caspian ferry fleet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.cli._options import (
    ArriveByOpt,
    AvoidOpt,
    CargoOpt,
    GridYearOpt,
    InProcessOpt,
    JsonOpt,
    NetworkOpt,
    OptimizeOpt,
    OutputOpt,
    SchedulerOpt,
    WorkersOpt,
    open_network,
)
from corridor.cli._output import get_console, print_json
from corridor.cli._runner import Runner
from corridor.cli.routing import PLACE_HELP
from corridor.limits import (
    DAYS,
    FERRIES,
    HOURS,
    REPLICATIONS,
    SAMPLES,
    SEED,
    SHARE,
    TEU_BATCH,
    TOP,
    VOLUME,
)


def _shares(values: list[float] | None) -> list[float] | None:
    """``--share`` values, each a finite share between 0 and 1."""
    if values:
        for value in values:
            SHARE.typer()["callback"](None, None, value)
    return values


def _parse_sweep(text: str) -> list[Any]:
    """START:STOP:STEP_DAYS as departure dates (STOP included)."""
    from datetime import timedelta

    from corridor.errors import InvalidOptionError
    from corridor.reliability.engine import as_datetime

    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidOptionError(f"--sweep-depart {text!r}: use START:STOP:STEP_DAYS, e.g. 2026-01-01:2026-12-31:7.")
    first, last = as_datetime(parts[0]), as_datetime(parts[1])
    try:
        step = float(parts[2])
    except ValueError:
        raise InvalidOptionError(f"--sweep-depart step {parts[2]!r} is not a number of days.") from None
    if not 0 < step <= 36_600 or last < first:  # NaN and infinity fail too
        raise InvalidOptionError(f"--sweep-depart {text!r}: need STOP >= START and a step of days > 0 and <= 36600.")
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


def simulate(
    origin: Annotated[str, typer.Argument(help=PLACE_HELP)],
    destination: Annotated[str, typer.Argument(help="Destination place (as the origin).")],
    corridor: Annotated[str | None, typer.Option("--corridor", help="Keep to one corridor (e.g. middle).")] = None,
    depart: Annotated[
        str | None, typer.Option("--depart", help="Departure date or date-time, UTC (default: today).")
    ] = None,
    samples: Annotated[int, typer.Option("--samples", help="Shipments simulated.", **SAMPLES.typer())] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).", **SEED.typer())] = 0,
    deadline: Annotated[
        str | None, typer.Option("--deadline", help="Days after departure, or a date: the on-time probability.")
    ] = None,
    arrive_by: ArriveByOpt = None,
    cargo: CargoOpt = "FEU",
    avoid: AvoidOpt = None,
    optimize: OptimizeOpt = "generalized",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a histogram with the percentiles (.png).")] = None,
    sweep_depart: Annotated[
        str | None,
        typer.Option("--sweep-depart", help="START:STOP:STEP_DAYS: one run per departure date (seasons)."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Tail drivers shown in the table.", **TOP.typer())] = 8,
    grid_year: GridYearOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """Door-to-door time distribution of the best route: P50, P90, P95, on-time probability, tail drivers."""
    from dataclasses import replace

    from corridor.services.power import grid_network
    from corridor.services.reliability import (
        TripOptions,
        plan_trip,
        simulate_departures,
        simulate_planned,
        trip_times,
    )

    net = grid_network(open_network(network), grid_year)
    options = TripOptions(
        origin=origin,
        destination=destination,
        corridor=corridor,
        cargo=cargo,
        avoid=avoid,
        optimize=optimize,
        depart=depart,
        samples=samples,
        seed=seed,
        deadline=deadline,
        arrive_by=arrive_by,
    )
    instant, _ = trip_times(options)
    if arrive_by is not None and sweep_depart:
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError("--arrive-by sets one departure: give it without --sweep-depart.")
    departures = _parse_sweep(sweep_depart) if sweep_depart else None
    if plot is not None and plot.suffix.lower() != ".png":
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Cannot write {str(plot)!r}: the plot is a .png file")
    if plot is not None:
        from corridor.io.files import output_path

        output_path(plot)  # a regular file or a new name, checked before the simulation runs
    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=departures is None, what="a sweep of departures")
    trip = plan_trip(net, options if arrive_by is not None else replace(options, depart=instant))
    tasks = 0 if departures is None else len(departures)
    with Runner(scheduler, workers, "simulate", sweep=tasks > 0, tasks=tasks, in_process=in_process) as runner:
        if departures is not None:
            rows = simulate_departures(trip, departures, samples=samples, seed=seed, map_tasks=runner.map_tasks)
            swept = {"corridor": trip.route.corridor, "samples": samples, "seed": seed, "runs": rows}
            if output is not None:
                from corridor.io.export import write_export
                from corridor.services.exports import sweep_export

                write_export(output, sweep_export(swept))
            if as_json:
                print_json(swept)
                return
            _print_sweep(trip.route, rows)
            return
        result = simulate_planned(trip, samples=samples, seed=seed, map_tasks=runner.map_tasks)
    if plot is not None:
        _plot_reliability(result, plot)
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import simulation_export

        write_export(output, simulation_export(result, result.to_dict(), top=top))
    if as_json:
        print_json(result.to_dict())
        return
    _print_reliability(result, top)


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
    get_console().print(table)


def _departure(when: Any) -> str:
    """A departure as the header shows it: the date, and the hour when it is not midnight (UTC)."""
    return f"{when:%Y-%m-%d %H:%M} UTC" if (when.hour, when.minute) != (0, 0) else when.date().isoformat()


def _print_reliability(result: Any, top: int) -> None:
    from rich.table import Table

    route = result.route
    console = get_console()
    console.print(
        f"{route.origin} → {route.destination} ({result.corridor}) via {', '.join(route.via)}; departing "
        f"{_departure(result.depart)}; {result.samples:,} samples, seed {result.seed}"
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
        "-" if on_time is None else f"{on_time:.1%} within {result.deadline_days:.4g} d",
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


def fleet(
    volume_teu: Annotated[
        float, typer.Option("--volume-teu", help="Annual volume to carry across, TEU.", **VOLUME.typer())
    ],
    ferries: Annotated[
        int | None,
        typer.Option("--ferries", help="Evaluate this fleet (default: find the smallest).", **FERRIES.typer()),
    ] = None,
    target_p90_hours: Annotated[
        float, typer.Option("--target-p90-hours", help="Target 90th-percentile wait in port, hours.", **HOURS.typer())
    ] = 72.0,
    service: Annotated[
        list[str] | None,
        typer.Option("--service", help="Services crossing (repeat); default the Aktau and Kuryk rail ferries."),
    ] = None,
    share: Annotated[
        list[float] | None,
        typer.Option("--share", help="Share of the volume per --service (repeat, same order).", callback=_shares),
    ] = None,
    teu_per_wagon: Annotated[
        float, typer.Option("--teu-per-wagon", help="TEU a rail-ferry wagon slot takes.", **TEU_BATCH.typer())
    ] = 2.0,
    batch_teu: Annotated[
        float, typer.Option("--batch-teu", help="TEU per arriving block train.", **TEU_BATCH.typer())
    ] = 62.0,
    days: Annotated[
        float,
        typer.Option("--days", help="Days simulated per replication (after a 30-day warm-up).", **DAYS.typer()),
    ] = 365.0,
    replications: Annotated[
        int, typer.Option("--replications", help="Independent runs pooled.", **REPLICATIONS.typer())
    ] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", **SEED.typer())] = 0,
    start: Annotated[
        str, typer.Option("--start", help="First simulated day (seasons follow the calendar).")
    ] = "2026-01-01",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """How many ferries keep the 90th-percentile wait in port under a target for an annual volume (SimPy)."""
    from corridor.errors import InvalidOptionError
    from corridor.reliability.engine import as_datetime
    from corridor.reliability.fleet import crossing_from_network, size_fleet

    if not (volume_teu > 0 and volume_teu != float("inf")):
        raise InvalidOptionError(f"--volume-teu must be a positive number, got {volume_teu:g}.")
    if teu_per_wagon <= 0 or batch_teu <= 0:
        raise InvalidOptionError("--teu-per-wagon and --batch-teu must be positive.")
    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=False, what="a fleet sizing")  # refused before the simulation
    net = open_network(network)
    services = tuple(service) if service else ("aktau-alat-ferries", "kuryk-alat-ferries")
    crossing = crossing_from_network(
        net, services=services, shares=share or None, teu_per_wagon=teu_per_wagon, batch_teu=batch_teu
    )
    with Runner(scheduler, workers, "fleet", sweep=ferries is None, in_process=in_process) as runner:
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
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import fleet_export

        write_export(output, fleet_export(data))
    if as_json:
        print_json(data)
        return
    _print_fleet(data, crossing)


def _print_fleet(data: dict[str, Any], crossing: Any) -> None:
    from rich.table import Table

    console = get_console()
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
