"""A SimPy reference model of an itinerary: the same stages as discrete events, to check the vectorized engine.

Each sample is one shipment in a world of its own: it dwells and runs through ``simpy`` timeouts, and a
scheduled service is a process that sails at the timetable's instants (found by calendar arithmetic with
``datetime``), held in port while a weather closure lasts; the shipment boards the first sailing that leaves
after it arrives. Durations come from NumPy's own samplers (``Generator.triangular``, ``lognormal``, ...), not the
inverse CDFs of the engine. It is slow by design and used by the tests and the benchmarks.
"""

from __future__ import annotations

import math
from collections.abc import Generator as Gen
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corridor.reliability.engine import Plan, Stage, as_datetime, draw_duration, epoch_hours

__all__ = ["simulate_reference"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIRST_MONDAY = datetime(1970, 1, 5, tzinfo=UTC)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _instant(hours: float) -> datetime:
    return _EPOCH + timedelta(hours=hours)


def _first_sailing(stage: Stage, now: float) -> float:
    """The first timetabled sailing at or after ``now`` (epoch hours), by calendar arithmetic."""
    service = stage.service
    assert service is not None
    when = _instant(now)
    if service.weekdays:
        monday = datetime.combine((when - timedelta(days=when.weekday())).date(), datetime.min.time(), tzinfo=UTC)
        candidates = sorted(
            monday + timedelta(weeks=week, days=_WEEKDAYS.index(day), hours=service.departure_hour)
            for week in (0, 1)
            for day in service.weekdays
        )
        first = next(c for c in candidates if c >= when - timedelta(microseconds=1))
        return (first - _EPOCH).total_seconds() / 3600.0
    headway = timedelta(hours=service.headway_hours)
    anchor = _FIRST_MONDAY + timedelta(hours=service.departure_hour)
    sailings = math.ceil((when - anchor) / headway - 1e-12)
    return ((anchor + sailings * headway) - _EPOCH).total_seconds() / 3600.0


class _Port:
    """Where a crossing's weather is observed: closed until ``closed_until`` (epoch hours)."""

    def __init__(self) -> None:
        self.closed_until = -math.inf


def _shipment(env: Any, plan: Plan, rng: np.random.Generator) -> Gen[Any, Any, None]:
    import simpy

    port = _Port()
    for stage in plan.stages:
        if stage.kind == "dwell":
            yield env.timeout(draw_duration(rng, stage.duration))
        elif stage.kind == "run":
            yield env.timeout(stage.hours * draw_duration(rng, stage.duration))
        elif stage.kind == "weather":
            month = _instant(env.now).month
            if rng.random() < stage.closed_probability[month - 1]:
                remaining = draw_duration(rng, stage.duration)
                if stage.advance:
                    yield env.timeout(remaining)
                else:
                    port.closed_until = max(port.closed_until, env.now + remaining)
        else:
            departure = simpy.Event(env)
            env.process(_sailing(env, stage, port, departure, rng))
            yield departure
            port = _Port()


def _sailing(env: Any, stage: Stage, port: _Port, departure: Any, rng: np.random.Generator) -> Gen[Any, Any, None]:
    """The vessel or train the shipment boards: loads until its departure, held while the port is closed."""
    service = stage.service
    assert service is not None
    if service.departs == "when_full":
        fill = float(rng.uniform(0.0, service.headway_hours))
        leave = env.now + min(fill, service.max_wait_hours or math.inf)
    else:
        leave = _first_sailing(stage, env.now)
    yield env.timeout(max(leave - env.now, 0.0))
    if port.closed_until > env.now:
        yield env.timeout(port.closed_until - env.now)
    departure.succeed()


def simulate_reference(plan: Plan, *, depart: Any = None, samples: int = 10_000, seed: int = 0) -> NDArray[np.float64]:
    """Door-to-door hours of ``samples`` shipments of ``plan`` leaving at ``depart``, one SimPy world each."""
    import simpy

    start = epoch_hours(as_datetime(depart))
    rng = np.random.default_rng(seed)
    out = np.empty(samples)
    for i in range(samples):
        env = simpy.Environment(initial_time=start)
        env.process(_shipment(env, plan, rng))
        env.run()
        out[i] = env.now - start
    return out
