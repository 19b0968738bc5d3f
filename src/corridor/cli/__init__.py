"""The ``corridor`` command line: thin wrappers that parse options, call the engines and print results.

One module per command group; each command imports its engine inside the function, so that a command starts
without loading the others' dependencies. The commands are registered here, in the order ``corridor --help``
lists them.
"""

from __future__ import annotations

import sys

import typer

from corridor.cli import (
    appraisal,
    demand,
    flows,
    layers,
    network,
    reliability,
    routing,
    scenarios,
    service,
    stock,
    validation,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="corridor",
    help="Routes, costs, times and emissions on the Middle Corridor and its competitors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

app.command()(routing.compare)
app.command()(routing.route)
app.command()(routing.places)
app.command()(routing.validate)
app.command()(flows.assign)
app.command()(flows.bottlenecks)
app.command()(demand.demand)
app.command()(reliability.simulate)
app.command()(reliability.fleet)
app.command(name="rolling-stock")(stock.rolling_stock)
app.command()(scenarios.calibrate)
app.command(name="validate-model")(validation.validate_model)
app.command()(appraisal.appraise)
app.command()(appraisal.portfolio)
app.command()(appraisal.centres)
app.command()(layers.oil)
app.command()(layers.latency)
app.command()(layers.resilience)
app.command()(layers.power)
app.command()(service.serve)
app.add_typer(scenarios.scenario_app)
app.add_typer(service.apikey_app)
app.add_typer(network.network_app)


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
