"""Flow assignment engine: equilibrium (MSA, Frank-Wolfe family, Algorithm B), hard capacities (LP), bottlenecks."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = ["AssignmentResult", "assign", "capacitated_flow", "rank_bottlenecks"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "assign": "corridor.assignment.solve",
        "AssignmentResult": "corridor.assignment.results",
        "capacitated_flow": "corridor.assignment.capacity",
        "rank_bottlenecks": "corridor.assignment.bottlenecks",
    },
)
