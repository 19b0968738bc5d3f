"""Commands ``assign`` and ``bottlenecks``: equilibrium flows on capacities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.cli._options import FlowYearOpt, GridYearOpt, JsonOpt, NetworkOpt, OutputOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import CAPACITY_SCALE, DEMAND_SCALE, FACTOR, GAP, ITERATIONS, SECONDS, TOP


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
        console=get_console(stderr=True),
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


def _flow_network(
    network: Path | None,
    demand: Path | None,
    year: int | None,
    *,
    demand_scale: float,
    capacity_scale: float,
    grid_year: int | None = None,
) -> Any:
    """The corridor dataset's FlowNetwork (``--network``, ``--demand``, ``--year``, scales, ``--grid-year``); it must
    have demand."""
    from corridor.services.flows import DemandOptions, flow_network_of
    from corridor.services.power import grid_network

    net = grid_network(open_network(network), grid_year)
    options = DemandOptions(year=year, demand_file=demand, demand_scale=demand_scale, capacity_scale=capacity_scale)
    flow_net = flow_network_of(net, options)
    if flow_net.demand is None:
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Dataset {net.info.name!r} has no demand table (demand.csv); give --demand FILE")
    return flow_net


#: the files ``assign`` writes, and the suffixes each may have
OUTPUT_SUFFIXES = {
    "plot": (".png",),
    "flows": (".csv", ".parquet"),
    "elements": (".csv", ".parquet"),
    "convergence": (".csv", ".parquet"),
    "geojson": (".geojson", ".json"),
}


def _check_outputs(outputs: dict[str, Path | None]) -> None:
    from corridor.errors import InvalidOptionError
    from corridor.io.files import output_path

    for name, path in outputs.items():
        kinds = OUTPUT_SUFFIXES[name]
        if path is not None and path.suffix.lower() not in kinds:
            raise InvalidOptionError(f"Cannot write {str(path)!r}: use a {' or '.join(kinds)} file name")
        if path is not None:
            output_path(path)  # a regular file or a new name, checked before the assignment runs


def _assignment_input(
    tntp: Path | None,
    demand: Path | None,
    network: Path | None,
    year: int | None,
    scales: tuple[float, float],
    grid_year: int | None = None,
) -> Any:
    """The FlowNetwork to assign: a TNTP folder (with its own trips) or a corridor dataset; scales of demand and
    capacity."""
    demand_scale, capacity_scale = scales
    if tntp is None:
        return _flow_network(
            network, demand, year, demand_scale=demand_scale, capacity_scale=capacity_scale, grid_year=grid_year
        )
    if demand is not None or network is not None or grid_year is not None:
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(
            "--tntp brings its own network and trips: leave out --network, --demand and --grid-year"
        )
    from corridor.services.flows import tntp_flow_network

    return tntp_flow_network(tntp, demand_scale=demand_scale, capacity_scale=capacity_scale)


def _solve_with_bar(flow_net: Any, solver: Any) -> Any:
    """The equilibrium, with a progress bar on a terminal."""
    from corridor.services.flows import solve_flows

    bar, update = _progress_bar(solver.gap)
    if bar is None:
        return solve_flows(flow_net, solver, progress=update)
    with bar:
        return solve_flows(flow_net, solver, progress=update)


def _write_outputs(result: Any, outputs: dict[str, Path | None]) -> None:
    from corridor.io.flows import plot_convergence, write_geojson, write_table

    frames = {"flows": result.links_frame, "elements": result.elements_frame, "convergence": result.convergence_frame}
    for name, frame in frames.items():
        path = outputs[name]
        if path is not None:
            write_table(frame(), path)
    if outputs["plot"] is not None:
        plot_convergence(result, outputs["plot"])
    if outputs["geojson"] is not None:
        write_geojson(result.to_geojson(), outputs["geojson"])


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
    gap: Annotated[float, typer.Option("--gap", help="Target relative gap.", **GAP.typer())] = 1e-4,
    max_iter: Annotated[int, typer.Option("--max-iter", help="Most iterations.", **ITERATIONS.typer())] = 1000,
    max_seconds: Annotated[
        float | None, typer.Option("--max-seconds", help="Stop after this many seconds.", **SECONDS.typer())
    ] = None,
    toll_factor: Annotated[
        float, typer.Option("--toll-factor", help="Time units per toll unit (TNTP).", **FACTOR.typer())
    ] = 0.0,
    distance_factor: Annotated[
        float, typer.Option("--distance-factor", help="Time units per length unit.", **FACTOR.typer())
    ] = 0.0,
    year: FlowYearOpt = None,
    grid_year: GridYearOpt = None,
    demand_scale: Annotated[
        float, typer.Option("--demand-scale", help="Multiply every demand value.", **DEMAND_SCALE.typer())
    ] = 1.0,
    capacity_scale: Annotated[
        float, typer.Option("--capacity-scale", help="Multiply every capacity.", **CAPACITY_SCALE.typer())
    ] = 1.0,
    flows: Annotated[Path | None, typer.Option("--flows", help="Write link flows (.csv or .parquet).")] = None,
    elements: Annotated[
        Path | None, typer.Option("--elements", help="Write capacity elements with v/c and delay (.csv/.parquet).")
    ] = None,
    convergence: Annotated[
        Path | None, typer.Option("--convergence", help="Write the gap per iteration (.csv or .parquet).")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the convergence plot (.png).")] = None,
    geojson: Annotated[Path | None, typer.Option("--geojson", help="Write a map-ready flow file (GeoJSON).")] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Equilibrium flow assignment on a TNTP network or a corridor network (volume-delay on capacities)."""
    from corridor.assignment.solve import ALGORITHMS
    from corridor.errors import InvalidOptionError
    from corridor.services.flows import SolverOptions, assignment_summary

    if algorithm not in ALGORITHMS:
        raise InvalidOptionError(f"Unknown algorithm {algorithm!r}; valid: {', '.join(ALGORITHMS)}")
    outputs = {"plot": plot, "flows": flows, "elements": elements, "convergence": convergence, "geojson": geojson}
    _check_outputs(outputs)
    if output is not None:
        from corridor.io.export import export_format

        export_format(output)
    flow_net = _assignment_input(tntp, demand, network, year, (demand_scale, capacity_scale), grid_year)
    if flow_net.node_xy is None and (
        geojson is not None or (output is not None and output.suffix.lower() == ".geojson")
    ):
        raise InvalidOptionError(f"Network {flow_net.name!r} has no node coordinates, so no map can be drawn")
    solver = SolverOptions(
        algorithm=algorithm,
        objective=objective,
        gap=gap,
        max_iter=max_iter,
        max_seconds=max_seconds,
        toll_factor=toll_factor,
        distance_factor=distance_factor,
    )
    result = _solve_with_bar(flow_net, solver)
    _write_outputs(result, outputs)
    summary = assignment_summary(result, corridor=tntp is None)
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import assignment_export

        write_export(output, assignment_export(result, summary))
    if as_json:
        print_json(summary)
        return
    _print_assignment(result, summary)


def _print_assignment(result: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table

    console = get_console()
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


def bottlenecks(
    network: NetworkOpt = None,
    demand: Annotated[
        Path | None,
        typer.Option("--demand", help="Demand CSV (origin, destination, commodity, tonnes_per_year[, year, avoid])."),
    ] = None,
    year: FlowYearOpt = None,
    grid_year: GridYearOpt = None,
    demand_scale: Annotated[
        float, typer.Option("--demand-scale", help="Multiply every demand value.", **DEMAND_SCALE.typer())
    ] = 1.0,
    capacity_scale: Annotated[
        float, typer.Option("--capacity-scale", help="Multiply every capacity.", **CAPACITY_SCALE.typer())
    ] = 1.0,
    top: Annotated[int, typer.Option("--top", help="How many elements to list.", **TOP.typer())] = 15,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Rank under this scenario (its network and year), as its run does."),
    ] = None,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
) -> None:
    """Capacity elements ranked by v/c and delay at equilibrium, with the shadow price of the hard-capacity LP.

    The embedded or a --network dataset is ranked at its corridor-choice equilibrium, the one scenario runs report
    (one ranking for the same year and demand); a --demand file at the assignment's user equilibrium.
    """
    from corridor.assignment.bottlenecks import rank_bottlenecks
    from corridor.services.bottlenecks import corridor_bottlenecks

    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=False, what="a ranking of capacity elements")  # refused before the equilibrium
    if demand is None:
        from corridor.scenarios.apply import apply_scenario
        from corridor.scenarios.files import load_scenario

        net = open_network(network)
        if scenario is not None:
            chosen = load_scenario(scenario, net)
            net = apply_scenario(net, chosen)
            year = year if year is not None else chosen.year
        report = corridor_bottlenecks(net, year=year, demand_scale=demand_scale, capacity_scale=capacity_scale, top=top)
    else:
        if scenario is not None:
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError("--scenario ranks the dataset's own demand; leave out --demand.")
        flow_net = _flow_network(network, demand, year, demand_scale=demand_scale, capacity_scale=capacity_scale)
        report = rank_bottlenecks(flow_net, top=top)
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import bottlenecks_export

        write_export(output, bottlenecks_export(report))
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    table = Table(
        title=f"Bottlenecks, {report['network']} {report['year']}: demand {report['demand_t'] / 1e6:.2f} Mt, "
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
    get_console().print(table)
