"""Typed results of the routing engine: legs, routes and corridor comparisons, with DataFrame and GeoJSON views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

__all__ = ["Comparison", "Leg", "Route", "Routes", "TransitTime"]


def _iso(when: datetime) -> str:
    """An instant as ISO 8601 to the minute (``2026-03-01T08:00:00+00:00``)."""
    return when.replace(second=0, microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class TransitTime:
    """The door-to-door time distribution of a route from one departure (from the reliability engine)."""

    depart: str  # ISO date-time of the departure
    samples: int
    seed: int
    mean_days: float
    p10_days: float
    p50_days: float
    p90_days: float
    typical_days: float  # the sum of the most likely value of every element (not a percentile)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean_days": round(self.mean_days, 2),
            "p10_days": round(self.p10_days, 2),
            "p50_days": round(self.p50_days, 2),
            "p90_days": round(self.p90_days, 2),
            "typical_days": round(self.typical_days, 2),
            "depart": self.depart,
            "samples": self.samples,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class Leg:
    """One step of an itinerary: a movement on a link, or a stop at a place (transfer, border, handling).

    Examples
    --------
    >>> import corridor
    >>> best = corridor.route(corridor.load_network(), "Xian", "Duisburg", depart="2025-03-01")
    >>> leg = best.legs[0]
    >>> set(leg.to_dict()) >= {"kind", "hours"}
    True
    """

    kind: str  # "move" or "stop"
    from_place: str  # place names, as in `corridor places`
    to_place: str
    from_id: str
    to_id: str
    mode: str  # rail, road, ferry, ... for moves; the stop's kinds (e.g. "gauge_change+border") for stops
    distance_km: float
    hours: float  # expected (mean) hours
    hours_low: float
    hours_high: float
    cost_usd: float
    co2e_kg: float  # well-to-wheel
    co2e_ttw_kg: float
    gauge: int | None = None
    element: str = ""  # link id, or transfer ids joined by '+'
    wait_hours: float = 0.0  # expected wait for a scheduled service, included in hours
    coordinates: tuple[tuple[float, float], ...] = ()  # (lon, lat) of from and to
    emission_quality: str = ""
    hours_typical: float = 0.0  # the sum of the most likely values

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_place,
            "to": self.to_place,
            "mode": self.mode,
            "distance_km": round(self.distance_km, 1),
            "hours": round(self.hours, 2),
            "cost_usd": round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 2),
            "kind": self.kind,
            "from_id": self.from_id,
            "to_id": self.to_id,
            "gauge": self.gauge,
            "hours_low": round(self.hours_low, 2),
            "hours_high": round(self.hours_high, 2),
            "hours_typical": round(self.hours_typical, 2),
            "wait_hours": round(self.wait_hours, 2),
            "co2e_ttw_kg": round(self.co2e_ttw_kg, 2),
            "element": self.element,
            "emission_quality": self.emission_quality,
        }


@dataclass(frozen=True, slots=True)
class Route:
    """A door-to-door itinerary with its totals.

    Examples
    --------
    >>> import corridor
    >>> best = corridor.route(corridor.load_network(), "Xian", "Duisburg", depart="2025-03-01")
    >>> len(best.to_frame()) == len(best.legs), best.to_geojson()["type"]
    (True, 'FeatureCollection')
    """

    origin: str
    destination: str
    corridor: str
    cargo: str
    quantity: float
    legs: tuple[Leg, ...]
    via: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    commodity: str = "container"
    timing: TransitTime | None = None  # the simulated distribution, when the route was timed
    depart: str = ""  # ISO date-time the itinerary's clock starts at (the departure it was chosen for)

    def leg_times(self) -> list[tuple[datetime, datetime]]:
        """When each leg starts and ends: the departure plus the expected hours of the legs before it and of it.

        Expected times (each element's mean, waits for sailings included), the clock the leg table sums; the
        percentiles of arrival are in :attr:`arrive_p50` and :attr:`arrive_p90`. Empty without a departure.
        """
        if not self.depart:
            return []
        clock = datetime.fromisoformat(self.depart)
        times = []
        for leg in self.legs:
            end = clock + timedelta(hours=leg.hours)
            times.append((clock, end))
            clock = end
        return times

    def _arrival(self, days: float) -> str | None:
        start = self.timing.depart if self.timing else self.depart
        if not start:
            return None
        return _iso(datetime.fromisoformat(start) + timedelta(days=days))

    @property
    def arrive_p50(self) -> str | None:
        """The median arrival (ISO, to the minute): the departure plus the median days."""
        return self._arrival(self.days)

    @property
    def arrive_p90(self) -> str | None:
        """The arrival met by nine shipments in ten (ISO, to the minute): the departure plus the P90 days."""
        return self._arrival(self.p90_days)

    @property
    def hours(self) -> float:
        """Expected door-to-door hours: the sum of the elements' means (departure-month weather)."""
        return sum(leg.hours for leg in self.legs)

    @property
    def mean_days(self) -> float:
        return self.timing.mean_days if self.timing else self.hours / 24.0

    @property
    def typical_days(self) -> float:
        """The sum of the most likely value of every element."""
        return sum(leg.hours_typical for leg in self.legs) / 24.0

    @property
    def days(self) -> float:
        """The median door-to-door days when the route was timed, else the expected days."""
        return self.timing.p50_days if self.timing else self.hours / 24.0

    @property
    def p50_days(self) -> float:
        return self.days

    @property
    def days_low(self) -> float:
        """The 10th percentile of the days when timed, else the sum of the elements' low values."""
        return self.timing.p10_days if self.timing else sum(leg.hours_low for leg in self.legs) / 24.0

    @property
    def days_high(self) -> float:
        """The 90th percentile of the days when timed, else the sum of the elements' high values."""
        return self.timing.p90_days if self.timing else sum(leg.hours_high for leg in self.legs) / 24.0

    @property
    def p90_days(self) -> float:
        return self.days_high

    @property
    def cost_usd(self) -> float:
        return sum(leg.cost_usd for leg in self.legs)

    @property
    def co2e_kg(self) -> float:
        return sum(leg.co2e_kg for leg in self.legs)

    @property
    def co2e_ttw_kg(self) -> float:
        return sum(leg.co2e_ttw_kg for leg in self.legs)

    @property
    def distance_km(self) -> float:
        return sum(leg.distance_km for leg in self.legs)

    @property
    def transshipments(self) -> int:
        """Changes of mode or gauge along the way (a container lifted or a wagon re-bogied)."""
        return sum(
            1
            for leg in self.legs
            if leg.kind == "stop"
            and ("transshipment" in leg.mode or "gauge_change" in leg.mode or "port_handling" in leg.mode)
        )

    @property
    def border_crossings(self) -> int:
        """Times the route enters another country."""
        return max(len(self.countries) - 1, 0)

    @property
    def modes(self) -> tuple[str, ...]:
        seen: list[str] = []
        for leg in self.legs:
            if leg.kind == "move" and leg.mode not in seen:
                seen.append(leg.mode)
        return tuple(seen)

    def summary(self) -> dict[str, Any]:
        """Totals only, as in the comparison table."""
        return {
            "corridor": self.corridor,
            "via": ", ".join(self.via),
            "days": round(self.days, 2),
            "days_low": round(self.days_low, 2),
            "days_high": round(self.days_high, 2),
            "mean_days": round(self.mean_days, 2),
            "p50_days": round(self.p50_days, 2),
            "p90_days": round(self.p90_days, 2),
            "typical_days": round(self.typical_days, 2),
            "depart": self.timing.depart if self.timing else None,
            "arrive_p50": self.arrive_p50 if self.timing else None,
            "arrive_p90": self.arrive_p90 if self.timing else None,
            "cost_usd": round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 2),
            "co2e_ttw_kg": round(self.co2e_ttw_kg, 2),
            "distance_km": round(self.distance_km, 1),
            "transshipments": self.transshipments,
            "border_crossings": self.border_crossings,
            "countries": list(self.countries),
            "modes": list(self.modes),
        }

    def legs_dicts(self) -> list[dict[str, Any]]:
        """Each leg's :meth:`Leg.to_dict` with its expected start and end (``depart_at``, ``arrive_at``, ISO)."""
        times = self.leg_times()
        rows = []
        for i, leg in enumerate(self.legs):
            row = leg.to_dict()
            row["depart_at"], row["arrive_at"] = (_iso(times[i][0]), _iso(times[i][1])) if times else (None, None)
            rows.append(row)
        return rows

    def to_dict(self, *, legs: bool = True) -> dict[str, Any]:
        """The totals (:meth:`summary`) and, with ``legs``, each leg (:meth:`legs_dicts`)."""
        return {**self.summary(), "legs": self.legs_dicts()} if legs else self.summary()

    def to_frame(self) -> pd.DataFrame:
        """The legs as a DataFrame, one row per leg."""
        import pandas as pd

        return pd.DataFrame(self.legs_dicts())

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: a LineString per movement, a Point per stop."""
        features = []
        for i, (leg, row) in enumerate(zip(self.legs, self.legs_dicts(), strict=True)):
            props = {"corridor": self.corridor, "sequence": i, **row}
            if leg.kind == "move":
                geometry: dict[str, Any] = {
                    "type": "LineString",
                    "coordinates": [list(c) for c in leg.coordinates],
                }
            else:
                geometry = {"type": "Point", "coordinates": list(leg.coordinates[0])}
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
        return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True, slots=True)
class Comparison:
    """The best route of each corridor between two places.

    Examples
    --------
    >>> import corridor
    >>> comparison = corridor.compare(corridor.load_network(), "Xian", "Duisburg", depart="2025-03-01")
    >>> len(comparison.to_frame()) == len(comparison.options)
    True
    """

    origin: str
    destination: str
    cargo: str
    quantity: float
    optimize: str
    options: tuple[Route, ...]
    unavailable: dict[str, str] = field(default_factory=dict)  # corridor -> why there is no route
    depart: str | None = None  # ISO date-time the routes were timed from
    arrive_by: str | None = None  # ISO deadline: each route was timed from its latest departure that makes it at P90

    def to_dict(self, *, legs: bool = True) -> dict[str, Any]:
        """The comparison as JSON; without ``legs``, each option's totals only."""
        return {
            "depart": self.depart,
            **({"arrive_by": self.arrive_by} if self.arrive_by else {}),
            "origin": self.origin,
            "destination": self.destination,
            "cargo": self.cargo,
            "quantity": self.quantity,
            "optimize": self.optimize,
            "options": [route.to_dict(legs=legs) for route in self.options],
            "unavailable": dict(self.unavailable),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per corridor with the totals."""
        import pandas as pd

        return pd.DataFrame([route.summary() for route in self.options])

    def to_geojson(self) -> dict[str, Any]:
        features = [f for route in self.options for f in route.to_geojson()["features"]]
        return {"type": "FeatureCollection", "features": features}


class Routes(list[Route]):
    """Several routes between two places (the Pareto set, or the ``k`` alternatives), with table and map views.

    A list of :class:`Route` as before (index, iterate, ``len``), that also says what it is and exports itself.

    Parameters
    ----------
    routes
        The routes, in the order of the search (Pareto: fastest first; alternatives: best first).
    origin, destination
        The places searched between.
    search
        ``"pareto"`` or the objective of the alternatives (``"generalized"``, ``"time"``, ...).

    Examples
    --------
    >>> import corridor
    >>> routes = corridor.pareto(corridor.load_network(), "Xian", "Duisburg")
    >>> routes.search, len(routes) == len(routes.to_frame())
    ('pareto', True)
    """

    def __init__(self, routes: Iterable[Route] = (), *, origin: str = "", destination: str = "", search: str = ""):
        super().__init__(routes)
        self.origin = origin
        self.destination = destination
        self.search = search

    def to_dict(self) -> dict[str, Any]:
        """The search and every route as :meth:`Route.to_dict` (JSON-ready).

        Returns
        -------
        dict
            ``origin``, ``destination``, ``search`` and ``routes`` (a list, each with its legs).
        """
        return {
            "origin": self.origin,
            "destination": self.destination,
            "search": self.search,
            "routes": [route.to_dict() for route in self],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per route with its totals (:meth:`Route.summary`) and its rank (``rank``, from 1).

        Returns
        -------
        pandas.DataFrame
            Columns ``rank``, ``corridor``, ``via``, ``days``, ``cost_usd``, ``co2e_kg``, ... as the comparison.
        """
        import pandas as pd

        return pd.DataFrame([{"rank": i + 1, **route.summary()} for i, route in enumerate(self)])

    def to_geojson(self) -> dict[str, Any]:
        """Every route's legs as one GeoJSON FeatureCollection, each feature with its route's ``rank`` (from 1).

        Returns
        -------
        dict
            A FeatureCollection of LineStrings (movements) and Points (stops).
        """
        features = [
            {**f, "properties": {"rank": i + 1, **f["properties"]}}
            for i, route in enumerate(self)
            for f in route.to_geojson()["features"]
        ]
        return {"type": "FeatureCollection", "features": features}
