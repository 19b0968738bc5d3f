"""Options shared by several commands (typer annotations), and the dataset that ``--network`` names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridor.limits import GRID_YEAR, MONEY_RATE, QUANTITY, YEAR

if TYPE_CHECKING:
    from corridor.dataset.network import Network

NetworkOpt = Annotated[
    Path | None,
    typer.Option("--network", help="Dataset folder (CSV tables and dataset.yaml); the embedded 'eurasia' if omitted."),
]
CargoOpt = Annotated[str, typer.Option("--cargo", help="FEU, TEU, t (dry bulk tonnes) or liquid (liquid bulk tonnes).")]
QuantityOpt = Annotated[float, typer.Option("--quantity", help="How many cargo units.", **QUANTITY.typer())]
AvoidOpt = Annotated[
    str | None,
    typer.Option("--avoid", help="Comma-separated countries (RU,IR), passages (suez,red-sea,bosporus,...) or modes."),
]
OptimizeOpt = Annotated[
    str,
    typer.Option("--optimize", help="time, cost, co2e, generalized (expected values) or p90 (best 90th percentile)."),
]
DepartOpt = Annotated[
    str | None,
    typer.Option("--depart", help="Departure date or date-time, UTC (default: today): waits and weather depend on it."),
]
ArriveByOpt = Annotated[
    str | None,
    typer.Option(
        "--arrive-by",
        help="A deadline (date or date-time, UTC) instead of --depart: times the trip from the latest departure "
        "that arrives by then at the 90th percentile.",
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="The network and demand as they stood that year (changes.csv); departs 15 June of it.",
        **YEAR.typer(),
    ),
]
FlowYearOpt = Annotated[
    int | None,
    typer.Option(
        "--year", help="The network and demand of that year (changes.csv; demand from trade).", **YEAR.typer()
    ),
]
GridYearOpt = Annotated[
    int | None,
    typer.Option(
        "--grid-year",
        help="Electric rail at the CO2e intensity of the modelled grid of that year (corridor power; under the "
        "scenario when one is given) instead of the dataset's factors; diesel traction unchanged.",
        **GRID_YEAR.typer(),
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="Also write the result to FILE, in the format of its extension: .csv (the main table), .xlsx (every "
        "table, one sheet each), .parquet (the main table), .json (as --json) or .geojson.",
    ),
]
VotOpt = Annotated[
    float | None,
    typer.Option(
        "--value-of-time",
        help="USD per tonne of goods per hour in the generalized cost (dataset default: its USD per FEU-hour over "
        "an FEU's payload).",
        **MONEY_RATE.typer(),
    ),
]
CarbonOpt = Annotated[
    float | None,
    typer.Option(
        "--carbon-price", help="USD per t CO2e in the generalized cost (dataset default).", **MONEY_RATE.typer()
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Results store URL (sqlite:///PATH or postgresql://...); default in the user data dir."
    ),
]
StoreFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--store-file",
        help="A file holding the results store URL (keeps a password out of the process list); "
        "or set CORRIDOR_STORE or CORRIDOR_STORE_FILE.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run on the Dask scheduler at tcp://HOST:PORT instead of a LocalCluster."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes of the Dask LocalCluster (default: one per core).", min=1),
]
InProcessOpt = Annotated[
    bool,
    typer.Option(
        "--in-process", help="Keep a sweep in this process even when it is large enough to go to a LocalCluster."
    ),
]


def open_network(path: Path | None) -> Network:
    """The dataset of ``--network``: the folder given, or the embedded 'eurasia' when it is None."""
    from corridor.dataset.csvfolder import load_network

    return load_network(path)


def store_url(store: str | None, store_file: Path | None) -> str | None:
    """The store of ``--store`` or ``--store-file`` (None: the default); warns when ``--store`` holds a password."""
    from corridor.errors import InvalidOptionError

    if store is not None and store_file is not None:
        raise InvalidOptionError("Give the store with --store or with --store-file, not both.")
    if store_file is not None:
        from corridor.store.database import store_url_from_file

        return store_url_from_file(store_file)
    if store is not None and _has_password(store):
        import sys

        print(
            "corridor: warning: --store holds a password, which other users of this machine can read in the "
            "process list; put the URL in CORRIDOR_STORE, or in a file named by --store-file or CORRIDOR_STORE_FILE",
            file=sys.stderr,
        )
    return store


def _has_password(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False
