"""Transit-time reliability: an itinerary's stochastic stages, a vectorized Monte Carlo engine and its results.

A route (from :func:`corridor.route`) becomes a :class:`Plan`: a sequence of stages, each a dwell at a transfer,
a running time on a link (scheduled hours times a random factor), a wait for a scheduled service (timetable or
"departs when full") or a weather closure of a crossing (by calendar month). :func:`simulate_plan` walks every
sample through the stages from the departure instant, in numba, and returns the door-to-door time distribution
with the contribution of each element to its variance. The formulas are in docs/model.md ("Reliability").
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError
from corridor.model.durations import Duration, DurationModel, durations_of
from corridor.reliability.streams import Task, chunk_tasks, columns_of, normal_quantiles, uniforms

if TYPE_CHECKING:
    import pandas as pd

    from corridor.dataset.network import Network
    from corridor.dataset.records import Service
    from corridor.routing.results import Route

__all__ = [
    "Duration",
    "Plan",
    "ReliabilityResult",
    "Stage",
    "Tally",
    "combine_tallies",
    "deadline_days",
    "draw_duration",
    "percentiles",
    "plan_route",
    "simulate_chunks",
    "simulate_hours",
    "simulate_plan",
    "simulate_route",
]

_Z95 = 1.6448536269514722
MapTasks = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


def draw_duration(rng: np.random.Generator, duration: Duration) -> float:
    """One draw of ``duration`` with NumPy's own samplers (the discrete-event models; the engine uses inverse CDFs)."""
    d = duration
    if d.distribution == "constant" or (d.distribution in ("triangular", "uniform") and d.low == d.high):
        return d.typical if d.distribution == "constant" else d.low
    if d.distribution == "triangular":
        return float(rng.triangular(d.low, d.typical, d.high))
    if d.distribution == "lognormal":
        mu, sigma = d.lognormal_parameters
        return d.low + float(rng.lognormal(mu, sigma))
    if d.distribution == "uniform":
        return float(rng.uniform(d.low, d.high))
    if d.distribution == "exponential":
        return float(rng.exponential(d.typical))
    return float(rng.choice(np.asarray(d.samples)))


@dataclass(frozen=True, slots=True)
class Stage:
    """One stochastic step of an itinerary.

    ``kind`` is ``dwell`` (a transfer: ``duration`` hours), ``run`` (a link: ``hours`` x ``duration`` factor),
    ``wait`` (for ``service``'s next departure), ``weather`` (a closure of ``link`` found with probability
    ``closed_probability[month - 1]``, lasting ``duration`` more hours; before a service it holds that sailing)
    or ``queue`` (the wait at a loaded capacity element: ``duration`` hours).
    """

    kind: Literal["dwell", "run", "wait", "weather", "queue"]
    element: str
    place: str
    duration: Duration
    hours: float = 0.0
    service: Service | None = None
    closed_probability: tuple[float, ...] = ()
    advance: bool = True

    @property
    def typical_hours(self) -> float:
        """A rough typical duration, used only to centre the variance sums."""
        if self.kind == "run":
            return self.hours * self.duration.typical
        if self.kind == "wait" and self.service is not None:
            return self.service.expected_wait_hours
        if self.kind == "weather":
            return 0.0
        if self.kind == "queue":
            return self.duration.mean
        return self.duration.typical


@dataclass(frozen=True)
class Plan:
    """The stages of one itinerary, compiled to arrays for the kernel."""

    stages: tuple[Stage, ...]
    route: Route | None = None

    def __post_init__(self) -> None:
        if not self.stages:
            raise InvalidOptionError("An itinerary needs at least one stage.")

    @cached_property
    def arrays(self) -> dict[str, NDArray[Any]]:
        from corridor.reliability import codes as rk

        k = len(self.stages)
        kinds = {
            "dwell": rk.STAGE_DWELL,
            "queue": rk.STAGE_DWELL,
            "run": rk.STAGE_RUN,
            "wait": rk.STAGE_SERVICE,
            "weather": rk.STAGE_WEATHER,
        }
        dists = {
            "constant": rk.DIST_CONSTANT,
            "triangular": rk.DIST_TRIANGULAR,
            "lognormal": rk.DIST_LOGNORMAL,
            "uniform": rk.DIST_UNIFORM,
            "empirical": rk.DIST_EMPIRICAL,
            "queue": rk.DIST_QUEUE,
        }
        out: dict[str, NDArray[Any]] = {
            "kind": np.zeros(k, np.int8),
            "dist": np.zeros(k, np.int8),
            "pa": np.zeros(k),
            "pb": np.zeros(k),
            "pc": np.zeros(k),
            "scale": np.ones(k),
            "column": np.zeros(k, np.int64),
            "svc_mode": np.zeros(k, np.int8),
            "svc_headway": np.ones(k),
            "svc_anchor": np.zeros(k),
            "svc_max_wait": np.full(k, np.inf),
            "tt_offset": np.zeros(k, np.int64),
            "tt_count": np.zeros(k, np.int64),
            "wx_prob": np.zeros((k, 12)),
            "advance": np.ones(k, np.bool_),
            "shift": np.zeros(k),
        }
        weekly: list[float] = []
        emp: list[float] = []
        column = 0
        for i, stage in enumerate(self.stages):
            out["kind"][i] = kinds[stage.kind]
            dur = stage.duration
            if dur.distribution not in dists:
                raise InvalidOptionError(f"Stage {stage.element!r}: the engine has no {dur.distribution} durations.")
            out["dist"][i] = dists[dur.distribution]
            if dur.distribution == "lognormal":
                mu, sigma = dur.lognormal_parameters
                out["pa"][i], out["pb"][i], out["pc"][i] = dur.low, mu, sigma
            elif dur.distribution == "empirical":
                out["pa"][i], out["pb"][i] = len(emp), len(dur.samples)
                emp.extend(sorted(dur.samples))
            elif dur.distribution == "constant":
                out["pa"][i] = dur.typical
            else:
                out["pa"][i], out["pb"][i], out["pc"][i] = dur.low, dur.typical, dur.high
            out["column"][i] = column
            out["shift"][i] = stage.typical_hours
            if stage.kind in ("dwell", "run", "queue"):
                column += 1
                out["scale"][i] = stage.hours if stage.kind == "run" else 1.0
            elif stage.kind == "weather":
                column += 2
                out["wx_prob"][i] = stage.closed_probability
                out["advance"][i] = stage.advance
            else:
                service = stage.service
                assert service is not None
                out["svc_headway"][i] = service.headway_hours
                if service.departs == "when_full":
                    out["svc_mode"][i] = rk.SVC_WHEN_FULL
                    out["svc_max_wait"][i] = service.max_wait_hours or math.inf
                    column += 1
                elif service.weekdays:
                    out["svc_mode"][i] = rk.SVC_WEEKLY
                    hours = sorted(_WEEKDAY_INDEX[day] * 24.0 + service.departure_hour for day in service.weekdays)
                    out["tt_offset"][i], out["tt_count"][i] = len(weekly), len(hours)
                    weekly.extend(hours)
                else:
                    out["svc_mode"][i] = rk.SVC_REGULAR
                    out["svc_anchor"][i] = rk.MONDAY_EPOCH_HOURS + service.departure_hour
        out["weekly"] = np.asarray(weekly or [0.0])
        out["emp"] = np.asarray(emp or [0.0])
        out["n_uniforms"] = np.asarray([column])
        return out

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(stage.element for stage in self.stages)


_WEEKDAY_INDEX = {day: i for i, day in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))}


def plan_route(network: Network, route: Route, *, durations: DurationModel | None = None) -> Plan:
    """The stochastic stages of a route of ``network``: dwell per transfer, queue per loaded capacity element,
    weather, wait per service, running.

    Every stage's distribution comes from ``durations`` (default: the network's own :class:`DurationModel`, with
    no congestion); a model with congestion adds the queueing waits of the elements the route uses.

    Raises
    ------
    InvalidOptionError
        If the route names an element the network does not have (a route of another network).
    """
    model = durations_of(network) if durations is None else durations
    commodity = route.commodity
    stages: list[Stage] = []
    for leg in route.legs:
        if leg.kind == "stop":
            transfer_ids = [t for t in leg.element.split("+") if t]
            for transfer_id in transfer_ids:
                stages.append(Stage("dwell", transfer_id, leg.from_place, model.dwell(transfer_id)))
            for element, wait in model.queues(commodity=commodity, transfers=transfer_ids):
                stages.append(Stage("queue", element, leg.from_place, wait))
            continue
        link = network.link_by_id.get(leg.element)
        if link is None:
            raise InvalidOptionError(f"The route's link {leg.element!r} is not in this network.")
        service = model.service(link.id)
        reverse = leg.from_id != link.from_
        for element, wait in model.queues(commodity=commodity, link=link.id, reverse=reverse):
            stages.append(Stage("queue", element, leg.from_place, wait))
        for closure in model.closures(link.id):
            stages.append(
                Stage(
                    "weather",
                    f"{closure.id}@{link.id}",
                    leg.from_place,
                    closure.duration,
                    closed_probability=closure.probability,
                    advance=service is None,
                )
            )
        if service is not None:
            stages.append(Stage("wait", service.id, leg.from_place, Duration.constant(0.0), service=service))
        stages.append(Stage("run", link.id, leg.from_place, model.running_factor(link.id), hours=link.link_hours))
    return Plan(tuple(stages), route)


@dataclass(frozen=True)
class Tally:
    """What a batch of samples leaves: the door-to-door hours and the sums for the variance decomposition."""

    hours: NDArray[np.float64]
    sum_d: NDArray[np.float64]
    sum_dt: NDArray[np.float64]
    sum_t: NDArray[np.float64]


def epoch_hours(instant: datetime) -> float:
    """Hours since 1970-01-01 00:00 UTC (naive datetimes are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.timestamp() / 3600.0


def simulate_chunks(
    plan: Plan, start_hours: float, seeds: Sequence[np.random.SeedSequence], sizes: Sequence[int]
) -> Tally:
    """Simulate the chunks with these seeds and sizes (a task of a run; pure, for threads or Dask workers)."""
    from corridor.reliability.kernels import walk

    arr = plan.arrays
    k = len(plan.stages)
    n_u = int(arr["n_uniforms"][0])
    total = np.empty(int(sum(sizes)))
    sum_d, sum_dt, sum_t = np.zeros(k), np.zeros(k), np.zeros(2)
    start = 0
    for seed, size in zip(seeds, sizes, strict=True):
        rng = np.random.Generator(np.random.PCG64(seed))
        uniforms = rng.random((size, max(n_u, 1)))
        walk(
            start_hours,
            arr["kind"],
            arr["dist"],
            arr["pa"],
            arr["pb"],
            arr["pc"],
            arr["scale"],
            arr["column"],
            arr["svc_mode"],
            arr["svc_headway"],
            arr["svc_anchor"],
            arr["svc_max_wait"],
            arr["tt_offset"],
            arr["tt_count"],
            arr["weekly"],
            arr["wx_prob"],
            arr["advance"],
            arr["shift"],
            arr["emp"],
            uniforms,
            total[start : start + size],
            sum_d,
            sum_dt,
            sum_t,
        )
        start += size
    return Tally(total, sum_d, sum_dt, sum_t)


def simulate_hours(
    plan: Plan, *, depart: date | datetime | str | None = None, samples: int = 8192, seed: int = 0
) -> NDArray[np.float64]:
    """Door-to-door hours of ``samples`` shipments, without the tail-driver sums (a short run, in numpy).

    The samples are those of :func:`simulate_plan` with the same plan, departure, size and seed (the same chunks
    and uniforms, walked by the vectorized twin of the compiled kernel); being the first rows of each chunk, they
    are also the first samples of a longer run with that seed.

    Once the engine's compiled kernels are loaded in this process (a server loads them at start,
    ``corridor.api.preload``), the stages are walked by the compiled twin of the numpy walk, ``kernels.walk_hours``,
    which gives the same hours bit for bit at a fraction of the time; a one-off comparison (the CLI) does not pay
    numba's import and stays in numpy.
    """
    check_run(samples, seed, None)
    start = epoch_hours(as_datetime(depart))
    arrays = plan.arrays
    n_u = max(int(arrays["n_uniforms"][0]), 1)
    walk = _compiled_walk_hours if "corridor.reliability.kernels" in sys.modules else _numpy_walk_hours
    parts = []
    for seeds, sizes in chunk_tasks(samples, seed, per_task=samples):
        for child, size in zip(seeds, sizes, strict=True):
            parts.append(walk(start, arrays, uniforms(child, size, n_u)))
    return np.concatenate(parts)


def _numpy_walk_hours(start: float, arrays: dict[str, NDArray[Any]], uniforms: NDArray[np.float64]) -> NDArray[Any]:
    from corridor.reliability.vector import walk_hours

    return walk_hours(start, arrays, uniforms)


def _compiled_walk_hours(
    start: float, arrays: dict[str, NDArray[Any]], uniforms: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The hours of :func:`corridor.reliability.vector.walk_hours`, walked in numba (the same bits)."""
    from corridor.reliability.kernels import walk_hours
    from corridor.reliability.vector import transcendental_draws

    drawn, rows = transcendental_draws(arrays, uniforms, normal=lambda j: normal_quantiles(uniforms, j))
    columns = columns_of(uniforms)
    total = np.empty(uniforms.shape[0])
    walk_hours(
        start,
        arrays["kind"],
        arrays["dist"],
        arrays["pa"],
        arrays["pb"],
        arrays["pc"],
        arrays["scale"],
        arrays["column"],
        arrays["svc_mode"],
        arrays["svc_headway"],
        arrays["svc_anchor"],
        arrays["svc_max_wait"],
        arrays["tt_offset"],
        arrays["tt_count"],
        arrays["weekly"],
        arrays["wx_prob"],
        arrays["advance"],
        arrays["emp"],
        columns,
        drawn,
        rows,
        total,
    )
    return total


def percentiles(values: NDArray[np.float64], q: Sequence[float]) -> NDArray[np.float64]:
    """``np.percentile(values, q)`` of a 1-D array without NaN (the linear method), the same floats.

    Once the compiled kernels are loaded (a server), numpy's own steps (the virtual index ``(n - 1) q / 100``, its
    floor and the next index, ``_lerp`` from either end) are taken on the order statistics found by
    ``kernels.order_statistics``, at a fraction of the time of the partition inside ``np.percentile``; without
    them (the CLI), ``np.percentile`` itself.
    """
    if "corridor.reliability.kernels" not in sys.modules:
        return np.asarray(np.percentile(values, q), dtype=np.float64)
    from corridor.reliability.kernels import order_statistics

    n = values.shape[0]
    ranks, at_low, at_high, gamma, upper = _percentile_steps(n, tuple(float(x) for x in np.ravel(q)))
    found = order_statistics(np.ascontiguousarray(values, dtype=np.float64), ranks)
    a, b = found[at_low], found[at_high]
    difference = b - a
    out: NDArray[np.float64] = np.add(a, difference * gamma)
    np.subtract(b, difference * (1 - gamma), out=out, where=upper)
    return out.reshape(np.shape(q))


@lru_cache(maxsize=64)
def _percentile_steps(n: int, q: tuple[float, ...]) -> tuple[NDArray[Any], ...]:
    """What :func:`percentiles` takes of ``n`` values at ``q`` whatever the values (kept: a server asks the same
    few): the ranks to find, where each percentile's two order statistics are among them, and numpy's weights."""
    virtual = (n - 1) * np.true_divide(np.asarray(q), 100)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    low, high = previous.astype(np.intp) % n, following.astype(np.intp) % n
    ranks = np.unique(np.concatenate((low, high)))
    gamma = np.asarray(virtual - previous, dtype=virtual.dtype)
    steps = (ranks.astype(np.int64), np.searchsorted(ranks, low), np.searchsorted(ranks, high), gamma, gamma >= 0.5)
    for array in steps:
        array.flags.writeable = False
    return steps


def combine_tallies(tallies: Iterable[Tally]) -> Tally:
    """One tally from several, in order."""
    items = list(tallies)
    return Tally(
        np.concatenate([t.hours for t in items]),
        np.sum([t.sum_d for t in items], axis=0),
        np.sum([t.sum_dt for t in items], axis=0),
        np.sum([t.sum_t for t in items], axis=0),
    )


@dataclass(frozen=True)
class ReliabilityResult:
    """The door-to-door time distribution of one itinerary.

    Examples
    --------
    >>> import corridor
    >>> result = corridor.simulate(corridor.load_network(), "Xian", "Duisburg", depart="2025-03-01", samples=1000)
    >>> result.to_dict()["samples"], len(result.to_frame())
    (1000, 1000)
    """

    plan: Plan
    depart: datetime
    samples: int
    seed: int
    hours: NDArray[np.float64] = field(repr=False)
    variance_shares: tuple[float, ...] = field(repr=False)
    mean_stage_hours: tuple[float, ...] = field(repr=False)
    deadline_days: float | None = None

    @property
    def route(self) -> Route | None:
        return self.plan.route

    @property
    def corridor(self) -> str:
        return self.plan.route.corridor if self.plan.route is not None else ""

    @property
    def days(self) -> NDArray[np.float64]:
        return self.hours / 24.0

    @property
    def mean_days(self) -> float:
        return float(self.hours.mean()) / 24.0

    @property
    def std_days(self) -> float:
        return float(self.hours.std()) / 24.0

    def percentile_days(self, q: float) -> float:
        """The ``q``-th percentile (0-100) of the door-to-door days."""
        return float(np.percentile(self.hours, q)) / 24.0

    @property
    def p50_days(self) -> float:
        return self.percentile_days(50)

    @property
    def p90_days(self) -> float:
        return self.percentile_days(90)

    @property
    def p95_days(self) -> float:
        return self.percentile_days(95)

    def on_time_probability(self, deadline_days: float | None = None) -> float | None:
        """Share of samples that arrive within ``deadline_days`` of departure (None without a deadline)."""
        deadline = self.deadline_days if deadline_days is None else deadline_days
        if deadline is None:
            return None
        return float(np.mean(self.hours <= deadline * 24.0))

    def tail_drivers(self, top: int | None = None) -> list[dict[str, Any]]:
        """Elements by their share of the variance of the door-to-door time (the shares add up to 1).

        The share of a stage is cov(stage, total) / var(total); a stage that shortens the others' waits (a late
        train that catches the next ferry sooner) can have a negative share.
        """
        by_element: dict[str, dict[str, Any]] = {}
        for stage, share, mean in zip(self.plan.stages, self.variance_shares, self.mean_stage_hours, strict=True):
            row = by_element.setdefault(
                stage.element,
                {"element": stage.element, "share": 0.0, "kind": stage.kind, "place": stage.place, "mean_hours": 0.0},
            )
            row["share"] += share
            row["mean_hours"] += mean
        rows = sorted(by_element.values(), key=lambda r: -r["share"])
        for row in rows:
            row["share"] = round(row["share"], 4)
            row["mean_hours"] = round(row["mean_hours"], 2)
        return rows[:top] if top else rows

    def histogram(self, bins: int = 60) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(counts, edges) of the door-to-door days."""
        counts, edges = np.histogram(self.days, bins=bins)
        return counts.astype(np.float64), edges

    def to_frame(self) -> pd.DataFrame:
        """The simulated shipments, one row each: door-to-door ``hours`` and ``days`` (for a histogram or an ECDF).

        Returns
        -------
        pandas.DataFrame
            Columns ``sample`` (0 to samples - 1), ``hours``, ``days`` and ``on_time`` (with a deadline).

        Examples
        --------
        >>> import corridor
        >>> network = corridor.load_network()
        >>> result = corridor.simulate(network, "Xian", "Duisburg", samples=1000, depart="2025-03-01")
        >>> len(result.to_frame())
        1000
        """
        import pandas as pd

        frame = pd.DataFrame({"sample": np.arange(len(self.hours)), "hours": self.hours, "days": self.days})
        deadline = self.deadline_days
        if deadline is not None:
            frame["on_time"] = self.hours <= deadline * 24.0
        return frame

    def to_geojson(self) -> dict[str, Any]:
        """The simulated itinerary's legs as GeoJSON, each feature with the distribution's P50 and P90 days.

        Returns
        -------
        dict
            A FeatureCollection (see :meth:`Route.to_geojson`); empty when the plan has no route.
        """
        route = self.plan.route
        if route is None:
            return {"type": "FeatureCollection", "features": []}
        extra = {"p50_days": round(self.p50_days, 3), "p90_days": round(self.p90_days, 3), "samples": self.samples}
        features = [{**f, "properties": {**f["properties"], **extra}} for f in route.to_geojson()["features"]]
        return {"type": "FeatureCollection", "features": features}

    def to_dict(self, *, top: int | None = None) -> dict[str, Any]:
        """The distribution's summary as JSON (``corridor simulate --json``).

        Parameters
        ----------
        top
            Keep only this many tail drivers (all by default).

        Returns
        -------
        dict
            Mean, P50, P90, P95, spread, on-time probability, tail drivers and the route's ends.
        """
        route = self.plan.route
        on_time = self.on_time_probability()
        return {
            "corridor": self.corridor,
            "samples": self.samples,
            "seed": self.seed,
            "mean_days": round(self.mean_days, 3),
            "p50_days": round(self.p50_days, 3),
            "p90_days": round(self.p90_days, 3),
            "p95_days": round(self.p95_days, 3),
            "on_time_probability": None if on_time is None else round(on_time, 4),
            "tail_drivers": self.tail_drivers(top),
            "origin": route.origin if route else None,
            "destination": route.destination if route else None,
            "depart": self.depart.isoformat(),
            "deadline_days": self.deadline_days,
            "std_days": round(self.std_days, 3),
            "min_days": round(float(self.hours.min()) / 24.0, 3),
            "max_days": round(float(self.hours.max()) / 24.0, 3),
            "expected_days": round(route.days, 3) if route else None,
            "via": list(route.via) if route else [],
        }


def as_datetime(depart: date | datetime | str | None) -> datetime:
    """A departure instant: a datetime, a date (00:00 UTC) or an ISO string; ``None`` for today 00:00 UTC."""
    if depart is None:
        return datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    if isinstance(depart, str):
        try:
            depart = datetime.fromisoformat(depart)
        except ValueError:
            raise InvalidOptionError(
                f"Departure {depart!r} is not an ISO date or date-time (e.g. 2026-03-01 or 2026-03-01T08:00)."
            ) from None
    if not isinstance(depart, datetime):
        depart = datetime.combine(depart, time(0))
    return depart if depart.tzinfo is not None else depart.replace(tzinfo=UTC)


def check_run(samples: int, seed: int, deadline_days: float | None) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise InvalidOptionError(f"samples must be a positive whole number, got {samples!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidOptionError(f"seed must be a whole number >= 0, got {seed!r}.")
    if deadline_days is not None and not (math.isfinite(deadline_days) and deadline_days > 0):
        raise InvalidOptionError(
            f"The deadline must be after the departure: a positive number of days, got {deadline_days!r}."
        )


def simulate_plan(
    plan: Plan,
    *,
    depart: date | datetime | str | None = None,
    samples: int = 100_000,
    seed: int = 0,
    deadline_days: float | None = None,
    map_tasks: MapTasks | None = None,
    samples_per_task: int = 1 << 18,
) -> ReliabilityResult:
    """Monte Carlo of one itinerary: ``samples`` shipments leaving at ``depart``, seeded and reproducible.

    ``map_tasks(function, tasks)`` runs the tasks (lists of chunks) and returns their results in order: ``None``
    runs them here, :func:`corridor.scaleout.dask_map` on a Dask cluster. The samples do not depend on it.
    """
    check_run(samples, seed, deadline_days)
    instant = as_datetime(depart)
    start = epoch_hours(instant)
    tasks = chunk_tasks(samples, seed, per_task=samples_per_task)

    def run(task: Task) -> Tally:
        return simulate_chunks(plan, start, task[0], task[1])

    from corridor.scaleout import run_tasks

    results = run_tasks(run, list(tasks), map_tasks)
    tally = combine_tallies(results)
    return result_from_tally(plan, tally, depart=instant, samples=samples, seed=seed, deadline_days=deadline_days)


def result_from_tally(
    plan: Plan, tally: Tally, *, depart: datetime, samples: int, seed: int, deadline_days: float | None
) -> ReliabilityResult:
    n = float(len(tally.hours))
    mean_t = tally.sum_t[0] / n
    var_t = tally.sum_t[1] / n - mean_t * mean_t
    shifts = plan.arrays["shift"]
    mean_d = tally.sum_d / n
    cov = tally.sum_dt / n - mean_d * mean_t
    shares = cov / var_t if var_t > 1e-12 else np.zeros_like(cov)
    return ReliabilityResult(
        plan=plan,
        depart=depart,
        samples=samples,
        seed=seed,
        hours=tally.hours,
        variance_shares=tuple(float(x) for x in shares),
        mean_stage_hours=tuple(float(x) for x in mean_d + shifts),
        deadline_days=deadline_days,
    )


def simulate_route(network: Network, route: Route, **options: Any) -> ReliabilityResult:
    """Monte Carlo of a given route of ``network``.

    Parameters
    ----------
    network
        The network the route was found on.
    route
        A :class:`Route` (from :func:`route`, :func:`compare`, :func:`pareto`, ...).
    **options
        As :func:`simulate_plan`: ``depart``, ``samples``, ``seed``, ``deadline_days``, ``map_tasks``, and
        ``durations`` (the duration model to walk the route with).

    Returns
    -------
    ReliabilityResult
        The route's door-to-door time distribution.

    Raises
    ------
    InvalidOptionError
        For a sample count, seed or deadline out of range.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> fastest = corridor.route(network, "Xian", "Duisburg", optimize="time", depart="2025-03-01")
    >>> result = corridor.simulate_route(network, fastest, depart="2025-03-01", samples=2000)
    >>> result.corridor == fastest.corridor
    True
    """
    return simulate_plan(plan_route(network, route), **options)


def deadline_days(deadline: str | None, depart: datetime) -> float | None:
    """A deadline as days after ``depart``: a number of days, or an ISO date (or date-time).

    Raises
    ------
    InvalidOptionError
        For text that is neither, or a deadline not after the departure.
    """
    if deadline is None:
        return None

    try:
        days = float(deadline)
    except ValueError:
        try:
            when = as_datetime(deadline)
        except InvalidOptionError:
            raise InvalidOptionError(
                f"deadline {deadline!r} is neither a number of days nor an ISO date (e.g. 40 or 2026-04-10)."
            ) from None
        days = (when - depart).total_seconds() / 86400.0
        if days <= 0:
            raise InvalidOptionError(
                f"deadline {deadline} is not after the departure {depart.date().isoformat()}."
            ) from None
    if not days > 0 or days != days or days == float("inf"):
        raise InvalidOptionError(f"deadline must be after the departure: a positive number of days, got {deadline}.")
    return days
