"""Command ``calibrate`` and the ``scenario`` group: corridor choice and what-if scenarios."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.cli._options import (
    GridYearOpt,
    InProcessOpt,
    JsonOpt,
    NetworkOpt,
    OutputOpt,
    SchedulerOpt,
    StoreFileOpt,
    StoreOpt,
    WorkersOpt,
    YearOpt,
    open_network,
    store_url,
)
from corridor.cli._output import get_console, print_json, stage_text
from corridor.cli._runner import Runner, stage_progress
from corridor.limits import LIST_LIMIT, NEST_SCALE, OFFSET, SCENARIO_SAMPLES, SEED, THETA


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def calibrate(
    theta: Annotated[
        float | None,
        typer.Option(
            "--theta",
            help="Cost sensitivity of the logit, per USD a tonne (default 0.005: the Northern Corridor's own-cost "
            "elasticity about -0.6; docs/model.md).",
            show_default=False,
            **THETA.typer(),
        ),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="mnl (multinomial) or nested logit.")] = "mnl",
    nest_scale: Annotated[
        float, typer.Option("--nest-scale", help="Scale of the nests (nested logit), 0-1.", **NEST_SCALE.typer())
    ] = 0.5,
    write: Annotated[
        bool, typer.Option("--write", help="Save the model as choice.yaml in the dataset folder.")
    ] = False,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Calibrate corridor choice to the Middle Corridor's published volumes; print the fit and elasticities."""
    from corridor.errors import InvalidOptionError
    from corridor.services.calibration import calibrate_dataset

    if kind not in ("mnl", "nested"):
        raise InvalidOptionError(f"--kind {kind!r}: valid: mnl, nested.")
    net = open_network(network)
    with stage_progress("calibrate") as progress:
        _, data = calibrate_dataset(
            net,
            theta=theta,
            kind=kind,  # type: ignore[arg-type]
            nest_scale=nest_scale,
            progress=progress,
        )
    if write:
        import yaml

        from corridor.io.flows import write_atomic

        assert net.path is not None
        target = Path(net.path) / "choice.yaml"
        header = (
            "# Corridor choice model of this dataset, written by `corridor calibrate --write"
            + (f" --theta {theta:g}" if theta is not None else "")
            + (f" --kind {kind}" if kind != "mnl" else "")
            + "`.\n"
            + "# theta (per USD a tonne) is set from the literature's freight cost elasticities; the constants are\n"
            + "# fitted to the calibration targets of observations.csv; the other years are out-of-sample checks.\n"
            + "# See docs/model.md.\n"
        )
        text = header + yaml.safe_dump(data, sort_keys=False)
        write_atomic(target, lambda tmp: _write_text(tmp, text))
        data["written"] = str(target)
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    console = get_console()
    model = data["model"]
    console.print(f"{kind} logit, theta {model['theta']:g} per USD a tonne; constants {model['asc']}")
    table = Table(title="Calibration volumes, Mt (Middle Corridor by year; corridor:commodity in the last year)")
    for column in ("year", "target", "published", "modelled", "error"):
        table.add_column(column, justify="right")
    for row in data["fit"]:
        # a target the constants could not meet together with the others is at the least-squares compromise
        fitted = (" (fitted)" if abs(row["error_pct"]) <= 1.0 else " (closest fit)") if row["fitted"] else ""
        table.add_row(
            str(row["year"]),
            row.get("target", "middle"),
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


@scenario_app.command("list")
def scenario_list(as_json: JsonOpt = False, network: NetworkOpt = None) -> None:
    """The built-in scenarios."""
    from corridor.scenarios.files import library_names, load_scenario

    net = open_network(network)
    rows: list[dict[str, Any]] = []
    for name in library_names():
        s = load_scenario(name, net)
        rows.append(
            {"name": s.name, "title": s.title, "base": list(s.bases), "year": s.year, "sources": list(s.sources)}
        )
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Built-in scenarios (corridor scenario show NAME)")
    for column in ("name", "base", "title"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], ", ".join(row["base"]), row["title"])
    get_console().print(table)


@scenario_app.command("show")
def scenario_show(
    scenario: Annotated[str, typer.Argument(help="A library name or a YAML file.")],
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """A scenario resolved: every change with the scenario it comes from, closures and demand."""
    from corridor.scenarios.files import load_scenario

    s = load_scenario(scenario, open_network(network))
    data = s.to_dict()
    if as_json:
        print_json(data)
        return
    console = get_console()
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
    samples: Annotated[
        int, typer.Option("--samples", help="Shipments simulated per corridor.", **SCENARIO_SAMPLES.typer())
    ] = 24_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", **SEED.typer())] = 0,
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
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
    year: YearOpt = None,
    grid_year: GridYearOpt = None,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """Run a scenario: volumes by corridor, P50/P90 days, cost, CO2e and bottlenecks; saved in the store."""
    from corridor.errors import InvalidOptionError
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario
    from corridor.services.power import grid_network
    from corridor.store.database import Store

    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=False, what="a scenario run")
    net = open_network(network)
    s = _in_year(load_scenario(scenario, net), year, net)
    if against is not None and report is None:
        raise InvalidOptionError("--against needs --report DIR")
    reference = None
    if report is not None:
        _check_output_dir(report)
        reference = load_scenario(against, net) if against is not None else s.comparison_base()
        reference = _in_year(reference, year, net) if reference is not None else None
    target = None if no_store else Store(store_url(store, store_file))  # opened first: a bad store fails before the run
    with stage_progress(f"scenario {s.name}") as progress:
        runs = 1 if reference is None else 2
        # under --grid-year each run's electric rail takes the grid of that year under its own scenario
        under = grid_network(net, grid_year, scenario=s)
        result = run_scenario(under, s, samples=samples, seed=seed, progress=_share(progress, 0, runs))
        base_data = None
        if reference is not None:
            done = _share(progress, 1, runs, f"base {reference.name}: ")
            based = grid_network(net, grid_year, scenario=reference)
            base_data = run_scenario(based, reference, samples=samples, seed=seed, progress=done).to_dict()
    run_id = target.save(result) if target is not None else None
    data = result.to_dict()
    data["run_id"] = run_id
    data["store"] = target.shown if target is not None else None
    if target is not None:
        target.close()
    if report is not None:
        from corridor.scenarios.report import build_report

        with stage_progress(f"report {s.name}") as progress:
            if progress is not None:
                progress(0.0, "charts and tables")
            built = build_report(
                data,
                base_data,
                scenario=s.to_dict(),
                network=net,  # names, source titles and links, and each change's value before
            )
            if progress is not None:
                progress(0.9, f"writing {report}")
            written = _write_report(report, built)
        data["report"] = {"markdown": str(written[0]), "html": str(written[1]), "base": built.base}
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import scenarios_export

        write_export(output, scenarios_export([data] if base_data is None else [base_data, data]))
    if as_json:
        print_json(data)
        return
    _print_scenario_results([data] if base_data is None else [base_data, data])
    if report is not None:
        get_console().print(f"report: {data['report']['html']} and {data['report']['markdown']}")


def _share(
    progress: Callable[[float, str], None] | None, i: int, n: int, prefix: str = ""
) -> Callable[[float, str], None] | None:
    """The ``i``-th of ``n`` equal shares of a progress bar, for one of several runs."""
    if progress is None:
        return None
    bar = progress

    def update(fraction: float, stage: str) -> None:
        bar((i + fraction) / n, prefix + stage)

    return update


def _in_year(scenario: Any, year: int | None, net: Any) -> Any:
    """``scenario`` run in ``year`` (its network and demand as they stood then), checked first; unchanged for None."""
    if year is None:
        return scenario
    import dataclasses

    from corridor.scenarios.years import check_year

    check_year(net, year)
    return dataclasses.replace(scenario, year=year)


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
            staged.append((stage_text(path, text), path))
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
    samples: Annotated[
        int, typer.Option("--samples", help="Shipments simulated per corridor.", **SCENARIO_SAMPLES.typer())
    ] = 24_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", **SEED.typer())] = 0,
    year: YearOpt = None,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """Run several scenarios and show them side by side, with the change against the first."""
    from corridor.scenarios.files import load_scenario
    from corridor.scenarios.run import run_scenario

    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=False, what="a comparison of scenarios")
    net = open_network(network)
    loaded = [_in_year(load_scenario(name, net), year, net) for name in scenarios]  # all checked before any run
    with stage_progress("scenario compare") as progress:
        results = [
            run_scenario(
                net, s, samples=samples, seed=seed, progress=_share(progress, i, len(loaded), f"{s.name}: ")
            ).to_dict()
            for i, s in enumerate(loaded)
        ]
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import scenarios_export

        write_export(output, scenarios_export(results))
    if as_json:
        print_json(results)
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
    samples: Annotated[
        int, typer.Option("--samples", help="Shipments simulated per corridor.", **SCENARIO_SAMPLES.typer())
    ] = 6_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the same for every value).", **SEED.typer())] = 0,
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not save the runs.")] = False,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    in_process: InProcessOpt = False,
    as_json: JsonOpt = False,
    output: OutputOpt = None,
    network: NetworkOpt = None,
) -> None:
    """Run a scenario once per value of one parameter, here (or on Dask when asked or large), with a progress bar."""
    from corridor.scenarios.files import load_scenario
    from corridor.services.sweeps import SweepOptions, parse_sweep, plan_sweep, run_sweep
    from corridor.store.database import Store

    if output is not None:
        from corridor.io.export import export_format

        export_format(output, geojson=False, what="a sweep")  # refused before any run
    net = open_network(network)
    base = load_scenario(scenario, net)
    planned = plan_sweep(net, base, parse_sweep(net, param))  # every value is checked before anything runs
    target = None if no_store else Store(store_url(store, store_file))
    options = SweepOptions(samples=samples, seed=seed)
    tasks = len(planned.values)
    with Runner(scheduler, workers, "sweep", sweep=True, tasks=tasks, in_process=in_process, local_bar=False) as runner:
        if runner.local:  # here, one run after the other, with a bar over the runs' own progress
            with stage_progress(f"sweep of {planned.parameter.path}") as progress:
                swept = run_sweep(net, planned, options, progress=progress)
        else:
            swept = run_sweep(net, planned, options, map_tasks=runner.map_tasks)
    rows = swept.runs()
    for data, result in zip(rows, swept.results, strict=True):
        data["run_id"] = target.save(result) if target is not None else None
    if target is not None:
        target.close()
    sweep = planned.parameter
    data = {"scenario": base.name, "param": sweep.path, "runs": rows}
    if output is not None:
        from corridor.io.export import write_export
        from corridor.services.exports import scenario_sweep_export

        write_export(output, scenario_sweep_export(data))
    if as_json:
        print_json(data)
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
    get_console().print(table)


@scenario_app.command("runs")
def scenario_runs(
    scenario: Annotated[str | None, typer.Option("--scenario", help="Only runs of this scenario.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most runs listed.", **LIST_LIMIT.typer())] = 20,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many (newest first).", **OFFSET.typer())] = 0,
    store: StoreOpt = None,
    store_file: StoreFileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Runs saved in the store, newest first."""
    from corridor.store.database import Store

    with Store(store_url(store, store_file)) as target:
        rows = target.list(scenario=scenario, limit=limit, offset=offset)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"Stored runs ({len(rows)} shown)")
    for column in ("id", "scenario", "created", "version", "seed"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["scenario"], row["created_at"][:19], row["version"], str(row["seed"]))
    get_console().print(table)


def _print_scenario_results(results: list[dict[str, Any]]) -> None:
    from rich.table import Table

    console = get_console()
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
