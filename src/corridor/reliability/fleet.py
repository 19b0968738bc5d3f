"""A discrete-event (SimPy) model of the Caspian crossing: cargo, berths, the ferry fleet and the weather.

Cargo reaches the origin ports (Aktau, Kuryk) in block trains at random (Poisson) at an annual volume; a ferry
takes a berth, loads what waits until it is full (or its maximum wait has passed), is handled, waits out any
weather closure, sails, takes a berth at Alat, is handled and sails back to the origin port with the most cargo
waiting for it. The output is the distribution of the cargo's wait in port (arrival to sailing), queue lengths and
fleet and berth use. :func:`size_fleet` finds the smallest fleet whose 90th-percentile wait meets a target.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError
from corridor.reliability.engine import Duration, draw_duration
from corridor.scaleout import run_tasks

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = [
    "Crossing",
    "CrossingResult",
    "FleetResult",
    "Lane",
    "crossing_from_network",
    "simulate_crossing",
    "size_fleet",
]

MapTasks = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True, slots=True)
class Lane:
    """One origin port of the crossing and its sea lane to the destination."""

    port: str
    share: float  # of the annual volume
    berths: int
    handling_hours: Duration  # per vessel call at the origin
    sail_hours: Duration  # one way
    closed_probability: tuple[float, ...] = (0.0,) * 12  # by month: share of time the lane is closed
    #: length of one closure, by month (weather.csv rows give each season its own); one Duration for every month
    closure_hours: Duration | tuple[Duration, ...] = field(default_factory=lambda: Duration.constant(0.0))

    def closure_of_month(self, month: int) -> Duration:
        """How long a closure that starts in ``month`` (1-12) lasts."""
        hours = self.closure_hours
        return hours if isinstance(hours, Duration) else hours[month - 1]


@dataclass(frozen=True, slots=True)
class Crossing:
    """The crossing as a queueing system (units are TEU unless said otherwise)."""

    lanes: tuple[Lane, ...]
    destination: str
    destination_berths: int
    destination_handling_hours: Duration
    capacity_units: float  # per vessel
    max_wait_hours: float = math.inf  # a vessel at berth sails after this even if not full
    batch_units: float = 1.0  # cargo arrives in batches of this size (a block train)

    @property
    def mean_cycle_hours(self) -> float:
        """Mean hours of one round trip of a vessel with no waiting: handling and sailing, averaged over lanes."""
        total = sum(lane.share for lane in self.lanes)
        return sum(
            lane.share
            / total
            * (lane.handling_hours.mean + 2 * lane.sail_hours.mean + self.destination_handling_hours.mean)
            for lane in self.lanes
        )

    def utilization(self, volume_per_year: float, ferries: int) -> float:
        """Offered load of the fleet: volume over what ``ferries`` full vessels carry in a year of round trips."""
        carried = ferries * self.capacity_units * HOURS_PER_YEAR / self.mean_cycle_hours
        return volume_per_year / carried


@dataclass(frozen=True)
class CrossingResult:
    """One run of the crossing model (or several replications pooled)."""

    ferries: int
    volume_per_year: float
    days: float
    replications: int
    waits_hours: NDArray[np.float64] = field(repr=False)
    wait_weights: NDArray[np.float64] = field(repr=False)
    queue_mean_units: dict[str, float]
    queue_max_units: dict[str, float]
    berth_utilization: dict[str, float]
    fleet_utilization: float
    fleet_time_shares: dict[str, float]
    sailings: int
    units_carried: float
    backlog_units: float
    offered_load: float

    def wait_percentile_hours(self, q: float) -> float:
        """Weighted percentile (0-100) of the cargo's wait in port, in hours."""
        if len(self.waits_hours) == 0:
            return math.nan
        order = np.argsort(self.waits_hours)
        w = np.cumsum(self.wait_weights[order])
        k = int(np.searchsorted(w, q / 100.0 * w[-1]))
        return float(self.waits_hours[order][min(k, len(order) - 1)])

    @property
    def mean_wait_hours(self) -> float:
        if len(self.waits_hours) == 0:
            return math.nan
        return float(np.average(self.waits_hours, weights=self.wait_weights))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ferries": self.ferries,
            "volume_teu": round(self.volume_per_year, 1),
            "offered_load": round(self.offered_load, 4),
            "mean_wait_hours": round(self.mean_wait_hours, 2),
            "p50_wait_hours": round(self.wait_percentile_hours(50), 2),
            "p90_wait_hours": round(self.wait_percentile_hours(90), 2),
            "p95_wait_hours": round(self.wait_percentile_hours(95), 2),
            "queue_mean_teu": {k: round(v, 1) for k, v in self.queue_mean_units.items()},
            "queue_max_teu": {k: round(v, 1) for k, v in self.queue_max_units.items()},
            "berth_utilization": {k: round(v, 4) for k, v in self.berth_utilization.items()},
            "fleet_utilization": round(self.fleet_utilization, 4),
            "fleet_time_shares": {k: round(v, 4) for k, v in self.fleet_time_shares.items()},
            "sailings_per_year": round(self.sailings / self.replications * 365.0 / self.days, 1),
            "teu_carried_per_year": round(self.units_carried / self.replications * 365.0 / self.days, 1),
            "backlog_teu": round(self.backlog_units / self.replications, 1),
            "days": self.days,
            "replications": self.replications,
        }


class _Port:
    def __init__(self, env: Any, name: str, berths: int) -> None:
        import simpy

        self.env = env
        self.name = name
        self.berth = simpy.Resource(env, capacity=berths)
        self.berths = berths
        self.queue: deque[list[float]] = deque()  # [arrival hour, units]
        self.units = 0.0
        self.arrived = env.event()
        self.closed_until = -math.inf
        self.heading = 0  # vessels on their way here
        self.area = 0.0
        self.peak = 0.0
        self.busy_area = 0.0
        self.last = 0.0
        self.counting_from = 0.0

    def _account(self) -> None:
        now = self.env.now
        self.area += self.units * (now - self.last)
        self.busy_area += self.berth.count * (now - self.last)
        self.last = now

    def add(self, units: float) -> None:
        self._account()
        self.queue.append([self.env.now, units])
        self.units += units
        self.peak = max(self.peak, self.units)
        self.arrived.succeed()
        self.arrived = self.env.event()

    def take(self, room: float, parts: list[tuple[float, float]]) -> float:
        self._account()
        taken = 0.0
        while self.queue and room - taken > 1e-9:
            head = self.queue[0]
            part = min(head[1], room - taken)
            parts.append((head[0], part))
            taken += part
            head[1] -= part
            if head[1] <= 1e-9:
                self.queue.popleft()
        self.units -= taken
        return taken

    def reset(self) -> None:
        self._account()
        self.area = self.busy_area = 0.0
        self.peak = self.units
        self.counting_from = self.env.now


class _CrossingRun:
    """One run of the crossing model: SimPy processes (cargo, weather, ferries) sharing the ports, one random
    stream and the tallies. Every draw is taken where the process reaches it, so a seed gives one result."""

    def __init__(
        self,
        crossing: Crossing,
        volume_per_year: float,
        ferries: int,
        days: float,
        warmup_days: float,
        start: datetime,
        seed: np.random.SeedSequence | int,
    ) -> None:
        import simpy

        self.crossing = crossing
        self.volume_per_year = volume_per_year
        self.ferries = ferries
        self.days = days
        self.start = start
        self.rng = np.random.default_rng(seed)
        self.env = simpy.Environment()
        self.origins = [_Port(self.env, lane.port, lane.berths) for lane in crossing.lanes]
        self.dest = _Port(self.env, crossing.destination, crossing.destination_berths)
        self.warmup = warmup_days * 24.0
        self.horizon = self.warmup + days * 24.0
        self.waits: list[float] = []
        self.weights: list[float] = []
        self.shares = {"sailing": 0.0, "handling": 0.0, "idle_loading": 0.0, "berth_queue": 0.0, "weather": 0.0}
        self.sailings = 0
        self.carried = 0.0
        self.total_share = sum(lane.share for lane in crossing.lanes)

    # --- clock and tallies ---------------------------------------------------------------------------------------

    def counted(self, t0: float, t1: float) -> float:
        """The part of ``t0``-``t1`` inside the counted period (after the warm-up, before the horizon)."""
        return max(0.0, min(t1, self.horizon) - max(t0, self.warmup))

    def spend(self, share: str, duration: Duration) -> Generator[Any, Any, None]:
        """Take a draw of ``duration`` and count the time under ``share`` of the fleet's time."""
        t0 = self.env.now
        yield self.env.timeout(draw_duration(self.rng, duration))
        self.shares[share] += self.counted(t0, self.env.now)

    # --- processes ---------------------------------------------------------------------------------------------------

    def cargo(self, port: _Port, lane: Lane) -> Generator[Any, Any, None]:
        """Block trains arriving at random (Poisson) at the lane's share of the annual volume."""
        crossing = self.crossing
        rate = self.volume_per_year * lane.share / self.total_share / HOURS_PER_YEAR / crossing.batch_units
        if rate <= 0:
            return
        while True:
            yield self.env.timeout(float(self.rng.exponential(1.0 / rate)))
            port.add(crossing.batch_units)

    def weather(self, port: _Port, lane: Lane) -> Generator[Any, Any, None]:
        """Closures of the lane's port: at random times with the month's probability, each of the month's length."""
        env = self.env
        while True:
            here = self.start + timedelta(hours=env.now)
            p = lane.closed_probability[here.month - 1]
            closure_hours = lane.closure_of_month(here.month)
            mean_closure = closure_hours.mean
            if p <= 0 or mean_closure <= 0:
                first = datetime(here.year + (here.month == 12), here.month % 12 + 1, 1, tzinfo=here.tzinfo)
                yield env.timeout((first - here).total_seconds() / 3600.0 + 1e-6)
                continue
            if p < 1:
                yield env.timeout(float(self.rng.exponential(mean_closure * (1 - p) / p)))
            closure = draw_duration(self.rng, closure_hours)
            port.closed_until = env.now + closure
            yield env.timeout(closure)

    def hold(self, port: _Port) -> Generator[Any, Any, None]:
        """Wait out a closure of ``port``."""
        env = self.env
        if port.closed_until > env.now:
            t0 = env.now
            yield env.timeout(port.closed_until - env.now)
            self.shares["weather"] += self.counted(t0, env.now)

    def load(self, port: _Port) -> Generator[Any, Any, tuple[float, list[tuple[float, float]]]]:
        """Load what waits until the vessel is full or, with some cargo aboard, its maximum wait has passed."""
        env, capacity = self.env, self.crossing.capacity_units
        parts: list[tuple[float, float]] = []
        loaded = port.take(capacity, parts)
        t_berth = env.now
        deadline = t_berth + self.crossing.max_wait_hours
        while capacity - loaded > 1e-9:
            # Compare with a margin: a timeout of a few ulps would not move the clock.
            if loaded > 0 and deadline - env.now <= 1e-6:
                break
            if loaded > 0 and math.isfinite(deadline):
                yield port.arrived | env.timeout(deadline - env.now)
            else:
                yield port.arrived
            loaded += port.take(capacity - loaded, parts)
        self.shares["idle_loading"] += self.counted(t_berth, env.now)
        return loaded, parts

    def at_origin(self, home: int) -> Generator[Any, Any, tuple[float, list[tuple[float, float]]]]:
        """A call at an origin port: a berth, loading, handling and any closure before sailing."""
        port, lane = self.origins[home], self.crossing.lanes[home]
        t0 = self.env.now
        with port.berth.request() as req:
            yield req
            port.heading -= 1
            self.shares["berth_queue"] += self.counted(t0, self.env.now)
            loaded, parts = yield from self.load(port)
            yield from self.spend("handling", lane.handling_hours)
            yield from self.hold(port)
            port._account()
        return loaded, parts

    def sailed(self, loaded: float, parts: list[tuple[float, float]]) -> None:
        """Count a sailing, its cargo and each part's wait in port (arrival to sailing)."""
        sailed = self.env.now
        if sailed >= self.warmup:
            self.sailings += 1
            self.carried += loaded
        for arrival, units in parts:
            if arrival >= self.warmup:
                self.waits.append(sailed - arrival)
                self.weights.append(units)

    def at_destination(self) -> Generator[Any, Any, None]:
        """A call at the destination port: a berth and handling."""
        t0 = self.env.now
        with self.dest.berth.request() as req:
            yield req
            self.shares["berth_queue"] += self.counted(t0, self.env.now)
            yield from self.spend("handling", self.crossing.destination_handling_hours)
            self.dest._account()

    def next_home(self) -> int:
        """The origin with the most cargo not yet claimed by vessels on their way there."""
        origins, capacity = self.origins, self.crossing.capacity_units
        return max(range(len(origins)), key=lambda i: (origins[i].units - origins[i].heading * capacity, -i))

    def ferry(self, first: int) -> Generator[Any, Any, None]:
        """One vessel's round trips, starting at origin ``first``."""
        home = first
        self.origins[home].heading += 1
        while True:
            loaded, parts = yield from self.at_origin(home)
            self.sailed(loaded, parts)
            yield from self.spend("sailing", self.crossing.lanes[home].sail_hours)
            yield from self.at_destination()
            home = self.next_home()
            self.origins[home].heading += 1
            yield from self.hold(self.origins[home])
            yield from self.spend("sailing", self.crossing.lanes[home].sail_hours)

    def reset_at_warmup(self) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.warmup)
        for port in (*self.origins, self.dest):
            port.reset()

    # --- the run -----------------------------------------------------------------------------------------------------

    def fleet_starts(self) -> list[int]:
        """Vessels starting at each origin, in proportion to the shares (largest remainder)."""
        lanes, ferries = self.crossing.lanes, self.ferries
        quota = [ferries * lane.share / self.total_share for lane in lanes]
        starts = [int(q) for q in quota]
        for i in sorted(range(len(quota)), key=lambda i: quota[i] - starts[i], reverse=True)[: ferries - sum(starts)]:
            starts[i] += 1
        return starts

    def run(self) -> CrossingResult:
        env = self.env
        for port, lane in zip(self.origins, self.crossing.lanes, strict=True):
            env.process(self.cargo(port, lane))
            if any(p > 0 for p in lane.closed_probability):
                env.process(self.weather(port, lane))
        for i, count in enumerate(self.fleet_starts()):
            for _ in range(count):
                env.process(self.ferry(i))
        env.process(self.reset_at_warmup())
        env.run(until=self.horizon)
        return self.result()

    def result(self) -> CrossingResult:
        origins = self.origins
        for port in (*origins, self.dest):
            port._account()
        span = self.horizon - self.warmup
        fleet_hours = self.ferries * span
        shares = self.shares
        busy = shares["sailing"] + shares["handling"] + shares["weather"]
        return CrossingResult(
            ferries=self.ferries,
            volume_per_year=self.volume_per_year,
            days=self.days,
            replications=1,
            waits_hours=np.asarray(self.waits),
            wait_weights=np.asarray(self.weights),
            queue_mean_units={p.name: p.area / span for p in origins},
            queue_max_units={p.name: p.peak for p in origins},
            berth_utilization={p.name: p.busy_area / (span * p.berths) for p in (*origins, self.dest)},
            fleet_utilization=busy / fleet_hours,
            fleet_time_shares={k: v / fleet_hours for k, v in shares.items()},
            sailings=int(self.sailings),
            units_carried=float(self.carried),
            backlog_units=float(sum(p.units for p in origins)),
            offered_load=self.crossing.utilization(self.volume_per_year, self.ferries),
        )


def _run(
    crossing: Crossing,
    volume_per_year: float,
    ferries: int,
    days: float,
    warmup_days: float,
    start: datetime,
    seed: np.random.SeedSequence | int,
) -> CrossingResult:
    return _CrossingRun(crossing, volume_per_year, ferries, days, warmup_days, start, seed).run()


def _pool(results: Sequence[CrossingResult]) -> CrossingResult:
    n = len(results)
    first = results[0]

    def mean_of(attr: str) -> dict[str, float]:
        keys = getattr(first, attr).keys()
        return {k: float(np.mean([getattr(r, attr)[k] for r in results])) for k in keys}

    return replace(
        first,
        replications=n,
        waits_hours=np.concatenate([r.waits_hours for r in results]),
        wait_weights=np.concatenate([r.wait_weights for r in results]),
        queue_mean_units=mean_of("queue_mean_units"),
        queue_max_units={k: max(r.queue_max_units[k] for r in results) for k in first.queue_max_units},
        berth_utilization=mean_of("berth_utilization"),
        fleet_utilization=float(np.mean([r.fleet_utilization for r in results])),
        fleet_time_shares=mean_of("fleet_time_shares"),
        sailings=sum(r.sailings for r in results),
        units_carried=sum(r.units_carried for r in results),
        backlog_units=sum(r.backlog_units for r in results),
    )


def _check_run(volume_per_year: float, ferries: int, days: float, replications: int) -> None:
    if not (math.isfinite(volume_per_year) and volume_per_year > 0):
        raise InvalidOptionError(f"The annual volume must be a positive number, got {volume_per_year!r}.")
    if isinstance(ferries, bool) or not isinstance(ferries, int) or ferries < 1:
        raise InvalidOptionError(f"The fleet must have at least one vessel, got {ferries!r}.")
    if not (math.isfinite(days) and days > 0):
        raise InvalidOptionError(f"The simulated period must be a positive number of days, got {days!r}.")
    if replications < 1:
        raise InvalidOptionError(f"replications must be at least 1, got {replications!r}.")


def simulate_crossing(
    crossing: Crossing,
    *,
    volume_per_year: float,
    ferries: int,
    days: float = 365.0,
    warmup_days: float = 30.0,
    start: date | datetime = date(2026, 1, 1),
    replications: int = 1,
    seed: int = 0,
    map_tasks: MapTasks | None = None,
) -> CrossingResult:
    """Simulate ``days`` (after ``warmup_days``) of the crossing carrying ``volume_per_year`` with ``ferries``.

    Replications get independent seeds (``SeedSequence(seed).spawn``) and are pooled.
    """
    _check_run(volume_per_year, ferries, days, replications)
    instant = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day, tzinfo=UTC)
    seeds = np.random.SeedSequence(seed).spawn(replications)

    def one(s: np.random.SeedSequence) -> CrossingResult:
        return _run(crossing, volume_per_year, ferries, days, warmup_days, instant, s)

    results = run_tasks(one, seeds, map_tasks)
    return _pool(results)


@dataclass(frozen=True)
class FleetResult:
    """The smallest fleet that keeps the 90th-percentile wait under the target, and every fleet tried."""

    volume_per_year: float
    target_p90_wait_hours: float
    chosen: CrossingResult | None
    candidates: tuple[CrossingResult, ...]
    unstable: tuple[tuple[int, float], ...]  # fleets whose offered load is 1 or more, with that load

    def to_dict(self) -> dict[str, Any]:
        chosen = self.chosen
        return {
            "volume_teu": self.volume_per_year,
            "target_p90_wait_hours": self.target_p90_wait_hours,
            "ferries": chosen.ferries if chosen else None,
            "meets_target": chosen is not None and chosen.wait_percentile_hours(90) <= self.target_p90_wait_hours,
            "result": chosen.to_dict() if chosen else None,
            "candidates": [
                {
                    "ferries": c.ferries,
                    "p90_wait_hours": round(c.wait_percentile_hours(90), 2),
                    "mean_wait_hours": round(c.mean_wait_hours, 2),
                    "fleet_utilization": round(c.fleet_utilization, 4),
                    "offered_load": round(c.offered_load, 4),
                }
                for c in self.candidates
            ],
            "unstable": [{"ferries": k, "offered_load": round(load, 4)} for k, load in self.unstable],
        }


def size_fleet(
    crossing: Crossing,
    *,
    volume_per_year: float,
    target_p90_wait_hours: float,
    ferries: Sequence[int] | None = None,
    days: float = 365.0,
    warmup_days: float = 30.0,
    start: date | datetime = date(2026, 1, 1),
    replications: int = 2,
    seed: int = 0,
    map_tasks: MapTasks | None = None,
    max_ferries: int = 60,
) -> FleetResult:
    """Try fleets (``ferries``, or from the smallest stable one up) and pick the smallest meeting the target.

    Every (fleet, replication) pair is one task of ``map_tasks``; fleets whose offered load is 1 or more are
    reported as unstable and not simulated.
    """
    if not (math.isfinite(target_p90_wait_hours) and target_p90_wait_hours > 0):
        raise InvalidOptionError(f"The target wait must be a positive number of hours, got {target_p90_wait_hours!r}.")
    _check_run(volume_per_year, 1, days, replications)
    if ferries is None:
        smallest = max(1, math.floor(crossing.utilization(volume_per_year, 1)) + 1)
        if smallest > max_ferries:
            raise InvalidOptionError(
                f"{volume_per_year:g} TEU a year needs more than {max_ferries} vessels of "
                f"{crossing.capacity_units:g} TEU; check the volume."
            )
        ferries = range(smallest, min(smallest + 8, max_ferries) + 1)
    fleets = sorted(set(ferries))
    unstable = tuple(
        (k, crossing.utilization(volume_per_year, k)) for k in fleets if crossing.utilization(volume_per_year, k) >= 1
    )
    stable = [k for k in fleets if crossing.utilization(volume_per_year, k) < 1]
    instant = start if isinstance(start, datetime) else datetime(start.year, start.month, start.day, tzinfo=UTC)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    tasks = [(k, s) for k in stable for s in seeds]

    def one(task: tuple[int, np.random.SeedSequence]) -> CrossingResult:
        return _run(crossing, volume_per_year, task[0], days, warmup_days, instant, task[1])

    results = run_tasks(one, tasks, map_tasks)
    candidates = tuple(_pool(results[i * replications : (i + 1) * replications]) for i in range(len(stable)))
    chosen = next((c for c in candidates if c.wait_percentile_hours(90) <= target_p90_wait_hours), None)
    if chosen is None and candidates:
        chosen = candidates[-1]
    return FleetResult(volume_per_year, target_p90_wait_hours, chosen, candidates, unstable)


def crossing_from_network(
    network: Network,
    *,
    services: Sequence[str] = ("aktau-alat-ferries", "kuryk-alat-ferries"),
    shares: Sequence[float] | None = None,
    teu_per_wagon: float = 2.0,
    batch_teu: float = 62.0,
) -> Crossing:
    """The crossing of ``services`` (one lane per service, all to one destination) from the dataset.

    Berths and handling hours come from berths.csv, sailing hours from links.csv and delays.csv, closures from
    weather.csv, vessel capacity and maximum wait from services.csv (wagons count ``teu_per_wagon`` TEU).
    """
    from corridor.model.durations import durations_of

    durations = durations_of(network)
    if not services:
        raise InvalidOptionError("Name at least one service (see services.csv).")
    lanes: list[Lane] = []
    capacities: list[float] = []
    max_waits: list[float] = []
    destination = None
    if shares is not None and len(shares) != len(services):
        raise InvalidOptionError(f"Give one share per service: {len(services)} services, {len(shares)} shares.")
    for i, service_id in enumerate(services):
        service = network.service_by_id.get(service_id)
        if service is None:
            valid = ", ".join(sorted(network.service_by_id))
            raise InvalidOptionError(f"Unknown service {service_id!r}; valid: {valid}.")
        link = network.link_by_id[service.links[0]]
        origin, dest = link.from_, link.to
        if destination is None:
            destination = dest
        elif dest != destination:
            raise InvalidOptionError(
                f"Service {service_id!r} sails to {dest!r}, the others to {destination!r}: one destination only."
            )
        origin_berth = _berth_of(network, origin, service_id)
        sail = durations.running(link.id)
        by_month = durations.closure_by_month(link.id)
        probability = [p for p, _ in by_month]
        closure = tuple(d for _, d in by_month)
        share = 1.0 if shares is None else float(shares[i])
        if not (math.isfinite(share) and share >= 0):
            raise InvalidOptionError(f"Shares must be numbers >= 0, got {share!r} for {service_id!r}.")
        lanes.append(
            Lane(
                port=network.place_by_id[origin].name,
                share=share,
                berths=origin_berth.berths,
                handling_hours=durations.handling(origin_berth),
                sail_hours=sail,
                closed_probability=tuple(probability),
                closure_hours=closure,
            )
        )
        unit = {"TEU": 1.0, "wagons": teu_per_wagon}.get(service.capacity_unit)
        if unit is None:
            raise InvalidOptionError(
                f"Service {service_id!r} counts capacity in {service.capacity_unit}, not TEU or wagons."
            )
        capacities.append(service.capacity_per_departure * unit)
        max_waits.append(service.max_wait_hours or math.inf)
    if sum(lane.share for lane in lanes) <= 0:
        raise InvalidOptionError("At least one share must be positive.")
    assert destination is not None
    dest_berth = _berth_of(network, destination, services[0])
    return Crossing(
        lanes=tuple(lanes),
        destination=network.place_by_id[destination].name,
        destination_berths=dest_berth.berths,
        destination_handling_hours=durations.handling(dest_berth),
        capacity_units=min(capacities),
        max_wait_hours=min(max_waits),
        batch_units=batch_teu,
    )


def _berth_of(network: Network, place: str, service_id: str) -> Any:
    for berth in network.berths:
        if berth.place == place and service_id in berth.services:
            return berth
    raise InvalidOptionError(f"berths.csv has no berths at {place!r} for service {service_id!r}.")
