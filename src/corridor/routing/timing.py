"""Times of a routed trip: its simulated door-to-door distribution, and the latest departure that makes a deadline.

Every function is pure: a Network and options in, typed results out (see ``corridor.routing.results``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from corridor.dataset.avoid import Avoid
from corridor.dataset.network import Network
from corridor.errors import NoRouteError
from corridor.model.durations import DurationModel
from corridor.reliability.engine import (
    ReliabilityResult,
    as_datetime,
    check_run,
    plan_route,
    simulate_plan,
)
from corridor.routing.results import Comparison, Route
from corridor.routing.search import (
    TIMING_SAMPLES,
    Depart,
    Objective,
    _check_corridor,
    _joined,
    route,
)

if TYPE_CHECKING:
    from corridor.reliability.engine import MapTasks

__all__ = ["ARRIVE_BY_STEP_HOURS", "ARRIVE_BY_WINDOW_DAYS", "latest_departure", "latest_departures", "simulate"]


def simulate(
    network: Network,
    origin: str,
    destination: str,
    *,
    corridor: str | None = None,
    cargo: str = "FEU",
    avoid: Iterable[str] | str | None = None,
    optimize: str = "generalized",
    depart: Depart = None,
    samples: int = 100_000,
    seed: int = 0,
    deadline_days: float | None = None,
    map_tasks: MapTasks | None = None,
    durations: DurationModel | None = None,
) -> ReliabilityResult:
    """The door-to-door time distribution of the best route from ``origin`` to ``destination``.

    The route is the one :func:`route` picks from the same departure (by ``optimize``, within ``corridor`` if
    given); its stages are then simulated ``samples`` times from ``depart``.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    corridor
        Keep to one corridor.
    cargo
        ``FEU`` (default), ``TEU``, ``t`` or ``liquid``.
    avoid
        Countries, passages or modes to keep out of the route.
    optimize
        How the route is chosen (as :func:`route`).
    depart
        When the shipments leave (date, datetime or ISO string; default today).
    samples
        Shipments simulated.
    seed
        Random seed; the same seed gives the same samples wherever they run.
    deadline_days
        A deadline in days from departure, for ``on_time_probability()``.
    map_tasks
        ``map_tasks(function, tasks)`` to run the chunks elsewhere (``corridor.scaleout.dask_map``); default here.
    durations
        A duration model of ``network`` (default the network's own).

    Returns
    -------
    ReliabilityResult
        The distribution: ``p50_days``, ``p90_days``, ``on_time_probability()``, ``tail_drivers()``, and
        ``to_frame()`` (one row per shipment), ``to_dict()``, ``to_geojson()``.

    Raises
    ------
    UnknownPlaceError, NoRouteError, InvalidOptionError
        As :func:`route`, and for a sample count or deadline out of range.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> result = corridor.simulate(network, "Xian", "Duisburg", corridor="middle", depart="2025-03-01", samples=2000)
    >>> result.corridor, result.p50_days < result.p90_days
    ('middle', True)
    >>> len(result.to_frame())
    2000
    """
    check_run(samples, seed, deadline_days)
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    chosen = route(
        network,
        origin,
        destination,
        corridor=corridor,
        cargo=cargo,
        avoid=avoid,
        optimize=optimize,
        depart=depart,
        durations=durations,
        seed=seed,
    )
    return simulate_plan(
        plan_route(network, chosen, durations=durations),
        depart=as_datetime(depart),
        samples=samples,
        seed=seed,
        deadline_days=deadline_days,
        map_tasks=map_tasks,
    )


#: how far before the deadline the latest departure is looked for
ARRIVE_BY_WINDOW_DAYS = 365
#: the resolution of the latest departure
ARRIVE_BY_STEP_HOURS = 1.0


def latest_departure(
    network: Network,
    origin: str,
    destination: str,
    *,
    arrive_by: Depart,
    optimize: Objective | str = "generalized",
    corridor: str | None = None,
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Avoid | Iterable[str] | str | None = None,
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
    durations: DurationModel | None = None,
    timing_samples: int = TIMING_SAMPLES,
    seed: int = 0,
) -> Route:
    """The route from the latest departure (to the hour) that arrives by ``arrive_by`` at the 90th percentile.

    The route is the one :func:`route` picks from each departure tried, timed from the departure found
    (``Route.timing.depart``). The departure is found by fixed-point steps (``depart = arrive_by - P90(depart)``),
    then whole days back until the deadline is met, then bisection to :data:`ARRIVE_BY_STEP_HOURS` between the latest
    departure that makes it and one a day later that does not. Weather, timetables and seasons make P90 depend on the
    departure, so a later departure than the one found may also make the deadline; the departure an hour after it
    does not.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    arrive_by
        The deadline: a date (its end of day), a datetime or an ISO string.
    optimize
        How the route is chosen at each departure (as :func:`route`).
    corridor
        Keep to one corridor.
    cargo
        ``FEU`` (default), ``TEU``, ``t`` (dry bulk, tonnes) or ``liquid`` (tonnes).
    quantity
        How many units of ``cargo`` are shipped; costs, CO2e and the value of time scale with it.
    avoid
        Countries (ISO codes), passages (``caspian``, ``suez``, ...) or modes to keep out of the route, as a
        comma-separated string, a list or an :class:`Avoid`.
    value_of_time_usd_per_t_hour
        Value of time in USD per tonne of goods per hour, the one unit of the whole API; default the dataset's
        (its USD per FEU-hour over an FEU's payload: 0.25 on the embedded dataset).
    carbon_price_usd_per_t
        Carbon price in USD per tonne of CO2e (well-to-wheel) in the generalized cost; default the dataset's.
    durations
        A duration model of ``network`` (default the network's own).
    timing_samples
        Shipments simulated to give the route its distribution (``Route.timing``: P50, P90, arrival dates).
    seed
        Random seed of that simulation.

    Returns
    -------
    Route
        Timed from the latest departure that makes the deadline; ``arrive_p90`` is on or before ``arrive_by``.

    Raises
    ------
    UnknownPlaceError, InvalidOptionError
        As :func:`route`.
    NoRouteError
        Also when no departure in the :data:`ARRIVE_BY_WINDOW_DAYS` days before ``arrive_by`` makes it.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> latest = corridor.latest_departure(network, "Xian", "Duisburg", arrive_by="2025-06-30", corridor="middle")
    >>> latest.arrive_p90 <= "2025-07-01"
    True
    """
    from datetime import timedelta

    deadline = as_datetime(arrive_by)
    network, origin, destination, durations = _joined(network, origin, destination, durations)
    cache: dict[datetime, Route] = {}

    def timed(when: datetime) -> Route:
        if when not in cache:
            cache[when] = route(
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
                depart=when,
                durations=durations,
                timing_samples=timing_samples,
                seed=seed,
            )
        return cache[when]

    def makes_it(when: datetime) -> bool:
        return when + timedelta(days=timed(when).p90_days) <= deadline

    def hour(when: datetime) -> datetime:
        return when.replace(minute=0, second=0, microsecond=0)

    earliest = deadline - timedelta(days=ARRIVE_BY_WINDOW_DAYS)
    when = hour(deadline - timedelta(days=timed(hour(deadline)).p90_days))
    for _ in range(3):  # P90 changes slowly with the departure: a few fixed-point steps come close
        nearer = hour(deadline - timedelta(days=timed(when).p90_days))
        if nearer == when:
            break
        when = nearer
    day = timedelta(days=1)
    while not makes_it(when):
        when -= day
        if when < earliest:
            raise NoRouteError(
                f"No departure in the {ARRIVE_BY_WINDOW_DAYS} days before {deadline.isoformat()} arrives by then "
                f"at the 90th percentile from {origin} to {destination}."
            )
    low, high = when, when + day
    while makes_it(high) and high <= deadline:
        low, high = high, high + day
    step = timedelta(hours=ARRIVE_BY_STEP_HOURS)
    while high - low > step:
        middle = hour(low + (high - low) / 2)
        if middle in (low, high):
            break
        low, high = (middle, high) if makes_it(middle) else (low, middle)
    return timed(low)


def latest_departures(
    network: Network,
    origin: str,
    destination: str,
    *,
    arrive_by: Depart,
    corridors: Sequence[str] | None = None,
    **options: Any,
) -> Comparison:
    """For each corridor, the route from its latest departure that arrives by ``arrive_by`` at P90.

    See :func:`latest_departure`; the latest departure comes first.

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    origin, destination
        Place names, ids, UN/LOCODEs, world cities (``"Paris, FR"``) or coordinates (``"43.2,76.9"``); a city off
        the network is joined to its nearest terminals by road.
    arrive_by
        The deadline: a date (its end of day), a datetime or an ISO string.
    corridors
        Only these corridors (default every corridor of the network).
    **options
        As :func:`latest_departure` (``cargo``, ``quantity``, ``avoid``, ``optimize``, ...).

    Returns
    -------
    Comparison
        One route per corridor, each timed from its own latest departure (``arrive_by`` set).

    Raises
    ------
    UnknownPlaceError, InvalidOptionError
        As :func:`route`.
    NoRouteError
        If no corridor has a route.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> plan = corridor.latest_departures(network, "Xian", "Duisburg", arrive_by="2025-06-30", corridors=["middle"])
    >>> [route.corridor for route in plan.options]
    ['middle']
    """
    wanted = tuple(corridors) if corridors else network.corridor_ids
    for cid in wanted:
        _check_corridor(network, cid)
    found: list[Route] = []
    unavailable: dict[str, str] = {}
    for cid in wanted:
        try:
            found.append(latest_departure(network, origin, destination, arrive_by=arrive_by, corridor=cid, **options))
        except NoRouteError as error:
            unavailable[cid] = str(error)
    if not found:
        raise NoRouteError(f"No route from {origin} to {destination} arrives by {as_datetime(arrive_by).isoformat()}.")
    found.sort(key=lambda r: (r.timing.depart if r.timing else "", -r.cost_usd), reverse=True)
    first = found[0]
    return Comparison(
        origin=first.origin,
        destination=first.destination,
        cargo=first.cargo,
        quantity=first.quantity,
        optimize=str(options.get("optimize", "generalized")),
        options=tuple(found),
        unavailable=unavailable,
        depart=None,
        arrive_by=as_datetime(arrive_by).isoformat(),
    )
