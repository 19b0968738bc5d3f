"""The network as files for QGIS and geopandas: GeoPackage (layers ``places`` and ``links``), GeoJSON, GeoParquet.

Every field of places.csv and links.csv comes along (lists joined by '; '), with WGS 84 coordinates: places as
points, links as lines along the sea lanes for water links (:func:`corridor.services.mapdata.link_geometry`),
straight otherwise. GeoPackage is written by GDAL through pyogrio; GeoParquet by pyarrow, with the ``geo``
metadata of GeoParquet 1.1 (WKB geometry, OGC:CRS84) that geopandas and GDAL read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError
from corridor.io.files import output_path

if TYPE_CHECKING:
    import pandas as pd

    from corridor.dataset.network import Network

__all__ = ["NETWORK_FORMATS", "network_export_format", "network_layers", "network_to_file", "network_to_geojson"]

NETWORK_FORMATS: dict[str, str] = {".gpkg": "gpkg", ".geojson": "geojson", ".parquet": "parquet"}
MEDIA_TYPES: dict[str, str] = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


def network_export_format(path: str | Path) -> str:
    """The format of ``path`` by its extension (.gpkg, .geojson or .parquet), checked before any work.

    Raises
    ------
    InvalidOptionError
        Naming the file, its extension and the valid ones; or a path that may not be written.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in NETWORK_FORMATS:
        shown = f"extension {suffix!r}" if suffix else "no extension"
        raise InvalidOptionError(
            f"Cannot write {str(path)!r}: {shown}; a network is written as {', '.join(NETWORK_FORMATS)}"
        )
    output_path(path)
    return NETWORK_FORMATS[suffix]


def network_layers(network: Network, *, lanes: bool = True) -> dict[str, tuple[pd.DataFrame, list[Any]]]:
    """``places`` and ``links``: each a table of the records' fields and the shapely geometry of each row."""
    import pandas as pd
    import shapely

    from corridor.services.mapdata import link_geometry

    places = pd.DataFrame([_flat(p.model_dump()) for p in network.places])
    points = [shapely.Point(p.lon, p.lat) for p in network.places]
    lines_of = link_geometry(network) if lanes else {}
    by_id = network.place_by_id
    links = pd.DataFrame([_flat(link.model_dump(by_alias=True)) for link in network.links])
    lines = [
        shapely.LineString(
            lines_of.get(link.id)
            or [[by_id[link.from_].lon, by_id[link.from_].lat], [by_id[link.to].lon, by_id[link.to].lat]]
        )
        for link in network.links
    ]
    return {"places": (places, points), "links": (links, lines)}


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    return {k: "; ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in record.items()}


def network_to_geojson(network: Network, *, lanes: bool = True) -> dict[str, Any]:
    """One FeatureCollection of places (Points) and links (LineStrings); ``layer`` says which each feature is."""
    import shapely

    features = []
    for layer, (frame, shapes) in network_layers(network, lanes=lanes).items():
        for row, shape in zip(frame.to_dict(orient="records"), shapes, strict=True):
            properties = {"layer": layer, **{k: _plain(v) for k, v in row.items()}}
            geometry = json.loads(shapely.to_geojson(shape))
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def _plain(value: Any) -> Any:
    import math

    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def network_to_file(network: Network, path: str | Path, *, lanes: bool = True) -> Path:
    """Write the network to ``path`` as its extension says, whole or not at all."""
    from corridor.io.flows import write_atomic

    fmt = network_export_format(path)
    if fmt == "geojson":
        from corridor.io.jsontext import to_json

        text = to_json(network_to_geojson(network, lanes=lanes))

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")

        return write_atomic(path, write)
    layers = network_layers(network, lanes=lanes)
    if fmt == "gpkg":
        return write_atomic(path, lambda tmp: _gpkg(layers, tmp))
    return write_atomic(path, lambda tmp: _geoparquet(layers, tmp))


def _gpkg(layers: dict[str, tuple[pd.DataFrame, list[Any]]], tmp: Path) -> None:
    # GDAL makes the GeoPackage itself (an empty file is not one) and wants its extension: written beside the
    # temporary file under a .gpkg name, then moved onto it
    package = tmp.with_name(tmp.name + ".gpkg")
    try:
        for i, (name, (frame, shapes)) in enumerate(layers.items()):
            _gpkg_layer(package, name, frame, shapes, append=i > 0)
        os.replace(package, tmp)
    finally:
        package.unlink(missing_ok=True)


def _gpkg_layer(package: Path, name: str, frame: pd.DataFrame, shapes: list[Any], *, append: bool) -> None:
    import numpy as np
    import pyogrio.raw
    import shapely

    columns = [_column(frame[c]) for c in frame.columns]
    pyogrio.raw.write(
        str(package),
        np.asarray(shapely.to_wkb(shapes), dtype=object),
        [values for values, _ in columns],
        list(frame.columns),
        field_mask=[mask for _, mask in columns],
        layer=name,
        driver="GPKG",
        geometry_type="Point" if name == "places" else "LineString",
        crs="EPSG:4326",
        append=append,
    )


def _column(series: pd.Series) -> tuple[Any, Any]:
    """Values GDAL takes (numbers, booleans, text) and the mask of the empty ones."""
    import numpy as np

    mask = series.isna().to_numpy()
    if series.dtype == object:
        values = np.asarray([("" if m else str(v)) for v, m in zip(series, mask, strict=True)], dtype=object)
        return values, mask
    return series.to_numpy(), mask


def _geoparquet(layers: dict[str, tuple[pd.DataFrame, list[Any]]], tmp: Path) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    frames, shapes = [], []
    for name, (frame, geometry) in layers.items():
        frames.append(frame.assign(layer=name))
        shapes += geometry
    table = pd.concat(frames, ignore_index=True)
    table = table[["layer", *[c for c in table.columns if c != "layer"]]]
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(lambda v: None if v is None or v != v else str(v))
    table["geometry"] = shapely.to_wkb(shapes)
    bounds = shapely.total_bounds(shapes)
    metadata = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point", "LineString"],
                "bbox": [float(b) for b in bounds],
            }
        },
    }
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), b"geo": json.dumps(metadata).encode()})
    pq.write_table(arrow, tmp)
