"""One model of durations: a distribution object per stochastic element, the only reader of the timing tables.

Every engine asks the :class:`DurationModel` of a network, built once: routing takes the means (and the most
likely values, reported as ``typical``), the Monte Carlo engine samples the same distributions, the fleet model
reads the same weather closures month by month, choice and scenario runs read the same queueing waits. Nothing
else reads ``transfers.csv`` hours, ``delays.csv``, ``weather.csv`` or the departures of ``services.csv``.

Each :class:`Duration` has, as Ciw's distributions do, ``sample``, ``mean`` and ``quantile``. The formulas are in
docs/model.md ("One model of durations").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError
from corridor.model.graph import graph_of

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.records import Berth, Service

__all__ = [
    "HOURS_PER_YEAR",
    "MONTHS",
    "Closure",
    "Congestion",
    "Duration",
    "DurationModel",
    "ElementLoad",
    "durations_of",
    "queue_duration",
]

MONTHS: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HOURS_PER_YEAR = 8760.0
_Z95 = 1.6448536269514722
_NORMAL = NormalDist()

Kind = Literal["triangular", "lognormal", "uniform", "empirical", "constant", "exponential", "queue"]


@dataclass(frozen=True, slots=True)
class Duration:
    """A random duration (hours) or factor: ``distribution`` over ``low``/``typical``/``high`` or ``samples``.

    triangular: mode ``typical``; lognormal: ``low`` + a lognormal whose median is ``typical - low`` and whose
    95th percentile is ``high - low``; uniform: between ``low`` and ``high``; empirical: one of ``samples`` with
    equal probability; constant: ``typical``; exponential (discrete-event models only): mean ``typical``.

    queue (a capacity element's wait, built by :func:`queue_duration`): a shipment waits with probability
    ``low``; a wait is exponential with mean ``typical`` hours (the M/M/1 waiting time). Over capacity
    (``high > 0``) every shipment waits ``typical`` plus a uniform share of ``high``: the queue grows over the year.
    """

    distribution: Kind
    low: float
    typical: float
    high: float
    samples: tuple[float, ...] = ()

    @classmethod
    def constant(cls, value: float) -> Duration:
        return cls("constant", value, value, value)

    @property
    def lognormal_parameters(self) -> tuple[float, float]:
        """(mu, sigma) of the log of ``x - low`` for a lognormal."""
        mu = math.log(self.typical - self.low)
        return mu, (math.log(self.high - self.low) - mu) / _Z95

    @property
    def mean(self) -> float:
        """The expected value."""
        d = self.distribution
        if d == "triangular":
            return (self.low + self.typical + self.high) / 3.0
        if d == "lognormal":
            mu, sigma = self.lognormal_parameters
            return self.low + math.exp(mu + 0.5 * sigma * sigma)
        if d == "uniform":
            return 0.5 * (self.low + self.high)
        if d == "empirical":
            return float(np.mean(self.samples))
        if d == "queue":
            if self.high > 0:
                return self.typical + 0.5 * self.high
            return self.low * self.typical
        return self.typical  # constant, exponential

    @property
    def most_likely(self) -> float:
        """The value a planner would call typical: the dataset's ``typical`` column (no wait for a stable queue)."""
        if self.distribution == "queue":
            return self.mean if self.high > 0 else 0.0
        if self.distribution == "empirical":
            return float(np.median(self.samples))
        return self.typical

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """The inverse CDF at ``u`` in [0, 1) (the same formulas as the compiled engine's draws)."""
        u = np.asarray(u, dtype=float)
        d = self.distribution
        if d == "triangular":
            width = self.high - self.low
            if width <= 0:
                return np.full_like(u, self.low)
            left = u * width < self.typical - self.low
            lo = self.low + np.sqrt(u * width * (self.typical - self.low))
            hi = self.high - np.sqrt((1.0 - u) * width * (self.high - self.typical))
            return np.where(left, lo, hi)
        if d == "lognormal":
            mu, sigma = self.lognormal_parameters
            z = np.array([_NORMAL.inv_cdf(min(max(x, 1e-300), 1 - 1e-16)) for x in u.ravel()]).reshape(u.shape)
            return np.asarray(self.low + np.exp(mu + sigma * z))
        if d == "uniform":
            return self.low + u * (self.high - self.low)
        if d == "empirical":
            ordered = np.sort(np.asarray(self.samples, dtype=float))
            k = np.minimum((u * len(ordered)).astype(np.int64), len(ordered) - 1)
            return np.asarray(ordered[k])
        if d == "exponential":
            return -self.typical * np.log1p(-u)
        if d == "queue":
            if self.high > 0:
                return self.typical + u * self.high
            waits = u > 1.0 - self.low
            ratio = np.where(waits, (1.0 - u) / max(self.low, 1e-300), 1.0)
            return np.where(waits, -self.typical * np.log(np.maximum(ratio, 1e-300)), 0.0)
        return np.full_like(u, self.typical)

    def quantile(self, q: float) -> float:
        """The ``q``-quantile (0 <= q < 1)."""
        if not 0.0 <= q < 1.0:
            raise InvalidOptionError(f"A quantile needs 0 <= q < 1, got {q!r}.")
        return float(self.ppf(np.asarray([q]))[0])

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """``size`` independent draws (inverse CDF of uniforms from ``rng``)."""
        return self.ppf(rng.random(size))

    def scaled(self, factor: float) -> Duration:
        """The same distribution in units ``factor`` times larger (a running-time factor times scheduled hours)."""
        if self.distribution == "lognormal":
            # the shape is kept by scaling low, the median and the 95th percentile alike
            return Duration("lognormal", self.low * factor, self.typical * factor, self.high * factor)
        if self.distribution == "queue":
            return Duration("queue", self.low, self.typical * factor, self.high * factor)
        return Duration(
            self.distribution,
            self.low * factor,
            self.typical * factor,
            self.high * factor,
            tuple(s * factor for s in self.samples),
        )


def queue_duration(utilization: float, delay_hours: float, *, horizon_hours: float = HOURS_PER_YEAR) -> Duration:
    """The wait at a capacity element whose volume-delay function gives a mean delay of ``delay_hours``.

    Below capacity (``utilization`` < 1) the wait is that of an M/M/1 queue: zero with probability
    ``1 - utilization``, otherwise exponential with mean ``delay_hours / utilization``, so that its mean is the
    assignment's delay (with the queue function and alpha = 1, exactly the M/M/1 mean wait ``t0 x / (1 - x)``).
    At or over capacity the backlog grows all year: a shipment arriving at time ``t`` of ``horizon_hours`` waits
    ``(utilization - 1) t`` more, so the extra wait is uniform over ``[0, (utilization - 1) horizon_hours]``.
    """
    if not (math.isfinite(utilization) and math.isfinite(delay_hours)) or utilization < 0 or delay_hours < 0:
        raise InvalidOptionError(
            f"A queue needs a finite utilization and delay >= 0, got {utilization!r} and {delay_hours!r}."
        )
    if utilization <= 0 or (delay_hours <= 0 and utilization < 1):
        return Duration.constant(0.0)
    if utilization < 1:
        return Duration("queue", utilization, delay_hours / utilization, 0.0)
    return Duration("queue", 1.0, delay_hours, (utilization - 1.0) * horizon_hours)


@dataclass(frozen=True, slots=True)
class Closure:
    """A weather closure of a crossing (a row of weather.csv): closed with ``probability[month - 1]`` when cargo
    reaches it, for a further ``duration`` hours."""

    id: str
    link: str
    probability: tuple[float, ...]
    duration: Duration

    def mean_hours(self, month: int | None = None) -> float:
        """Expected extra hours for cargo arriving in ``month`` (1-12), or averaged over the year for None."""
        p = float(np.mean(self.probability)) if month is None else self.probability[month - 1]
        return p * self.duration.mean


@dataclass(frozen=True, slots=True)
class ElementLoad:
    """How loaded a capacity element is at equilibrium: volume over capacity and the delay function's mean delay."""

    element: str
    utilization: float
    delay_hours: float
    volume: float = 0.0
    capacity: float = 0.0
    unit: str = "t"  # the flow network counts every element in tonnes a year

    @property
    def waiting_at_year_end(self) -> float:
        """Volume (the element's unit) still waiting at the end of the year when demand exceeds capacity."""
        return max(self.volume - self.capacity, 0.0)


@dataclass(frozen=True)
class Congestion:
    """The loads of a network's capacity elements (from an equilibrium), by element id (``id`` or ``id:reverse``)."""

    loads: Mapping[str, ElementLoad]
    horizon_hours: float = HOURS_PER_YEAR
    label: str = ""

    def duration(self, element: str) -> Duration | None:
        load = self.loads.get(element)
        if load is None:
            return None
        return queue_duration(load.utilization, load.delay_hours, horizon_hours=self.horizon_hours)

    def over_capacity(self) -> list[ElementLoad]:
        """Elements loaded at or over capacity, most loaded first."""
        return sorted((x for x in self.loads.values() if x.utilization >= 1.0), key=lambda x: -x.utilization)


@dataclass(frozen=True, eq=False)
class DurationModel:
    """The durations of every stochastic element of ``network`` (see the module docstring)."""

    network: Network
    congestion: Congestion | None = None
    _factor_cache: dict[str, Duration] = field(default_factory=dict, repr=False)
    _mean_cache: dict[tuple[int | None], NDArray[np.float64]] = field(default_factory=dict, repr=False)

    def with_congestion(self, congestion: Congestion | None) -> DurationModel:
        """The same durations with the queueing waits of ``congestion`` at the capacity elements."""
        return DurationModel(self.network, congestion)

    # --- one element ------------------------------------------------------------------------------------------

    def dwell(self, transfer_id: str) -> Duration:
        """The dwell (hours) of a row of transfers.csv."""
        transfer = self.network.transfer_by_id.get(transfer_id)
        if transfer is None:
            raise InvalidOptionError(f"The transfer {transfer_id!r} is not in this network.")
        return Duration(
            transfer.distribution,
            transfer.hours_low,
            transfer.hours_typical,
            transfer.hours_high,
            tuple(transfer.hours_samples),
        )

    def handling(self, berth: Berth) -> Duration:
        """The handling time (hours) of one vessel call at a row of berths.csv."""
        return Duration(berth.distribution, berth.hours_low, berth.hours_typical, berth.hours_high)

    def running_factor(self, link_id: str) -> Duration:
        """The running-time factor of a link: the most specific row of delays.csv that matches, else 1."""
        cached = self._factor_cache.get(link_id)
        if cached is not None:
            return cached
        network = self.network
        link = network.link_by_id[link_id]
        ends = {network.place_by_id[link.from_].country, network.place_by_id[link.to].country}
        best = None
        for rec in network.delays:
            if rec.links:
                matches = link_id in rec.links
            else:
                matches = link.mode in rec.modes and (not rec.countries or ends <= set(rec.countries))
            if matches and (best is None or rec.specificity > best.specificity):
                best = rec
        factor = (
            Duration.constant(1.0)
            if best is None
            else Duration(best.distribution, best.factor_low, best.factor_typical, best.factor_high)
        )
        self._factor_cache[link_id] = factor
        return factor

    def running(self, link_id: str) -> Duration:
        """The running time (hours) of a link: its scheduled hours times the running-time factor."""
        return self.running_factor(link_id).scaled(self.network.link_by_id[link_id].link_hours)

    def service(self, link_id: str) -> Service | None:
        """The scheduled service a link waits for, if any."""
        return self.network.service_of_link.get(link_id)

    def wait_mean_hours(self, link_id: str) -> float:
        """Expected wait for the link's service by cargo arriving at a random time (0 without a service).

        Timetabled: half the headway, or ``sum(gap^2) / (2 x 168)`` for weekly departures at uneven days.
        Departs when full: the load fills in a uniform share of the headway, at most ``max_wait_hours``:
        ``E[min(U h, m)] = m - m^2 / (2 h)`` for ``m < h``.
        """
        service = self.service(link_id)
        if service is None:
            return 0.0
        h = service.headway_hours
        if service.departs == "when_full":
            m = service.max_wait_hours or math.inf
            return h / 2.0 if m >= h else m - m * m / (2.0 * h)
        if service.weekdays and len(service.weekdays) > 1:
            hours = sorted(WEEKDAYS.index(d) * 24.0 + service.departure_hour for d in service.weekdays)
            gaps = np.diff([*hours, hours[0] + 168.0])
            return float(np.sum(gaps * gaps) / (2.0 * 168.0))
        return h / 2.0

    def closures(self, link_id: str) -> tuple[Closure, ...]:
        """The weather closures of a link, one per row of weather.csv that names it."""
        out = []
        for rec in self.network.weather:
            if link_id in rec.links:
                probability = tuple(rec.closed_probability if m in rec.months else 0.0 for m in MONTHS)
                duration = Duration(
                    rec.distribution, rec.hours_low, rec.hours_typical, rec.hours_high, tuple(rec.hours_samples)
                )
                out.append(Closure(rec.id, link_id, probability, duration))
        return tuple(out)

    def closure_by_month(self, link_id: str) -> tuple[tuple[float, Duration], ...]:
        """For each month (January first): the probability the link is closed and how long a closure lasts.

        Rows of weather.csv name disjoint months; a month no row names is open (probability 0).
        """
        months: list[tuple[float, Duration]] = [(0.0, Duration.constant(0.0))] * 12
        for closure in self.closures(link_id):
            for m, p in enumerate(closure.probability):
                if p > 0:
                    months[m] = (p, closure.duration)
        return tuple(months)

    def queues(
        self, *, commodity: str, transfers: Sequence[str] = (), link: str | None = None, reverse: bool = False
    ) -> tuple[tuple[str, Duration], ...]:
        """The queueing waits (element id, duration) at the capacity elements a stop or a move uses.

        A stop uses the elements of its ``transfers``; a move on ``link`` (``reverse`` for against its direction)
        uses the link's and its service's elements in that direction. Only elements with a load in
        ``congestion`` and that count ``commodity`` wait.
        """
        if self.congestion is None:
            return ()
        out = []
        for element, suffix in self._elements(transfers=transfers, link=link, reverse=reverse, commodity=commodity):
            duration = self.congestion.duration(element + suffix)
            if duration is not None and duration.mean > 0:
                out.append((element + suffix, duration))
        return tuple(out)

    def _elements(
        self, *, transfers: Sequence[str], link: str | None, reverse: bool, commodity: str
    ) -> Iterable[tuple[str, str]]:
        network = self.network
        wanted = set(transfers)
        service = network.service_of_link.get(link) if link else None
        for row in network.capacities:
            if row.commodities and commodity not in row.commodities:
                continue
            if row.element_type == "transfer":
                if wanted.intersection(row.elements):
                    yield row.id, ""
            elif link is not None and (
                (row.element_type == "link" and link in row.elements)
                or (row.element_type == "service" and service is not None and service.id in row.elements)
            ):
                yield row.id, ":reverse" if reverse else ""

    # --- whole network ----------------------------------------------------------------------------------------

    def arc_mean_hours(self, month: int | None = None) -> NDArray[np.float64]:
        """Expected hours of every arc of the virtual network per commodity, shape (arcs, commodities).

        A link: running time times the mean factor, the mean wait for its service and the mean weather closure
        of ``month`` (1-12; None averages the year). A stop: the mean dwell of its transfer rows. The queueing
        waits of ``congestion`` are added where elements are loaded. Memoised by month.
        """
        key = (month,)
        cached = self._mean_cache.get(key)
        if cached is not None:
            return cached
        if month is not None and not 1 <= month <= 12:
            raise InvalidOptionError(f"A month is 1-12, got {month!r}.")
        from corridor.dataset.vocab import COMMODITIES
        from corridor.model.graph import ARC_LINK

        network, g = self.network, graph_of(self.network)
        out = np.zeros((g.n_arcs, len(COMMODITIES)))
        for a in range(g.n_arcs):
            if g.kind[a] == ARC_LINK:
                link = network.links[int(g.link[a])]
                hours = self.running(link.id).mean + self.wait_mean_hours(link.id)
                hours += sum(c.mean_hours(month) for c in self.closures(link.id))
                out[a, :] = hours
                if self.congestion is not None:
                    for c, commodity in enumerate(COMMODITIES):
                        q = self.queues(commodity=commodity, link=link.id, reverse=bool(g.reverse[a]))
                        out[a, c] += sum(d.mean for _, d in q)
                continue
            for i in g.transfers[a]:
                transfer = network.transfers[i]
                mean = self.dwell(transfer.id).mean
                for c, commodity in enumerate(COMMODITIES):
                    if not transfer.commodities or commodity in transfer.commodities:
                        out[a, c] += mean
            if self.congestion is not None and g.transfers[a]:
                ids = [network.transfers[i].id for i in g.transfers[a]]
                for c, commodity in enumerate(COMMODITIES):
                    out[a, c] += sum(d.mean for _, d in self.queues(commodity=commodity, transfers=ids))
        out.setflags(write=False)
        self._mean_cache[key] = out
        return out

    def arc_typical_hours(self) -> NDArray[np.float64]:
        """The sum of most likely values of every arc per commodity (the dataset's typical dwell and running
        times, half a headway of wait), shape (arcs, commodities)."""
        typical: NDArray[np.float64] = graph_of(self.network).hours[:, :, 1]
        return typical


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def durations_of(network: Network) -> DurationModel:
    """The duration model of ``network``, built once per Network and kept with it."""
    cache = network.__dict__
    model = cache.get("_durations")
    if model is None:
        model = DurationModel(network)
        cache["_durations"] = model
    assert isinstance(model, DurationModel)
    return model
