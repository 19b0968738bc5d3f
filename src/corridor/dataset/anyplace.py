"""Any place as an origin or a destination: a place of the network, a world city, coordinates or a UN/LOCODE.

A place off the network is joined to its nearest terminals by road (pre-carriage from an origin, on-carriage to a
destination). Each road leg is priced and timed as the dataset's road link nearest to the place (its tariff per km,
its speed, its emission factor and its sources); its length is the great-circle distance times the median route
factor of the dataset's own road links (their length over the great-circle distance between their ends). The box
enters or leaves the terminal as a shipper's box does there (the terminal's gate rows of transfers.csv).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from dataclasses import dataclass

from corridor.dataset.gazetteer import (
    MIN_POPULATION,
    City,
    city_by_id,
    city_named,
    great_circle_km,
    locode_names,
    nearest_city,
    search_cities,
    similar_city_names,
)
from corridor.dataset.network import Network
from corridor.dataset.records import Link, Place, Transfer
from corridor.dataset.vocab import COMMODITIES, FREIGHT_MODES
from corridor.errors import AmbiguousPlaceError, NoRouteError, UnknownPlaceError
from corridor.names import normalize_name

__all__ = [
    "ACCESS_MAX_KM",
    "ACCESS_TERMINALS",
    "MAX_PLACE_CHARS",
    "OffNetwork",
    "join_places",
    "locate",
    "place_key",
    "world_places",
]

#: terminals of the network an off-network place is joined to by road (the nearest ones)
ACCESS_TERMINALS = 3
#: the farthest a place may lie from the nearest terminal (great-circle km) to be joined by road
ACCESS_MAX_KM = 1500.0
#: the longest text read as a place (a name, coordinates or a code)
MAX_PLACE_CHARS = 200
#: a city of the gazetteer this close to a network place of its name is that place (terminals lie out of town)
_SAME_PLACE_KM = 50.0
#: candidates listed in the message of an ambiguous name
_SHOWN = 6

_POINT = re.compile(r"^\s*([+-]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d{1,3}(?:\.\d+)?)\s*$")
_QUALIFIED = re.compile(r"^(.*\S)\s*,\s*([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?\s*$")
_GEONAMES = re.compile(r"^geonames:(\d{1,10})$")
_LOCODE_SHAPE = re.compile(r"^[A-Za-z]{2}\s?[A-Za-z2-9]{3}$")


@dataclass(frozen=True, slots=True)
class OffNetwork:
    """A place that is not on the network: a city of the gazetteer or a point given by its coordinates."""

    key: str  # canonical text that finds it again: "geonames:2988507" or "43.20000,76.90000"
    id: str  # the id of its place in the joined network
    name: str  # "Paris, FR" or "43.2,76.9 (near Almaty, KZ)"
    country: str
    lat: float
    lon: float
    city: City | None = None


def locate(network: Network, text: str) -> Place | OffNetwork:
    """The place ``text`` names: a network place (id, name, alias, UN/LOCODE) or, off the network, a city of the
    gazetteer (``Paris``, ``Łódź``, ``Алматы``, ``Alexandria, EG``, ``Alexandria, US-VA``), a point (``43.2,76.9``)
    or the city of a UN/LOCODE (``FRPAR``).

    Raises
    ------
    UnknownPlaceError
        Naming the closest names on the network and in the gazetteer.
    AmbiguousPlaceError
        When several cities bear the name; lists them with their country codes.
    """
    if len(text) > MAX_PLACE_CHARS:
        raise UnknownPlaceError(
            f"{text[:40]}...",
            [],
            reason=f"is {len(text):,} characters long; a place is named in {MAX_PLACE_CHARS} or fewer",
        )
    try:
        return network.place(text)
    except UnknownPlaceError as error:
        if not normalize_name(text):
            raise
        unknown = error
    text = text.strip()
    if _LOCODE_SHAPE.match(text):
        code = text.replace(" ", "").upper()
        for place in network.places:
            if place.locode == code:
                return place
    geonames = _GEONAMES.match(text)
    if geonames:
        city = city_by_id(int(geonames.group(1)))
        if city is None:
            raise UnknownPlaceError(text, [], reason="is no city of the gazetteer")
        return _of_city(city)
    point = _POINT.match(text)
    if point:
        return _of_point(text, float(point.group(1)), float(point.group(2)))
    cities = _cities_of(text)
    if not cities and _LOCODE_SHAPE.match(text):
        cities = _cities_of_locode(text)
    if not cities:
        near = {normalize_name(name) for name in unknown.closest}
        similar = [f"{c.name} ({c.country})" for c in similar_city_names(text) if normalize_name(c.name) not in near]
        raise UnknownPlaceError(text, [*unknown.closest, *similar])
    if len(cities) > 1:
        raise _ambiguous(text, cities)
    return _on_network(network, cities[0]) or _of_city(cities[0])


def _on_network(network: Network, city: City) -> Place | None:
    """The network place that is this city (its name or alias, within :data:`_SAME_PLACE_KM`), if there is one."""
    try:
        place = network.place(city.name)
    except UnknownPlaceError:
        return None
    return place if great_circle_km(city.lat, city.lon, place.lat, place.lon) <= _SAME_PLACE_KM else None


def place_key(network: Network, text: str) -> str:
    """A text that finds the same place again (a network place's id, ``geonames:ID`` or ``lat,lon``)."""
    found = locate(network, text)
    return found.id if isinstance(found, Place) else found.key


def world_places(network: Network, text: str, *, limit: int = 20) -> list[dict[str, object]]:
    """Cities of the gazetteer whose name contains ``text``, most populous first, each with the label that names it
    as an origin or destination, and its nearest terminal of the network with the great-circle km (a place is
    joined by road within :data:`ACCESS_MAX_KM`)."""
    layers = _layers_at(network)
    terminals = [p for p in network.places if p.kind != "border" and layers.get(p.id)]
    rows: list[dict[str, object]] = []
    for city in search_cities(text, limit=limit):
        namesakes = [c.country for c in city_named(city.name)]
        label = f"{city.label}-{city.admin1}" if namesakes.count(city.country) > 1 and city.admin1 else city.label
        row: dict[str, object] = {
            "label": label,
            "name": city.name,
            "country": city.country,
            "admin1": city.admin1,
            "population": city.population,
            "lat": city.lat,
            "lon": city.lon,
            "geonameid": city.geonameid,
            "nearest_terminal": None,
            "km": None,
        }
        if terminals:
            km, near = min((great_circle_km(city.lat, city.lon, p.lat, p.lon), p.name) for p in terminals)
            row["nearest_terminal"], row["km"] = near, round(km)
        rows.append(row)
    return rows


def _cities_of(text: str) -> tuple[City, ...]:
    qualified = _QUALIFIED.match(text)
    if qualified:
        name, country, admin1 = qualified.group(1), qualified.group(2).upper(), (qualified.group(3) or "").upper()
        return tuple(c for c in city_named(name) if c.country == country and (not admin1 or c.admin1.upper() == admin1))
    return city_named(text)


def _cities_of_locode(text: str) -> tuple[City, ...]:
    found = locode_names(text)
    if found is None:
        return ()
    country, names = found
    for name in names:
        cities = [c for c in city_named(name) if c.country == country]
        if cities:
            return (cities[0],)
    raise UnknownPlaceError(
        text,
        [],
        reason=f"is the UN/LOCODE of {names[0]} ({country}), which is not among the gazetteer's cities of "
        f"{MIN_POPULATION:,} people or more; give its coordinates as 'lat,lon'",
    )


def _ambiguous(text: str, cities: tuple[City, ...]) -> AmbiguousPlaceError:
    shown = cities[:_SHOWN]
    countries = [c.country for c in shown]
    labels = [
        f"{c.name}, {c.country}-{c.admin1}" if countries.count(c.country) > 1 and c.admin1 else c.label for c in shown
    ]
    details = [
        f"{label} ({c.population:,} people, at {c.lat:.2f},{c.lon:.2f})" for label, c in zip(labels, shown, strict=True)
    ]
    if len(cities) > _SHOWN:
        details.append(f"and {len(cities) - _SHOWN} more")
    return AmbiguousPlaceError(text, labels, details=details)


def _of_city(city: City) -> OffNetwork:
    return OffNetwork(
        key=f"geonames:{city.geonameid}",
        id=f"geonames-{city.geonameid}",
        name=city.label,
        country=city.country,
        lat=city.lat,
        lon=city.lon,
        city=city,
    )


def _of_point(text: str, lat: float, lon: float) -> OffNetwork:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UnknownPlaceError(
            text,
            [],
            reason=f"is not a point: latitude {lat:g} must be from -90 to 90, longitude {lon:g} from -180 to 180",
        )
    near, km = nearest_city(lat, lon)
    return OffNetwork(
        key=f"{lat:.5f},{lon:.5f}",
        id=f"point-{'n' if lat >= 0 else 's'}{abs(lat):.5f}-{'e' if lon >= 0 else 'w'}{abs(lon):.5f}",
        name=f"{lat:g},{lon:g} (near {near.label})" if km >= 1 else f"{lat:g},{lon:g} ({near.label})",
        country=near.country,
        lat=lat,
        lon=lon,
    )


# --- joining places to the network ---------------------------------------------------------------------------------


def join_places(network: Network, origin: str, destination: str) -> tuple[Network, str, str]:
    """The network with ``origin`` and ``destination`` on it, and their ids there.

    A place already on the network comes back as its id and the network unchanged; a place off it is added with
    road links to its :data:`ACCESS_TERMINALS` nearest terminals within :data:`ACCESS_MAX_KM` (from an origin to
    the terminals, from the terminals to a destination: never through it).

    Raises
    ------
    UnknownPlaceError, AmbiguousPlaceError
        As :func:`locate`.
        On a network without a road link to price the road by, a place off it is unknown (as before any city).
    NoRouteError
        For a place farther than :data:`ACCESS_MAX_KM` from every terminal (naming the nearest with their
        distances).
    """
    ends = [locate(network, origin), locate(network, destination)]
    if all(isinstance(end, Place) for end in ends):
        return network, ends[0].id, ends[1].id
    if not any(link.mode == "road" and link.tariff_usd is not None for link in network.links):
        # a network without roads joins nothing: a name that is no place of it is unknown here
        text = origin if isinstance(ends[1], Place) else destination
        raise UnknownPlaceError(text, network.closest_places(text))
    places, links, transfers = list(network.places), list(network.links), list(network.transfers)
    layers = _layers_at(network)
    for outbound, end in ((True, ends[0]), (False, ends[1])):
        if isinstance(end, Place) or end.id in network.place_by_id:
            continue
        if not any(p.id == end.id for p in places):
            places.append(_place_record(end))
        for terminal, km in _terminals(network, end):
            links.append(_access_link(network, end, terminal, km, outbound=outbound))
            if "road" not in layers.get(terminal.id, set()):
                transfers.extend(_gate_rows(network, terminal, layers.get(terminal.id, set()), outbound=outbound))
    joined = dataclasses.replace(network, places=tuple(places), links=tuple(links), transfers=tuple(transfers))
    return joined, ends[0].id, ends[1].id


def _layers_at(network: Network) -> dict[str, set[str]]:
    layers: dict[str, set[str]] = {}
    for link in network.links:
        if link.mode in FREIGHT_MODES:
            layers.setdefault(link.from_, set()).add(link.layer)
            layers.setdefault(link.to, set()).add(link.layer)
    return layers


def _terminals(network: Network, end: OffNetwork) -> list[tuple[Place, float]]:
    """The nearest places of the network that a freight link serves (border posts left out), with their km."""
    layers = _layers_at(network)
    candidates = sorted(
        (great_circle_km(end.lat, end.lon, p.lat, p.lon), p.id)
        for p in network.places
        if p.kind != "border" and layers.get(p.id)
    )
    near = [(network.place_by_id[pid], km) for km, pid in candidates[:ACCESS_TERMINALS] if km <= ACCESS_MAX_KM]
    if not near:
        listed = ", ".join(f"{network.place_by_id[pid].name} ({km:,.0f} km)" for km, pid in candidates[:3])
        raise NoRouteError(
            f"{end.name} is {candidates[0][0]:,.0f} km from the nearest terminal of the network"
            f"{': ' + listed if listed else ''}; places are joined by road only within {ACCESS_MAX_KM:,.0f} km."
            if candidates
            else f"{end.name} is off the network, which has no terminal to join it to."
        )
    return near


def _place_record(end: OffNetwork) -> Place:
    if end.city is not None:
        return Place(
            id=end.id,
            name=end.name,
            country=end.country,
            lat=end.lat,
            lon=end.lon,
            kind="city",
            source=["geonames"],
            as_of="2024",
            note=f"GeoNames {end.city.geonameid}, population {end.city.population:,}; joined to the network by road",
        )
    return Place(
        id=end.id,
        name=end.name,
        country=end.country,
        lat=end.lat,
        lon=end.lon,
        kind="city",
        source=["geonames"],
        as_of="2024",
        estimated=True,
        note="Coordinates as given; the country is that of the nearest city of the gazetteer",
    )


def _road_links(network: Network) -> list[Link]:
    roads = [link for link in network.links if link.mode == "road" and link.tariff_usd is not None]
    if not roads:
        raise NoRouteError(
            f"The network {network.info.name!r} has no road link to price road pre- or on-carriage by, so places "
            "off it cannot be joined; name one of the network's own places."
        )
    return roads


def route_factor(network: Network) -> float:
    """The median of road length over great-circle distance among the network's road links (at least 1)."""
    ratios = []
    for link in _road_links(network):
        a, b = network.place_by_id[link.from_], network.place_by_id[link.to]
        crow = great_circle_km(a.lat, a.lon, b.lat, b.lon)
        if crow > 1:
            ratios.append(link.distance_km / crow)
    return max(1.0, statistics.median(ratios)) if ratios else 1.0


def _nearest_road(network: Network, lat: float, lon: float) -> Link:
    def distance(link: Link) -> float:
        a, b = network.place_by_id[link.from_], network.place_by_id[link.to]
        return min(great_circle_km(lat, lon, a.lat, a.lon), great_circle_km(lat, lon, b.lat, b.lon))

    return min(_road_links(network), key=lambda link: (distance(link), link.id))


def _access_link(network: Network, end: OffNetwork, terminal: Place, crow_km: float, *, outbound: bool) -> Link:
    template = _nearest_road(network, end.lat, end.lon)
    factor = route_factor(network)
    km = round(max(1.0, crow_km * factor), 1)
    per_km = km / template.distance_km
    assert template.tariff_usd is not None
    hours = {"hours": template.link_hours * per_km} if template.speed_kmh is None else {}
    return Link.model_validate(
        {
            "id": f"road-access-{end.id}-{terminal.id}" if outbound else f"road-access-{terminal.id}-{end.id}",
            "from": end.id if outbound else terminal.id,
            "to": terminal.id if outbound else end.id,
            "mode": "road",
            "distance_km": km,
            "speed_kmh": template.speed_kmh,
            **hours,
            "tariff_usd": template.tariff_usd * per_km,
            "tariff_low_usd": None if template.tariff_low_usd is None else template.tariff_low_usd * per_km,
            "tariff_high_usd": None if template.tariff_high_usd is None else template.tariff_high_usd * per_km,
            "tariff_unit": template.tariff_unit,
            "tariff_as_of": template.tariff_as_of,
            "commodities": list(template.commodities),
            "corridors": ["*"],
            "emission_factor": template.emission_factor,
            "bidirectional": False,
            "source": list(dict.fromkeys([*template.source, "estimate"])),
            "as_of": template.as_of,
            "estimated": True,
            "note": f"Road {'pre' if outbound else 'on'}-carriage: great-circle {crow_km:,.0f} km x {factor:.2f} "
            f"(median route factor of the dataset's road links); tariff per km and speed of road link {template.id}",
        }
    )


def _gate_rows(network: Network, terminal: Place, layers: set[str], *, outbound: bool) -> list[Transfer]:
    """Rows for a truck at the terminal's gate: road -> each layer (outbound) or each layer -> road, priced as the
    terminal's gate rows for that layer (zero for commodities they do not cover)."""
    rows: list[Transfer] = []
    for layer in sorted(layers):
        gate = [
            t
            for t in network.transfers
            if t.place == terminal.id
            and (
                (t.from_layer, t.to_layer) == (("gate", layer) if outbound else (layer, "gate"))
                or (
                    t.bidirectional and (t.from_layer, t.to_layer) == ((layer, "gate") if outbound else ("gate", layer))
                )
            )
        ]
        pair = ("road", layer) if outbound else (layer, "road")
        suffix = "road-in" if outbound else "road-out"
        covered: set[str] = set()
        for t in gate:
            covered |= set(t.commodities or COMMODITIES)
            rows.append(
                t.model_copy(
                    update={
                        "id": f"{t.id}-{suffix}",
                        "from_layer": pair[0],
                        "to_layer": pair[1],
                        "bidirectional": False,
                    }
                )
            )
        rest = [c for c in COMMODITIES if c not in covered]
        if rest:
            rows.append(
                Transfer(
                    id=f"{terminal.id}-{layer}-{suffix}",
                    place=terminal.id,
                    from_layer=pair[0],
                    to_layer=pair[1],
                    kind="terminal",
                    hours_low=0,
                    hours_typical=0,
                    hours_high=0,
                    commodities=rest,
                    bidirectional=False,
                    source=["estimate"],
                    as_of="2026",
                    estimated=True,
                    note="A truck at the terminal's gate, which has no gate row for this cargo: no time, no charge",
                )
            )
    return rows
