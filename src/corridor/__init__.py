"""corridor: an open digital twin of the Middle Corridor and the routes it competes with.

The public API; names load on first use so that importing corridor (and starting the CLI) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Avoid",
    "Comparison",
    "CorridorError",
    "DatasetError",
    "InvalidOptionError",
    "Leg",
    "Network",
    "NoRouteError",
    "Route",
    "UnknownPlaceError",
    "alternatives",
    "compare",
    "load_network",
    "network_from_csv",
    "pareto",
    "route",
]

_WHERE = {
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
    from corridor.errors import (
        CorridorError,
        DatasetError,
        InvalidOptionError,
        NoRouteError,
        UnknownPlaceError,
    )
    from corridor.io.csvfolder import network_from_csv
    from corridor.network import Network, load_network
    from corridor.results import Comparison, Leg, Route
    from corridor.routing import Avoid, alternatives, compare, pareto, route


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
