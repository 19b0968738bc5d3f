"""Map data of a network: places, links and capacity elements as one GeoJSON FeatureCollection (for the web map)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from corridor.dataset.network import Network

__all__ = ["histogram", "link_geometry", "network_geojson", "with_link_geometry"]

WATER = ("sea", "feeder", "ferry", "barge")
#: a sea lane is drawn only if its length is within this factor of the link's distance (else a straight line)
LANE_TOLERANCE = 1.35


def link_geometry(network: Network) -> dict[str, list[list[float]]]:
    """Lines of the water links along sea lanes (searoute's marine network), from ``from`` to ``to``.

    A link through the Cape avoids Suez and Bab-el-Mandeb; no lane uses the Arctic passages. A lane whose length
    differs from the link's ``distance_km`` by more than ``LANE_TOLERANCE`` (a lake, a river, a port off the
    lane network) is left out, and the link is drawn straight.
    """
    import searoute

    places = network.place_by_id
    out: dict[str, list[list[float]]] = {}
    for link in network.links:
        if link.mode not in WATER:
            continue
        a, b = places[link.from_], places[link.to]
        restrictions = ["northwest", "panama"]
        if "cape" in link.passages:
            restrictions += ["suez", "babalmandab"]
        if "bosporus" not in link.passages and a.country not in ("TR",):
            restrictions.append("bosporus")
        try:
            lane = searoute.searoute(
                [a.lon, a.lat], [b.lon, b.lat], units="km", append_orig_dest=True, restrictions=restrictions
            )
        except Exception:  # no lane between these points: drawn straight
            continue
        length = float(lane["properties"]["length"])
        if not link.distance_km / LANE_TOLERANCE <= length <= link.distance_km * LANE_TOLERANCE:
            continue
        out[link.id] = [[round(x, 4), round(y, 4)] for x, y in lane["geometry"]["coordinates"]]
    return out


def with_link_geometry(collection: dict[str, Any], geometry: dict[str, list[list[float]]]) -> dict[str, Any]:
    """A route's GeoJSON with each movement along its link's lane (reversed when the route runs ``to`` -> ``from``)."""
    features = []
    for f in collection["features"]:
        props = f["properties"]
        line = geometry.get(str(props.get("element")))
        if f["geometry"]["type"] == "LineString" and line:
            start = f["geometry"]["coordinates"][0]
            forward = (line[0][0] - start[0]) ** 2 + (line[0][1] - start[1]) ** 2
            backward = (line[-1][0] - start[0]) ** 2 + (line[-1][1] - start[1]) ** 2
            f = {**f, "geometry": {"type": "LineString", "coordinates": line if forward <= backward else line[::-1]}}
        features.append(f)
    return {**collection, "features": features}


def network_geojson(network: Network, *, geometry: dict[str, list[list[float]]] | None = None) -> dict[str, Any]:
    """Places (Points), links (LineStrings, with their corridors) and capacity elements (Points).

    ``geometry`` gives the line of a link by id (see :func:`link_geometry`); other links are straight.

    A capacity element sits at its transfer's place, or halfway along its (first) link. The collection carries
    the corridors (id and name) as a foreign member ``corridors``.
    """
    places = network.place_by_id
    links = network.link_by_id
    features: list[dict[str, Any]] = []
    for p in network.places:
        features.append(
            _feature(
                {"type": "Point", "coordinates": [p.lon, p.lat]},
                type="place",
                id=p.id,
                name=p.name,
                country=p.country,
                kind=p.kind,
            )
        )
    for link in network.links:
        a, b = places[link.from_], places[link.to]
        features.append(
            _feature(
                {"type": "LineString", "coordinates": (geometry or {}).get(link.id, [[a.lon, a.lat], [b.lon, b.lat]])},
                type="link",
                id=link.id,
                mode=link.mode,
                corridors=list(link.corridors),
                **{"from": a.name, "to": b.name},
                distance_km=link.distance_km,
            )
        )
    transfers = network.transfer_by_id
    services = network.service_by_id
    for cap in network.capacities:
        first = cap.elements[0]
        if cap.element_type == "transfer" and first in transfers:
            p = places[transfers[first].place]
            point = [p.lon, p.lat]
        else:
            lid = services[first].links[0] if cap.element_type == "service" and first in services else first
            if lid not in links:
                continue
            a, b = places[links[lid].from_], places[links[lid].to]
            point = [(a.lon + b.lon) / 2, (a.lat + b.lat) / 2]
        features.append(
            _feature(
                {"type": "Point", "coordinates": point},
                type="capacity",
                id=cap.id,
                name=cap.id.replace("-", " "),
                element_type=cap.element_type,
                capacity_per_year=cap.capacity_per_year,
                capacity_unit=cap.capacity_unit,
            )
        )
    return {
        "type": "FeatureCollection",
        "corridors": [{"id": c.id, "name": c.name} for c in network.corridors],
        "features": features,
    }


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def histogram(hours: NDArray[np.float64], *, bins: int = 40) -> dict[str, list[float]]:
    """The transit-time distribution in days: bin centres and the share of shipments in each bin."""
    days = np.asarray(hours, dtype=float) / 24.0
    days = days[np.isfinite(days)]
    if days.size == 0:
        return {"days": [], "share": []}
    low, high = float(days.min()), float(days.max())
    if high - low < 1e-9:
        return {"days": [round(low, 3)], "share": [1.0]}
    counts, edges = np.histogram(days, bins=bins, range=(low, high))
    centres = (edges[:-1] + edges[1:]) / 2
    share = counts / days.size
    return {"days": [round(float(c), 3) for c in centres], "share": [round(float(s), 5) for s in share]}
