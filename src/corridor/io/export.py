"""Results as files for the tools people use: CSV, Excel (one sheet per table), Parquet, JSON and GeoJSON.

The format comes from the file's extension (``--output FILE``) or, in the API, from ``format=`` or the Accept
header. A result is handed over as an :class:`Export`: its tables (the first is the main one), its JSON and, where
it has geometry, its GeoJSON. CSV and Parquet hold the main table; Excel holds every table, one sheet each; JSON is
the result's JSON (as ``--json`` prints it); GeoJSON its features. Files are written whole or not at all, only to
regular files or new names (:func:`corridor.io.flows.write_atomic`).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError
from corridor.io.files import output_path

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Export",
    "export_format",
    "format_of_request",
    "render",
    "write_export",
]

#: extension -> format
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".json": "json",
    ".geojson": "geojson",
}
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "geojson": "application/geo+json",
}
#: Excel's limits: 31 characters in a sheet name, 1,048,576 rows in a sheet
_SHEET_NAME, _SHEET_ROWS = 31, 1_048_576


@dataclass(frozen=True)
class Export:
    """A result ready to be written: named tables (the first is the main one), its JSON, its GeoJSON if any."""

    tables: Mapping[str, pd.DataFrame]
    data: Any
    geojson: dict[str, Any] | None = None
    #: the formats this result cannot be written as, with the reason (e.g. no geometry)
    refused: Mapping[str, str] = field(default_factory=dict)


def export_format(path: str | Path, *, geojson: bool = True, what: str = "this result") -> str:
    """The format of ``path`` by its extension, checked before any work: a known extension, a GeoJSON only for a
    result with geometry, and a file that may be written (:func:`corridor.io.files.output_path`).

    Raises
    ------
    InvalidOptionError
        Naming the file, its extension and the valid ones.
    """
    suffix = Path(path).suffix.lower()
    valid = [ext for ext in FORMATS if geojson or ext != ".geojson"]
    if suffix not in valid:
        shown = f"extension {suffix!r}" if suffix else "no extension"
        raise InvalidOptionError(
            f"Cannot write {str(path)!r}: {shown}; the format comes from the extension, one of "
            f"{', '.join(valid)}" + ("" if geojson else f" ({what} has no geometry for .geojson)")
        )
    output_path(path)
    return FORMATS[suffix]


def format_of_request(format_name: str | None, accept: str | None, *, geojson: bool = True) -> str:
    """The format an API request asks for: ``format=`` (csv, xlsx, parquet, json, geojson) first, else the first
    media type of the Accept header that names one, else JSON.

    Raises
    ------
    InvalidOptionError
        For a ``format`` that is none of them (or geojson for a result without geometry).
    """
    valid = [name for name in MEDIA_TYPES if geojson or name != "geojson"]
    if format_name is not None:
        name = format_name.strip().lower()
        if name not in valid:
            raise InvalidOptionError(f"Unknown format {format_name!r}; valid: {', '.join(valid)}")
        return name
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        for name in valid:
            if media == MEDIA_TYPES[name].split(";")[0]:
                return name
    return "json"


def render(export: Export, fmt: str) -> bytes:
    """The bytes of ``export`` in ``fmt`` (see :data:`MEDIA_TYPES`)."""
    if fmt in export.refused:
        raise InvalidOptionError(export.refused[fmt])
    if fmt == "json":
        from corridor.io.jsontext import to_json

        return (to_json(export.data, indent=2) + "\n").encode("utf-8")
    if fmt == "geojson":
        if export.geojson is None:
            raise InvalidOptionError("This result has no geometry to write as GeoJSON.")
        from corridor.io.jsontext import to_json

        return to_json(export.geojson).encode("utf-8")
    tables = {name: _flat(frame) for name, frame in export.tables.items()}
    main = next(iter(tables.values()))
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(main.to_csv(index=False).encode("utf-8"))
    elif fmt == "parquet":
        main.to_parquet(buffer, index=False)
    elif fmt == "xlsx":
        _xlsx(tables, buffer)
    else:
        raise InvalidOptionError(f"Unknown format {fmt!r}; valid: {', '.join(MEDIA_TYPES)}")
    return buffer.getvalue()


def write_export(path: str | Path, export: Export) -> Path:
    """Write ``export`` to ``path`` in the format of its extension, whole or not at all."""
    from corridor.io.flows import write_atomic

    content = render(export, export_format(path, geojson=export.geojson is not None))

    def write(tmp: Path) -> None:
        tmp.write_bytes(content)

    return write_atomic(path, write)


def _xlsx(tables: Mapping[str, pd.DataFrame], buffer: io.BytesIO) -> None:
    import pandas as pd

    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for name, frame in tables.items():
            if len(frame) >= _SHEET_ROWS:
                raise InvalidOptionError(
                    f"Table {name!r} has {len(frame):,} rows, more than an Excel sheet holds; write .csv or .parquet"
                )
            frame.to_excel(book, sheet_name=name[:_SHEET_NAME], index=False)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells a spreadsheet can hold: lists joined by '; ', mappings as JSON text, non-finite numbers empty."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(_cell)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
