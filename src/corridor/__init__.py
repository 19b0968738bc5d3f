"""corridor: an open digital twin of the Middle Corridor and the routes it competes with.

The public API; names load on first use so that importing corridor (and starting the CLI) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from corridor._version import __version__  # noqa: F401 (public)

__all__ = [
    "AmbiguousPlaceError",
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
    "Routes",
    "Scenario",
    "ScenarioResult",
    "SweepResult",
    "TrafficClass",
    "UnknownPlaceError",
    "alternatives",
    "assign",
    "capacitated_flow",
    "compare",
    "flow_network",
    "latest_departure",
    "latest_departures",
    "load_network",
    "load_scenario",
    "network_from_csv",
    "network_from_tntp",
    "network_to_tntp",
    "pareto",
    "passage_volumes",
    "route",
    "run_scenario",
    "simulate",
    "simulate_route",
    "sweep",
]

_WHERE = {
    "assign": "corridor.assignment.solve",
    "AssignmentResult": "corridor.assignment.results",
    "Demand": "corridor.dataset.flownet",
    "FlowNetwork": "corridor.dataset.flownet",
    "TrafficClass": "corridor.dataset.flownet",
    "capacitated_flow": "corridor.assignment.capacity",
    "simulate": "corridor.routing.timing",
    "simulate_route": "corridor.reliability.engine",
    "ReliabilityResult": "corridor.reliability.engine",
    "flow_network": "corridor.model.freight",
    "passage_volumes": "corridor.model.freight",
    "network_from_tntp": "corridor.dataset.tntp",
    "network_to_tntp": "corridor.dataset.tntp_write",
    "Avoid": "corridor.dataset.avoid",
    "alternatives": "corridor.routing.route_sets",
    "latest_departure": "corridor.routing.timing",
    "latest_departures": "corridor.routing.timing",
    "compare": "corridor.routing.search",
    "pareto": "corridor.routing.route_sets",
    "route": "corridor.routing.search",
    "Comparison": "corridor.routing.results",
    "Leg": "corridor.routing.results",
    "Route": "corridor.routing.results",
    "Routes": "corridor.routing.results",
    "Scenario": "corridor.scenarios.files",
    "load_scenario": "corridor.scenarios.files",
    "run_scenario": "corridor.scenarios.run",
    "ScenarioResult": "corridor.scenarios.run",
    "sweep": "corridor.scenarios.sweep",
    "SweepResult": "corridor.scenarios.sweep",
    "Network": "corridor.dataset.network",
    "load_network": "corridor.dataset.csvfolder",
    "network_from_csv": "corridor.dataset.csvfolder",
    "CorridorError": "corridor.errors",
    "DatasetError": "corridor.errors",
    "InvalidOptionError": "corridor.errors",
    "NoRouteError": "corridor.errors",
    "UnknownPlaceError": "corridor.errors",
    "AmbiguousPlaceError": "corridor.errors",
}

if TYPE_CHECKING:
    from corridor.assignment.capacity import capacitated_flow
    from corridor.assignment.results import AssignmentResult
    from corridor.assignment.solve import assign
    from corridor.dataset.avoid import Avoid
    from corridor.dataset.csvfolder import load_network, network_from_csv
    from corridor.dataset.flownet import Demand, FlowNetwork, TrafficClass
    from corridor.dataset.network import Network
    from corridor.dataset.tntp import network_from_tntp
    from corridor.dataset.tntp_write import network_to_tntp
    from corridor.errors import (
        AmbiguousPlaceError,
        CorridorError,
        DatasetError,
        InvalidOptionError,
        NoRouteError,
        UnknownPlaceError,
    )
    from corridor.model.freight import flow_network, passage_volumes
    from corridor.reliability.engine import ReliabilityResult, simulate_route
    from corridor.routing.results import Comparison, Leg, Route, Routes
    from corridor.routing.route_sets import alternatives, pareto
    from corridor.routing.search import compare, route
    from corridor.routing.timing import latest_departure, latest_departures, simulate
    from corridor.scenarios.files import Scenario, load_scenario
    from corridor.scenarios.run import ScenarioResult, run_scenario
    from corridor.scenarios.sweep import SweepResult, sweep


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
