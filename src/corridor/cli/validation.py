"""Command ``validate-model``: the model against every published observation, with in/out of range and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli._options import JsonOpt, NetworkOpt, open_network
from corridor.cli._output import get_console, print_json, write_text_atomic
from corridor.limits import YEAR


def validate_model(
    year: Annotated[
        int | None, typer.Option("--year", help="Only the observations of this year.", **YEAR.typer())
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only this kind (transit_days, rate_usd, volume_t, oil_t, rtt_ms); repeatable."),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Also write the report as Markdown (docs/validation.md).")
    ] = None,
    as_json: JsonOpt = False,
    network: NetworkOpt = None,
) -> None:
    """The model against every published observation: in or out of range, error, WAPE and bias by kind."""
    from rich.table import Table

    from corridor.services.validation import validate_model as run
    from corridor.services.validation import validation_json, validation_markdown

    if markdown is not None:
        from corridor.io.files import output_path

        output_path(markdown)  # refused before the validation runs
    net = open_network(network)
    result = run(net, year=year, kinds=kind)
    if markdown is not None:
        command = "corridor validate-model" + (f" --year {year}" if year else "") + f" --markdown {markdown}"
        write_text_atomic(markdown, validation_markdown(result, command=command))
    data = validation_json(result)
    if as_json:
        print_json(data)
        return
    console = get_console()
    table = Table(title="Observations for validation only, by kind")
    for column in ("kind", "observations", "modelled", "in range", "share", "WAPE", "bias"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    for k, s in data["by_kind"].items():
        share = "—" if s["share_in_range"] is None else f"{100 * s['share_in_range']:.0f}%"
        wape = "—" if s["wape_pct"] is None else f"{s['wape_pct']:.1f}%"
        bias = "—" if s["bias_pct"] is None else f"{s['bias_pct']:+.1f}%"
        table.add_row(k, str(s["observations"]), str(s["modelled"]), str(s["in_range"]), share, wape, bias)
    console.print(table)
    share = data["validation_share_in_range"]
    console.print(f"validation-only observations in range: {'—' if share is None else f'{100 * share:.0f}%'}")
    out = [c for c in data["checks"] if c["model"] is not None and not c["in_range"]]
    if out:
        miss = Table(title="Out of range")
        for column in ("id", "year", "observed", "range", "model", "error"):
            miss.add_column(column, justify="left" if column == "id" else "right")
        for c in out:
            miss.add_row(
                c["id"],
                str(c["year"]),
                f"{c['observed']:,g} {c['unit']}",
                f"{c['low']:,g}–{c['high']:,g}",
                f"{c['model']:,g}",
                f"{c['error_pct']:+.1f}%",
            )
        console.print(miss)
