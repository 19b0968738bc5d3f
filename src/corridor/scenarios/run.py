"""Running a scenario: apply it, split its demand between corridors, simulate their transit times; a typed result.

A year with closures for part of it is run as intervals (each with the network of its days) and the results are
weighted by the days of each. Volumes by corridor are the tonnes that choose each corridor at equilibrium
(``corridor.choice.logit``); P90 days come from the reliability engine on the best route of each corridor between a
reference pair of places, with departures spread over the months of the year.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError, NoRouteError
from corridor.model.graph import graph_of

if TYPE_CHECKING:
    import pandas as pd

    from corridor.choice.logit import ChoiceModel, ChoiceResult
    from corridor.dataset.network import Network
    from corridor.model.durations import Congestion, DurationModel
    from corridor.scenarios.files import Scenario

__all__ = ["ScenarioResult", "congestion_of", "run_scenario"]


@dataclass(frozen=True)
class ScenarioResult:
    """What a scenario run gives: volumes, transit times, cost, CO2e and bottlenecks, with its inputs.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> result = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=600)
    >>> result.to_dict()["scenario"], "middle" in set(result.to_frame()["corridor"])
    ('base-2024', True)
    """

    scenario: str
    title: str
    year: int
    volumes_mt: dict[str, float]
    p50_days: dict[str, float]
    p90_days: dict[str, float]
    cost_usd_per_feu: dict[str, float]
    co2e_kt: float
    bottlenecks: list[dict[str, Any]]
    passages_mt: dict[str, float]
    intervals: list[dict[str, Any]]
    reference: tuple[str, str]
    samples: int
    seed: int
    seconds: float
    inputs: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    choice: dict[str, Any] = field(default_factory=dict)
    #: mean tonnes a year on each link (both directions, all commodities), Mt
    link_flows_mt: dict[str, float] = field(default_factory=dict)
    #: capacity elements loaded at or over capacity: how much waits at the end of the year and how fast the wait grows
    over_capacity: list[dict[str, Any]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per corridor: volume (Mt a year), P50 and P90 days Xi'an-Duisburg (or the reference), cost.

        Returns
        -------
        pandas.DataFrame
            Columns ``corridor``, ``volume_mt``, ``p50_days``, ``p90_days``, ``cost_usd_per_feu`` (NaN where the
            corridor carries no volume or has no route, e.g. when closed).

        Examples
        --------
        >>> import corridor
        >>> network = corridor.load_network()
        >>> result = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=600)
        >>> list(result.to_frame().columns)
        ['corridor', 'volume_mt', 'p50_days', 'p90_days', 'cost_usd_per_feu']
        """
        import pandas as pd

        corridors = list(dict.fromkeys([*self.volumes_mt, *self.p90_days, *self.cost_usd_per_feu]))
        nan = float("nan")
        return pd.DataFrame(
            {
                "corridor": corridors,
                "volume_mt": [self.volumes_mt.get(c, nan) for c in corridors],
                "p50_days": [self.p50_days.get(c, nan) for c in corridors],
                "p90_days": [self.p90_days.get(c, nan) for c in corridors],
                "cost_usd_per_feu": [self.cost_usd_per_feu.get(c, nan) for c in corridors],
            }
        )

    def to_geojson(self, network: Network) -> dict[str, Any]:
        """The links that carry flows in this run as GeoJSON LineStrings (straight between their places).

        Parameters
        ----------
        network
            The dataset the run was made on (the result keeps link ids, the network their places).

        Returns
        -------
        dict
            A FeatureCollection, one feature per link with flow: ``link``, ``mode``, ``corridors``, ``flow_mt``.

        Examples
        --------
        >>> import corridor
        >>> network = corridor.load_network()
        >>> result = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=600)
        >>> features = result.to_geojson(network)["features"]
        >>> len(features) == len(result.link_flows_mt)
        True
        """
        places = network.place_by_id
        links = network.link_by_id
        features = []
        for lid, mt in self.link_flows_mt.items():
            link = links.get(lid)
            if link is None or link.from_ not in places or link.to not in places:
                continue  # a link this network lacks (a result of another dataset): nothing to draw
            a, b = places[link.from_], places[link.to]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                    "properties": {
                        "link": lid,
                        "mode": link.mode,
                        "corridors": list(link.corridors),
                        "flow_mt": mt,
                        "scenario": self.scenario,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON (what ``corridor scenario run --json`` prints and the store keeps).

        Returns
        -------
        dict
            Volumes, P50/P90 days and costs by corridor, CO2e, bottlenecks, passages, link flows, intervals and the
            inputs (samples, seed, reference pair, version).
        """
        return {
            "scenario": self.scenario,
            "volumes_mt": self.volumes_mt,
            "p90_days": self.p90_days,
            "co2e_kt": self.co2e_kt,
            "bottlenecks": self.bottlenecks,
            "title": self.title,
            "year": self.year,
            "p50_days": self.p50_days,
            "cost_usd_per_feu": self.cost_usd_per_feu,
            "passages_mt": self.passages_mt,
            "intervals": self.intervals,
            "reference": {"origin": self.reference[0], "destination": self.reference[1]},
            "samples": self.samples,
            "seed": self.seed,
            "seconds": round(self.seconds, 3),
            "version": self.version,
            "choice": self.choice,
            "link_flows_mt": self.link_flows_mt,
            "over_capacity": self.over_capacity,
        }


def chosen_commodities(network: Network) -> tuple[str, ...]:
    from corridor.dataset.vocab import COMMODITIES

    return COMMODITIES


def _passages(network: Network, link_flow: NDArray[np.float64]) -> dict[str, float]:
    """Tonnes through each passage from flows on the commodity-copied virtual network."""
    from corridor.dataset.vocab import PASSAGES
    from corridor.model.graph import ARC_LINK

    g = graph_of(network)
    e0 = g.n_arcs
    per_arc = link_flow.reshape(-1, e0).sum(axis=0)
    is_link = g.kind == ARC_LINK
    out = {}
    for i, name in enumerate(PASSAGES):
        total = float(per_arc[is_link & g.passages[:, i]].sum())
        if total > 0:
            out[name] = total
    return out


def _link_flows(network: Network, link_flow: NDArray[np.float64]) -> dict[str, float]:
    """Tonnes on each link of ``network`` (both directions, every commodity)."""
    from corridor.model.graph import ARC_LINK

    g = graph_of(network)
    per_arc = link_flow.reshape(-1, g.n_arcs).sum(axis=0)
    arcs = np.flatnonzero((g.kind == ARC_LINK) & (per_arc > 0))
    out: dict[str, float] = {}
    for arc in arcs:
        lid = network.links[int(g.link[arc])].id
        out[lid] = out.get(lid, 0.0) + float(per_arc[arc])
    return out


def _co2e_kg(network: Network, link_flow: NDArray[np.float64], used: tuple[str, ...]) -> float:
    from corridor.model.costs import parse_cargo
    from corridor.model.emissions import WTW, arc_co2e_kg
    from corridor.model.freight import CARGO_OF

    g = graph_of(network)
    info = network.info
    e0 = g.n_arcs
    total = 0.0
    for j, commodity in enumerate(used):
        quantity = 1.0 / info.payload_t_per_feu.value if commodity == "container" else 1.0
        per_tonne = arc_co2e_kg(g, parse_cargo(CARGO_OF[commodity], info, quantity=quantity), scope=WTW)
        total += float(np.dot(link_flow[j * e0 : (j + 1) * e0], np.nan_to_num(per_tonne)))
    return total


def _intervals(scenario: Scenario, year: int) -> list[tuple[date, date]]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    cuts = {first, last + timedelta(days=1)}
    for closure in scenario.closures:
        for day, shift in ((closure.start, 0), (closure.end, 1)):
            if day is not None:
                moved = day + timedelta(days=shift)
                if first < moved <= last:
                    cuts.add(moved)
    edges = sorted(cuts)
    return [(a, b - timedelta(days=1)) for a, b in itertools.pairwise(edges)]


def run_scenario(
    network: Network,
    scenario: Scenario,
    *,
    reference: tuple[str, str] = ("Xian", "Duisburg"),
    samples: int = 24_000,
    seed: int = 0,
    model: ChoiceModel | None = None,
    market_samples: int = 1000,
    progress: Callable[[float, str], object] | None = None,
) -> ScenarioResult:
    """Apply ``scenario`` to ``network`` and run it (see the module docstring).

    Parameters
    ----------
    network
        The dataset, e.g. ``corridor.load_network()``.
    scenario
        The scenario (``corridor.load_scenario(...)``).
    reference
        The pair of places whose transit times (P50, P90) and cost are reported per corridor.
    samples
        Shipments simulated per corridor for the transit times.
    seed
        Random seed; the same seed gives the same result.
    model
        A corridor choice model (default the dataset's calibrated ``choice.yaml``).
    market_samples
        Shipments simulated per market and corridor in the choice model.
    progress
        ``progress(fraction, stage)``, called as the run goes (for a progress bar or a job's status).

    Returns
    -------
    ScenarioResult
        Volumes by corridor, P50/P90 days, cost, CO2e, bottlenecks; ``to_frame()`` and ``to_dict()``.

    Raises
    ------
    ScenarioError
        For changes the network cannot take.
    InvalidOptionError
        For fewer than 120 samples, or a year without demand.
    UnknownPlaceError
        For a reference place the network does not know.

    Examples
    --------
    >>> import corridor
    >>> network = corridor.load_network()
    >>> result = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=600)
    >>> result.year, "middle" in result.volumes_mt
    (2024, True)
    """
    from corridor.choice.logit import load_choice_model, year_equilibrium
    from corridor.model.durations import durations_of
    from corridor.scenarios.apply import apply_scenario
    from corridor.scenarios.years import with_year

    if samples < 120:
        raise InvalidOptionError(f"samples must be at least 120 (ten a month), got {samples}.")
    started = time.perf_counter()
    year = scenario.year or (network.demand_years[-1] if network.demand_years else None)
    if year is None:
        raise InvalidOptionError("The scenario has no year and the dataset no demand table.")
    network.place(reference[0])
    network.place(reference[1])
    # the year's changes (changes.csv) first, the scenario's own after them
    applied = with_year(network, dataclasses.replace(scenario, year=year))
    spans = _intervals(applied, year)
    days_total = sum((b - a).days + 1 for a, b in spans)
    totals = _Totals()
    model = load_choice_model(network) if model is None else model
    seeds = np.random.SeedSequence(seed).spawn(len(spans))

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(min(fraction, 1.0), stage)

    for n, ((start, end), child) in enumerate(zip(spans, seeds, strict=True)):
        weight = ((end - start).days + 1) / days_total
        span = f"{start.isoformat()}..{end.isoformat()}" if len(spans) > 1 else str(year)
        report(n / len(spans), f"choice and assignment, {span}")
        net = apply_scenario(network, applied, on=start + (end - start) / 2)
        durations = durations_of(net)
        if net.demand_of_year(year):
            chosen = year_equilibrium(net, year, model=model, seed=seed + n, market_samples=market_samples)
            totals.add_equilibrium(net, chosen, weight)
            congestion = congestion_of(net, chosen, horizon_hours=24.0 * ((end - start).days + 1))
            durations = durations.with_congestion(congestion)
            totals.add_over_capacity(congestion, weight)

        def stage(k_route: int, routes: int, corridor: str, n: int = n, span: str = span) -> None:
            report((n + 0.5 + 0.5 * k_route / routes) / len(spans), f"transit times, {corridor}, {span}")

        totals.add_transit_times(
            net, reference, durations, _month_starts(start, end), weight, samples, seed, child, stage
        )
        totals.intervals.append(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "weight": round(weight, 4),
                "closed_links": sorted(set(network.link_by_id) - set(net.link_by_id)),
            }
        )
    report(1.0, "done")
    return totals.result(network, scenario, year, reference, samples, seed, model, started)


@dataclass
class _Totals:
    """What the intervals of a run add up, each weighted by its share of the year's days."""

    volumes: dict[str, float] = field(default_factory=dict)
    passages: dict[str, float] = field(default_factory=dict)
    co2e: float = 0.0
    element_use: dict[str, list[float]] = field(default_factory=dict)
    hours: dict[str, list[NDArray[np.float64]]] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    cost_weight: dict[str, float] = field(default_factory=dict)
    intervals: list[dict[str, Any]] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    flows: dict[str, float] = field(default_factory=dict)
    overloaded: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_equilibrium(self, net: Network, chosen: ChoiceResult, weight: float) -> None:
        """Volumes by corridor and passage, CO2e, link flows and element loads of one interval's equilibrium."""
        for cid, tonnes in chosen.volumes_t.items():
            self.volumes[cid] = self.volumes.get(cid, 0.0) + weight * tonnes
        for name, tonnes in _passages(net, chosen.link_flow).items():
            self.passages[name] = self.passages.get(name, 0.0) + weight * tonnes
        self.co2e += weight * _co2e_kg(net, chosen.link_flow, chosen_commodities(net))
        for lid, tonnes in _link_flows(net, chosen.link_flow).items():
            self.flows[lid] = self.flows.get(lid, 0.0) + weight * tonnes
        for row in chosen.element_rows():
            use = self.element_use.setdefault(str(row["element"]), [0.0, 0.0])
            use[0] += weight * float(row["utilization"])
            use[1] += weight * float(row["delay_hours"])
        self.iterations.append(chosen.iterations)
        self.gaps.append(chosen.gap)

    def add_over_capacity(self, congestion: Congestion, weight: float) -> None:
        """The elements loaded at or over capacity in one interval: the highest load and the waits added up."""
        for load in congestion.over_capacity():
            row = self.overloaded.setdefault(load.element, {"element": load.element})
            row["utilization"] = round(max(row.get("utilization", 0.0), load.utilization), 4)
            row["waiting_t_at_year_end"] = round(
                row.get("waiting_t_at_year_end", 0.0) + load.waiting_at_year_end * weight, 1
            )
            row["wait_growth_days_per_month"] = round((load.utilization - 1.0) * 730.0 / 24.0, 2)

    def add_transit_times(
        self,
        net: Network,
        reference: tuple[str, str],
        durations: DurationModel,
        months: Sequence[datetime],
        weight: float,
        samples: int,
        seed: int,
        child: np.random.SeedSequence,
        stage: Callable[[int, int, str], None],
    ) -> None:
        """Simulated transit hours and the cost of the best route of each corridor, departing in each month."""
        from corridor.reliability.engine import plan_route, simulate_plan
        from corridor.routing.search import compare

        try:
            comparison = compare(net, *reference, depart=months[0], durations=durations, seed=seed)
        except NoRouteError:
            comparison = None
        n_each = max(10, round(samples * weight / len(months)))
        options = comparison.options if comparison else ()
        for k_route, route in enumerate(options):
            stage(k_route, len(options), route.corridor)
            plan = plan_route(net, route, durations=durations)
            for k, day in enumerate(months):
                run = simulate_plan(plan, depart=day, samples=n_each, seed=int(child.generate_state(1)[0]) + k)
                self.hours.setdefault(route.corridor, []).append(run.hours)
            self.costs[route.corridor] = self.costs.get(route.corridor, 0.0) + weight * route.cost_usd
            self.cost_weight[route.corridor] = self.cost_weight.get(route.corridor, 0.0) + weight

    def result(
        self,
        network: Network,
        scenario: Scenario,
        year: int,
        reference: tuple[str, str],
        samples: int,
        seed: int,
        model: ChoiceModel,
        started: float,
    ) -> ScenarioResult:
        """The run's result: the totals rounded, with its inputs and the seconds since ``started``."""
        from corridor._version import __version__
        from corridor.choice.logit import rank_elements

        hours = self.hours
        p50 = {cid: round(float(np.percentile(np.concatenate(h), 50)) / 24, 3) for cid, h in hours.items()}
        p90 = {cid: round(float(np.percentile(np.concatenate(h), 90)) / 24, 3) for cid, h in hours.items()}
        rows = [{"element": e, "utilization": u[0], "delay_hours": u[1]} for e, u in self.element_use.items()]
        bottlenecks = [
            {
                "element": r["element"],
                "utilization": round(r["utilization"], 4),
                "delay_hours": round(r["delay_hours"], 2),
            }
            for r in rank_elements(rows)[:10]
        ]
        return ScenarioResult(
            scenario=scenario.name,
            title=scenario.title,
            year=year,
            volumes_mt={cid: round(v / 1e6, 4) for cid, v in self.volumes.items()},
            p50_days=p50,
            p90_days=p90,
            cost_usd_per_feu={cid: round(self.costs[cid] / self.cost_weight[cid], 2) for cid in self.costs},
            co2e_kt=round(self.co2e / 1e6, 3),
            bottlenecks=bottlenecks,
            passages_mt={k: round(v / 1e6, 4) for k, v in self.passages.items()},
            intervals=self.intervals,
            reference=(network.place(reference[0]).name, network.place(reference[1]).name),
            samples=samples,
            seed=seed,
            seconds=time.perf_counter() - started,
            inputs=scenario.to_dict(),
            version=__version__,
            choice={**model.to_dict(), "iterations": self.iterations, "gap": [round(g, 6) for g in self.gaps]},
            link_flows_mt={lid: round(t / 1e6, 4) for lid, t in sorted(self.flows.items()) if t >= 50},
            over_capacity=sorted(self.overloaded.values(), key=lambda r: -float(r["utilization"])),
        )


def congestion_of(network: Network, chosen: ChoiceResult, *, horizon_hours: float = 8760.0) -> Congestion:
    """The loads of the capacity elements at a choice equilibrium, for the duration model's queueing waits."""
    from corridor.model.durations import Congestion, ElementLoad

    loads = {}
    for i, element in enumerate(chosen.element_ids):
        capacity = float(chosen.element_capacity[i])
        if capacity <= 0:
            continue
        volume = float(chosen.element_volume[i])
        loads[element] = ElementLoad(
            element=element,
            utilization=volume / capacity,
            delay_hours=float(chosen.element_delay[i]),
            volume=volume,
            capacity=capacity,
        )
    return Congestion(loads, horizon_hours=horizon_hours)


def _month_starts(start: date, end: date) -> Sequence[datetime]:
    """The 15th of every month from ``start`` to ``end`` (or ``start`` for a span shorter than that)."""
    out = []
    day = date(start.year, start.month, 15)
    while day <= end:
        if day >= start:
            out.append(datetime(day.year, day.month, day.day, tzinfo=UTC))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 15)
    return out or [datetime(start.year, start.month, start.day, tzinfo=UTC)]
