"""The network: its places (searchable, paged) and the whole network as GeoJSON with an ETag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from corridor.api.deps import Limit, Offset, Reader, State, page

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
) -> dict[str, Any]:
    found = state.network.search_places(search)
    items = [p.model_dump(include=PLACE_FIELDS) for p in found[offset : offset + limit]]
    return page(items, len(found), limit, offset)


@router.get("/v1/network", summary="The network as GeoJSON (places, links, capacity elements)")
def network(_: Reader, state: State, if_none_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    headers = {"ETag": state.etag, "Cache-Control": "public, max-age=300"}
    if if_none_match and state.etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(state.geojson, media_type="application/geo+json", headers=headers)
