"""Sets of routes between two places: the Pareto set of time, cost and CO2e, and k alternatives (Yen).

Every function is pure: a Network and options in, typed results out (see ``corridor.routing.results``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from corridor.dataset.avoid import Avoid
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.model.durations import DurationModel
from corridor.routing.kernels import pareto_paths
from corridor.routing.results import Routes

if TYPE_CHECKING:
    pass
from corridor.routing.search import (
    Depart,
    Objective,
    _build_route,
    _check_corridor,
    _joined,
    _no_route,
    _prepare,
    _weighted,
    _yen,
)

__all__ = ["alternatives", "pareto"]


def pareto(
    network: Network,
    origin: str,
    destination: str,
    *,
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridor: str | None = None,
    max_labels: int = 2_000_000,
    depart: Depart = None,
    durations: DurationModel | None = None,
) -> Routes:
    """Every route that is Pareto-optimal over (expected hours, cost USD, kg CO2e), fastest first.

    The search is exact (multi-objective label setting in compiled code); ``max_labels`` bounds its memory. The
    routes are not timed (no ``Route.timing``).

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    cargo
        ``FEU`` (default), ``TEU``, ``t`` (dry bulk, tonnes) or ``liquid`` (tonnes).
    quantity
        How many units of ``cargo`` are shipped; costs, CO2e and the value of time scale with it.
    avoid
        Countries (ISO codes), passages (``caspian``, ``suez``, ...) or modes to keep out of the route, as a
        comma-separated string, a list or an :class:`Avoid`.
    corridor
        Keep to one corridor.
    max_labels
        Most labels the search may hold before it stops with an error.
    depart
        When the shipment leaves: a date, a datetime or an ISO string (default: today). Expected hours take that
        month's weather; the simulated distribution starts there.
    durations
        A duration model of ``network`` to time with (e.g. one with a scenario's queueing waits); default the
        network's own.

    Returns
    -------
    Routes
        A list of :class:`Route` (as before) that also exports itself: ``to_frame()`` (one row per route),
        ``to_dict()``, ``to_geojson()``.

    Raises
    ------
    UnknownPlaceError, NoRouteError
        As :func:`route`.
    InvalidOptionError
        For bad options, or a search that passed ``max_labels``.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> front = corridor.pareto(network, "Xian", "Duisburg", corridor="middle")
    >>> front.search, len(front) == len(front.to_frame())
    ('pareto', True)
    >>> all(a.hours <= b.hours for a, b in zip(front, front[1:]))
    True
    """
    _check_corridor(network, corridor)
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    q = _prepare(
        network,
        origin,
        destination,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_t_hour=None,
        carbon_price_usd_per_t=None,
        depart=depart,
        durations=durations,
    )
    blocked = q.restricted(corridor)
    weights = np.column_stack([q.hours, q.cost, q.co2e])
    weights[blocked, 0] = np.inf
    paths, _, truncated = pareto_paths(q.graph.indptr, q.graph.head, weights, q.source, q.target, max_labels=max_labels)
    if truncated:
        raise InvalidOptionError(f"The Pareto search passed max_labels={max_labels}; raise it or narrow the query")
    if not paths:
        raise _no_route(q, avoid, corridor)
    routes = sorted((_build_route(q, arcs, corridor) for arcs in paths), key=lambda r: (r.hours, r.cost_usd, r.co2e_kg))
    ends = q.network.places[q.origin].name, q.network.places[q.destination].name
    return Routes(routes, origin=ends[0], destination=ends[1], search="pareto")


def alternatives(
    network: Network,
    origin: str,
    destination: str,
    *,
    k: int = 3,
    optimize: Objective | str = "generalized",
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    corridor: str | None = None,
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
    depart: Depart = None,
    durations: DurationModel | None = None,
) -> Routes:
    """The ``k`` best routes that differ in at least one link (Yen's algorithm on the virtual network).

    The routes are not timed (no ``Route.timing``).

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    k
        How many routes at most.
    optimize
        ``time``, ``cost``, ``co2e`` or ``generalized`` (default).
    cargo
        ``FEU`` (default), ``TEU``, ``t`` (dry bulk, tonnes) or ``liquid`` (tonnes).
    quantity
        How many units of ``cargo`` are shipped; costs, CO2e and the value of time scale with it.
    avoid
        Countries (ISO codes), passages (``caspian``, ``suez``, ...) or modes to keep out of the route, as a
        comma-separated string, a list or an :class:`Avoid`.
    corridor
        Keep to one corridor.
    value_of_time_usd_per_t_hour
        Value of time in USD per tonne of goods per hour, the one unit of the whole API; default the dataset's
        (its USD per FEU-hour over an FEU's payload: 0.25 on the embedded dataset).
    carbon_price_usd_per_t
        Carbon price in USD per tonne of CO2e (well-to-wheel) in the generalized cost; default the dataset's.
    depart
        When the shipment leaves: a date, a datetime or an ISO string (default: today). Expected hours take that
        month's weather; the simulated distribution starts there.
    durations
        A duration model of ``network`` to time with (e.g. one with a scenario's queueing waits); default the
        network's own.

    Returns
    -------
    Routes
        A list of :class:`Route`, best first, that also exports itself (``to_frame()``, ``to_dict()``,
        ``to_geojson()``).

    Raises
    ------
    UnknownPlaceError, NoRouteError
        As :func:`route`.
    InvalidOptionError
        For ``k`` below 1 or bad options.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> routes = corridor.alternatives(network, "Xian", "Duisburg", k=3, corridor="middle")
    >>> len(routes), routes.search
    (3, 'generalized')
    """
    if k < 1:
        raise InvalidOptionError(f"k must be at least 1, got {k}")
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    q, weights = _weighted(
        network,
        origin,
        destination,
        optimize=optimize,
        corridor=corridor,
        cargo=cargo,
        quantity=quantity,
        avoid=avoid,
        value_of_time_usd_per_t_hour=value_of_time_usd_per_t_hour,
        carbon_price_usd_per_t=carbon_price_usd_per_t,
        depart=depart,
        durations=durations,
    )
    paths = _yen(q, weights, k)
    if not paths:
        raise _no_route(q, avoid, corridor)
    routes = (_build_route(q, arcs, corridor) for arcs in paths)
    ends = q.network.places[q.origin].name, q.network.places[q.destination].name
    return Routes(routes, origin=ends[0], destination=ends[1], search=str(optimize))
