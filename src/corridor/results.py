"""Typed results of the routing engine: legs, routes and corridor comparisons, with DataFrame and GeoJSON views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "Leg", "Route"]


@dataclass(frozen=True, slots=True)
class Leg:
    """One step of an itinerary: a movement on a link, or a stop at a place (transfer, border, handling)."""

    kind: str  # "move" or "stop"
    from_place: str  # place names, as in `corridor places`
    to_place: str
    from_id: str
    to_id: str
    mode: str  # rail, road, ferry, ... for moves; the stop's kinds (e.g. "gauge_change+border") for stops
    distance_km: float
    hours: float
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
            "wait_hours": round(self.wait_hours, 2),
            "co2e_ttw_kg": round(self.co2e_ttw_kg, 2),
            "element": self.element,
            "emission_quality": self.emission_quality,
        }


@dataclass(frozen=True, slots=True)
class Route:
    """A door-to-door itinerary with its totals."""

    origin: str
    destination: str
    corridor: str
    cargo: str
    quantity: float
    legs: tuple[Leg, ...]
    via: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @property
    def hours(self) -> float:
        return sum(leg.hours for leg in self.legs)

    @property
    def days(self) -> float:
        return self.hours / 24.0

    @property
    def days_low(self) -> float:
        return sum(leg.hours_low for leg in self.legs) / 24.0

    @property
    def days_high(self) -> float:
        return sum(leg.hours_high for leg in self.legs) / 24.0

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
            "cost_usd": round(self.cost_usd, 2),
            "co2e_kg": round(self.co2e_kg, 2),
            "co2e_ttw_kg": round(self.co2e_ttw_kg, 2),
            "distance_km": round(self.distance_km, 1),
            "transshipments": self.transshipments,
            "border_crossings": self.border_crossings,
            "countries": list(self.countries),
            "modes": list(self.modes),
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "legs": [leg.to_dict() for leg in self.legs]}

    def to_frame(self) -> pd.DataFrame:
        """The legs as a DataFrame, one row per leg."""
        import pandas as pd

        return pd.DataFrame([leg.to_dict() for leg in self.legs])

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: a LineString per movement, a Point per stop."""
        features = []
        for i, leg in enumerate(self.legs):
            props = {"corridor": self.corridor, "sequence": i, **leg.to_dict()}
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
    """The best route of each corridor between two places."""

    origin: str
    destination: str
    cargo: str
    quantity: float
    optimize: str
    options: tuple[Route, ...]
    unavailable: dict[str, str] = field(default_factory=dict)  # corridor -> why there is no route

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "destination": self.destination,
            "cargo": self.cargo,
            "quantity": self.quantity,
            "optimize": self.optimize,
            "options": [route.to_dict() for route in self.options],
            "unavailable": dict(self.unavailable),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per corridor with the totals."""
        import pandas as pd

        return pd.DataFrame([route.summary() for route in self.options])

    def to_geojson(self) -> dict[str, Any]:
        features = [f for route in self.options for f in route.to_geojson()["features"]]
        return {"type": "FeatureCollection", "features": features}
