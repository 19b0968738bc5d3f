"""The network: its places (searchable, paged) and the whole network as GeoJSON with an ETag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from corridor.api.deps import Limit, Offset, Reader, ServiceState, State, compute, page

__all__ = ["router"]

router = APIRouter(tags=["network"])

PLACE_FIELDS = {"id", "name", "aliases", "country", "lat", "lon", "kind", "locode"}


@router.get("/v1/places", summary="Places of the network, searchable")
def places(
    _: Reader,
    state: State,
    search: Annotated[str, Query(max_length=100, description="Part of a name, alias, country or UN/LOCODE.")] = "",
    limit: Limit = 100,
    offset: Offset = 0,
    world: Annotated[
        bool,
        Query(
            description="The world's cities of 15,000 people or more whose name contains `search` (at most 20, most "
            "populous first), each with the `label` that names it as an origin and its nearest terminal and km."
        ),
    ] = False,
) -> dict[str, Any]:
    if world:
        from corridor.dataset.anyplace import world_places
        from corridor.errors import InvalidOptionError

        if not search.strip():
            raise InvalidOptionError("world=true searches the world's cities: give part of a name in search.")
        rows = world_places(state.network, search)
        return page(rows[offset : offset + limit], len(rows), limit, offset)
    found = state.network.search_places(search)
    items = [p.model_dump(include=PLACE_FIELDS) for p in found[offset : offset + limit]]
    return page(items, len(found), limit, offset)


@router.get("/v1/network", summary="The network as GeoJSON (places, links, capacity elements)")
async def network(
    _: Reader,
    state: State,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
    fmt: Annotated[
        str | None,
        Query(
            alias="format",
            max_length=10,
            description="gpkg, geojson or parquet: every field of places.csv and links.csv as a file for GIS tools "
            "(as `corridor network export`); without it, the web map's GeoJSON.",
        ),
    ] = None,
) -> Response:
    if fmt is not None:
        return await _network_file(state, fmt)
    headers = {"ETag": state.etag, "Cache-Control": "public, max-age=300"}
    if if_none_match and state.etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(state.geojson, media_type="application/geo+json", headers=headers)


async def _network_file(state: ServiceState, fmt: str) -> Response:
    """The network written as ``corridor network export`` writes it, in a worker thread."""
    from corridor.errors import InvalidOptionError
    from corridor.services.network_files import MEDIA_TYPES, NETWORK_FORMATS

    name = fmt.strip().lower()
    if name not in MEDIA_TYPES:
        raise InvalidOptionError(f"Unknown format {fmt!r}; valid: {', '.join(MEDIA_TYPES)}")
    extension = next(ext for ext, kind in NETWORK_FORMATS.items() if kind == name)

    def make() -> bytes:
        import tempfile
        from pathlib import Path

        from corridor.services.network_files import network_to_file

        with tempfile.TemporaryDirectory(prefix="corridor-network-") as folder:
            path = Path(folder) / f"network{extension}"
            network_to_file(state.network, path)
            return path.read_bytes()

    body = await compute(state, make)
    headers = {"Content-Disposition": f'attachment; filename="{state.network.info.name}{extension}"'}
    return Response(body, media_type=MEDIA_TYPES[name], headers=headers)
