"""Trips simulated: the best route's door-to-door time distribution, from one departure or from many."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.reliability.engine import MapTasks, Plan, ReliabilityResult
    from corridor.routing.results import Route

__all__ = [
    "PlannedTrip",
    "Progress",
    "TripOptions",
    "plan_trip",
    "route_trip",
    "simulate_departures",
    "simulate_planned",
    "simulate_trip",
    "simulation_json",
    "trip_times",
]

#: ``progress(fraction, stage)``: how far a use case has come (0-1) and what it is doing
Progress = Callable[[float, str], object]


@dataclass(frozen=True, kw_only=True)
class TripOptions:
    """A trip to simulate: where, what, how the route is chosen, when it leaves, and how many shipments."""

    origin: str
    destination: str
    corridor: str | None = None
    cargo: str = "FEU"
    avoid: str | None = None
    optimize: str = "generalized"
    depart: date | datetime | str | None = None
    samples: int = 100_000
    seed: int = 0
    #: days after the departure, or a date: the on-time probability is of arriving by then
    deadline: str | None = None
    #: a deadline instead of a departure: the trip leaves at the latest departure that makes it at P90
    arrive_by: date | datetime | str | None = None


@dataclass(frozen=True)
class PlannedTrip:
    """A trip routed and ready to simulate: the route, its plan of stages, the departure and the deadline."""

    route: Route
    plan: Plan
    depart: datetime
    deadline_days: float | None


def trip_times(options: TripOptions) -> tuple[datetime, float | None]:
    """The departure instant and the deadline in days after it, checked before any routing.

    Raises
    ------
    InvalidOptionError
        For a departure or a deadline that cannot be read, or a deadline not after the departure.
    """
    from corridor.errors import InvalidOptionError
    from corridor.reliability.engine import as_datetime, deadline_days

    if options.arrive_by is not None:
        if options.depart is not None or options.deadline is not None:
            raise InvalidOptionError(
                "Give --arrive-by alone: it sets the departure (the latest that makes it at P90) and the deadline."
            )
        as_datetime(options.arrive_by)  # readable, checked before any routing
    instant = as_datetime(options.depart)
    return instant, deadline_days(options.deadline, instant)


def route_trip(network: Network, options: TripOptions) -> Route:
    """Check the times and choose the best route of the trip.

    Raises
    ------
    InvalidOptionError, UnknownPlaceError, NoRouteError
    """
    instant, _ = trip_times(options)
    return _best_route(network, options, instant)


def plan_trip(network: Network, options: TripOptions) -> PlannedTrip:
    """Check the times, choose the best route and plan its stages (what every simulation of the trip needs).

    Raises
    ------
    InvalidOptionError, UnknownPlaceError, NoRouteError
    """
    from dataclasses import replace

    from corridor.dataset.anyplace import join_places
    from corridor.reliability.engine import as_datetime, plan_route

    instant, deadline = trip_times(options)
    network, origin, destination = join_places(network, options.origin, options.destination)
    options = replace(options, origin=origin, destination=destination)
    if options.arrive_by is not None:
        chosen = _latest_route(network, options)
        assert chosen.timing is not None
        instant = datetime.fromisoformat(chosen.timing.depart)
        deadline = (as_datetime(options.arrive_by) - instant).total_seconds() / 86_400.0
    else:
        chosen = _best_route(network, options, instant)
    return PlannedTrip(chosen, plan_route(network, chosen), instant, deadline)


def _latest_route(network: Network, options: TripOptions) -> Route:
    from corridor.routing.timing import latest_departure

    return latest_departure(
        network,
        options.origin,
        options.destination,
        arrive_by=options.arrive_by,
        corridor=options.corridor,
        cargo=options.cargo,
        avoid=options.avoid,
        optimize=options.optimize,
    )


def _best_route(network: Network, options: TripOptions, depart: datetime) -> Route:
    from corridor.routing.search import route

    return route(
        network,
        options.origin,
        options.destination,
        corridor=options.corridor,
        cargo=options.cargo,
        avoid=options.avoid,
        optimize=options.optimize,
        depart=depart,
    )


def simulate_planned(
    trip: PlannedTrip, *, samples: int, seed: int, map_tasks: MapTasks | None = None
) -> ReliabilityResult:
    """``samples`` shipments of a planned trip (seeded: the same seed gives the same result wherever it runs)."""
    from corridor.reliability.engine import simulate_plan

    return simulate_plan(
        trip.plan,
        depart=trip.depart,
        samples=samples,
        seed=seed,
        deadline_days=trip.deadline_days,
        map_tasks=map_tasks,
    )


def simulate_trip(
    network: Network, options: TripOptions, *, map_tasks: MapTasks | None = None, progress: Progress | None = None
) -> ReliabilityResult:
    """Route the trip of ``options`` and simulate its shipments: the door-to-door time distribution.

    ``map_tasks`` runs the Monte Carlo chunks (``None``: here; :func:`corridor.scaleout.dask_map`: on Dask).
    """
    report = progress or _quiet
    report(0.05, "routing")
    trip = plan_trip(network, options)
    report(0.2, f"simulating {options.samples} shipments")
    return simulate_planned(trip, samples=options.samples, seed=options.seed, map_tasks=map_tasks)


def simulation_json(result: ReliabilityResult) -> dict[str, Any]:
    """The JSON of a simulation as the service answers it: the result and its histogram in days."""
    from corridor.services.mapdata import histogram

    return {**result.to_dict(), "histogram": histogram(result.hours)}


def simulate_departures(
    trip: PlannedTrip,
    departures: Sequence[datetime],
    *,
    samples: int,
    seed: int,
    map_tasks: MapTasks | None = None,
) -> list[dict[str, Any]]:
    """One simulation of the trip per departure (seasons), each a task with its own seed (``SeedSequence.spawn``).

    Returns a row per departure: the date, its seed, mean and percentile days, the on-time probability and the
    three main tail drivers.
    """
    import numpy as np

    from corridor.reliability.engine import simulate_plan
    from corridor.scaleout import run_tasks

    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(len(departures))]
    plan, deadline = trip.plan, trip.deadline_days

    def one(task: tuple[datetime, int]) -> dict[str, Any]:
        r = simulate_plan(plan, depart=task[0], samples=samples, seed=task[1], deadline_days=deadline)
        row = r.to_dict(top=3)
        return {
            "depart": task[0].date().isoformat(),
            "seed": task[1],
            **{k: row[k] for k in ("mean_days", "p50_days", "p90_days", "p95_days", "on_time_probability")},
            "tail_drivers": row["tail_drivers"],
        }

    results: list[dict[str, Any]] = run_tasks(one, list(zip(departures, seeds, strict=True)), map_tasks)
    return results


def _quiet(fraction: float, stage: str) -> None:
    """Progress nobody follows."""
