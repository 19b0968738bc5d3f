"""Commands ``appraise``, ``portfolio`` and ``centres``: which investments pay, what a budget buys, where centres go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json
from corridor.limits import SEED, YEAR

__all__ = ["appraise", "centres", "portfolio"]


def _years(text: str | None) -> tuple[int, ...] | None:
    """The anchor years of ``--years 2030,2035``."""
    if text is None:
        return None
    from corridor.errors import InvalidOptionError

    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidOptionError(f"years {text!r} is not a list of years such as 2030,2035.") from None


def appraise(
    target: Annotated[str, typer.Argument(help="A project of projects.csv, a library scenario or a scenario file.")],
    horizon: Annotated[
        int, typer.Option("--horizon", help="Last year of the reference period.", **YEAR.typer())
    ] = 2050,
    discount: Annotated[
        str, typer.Option("--discount", help="Social discount rate a year: 6% or 0.06 (DG REGIO: 3% or 5%).")
    ] = "6%",
    years: Annotated[
        str | None,
        typer.Option("--years", help="Years whose equilibria are run and interpolated (default 2030,2035)."),
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", help="Monte Carlo draws of the uncertain inputs (0: none).", min=0, max=100_000)
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo draws.", **SEED.typer())] = 0,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write report.md, report.html (self-contained) and figures/*.svg here."),
    ] = None,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Cost-benefit analysis of a project or scenario against the case without it (EU DG REGIO CBA guide, 2014):
    benefits by year, NPV, BCR, EIRR, payback, Monte Carlo ranges and a tornado of what drives the NPV."""
    from corridor.appraisal.options import parse_rate
    from corridor.services.appraisal import ANCHOR_YEARS, appraise_target

    rate = parse_rate(discount)
    anchors = _years(years) or ANCHOR_YEARS
    if report is not None:
        from corridor.cli.scenarios import _check_output_dir

        _check_output_dir(report)  # before any work
    net = open_network(network)
    result = appraise_target(
        net, target, horizon=horizon, discount_rate=rate, years=anchors, samples=samples, seed=seed
    )
    data = result.to_dict()
    if report is not None:
        from corridor.appraisal.report import build_appraisal_report
        from corridor.cli.scenarios import _write_report
        from corridor.services.appraisal import resolve_target

        with_, _, projects = resolve_target(net, target)
        cited = sorted({s for p in projects for s in p.source})
        built = build_appraisal_report(
            data, title=with_.title, sources={s.id: s.title for s in net.sources}, cited=cited
        )
        written = _write_report(report, built)
        data["report"] = {"markdown": str(written[0]), "html": str(written[1])}
    if as_json:
        print_json(data)
        return
    _print_appraisal(data)
    if report is not None:
        get_console().print(f"report: {data['report']['html']} and {data['report']['markdown']}")


def _musd(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f}"


def _print_appraisal(data: dict[str, Any]) -> None:
    from rich.table import Table

    console = get_console()
    table = Table(title=f"{data['name']}: cash flows, USD million (discounted to {data['discounted_to']})")
    columns = ("year", "capex", "opex", "cost_savings", "time_savings", "reliability", "induced", "operators", "co2e")
    for column in (*columns, "residual_value", "net"):
        table.add_column(column.replace("_", " "), justify="right")
    for row in data["years"]:
        table.add_row(str(row["year"]), *(_musd(row[c]) for c in (*columns[1:], "residual_value", "net")))
    console.print(table)
    eirr = data["eirr"]
    console.print(
        f"NPV USD {_musd(data['npv_usd'])} million at {100 * data['discount_rate']:g}% to {data['horizon']}; "
        f"BCR {data['bcr'] if data['bcr'] is not None else '-'}; "
        f"EIRR {'-' if eirr is None else f'{100 * eirr:.1f}%'}; payback {data['payback_year'] or 'none'}"
    )
    ranges = data["ranges"]
    if ranges:
        npv = ranges["npv_usd"]
        console.print(
            f"Monte Carlo ({ranges['samples']['value']:.0f} draws): NPV P10 {_musd(npv['p10'])}, "
            f"P50 {_musd(npv['p50'])}, P90 {_musd(npv['p90'])} USD million; "
            f"P(NPV < 0) {ranges['probability_npv_negative']['value']:.0%}"
        )
    tornado = Table(title="Tornado: NPV (USD million) at each input's low and high, the others central")
    for column in ("input", "low", "high", "NPV at low", "NPV at high", "swing"):
        tornado.add_column(column, justify="left" if column == "input" else "right")
    for t in data["tornado"]:
        tornado.add_row(
            str(t["input"]),
            f"{t['low']:g}",
            f"{t['high']:g}",
            _musd(t["npv_at_low_usd"]),
            _musd(t["npv_at_high_usd"]),
            _musd(t["swing_usd"]),
        )
    console.print(tornado)


def portfolio(
    budget: Annotated[str, typer.Option("--budget", help="What there is to spend, with its currency: 'USD 3 bn'.")],
    years: Annotated[
        str, typer.Option("--years", help="FIRST:LAST years in which builds may start; the budget is released evenly.")
    ] = "2025:2030",
    projects: Annotated[
        str | None, typer.Option("--projects", help="Comma-separated projects to choose from (default: all).")
    ] = None,
    discount: Annotated[str, typer.Option("--discount", help="Social discount rate a year: 6% or 0.06.")] = "6%",
    horizon: Annotated[
        int, typer.Option("--horizon", help="Last year of the reference period.", **YEAR.typer())
    ] = 2050,
    equilibrium_years: Annotated[
        str, typer.Option("--equilibrium-years", help="Years whose equilibria value each project (default 2030).")
    ] = "2030",
    workers: Annotated[
        int, typer.Option("--workers", help="Processes solving the equilibria at once.", min=1, max=64)
    ] = 1,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """The set and order of projects that maximises NPV under a budget (a mixed-integer program on HiGHS, pairs on
    one bottleneck run together), the greedy baseline, and what each extra billion buys."""
    from corridor.appraisal.options import parse_budget, parse_rate, parse_span
    from corridor.services.appraisal import portfolio_of

    budget_usd = parse_budget(budget)
    span = parse_span(years)
    rate = parse_rate(discount)
    ids = [p.strip() for p in projects.split(",") if p.strip()] if projects else None
    net = open_network(network)
    anchors = _years(equilibrium_years) or (2030,)
    data = portfolio_of(
        net,
        budget_usd=budget_usd,
        years=span,
        project_ids=ids,
        discount_rate=rate,
        horizon=horizon,
        anchor_years=anchors,
        workers=workers,
    )
    if as_json:
        print_json(data)
        return
    from rich.table import Table

    console = get_console()
    table = Table(title=f"Projects alone: NPV at {100 * rate:g}% to {horizon}, built from {span[0]} (USD million)")
    for column in ("project", "capex", "NPV", "bottleneck"):
        table.add_column(column, justify="left" if column in ("project", "bottleneck") else "right")
    for p in data["projects"]:
        table.add_row(p["project"], _musd(p["capex_usd"]), _musd(p["npv_usd"]), ", ".join(p["bottleneck"]))
    console.print(table)
    for pair in data["interactions"]:
        console.print(f"{' + '.join(pair['projects'])}: together USD {_musd(pair['npv_together_minus_alone_usd'])} "
                      "million against the two alone")  # fmt: skip
    for key in ("optimum", "greedy"):
        result = data[key]
        chosen = ", ".join(f"{r['project']} ({r['start']})" for r in result["chosen"]) or "nothing pays"
        console.print(
            f"{result['method']}: NPV USD {_musd(result['npv_usd'])} million for capex {_musd(result['capex_usd'])} "
            f"of {_musd(result['budget_usd'])}: {chosen}"
        )
    for step in data["extra_billion"]:
        console.print(
            f"  budget USD {step['budget_usd'] / 1e9:g} bn: NPV {_musd(step['npv_usd'])} million "
            f"(+{_musd(step['extra_npv_usd'])}); adds {', '.join(step['added']) or 'nothing'}"
            + (f"; drops {', '.join(step['dropped'])}" if step["dropped"] else "")
        )


def _read_candidates(path: Path) -> list[tuple[str, float | None]]:
    """The sites of a candidates file: CSV with a ``place`` column (id or name) and an optional ``capacity_t``."""
    import csv
    import math

    from corridor.errors import InvalidOptionError

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidOptionError(f"{path}: cannot read the candidates: {error}") from None
    if not rows or "place" not in rows[0]:
        raise InvalidOptionError(f"{path}: a candidates file is CSV with a 'place' column (and 'capacity_t').")
    out: list[tuple[str, float | None]] = []
    for line, row in enumerate(rows, start=2):
        text = (row.get("capacity_t") or "").strip()
        capacity: float | None = None
        if text:
            try:
                capacity = float(text)
            except ValueError:
                capacity = math.nan
            if not (math.isfinite(capacity) and capacity > 0):
                raise InvalidOptionError(f"{path}:{line}: capacity_t {text!r} is not a number of tonnes above zero.")
        out.append(((row.get("place") or "").strip(), capacity))
    return out


def centres(
    count: Annotated[int, typer.Option("--count", help="How many logistics centres to place.", min=1, max=1000)],
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="CSV of candidate sites: place (id or name), capacity_t (optional)."),
    ] = None,
    year: Annotated[int, typer.Option("--year", help="Year of the equilibrium flows.", **YEAR.typer())] = 2030,
    corridor: Annotated[str, typer.Option("--corridor", help="Corridor whose places' tonnes are served.")] = "middle",
    radius_km: Annotated[
        float, typer.Option("--radius", help="Service radius of maximum coverage, km.", min=1.0, max=20_000.0)
    ] = 300.0,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """Where to place K logistics centres: capacitated p-median and maximum coverage over the tonnes a year's
    equilibrium flows pass, and the existing centres' (Khorgos, Aktau, Alat, Poti) share of the optimum."""
    from corridor.services.appraisal import centres_of

    sites = _read_candidates(candidates) if candidates is not None else None
    net = open_network(network)
    data = centres_of(net, count=count, year=year, corridor=corridor, candidates=sites, radius_km=radius_km)
    if as_json:
        print_json(data)
        return
    console = get_console()
    pm, mc, ex = data["p_median"], data["max_coverage"], data["existing"]
    console.print(f"{data['corridor']} corridor, {data['year']}: {data['tonnes'] / 1e6:,.1f} Mt pass "
                  f"{len(data['demand_points'])} places; {len(data['candidates'])} candidate sites")  # fmt: skip
    console.print(f"capacitated p-median, {data['count']} centres: {', '.join(pm['sites'])} "
                  f"({pm['mean_km_per_tonne']:,.0f} km a tonne on average)")  # fmt: skip
    console.print(f"maximum coverage within {data['radius_km']:g} km: {', '.join(mc['sites'])} "
                  f"({100 * mc['share_covered']:.1f}% of the tonnes)")  # fmt: skip
    if ex["sites"]:
        share = ex.get("share_of_optimum")
        efficiency = (
            f"{100 * share:.1f}% of the p-median optimum's efficiency ({', '.join(ex['optimum_sites'])})"
            if share is not None
            else str(ex.get("p_median_error"))
        )
        coverage = ex["coverage_share_of_optimum"] or 0.0
        console.print(
            f"existing centres {', '.join(ex['sites'])}: {efficiency}; "
            f"{100 * coverage:.1f}% of the best coverage with as many centres"
        )
