"""Answers as files: ``format=`` (csv, xlsx, parquet, json, geojson) or the Accept header, as ``--output`` writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query, Response

from corridor.io.export import MEDIA_TYPES, Export, format_of_request, render

__all__ = ["Accept", "Format", "file_response", "requested"]

Format = Annotated[
    str | None,
    Query(
        alias="format",
        max_length=10,
        description="csv (the main table), xlsx (every table, one sheet each), parquet (the main table), json or "
        "geojson; without it, the Accept header's media type, else JSON.",
    ),
]
Accept = Annotated[str | None, Header(max_length=500, include_in_schema=False)]


def requested(format_name: str | None, accept: str | None, *, geojson: bool = True) -> str:
    """The format asked for, checked before any work (an unknown ``format`` is a 422 naming the valid ones)."""
    return format_of_request(format_name, accept, geojson=geojson)


def file_response(export: Export, fmt: str, name: str) -> Response:
    """``export`` in ``fmt``, named ``name.<extension>`` for a browser that saves it."""
    extension = {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet", "json": "json", "geojson": "geojson"}[fmt]
    headers = {"Content-Disposition": f'attachment; filename="{name}.{extension}"'} if fmt != "json" else {}
    return Response(render(export, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
