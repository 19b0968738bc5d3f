"""Routing engine: shortest paths, Pareto sets, k alternatives, corridor comparison, routes timed by Monte Carlo."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "OBJECTIVES",
    "Avoid",
    "Comparison",
    "Leg",
    "Route",
    "TransitTime",
    "alternatives",
    "compare",
    "corridor_paths",
    "pareto",
    "parse_avoid",
    "route",
    "simulate",
    "time_route",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "route": "corridor.routing.search",
        "compare": "corridor.routing.search",
        "pareto": "corridor.routing.route_sets",
        "alternatives": "corridor.routing.route_sets",
        "simulate": "corridor.routing.timing",
        "time_route": "corridor.routing.search",
        "corridor_paths": "corridor.routing.search",
        "Avoid": "corridor.dataset.avoid",
        "parse_avoid": "corridor.dataset.avoid",
        "OBJECTIVES": "corridor.routing.search",
        "Route": "corridor.routing.results",
        "Leg": "corridor.routing.results",
        "Comparison": "corridor.routing.results",
        "TransitTime": "corridor.routing.results",
    },
)
