"""Command group ``network``: the dataset's network written for GIS tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli._options import NetworkOpt, open_network

network_app = typer.Typer(name="network", help="The network as files: GeoPackage, GeoJSON, GeoParquet.")


@network_app.command("export")
def network_export(
    file: Annotated[
        Path, typer.Argument(help="The file to write: .gpkg (layers places and links), .geojson or .parquet.")
    ],
    straight: Annotated[
        bool, typer.Option("--straight", help="Draw water links straight instead of along the sea lanes.")
    ] = False,
    network: NetworkOpt = None,
) -> None:
    """Write the places and links of the network, every field of their records, for QGIS or geopandas."""
    from corridor.services.network_files import network_export_format, network_to_file

    network_export_format(file)  # refused before any work
    net = open_network(network)
    network_to_file(net, file, lanes=not straight)
    print(f"{file}: {len(net.places)} places and {len(net.links)} links of {net.info.name!r}.")
