"""Reliability engine: itineraries as stochastic stages, Monte Carlo of door-to-door time, the Caspian fleet model."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "Duration",
    "Plan",
    "ReliabilityResult",
    "Stage",
    "crossing_from_network",
    "plan_route",
    "simulate_crossing",
    "simulate_hours",
    "simulate_plan",
    "simulate_route",
    "size_fleet",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Plan": "corridor.reliability.engine",
        "Stage": "corridor.reliability.engine",
        "plan_route": "corridor.reliability.engine",
        "simulate_plan": "corridor.reliability.engine",
        "simulate_route": "corridor.reliability.engine",
        "simulate_hours": "corridor.reliability.engine",
        "ReliabilityResult": "corridor.reliability.engine",
        "Duration": "corridor.model.durations",
        "crossing_from_network": "corridor.reliability.fleet",
        "size_fleet": "corridor.reliability.fleet",
        "simulate_crossing": "corridor.reliability.fleet",
    },
)
