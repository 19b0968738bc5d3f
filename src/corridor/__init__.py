"""corridor: an open digital twin of the Middle Corridor and the routes it competes with.

The public API; names load on first use so that importing corridor (and starting the CLI) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AssignmentResult",
    "Avoid",
    "Comparison",
    "CorridorError",
    "DatasetError",
    "Demand",
    "FlowNetwork",
    "InvalidOptionError",
    "Leg",
    "Network",
    "NoRouteError",
    "ReliabilityResult",
    "Route",
    "TrafficClass",
    "UnknownPlaceError",
    "alternatives",
    "assign",
    "capacitated_flow",
    "compare",
    "flow_network",
    "load_network",
    "network_from_csv",
    "network_from_tntp",
    "network_to_tntp",
    "pareto",
    "passage_volumes",
    "route",
    "simulate",
    "simulate_route",
]

_WHERE = {
    "assign": "corridor.assignment",
    "AssignmentResult": "corridor.flowresults",
    "Demand": "corridor.flownet",
    "FlowNetwork": "corridor.flownet",
    "TrafficClass": "corridor.flownet",
    "capacitated_flow": "corridor.capacity",
    "simulate": "corridor.routing",
    "simulate_route": "corridor.reliability",
    "ReliabilityResult": "corridor.reliability",
    "flow_network": "corridor.freight",
    "passage_volumes": "corridor.freight",
    "network_from_tntp": "corridor.io.tntp",
    "network_to_tntp": "corridor.io.tntp",
    "Avoid": "corridor.routing",
    "alternatives": "corridor.routing",
    "compare": "corridor.routing",
    "pareto": "corridor.routing",
    "route": "corridor.routing",
    "Comparison": "corridor.results",
    "Leg": "corridor.results",
    "Route": "corridor.results",
    "Network": "corridor.network",
    "load_network": "corridor.network",
    "network_from_csv": "corridor.io.csvfolder",
    "CorridorError": "corridor.errors",
    "DatasetError": "corridor.errors",
    "InvalidOptionError": "corridor.errors",
    "NoRouteError": "corridor.errors",
    "UnknownPlaceError": "corridor.errors",
}

if TYPE_CHECKING:
    from corridor.assignment import assign
    from corridor.capacity import capacitated_flow
    from corridor.errors import (
        CorridorError,
        DatasetError,
        InvalidOptionError,
        NoRouteError,
        UnknownPlaceError,
    )
    from corridor.flownet import Demand, FlowNetwork, TrafficClass
    from corridor.flowresults import AssignmentResult
    from corridor.freight import flow_network, passage_volumes
    from corridor.io.csvfolder import network_from_csv
    from corridor.io.tntp import network_from_tntp, network_to_tntp
    from corridor.network import Network, load_network
    from corridor.reliability import ReliabilityResult, simulate_route
    from corridor.results import Comparison, Leg, Route
    from corridor.routing import Avoid, alternatives, compare, pareto, route, simulate


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
