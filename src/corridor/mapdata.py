"""Map data of a network: places, links and capacity elements as one GeoJSON FeatureCollection (for the web map)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from corridor.network import Network

__all__ = ["histogram", "network_geojson"]


def network_geojson(network: Network) -> dict[str, Any]:
    """Places (Points), links (LineStrings, with their corridors) and capacity elements (Points).

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
                {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
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
