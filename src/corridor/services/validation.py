"""The model against the world: every published observation of observations.csv beside what the model says.

For each observation the model computes the same quantity for the same year on the network as it stood then
(changes.csv; a year after the last the dataset describes takes the dataset as it stands, one before the first takes
the first): door-to-door days (P50 of ``compare``) and segment days (the same route timed without the terminals at
its two ends, which a train passing through does not stop at), box rates (the route's cost), volumes (the corridor-
choice equilibrium of the year: tonnes by corridor, across the Caspian, through a port, a border or on a link), oil
flows (the least-cost allocation of the year's Kazakh exports) and round trips (the latency layer; the published round
trips of fiber_rtt.csv count as observations too). An observation is
in range when the model lies within its published low-high (a single figure: that figure) widened by the kind's
tolerance on either side.
In a year with demand, times and volumes come from one equilibrium: the year's corridor-choice flows and the
queueing waits they cause (as ``compare --scenario``). Per kind, as NODUS's validation report gives them: the share
in range, WAPE (sum of absolute errors over the sum of observed values) and bias (sum of errors over the same).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from corridor.dataset.vocab import WATER_MODES
from corridor.layers.data import RTT_TOLERANCE

if TYPE_CHECKING:
    from corridor.choice.logit import ChoiceResult
    from corridor.dataset.network import Network
    from corridor.dataset.observation_records import Observation
    from corridor.routing.results import Comparison, Route
    from corridor.services.trips import ScenarioTimes

__all__ = [
    "TOLERANCE",
    "Check",
    "ModelValidation",
    "published_round_trips",
    "select_checks",
    "validate_model",
    "validation_json",
    "validation_markdown",
]

#: Relative tolerance by kind: a published range (or single figure) is widened by as much on either side.
TOLERANCE: dict[str, float] = {
    "transit_days": 0.15,
    "rate_usd": 0.20,
    "volume_t": 0.15,
    "oil_t": 0.15,
    "rtt_ms": RTT_TOLERANCE,
}
#: The Caspian crossing as the published figures count it: the ferries and feeders between the seaports of
#: Kazakhstan and Azerbaijan (the TITR count; Turkmenbashi's sailings are not in it).
_CASPIAN = {"KZ"}


@dataclass(frozen=True)
class Check:
    """One observation, the model's value for it (None: not modelled, with the reason) and the verdict."""

    observation: Observation
    model: float | None
    low: float
    high: float
    reason: str = ""

    @property
    def observed(self) -> float:
        return self.observation.base_value

    @property
    def in_range(self) -> bool:
        return self.model is not None and self.low <= self.model <= self.high

    @property
    def error(self) -> float | None:
        """Relative error of the model against the published value (+: the model is higher)."""
        return None if self.model is None else float(self.model / self.observed - 1.0)

    def to_dict(self) -> dict[str, Any]:
        o = self.observation
        return {
            "id": o.id,
            "kind": o.kind,
            "used_for": o.used_for,
            "year": o.year,
            "origin": o.origin,
            "destination": o.destination,
            "corridor": o.corridor,
            "scope": o.scope,
            "unit": _base_unit(o),
            "observed": _round(self.observed),
            "low": _round(self.low),
            "high": _round(self.high),
            "model": None if self.model is None else _round(self.model),
            "error_pct": None if self.error is None else round(100 * self.error, 1),
            "in_range": self.in_range,
            "reason": self.reason or None,
            "source": list(o.source),
            "as_of": o.as_of,
        }


@dataclass(frozen=True)
class ModelValidation:
    """Every check and the statistics by kind, for validation-only observations and for all."""

    checks: tuple[Check, ...]
    year: int | None = None
    years: tuple[int, ...] = field(default=())

    def stats(self, checks: Iterable[Check]) -> dict[str, Any]:
        """Observations, modelled, in range, share in range, WAPE and bias (percent) of ``checks``."""
        rows = list(checks)
        modelled = [c for c in rows if c.model is not None]
        inside = sum(c.in_range for c in modelled)
        observed = sum(c.observed for c in modelled)
        errors = [c.model - c.observed for c in modelled if c.model is not None]
        return {
            "observations": len(rows),
            "modelled": len(modelled),
            "in_range": inside,
            "share_in_range": round(inside / len(modelled), 4) if modelled else None,
            "wape_pct": round(100 * sum(abs(e) for e in errors) / observed, 1) if observed > 0 else None,
            "bias_pct": round(100 * sum(errors) / observed, 1) if observed > 0 else None,
        }

    def by_kind(self, used_for: str | None = "validation") -> dict[str, dict[str, Any]]:
        """The statistics of each kind (TEU volumes apart from tonnes), of ``used_for`` observations (None: all)."""
        groups: dict[str, list[Check]] = {}
        for c in self.checks:
            if used_for is None or c.observation.used_for == used_for:
                groups.setdefault(_group(c.observation), []).append(c)
        return {k: self.stats(v) for k, v in sorted(groups.items())}

    @property
    def validation_share(self) -> float | None:
        """Share of the modelled validation-only observations that lie in range."""
        share = self.stats(c for c in self.checks if c.observation.used_for == "validation")["share_in_range"]
        return None if share is None else float(share)


def _group(o: Observation) -> str:
    return "volume_teu" if o.unit == "TEU" else o.kind


def _base_unit(o: Observation) -> str:
    return {"transit_days": "d", "rate_usd": o.unit, "volume_t": "TEU" if o.unit == "TEU" else "t", "oil_t": "t"}.get(
        o.kind, "ms"
    )


def _round(x: float) -> float:
    return round(x, 2) if abs(x) < 1000 else round(x)


def _bounds(o: Observation) -> tuple[float, float]:
    """The published range (the figure itself where the source gives one) widened by the kind's tolerance on
    either side: the rule the latency layer's own checks follow (``corridor.layers.data.RTT_TOLERANCE``)."""
    low, high = o.bounds
    tol = TOLERANCE[o.kind]
    return (o.base_value if low is None else low) * (1 - tol), (o.base_value if high is None else high) * (1 + tol)


# --- the model's side ------------------------------------------------------------------------------------------------


class _Model:
    """What the model says for each year, computed once per year and question and then reused."""

    def __init__(self, network: Network, *, seed: int) -> None:
        from corridor.scenarios.years import dataset_years

        self.network = network
        self.years = dataset_years(network)
        self.seed = seed
        self._networks: dict[int | None, Network] = {}
        self._comparisons: dict[tuple[str, str, int | None, str], Comparison] = {}
        #: what each comparison was timed on: its network, durations (with the year's queues) and departure
        self._timed_on: dict[tuple[str, str, int | None, str], tuple[Network, Any, str | None]] = {}
        self._times: dict[int, ScenarioTimes | str] = {}
        self._latency: dict[tuple[str, str], Any] = {}
        self._allocations: dict[int, tuple[Network, Any] | str] = {}

    def year_of(self, year: int) -> int | None:
        """The dataset year that stands for ``year``: itself, the first for earlier ones, None (as it stands) after."""
        if not self.years or year > self.years[-1]:
            return None
        return max(year, self.years[0])

    def net(self, year: int | None) -> Network:
        from corridor.scenarios.years import network_of_year

        if year not in self._networks:  # mid-year: closures as on 15 June, the day the year's trips depart
            on = None if year is None else date(year, 6, 15)
            self._networks[year] = self.network if year is None else network_of_year(self.network, year, on=on)
        return self._networks[year]

    def comparison(self, o: Observation, cargo: str) -> Comparison:
        """compare's result for the observation's trip: in a year with demand, under that year's flows (queues)."""
        from corridor.services.trips import compare_trip

        year = self.year_of(o.year)
        key = (o.origin or "", o.destination or "", year, cargo)
        if key not in self._comparisons:
            times = None if year is None else self.times(year)
            if isinstance(times, str):  # no demand that year: the year's network without queues
                depart = f"{year}-06-15"
                result, _ = compare_trip(self.net(year), key[0], key[1], depart=depart, cargo=cargo)
                self._timed_on[key] = (self.net(year), None, depart)
            elif times is None:
                result, _ = compare_trip(self.network, key[0], key[1], cargo=cargo)
                self._timed_on[key] = (self.network, None, None)
            else:
                result, _ = compare_trip(self.network, key[0], key[1], under=times, cargo=cargo, year=year)
                self._timed_on[key] = (times.network, times.durations, f"{year}-06-15")
            self._comparisons[key] = result
        return self._comparisons[key]

    def through_days(self, o: Observation, cargo: str, route: Route) -> float:
        """P50 days of ``route`` (of the observation's comparison) without the terminals at its two ends: the time
        of a train that passes through the segment's ends, timed as compare times the whole route."""
        from corridor.routing.search import time_route

        year = self.year_of(o.year)
        net, durations, depart = self._timed_on[(o.origin or "", o.destination or "", year, cargo)]
        legs = list(route.legs)
        while legs and legs[0].kind == "stop" and legs[0].mode == "terminal":
            legs.pop(0)
        while legs and legs[-1].kind == "stop" and legs[-1].mode == "terminal":
            legs.pop()
        inner = replace(route, legs=tuple(legs), timing=None)
        return time_route(net, inner, depart=depart, durations=durations).p50_days

    def times(self, year: int) -> ScenarioTimes | str:
        """The year's network, equilibrium and queueing waits (one equilibrium for its volumes and its times), or
        why there are none."""
        from corridor.scenarios.years import year_scenario
        from corridor.services.trips import scenario_times

        if year not in self._times:
            if not self.net(year).demand_of_year(year):
                self._times[year] = f"no demand for {year}"
            else:
                scenario = year_scenario(self.network, year)
                self._times[year] = scenario_times(self.network, scenario, on=date(year, 6, 15), seed=self.seed)
        return self._times[year]

    def latency(self, origin: str, destination: str) -> Any:
        """The latency layer's routes between two hubs (computed once a pair)."""
        from corridor.layers.data import latency

        key = (origin, destination)
        if key not in self._latency:
            self._latency[key] = latency(self.network, origin, destination, status="operational", alternatives=20)
        return self._latency[key]

    def allocation(self, year: int) -> tuple[Network, Any] | str:
        """The year's network and least-cost allocation of the year's Kazakh crude exports (the observation of scope
        ``exports:kz``) on it as it stood (changes.csv: production, other shippers' use), or why there is none;
        computed once a year."""
        from corridor.layers.oil import allocate_oil

        if year not in self._allocations:
            exports = [
                x for x in self.network.observations if x.kind == "oil_t" and x.scope == "exports:kz" and x.year == year
            ]
            if not exports:
                self._allocations[year] = f"no Kazakh crude exports observed for {year} (scope exports:kz)"
            else:
                dataset_year = self.year_of(year)
                net = self.network if dataset_year is None else self.net(dataset_year)
                self._allocations[year] = (net, allocate_oil(net, exports[0].base_value / 1e6, year=year))
        return self._allocations[year]

    def equilibrium(self, year: int) -> tuple[Network, ChoiceResult] | str:
        """The year's network and corridor-choice equilibrium (its flows index that network's arcs)."""
        times = self.times(year)
        return times if isinstance(times, str) else (times.network, times.chosen)


def _option(comparison: Comparison, corridor: str | None) -> Route | None:
    options = [r for r in comparison.options if corridor is None or r.corridor == corridor]
    return options[0] if options else None


def _transit(m: _Model, o: Observation) -> tuple[float | None, str]:
    route = _option(m.comparison(o, "FEU"), o.corridor)
    if route is None:
        return None, f"no {o.corridor or ''} route".replace("  ", " ")
    if o.scope == "border":  # a border crossing time: the dwell of the crossing's stops at the destination
        return _border_days(m, o), ""
    if o.scope == "running":  # a published sailing or running time: the links' own hours, no stops, waits or queues
        links = m.network.link_by_id
        return sum(links[leg.element].link_hours for leg in route.legs if leg.kind == "move") / 24.0, ""
    if o.scope == "segment":  # a train's time between two points it passes: no terminal dwell at either end
        return m.through_days(o, "FEU", route), ""
    return route.p50_days, ""


def _border_days(m: _Model, o: Observation) -> float:
    """Mean days at the border a trip crosses on arriving at the destination: the dwell of its border and gauge-change
    transfers (transfers.csv), with their queueing waits under the year's flows."""
    from corridor.model.durations import durations_of

    year = m.year_of(o.year)
    times = None if year is None else m.times(year)
    if times is None or isinstance(times, str):
        net, durations = (m.network if year is None else m.net(year)), None
    else:
        net, durations = times.network, times.durations
    model = durations if durations is not None else durations_of(net)
    ids = [t.id for t in net.transfers if t.place == o.destination and t.kind in ("border", "gauge_change")]
    hours = sum(model.dwell(i).mean for i in ids)
    hours += sum(wait.mean for _, wait in model.queues(commodity="container", transfers=ids))
    return hours / 24.0


def _rate(m: _Model, o: Observation) -> tuple[float | None, str]:
    cargo = "TEU" if o.unit == "USD/TEU" else "FEU"
    route = _option(m.comparison(o, cargo), o.corridor)
    if route is None:
        return None, f"no {o.corridor or ''} route".replace("  ", " ")
    if o.scope == "freight":  # a freight index or tariff: the carriage alone, no terminal or handling charges
        return sum(leg.cost_usd for leg in route.legs if leg.kind == "move"), ""
    return route.cost_usd, ""


def _volume(m: _Model, o: Observation) -> tuple[float | None, str]:
    year = m.year_of(o.year)
    if year is None or year != o.year:
        return None, f"the dataset describes {m.years[0]}-{m.years[-1]}" if m.years else "no years"
    found = m.equilibrium(year)
    if isinstance(found, str):
        return None, found
    net, chosen = found
    payload = net.info.payload_t_per_teu.value
    prefix, _, ident = (o.scope or "").partition(":")
    if prefix == "corridor":
        if o.unit == "TEU":
            return chosen.volume_of(ident, "container") / payload, ""
        return chosen.volumes_t.get(ident, 0.0), ""
    if prefix == "port_total":  # the freight on the port's water links and the crude of its oil terminals
        oil_mt, why = _oil_at_place(m, o.year, ident)
        if oil_mt is None:
            return None, why
        return tonnes_on(net, chosen, link_filter(net, "port", ident)) + oil_mt * 1e6, ""
    select = link_filter(net, prefix, ident)
    if o.unit == "TEU":
        return tonnes_on(net, chosen, select, ("container",)) / payload, ""
    return tonnes_on(net, chosen, select), ""


def link_filter(net: Network, prefix: str, ident: str) -> Callable[[Any], bool]:
    """The links an observation's scope ``prefix:ident`` counts: one link (``link``), the water links at a port
    (``port``), the Caspian crossing between the ports of Kazakhstan and Azerbaijan (``crossing:caspian``), or the
    links at a border place that cross into another country (``crossing``)."""
    country = {p.id: p.country for p in net.places}
    if prefix == "link":
        return lambda link: bool(link.id == ident)
    if prefix == "port":
        return lambda link: link.mode in WATER_MODES and ident in (link.from_, link.to)
    if ident == "caspian":

        def caspian(link: Any) -> bool:
            ends = {country[link.from_], country[link.to]}
            return link.mode in ("ferry", "feeder") and bool(ends & _CASPIAN) and "AZ" in ends

        return caspian
    # a border crossing: the links at the place that cross into another country
    return lambda link: ident in (link.from_, link.to) and country[link.from_] != country[link.to]


def _link_tonnes(net: Network, chosen: ChoiceResult, commodities: tuple[str, ...] | None = None) -> dict[str, float]:
    """Tonnes a year on each link of ``net`` (both directions), of every commodity or of those given."""
    import numpy as np

    from corridor.dataset.vocab import COMMODITIES
    from corridor.model.graph import graph_of

    g = graph_of(net)
    e0 = g.n_arcs
    n_copies = len(chosen.link_flow) // e0  # the equilibrium's network copies every commodity, in COMMODITIES order
    total = np.zeros(len(net.links))
    is_link = g.link >= 0
    for k, commodity in enumerate(COMMODITIES[:n_copies]):
        if commodities is None or commodity in commodities:
            part = chosen.link_flow[k * e0 : (k + 1) * e0]
            total += np.bincount(g.link[is_link], weights=part[is_link], minlength=len(net.links))
    return {link.id: float(total[i]) for i, link in enumerate(net.links) if total[i] > 0}


def tonnes_on(
    net: Network, chosen: ChoiceResult, select: Callable[[Any], bool], commodities: tuple[str, ...] | None = None
) -> float:
    """Tonnes a year on the links ``select`` picks (of ``commodities`` only, if given)."""
    tonnes = _link_tonnes(net, chosen, commodities)
    return sum(t for lid, t in tonnes.items() if select(net.link_by_id[lid]))


def _kazakh_through(allocation: Any, links: Iterable[str]) -> float:
    """Mt of the allocation's Kazakh crude on the routes that use any of ``links``."""
    wanted = set(links)
    return float(sum(r.volume_mt for r in allocation.routes if any(wanted.intersection(p.links) for p in r.paths)))


def _oil(m: _Model, o: Observation) -> tuple[float | None, str]:
    """Crude on an oil link in the year: the least-cost allocation of the year's Kazakh exports (``_Model.allocation``),
    plus, for ``oil_link:``, the other shippers' use of the link (oil_links.csv ``other_use_mt``), as published
    throughputs count it; ``oil_kz:`` is the Kazakh crude alone."""
    prefix, _, ident = (o.scope or "").partition(":")
    if prefix == "exports":
        return None, "the export volume is the allocation's input"
    found = m.allocation(o.year)
    if isinstance(found, str):
        return None, found
    net, allocation = found
    total = _kazakh_through(allocation, [ident])
    if prefix == "oil_link":
        link = next(x for x in net.oil_links if x.id == ident)
        total += link.other_use_mt or 0.0
    return total * 1e6, ""


def _oil_at_place(m: _Model, year: int, place: str) -> tuple[float | None, str]:
    """Mt of crude through the oil terminals at a freight place (oil_nodes.csv ``place``) in the year: the Kazakh
    crude the year's allocation routes through them, and the other shippers' crude the links into them carry
    (``other_use_mt``). Zero where the place has no oil terminal; None (and why) where the year has no exports."""
    nodes = {n.id for n in m.network.oil_nodes if n.place == place and n.kind == "terminal"}
    if not nodes:
        return 0.0, ""
    found = m.allocation(year)
    if isinstance(found, str):
        return None, f"{found}: the crude of the oil terminal at {place} is part of the port's total"
    net, allocation = found
    into = [link for link in net.oil_links if link.to in nodes]
    return _kazakh_through(allocation, (link.id for link in into)) + sum(x.other_use_mt or 0.0 for x in into), ""


def _rtt(m: _Model, o: Observation) -> tuple[float | None, str]:
    assert o.origin is not None and o.destination is not None
    via = (o.scope or "").partition(":")[2] or None
    result = m.latency(o.origin, o.destination)
    if via is None:
        return (float(result.routes[0].rtt_ms), "") if result.routes else (None, "no fiber route")
    # the route of that way alone if there is one, else the fastest that uses it (as the latency checks take it)
    exact = [r for r in result.routes if r.via == via]
    using = [r for r in result.routes if via in r.via.split(" + ")]
    routes = exact or using
    return (float(routes[0].rtt_ms), "") if routes else (None, f"no fiber route via {via}")


def published_round_trips(network: Network) -> tuple[Observation, ...]:
    """The round trips of fiber_rtt.csv as observations (validation only), so that one table holds each figure."""
    from corridor.dataset.observation_records import Observation

    out = []
    for rec in network.fiber_rtt:
        row = {
            "id": f"rtt-{rec.id}",
            "kind": "rtt_ms",
            "origin": rec.from_,
            "destination": rec.to,
            "scope": f"via:{rec.via}" if rec.via else None,
            "year": int(rec.as_of[:4]),
            "value": rec.rtt_ms,
            "low": rec.rtt_low_ms,
            "high": rec.rtt_high_ms,
            "unit": "ms",
            "used_for": "validation",
            "source": list(rec.source),
            "as_of": rec.as_of,
            "estimated": rec.estimated,
            "note": rec.note,
        }
        out.append(Observation.model_validate({k: v for k, v in row.items() if v is not None}))
    return tuple(out)


_KINDS: dict[str, Callable[[_Model, Observation], tuple[float | None, str]]] = {
    "transit_days": _transit,
    "rate_usd": _rate,
    "volume_t": _volume,
    "oil_t": _oil,
    "rtt_ms": _rtt,
}


def validate_model(
    network: Network,
    *,
    year: int | None = None,
    kinds: Iterable[str] | None = None,
    seed: int = 0,
    progress: Callable[[float, str], object] | None = None,
) -> ModelValidation:
    """The model beside every observation of ``network`` (of ``year`` only, and of ``kinds`` only, if given).

    Raises
    ------
    InvalidOptionError
        For a year no observation describes (naming those that do) or an unknown kind.
    """
    from corridor.dataset.observation_records import OBSERVATION_KINDS
    from corridor.errors import CorridorError, InvalidOptionError

    wanted = tuple(kinds) if kinds else OBSERVATION_KINDS
    for k in wanted:
        if k not in OBSERVATION_KINDS:
            raise InvalidOptionError(f"Unknown kind {k!r}; valid: {', '.join(OBSERVATION_KINDS)}")
    observed_years = sorted({o.year for o in (*network.observations, *published_round_trips(network))})
    if not observed_years:
        raise InvalidOptionError("The dataset has no observations (observations.csv).")
    if year is not None and year not in observed_years:
        raise InvalidOptionError(
            f"No observation for year {year!r}; years with observations: {', '.join(map(str, observed_years))}."
        )
    everything = (*network.observations, *published_round_trips(network))
    chosen = [o for o in everything if (year is None or o.year == year) and o.kind in wanted]
    model = _Model(network, seed=seed)
    checks = []
    for i, o in enumerate(sorted(chosen, key=lambda x: (x.year, x.kind))):
        if progress is not None:
            progress(i / max(len(chosen), 1), f"{o.kind} {o.year}")
        try:
            value, reason = _KINDS[o.kind](model, o)
        except CorridorError as error:  # no route, unknown hub, infeasible allocation: say so for this row
            value, reason = None, str(error).splitlines()[0]
        if value is not None and not math.isfinite(value):
            value, reason = None, "not finite"
        low, high = _bounds(o)
        checks.append(Check(o, value, low, high, reason))
    return ModelValidation(tuple(checks), year=year, years=model.years)


def select_checks(
    result: ModelValidation, *, year: int | None = None, kinds: Iterable[str] | None = None
) -> ModelValidation:
    """The checks of one year and of some kinds only, from a validation of every observation (no recomputation).

    Raises
    ------
    InvalidOptionError
        For a year no observation describes, naming those that do.
    """
    from corridor.errors import InvalidOptionError

    years = sorted({c.observation.year for c in result.checks})
    if year is not None and year not in years:
        raise InvalidOptionError(
            f"No observation for year {year!r}; years with observations: {', '.join(map(str, years))}."
        )
    wanted = set(kinds) if kinds else None
    checks = tuple(
        c
        for c in result.checks
        if (year is None or c.observation.year == year) and (wanted is None or c.observation.kind in wanted)
    )
    return ModelValidation(checks, year=year, years=result.years)


def validation_json(result: ModelValidation) -> dict[str, Any]:
    """The JSON of ``corridor validate-model --json``."""
    return {
        "year": result.year,
        "dataset_years": list(result.years),
        "validation_share_in_range": result.validation_share,
        "by_kind": result.by_kind("validation"),
        "by_kind_all": result.by_kind(None),
        "checks": [c.to_dict() for c in result.checks],
        "tolerance": dict(TOLERANCE),
    }


def validation_markdown(result: ModelValidation, *, command: str) -> str:
    """docs/validation.md: how the figures are made, the statistics by kind and every check."""
    data = validation_json(result)
    share = data["validation_share_in_range"]
    lines = [
        "# Validation against published figures",
        "",
        f"Generated by `{command}`; do not edit by hand. Every observation of",
        "`src/corridor/data/eurasia/observations.csv` and every published round trip of `fiber_rtt.csv` (each with",
        "its source and date) beside what the model computes for it on the network of its year (changes.csv), with",
        "that year's demand and, in a year with demand, the queues of its corridor-choice equilibrium. In range: the",
        "model lies within the published low-high (a single figure: that figure) widened by the kind's tolerance on",
        "either side ("
        + ", ".join(f"{k} ±{100 * v:.0f}%" for k, v in TOLERANCE.items())
        + "). WAPE: sum of absolute errors over the sum of observed values; bias: sum of errors over the same.",
        "Observations marked for calibration (volumes the choice model is fitted to, the dwell of the borders) or as",
        "input (the totals the demand rows of their year are built from, the crude exports the oil allocation takes)",
        "are shown but kept out of the validation statistics.",
        "Times: [door-to-door] is compare's P50 of the whole trip; [segment] the same route timed without the",
        "terminals at its two ends (a train passing through does not stop there); [running] the links' own hours;",
        "[border] the dwell and queues of the crossing's border and gauge-change stops. Volumes: port: the freight on",
        "the port's water links; port_total: that freight plus the crude of the oil terminals at the port (the year's",
        "oil allocation and the other shippers' crude), for published totals that count oil.",
        "",
        f"**Validation-only observations in range: {_pct(share)}** "
        f"({sum(v['in_range'] for v in data['by_kind'].values())} of "
        f"{sum(v['modelled'] for v in data['by_kind'].values())} modelled).",
        "",
        "| kind | observations | modelled | in range | share | WAPE | bias |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, s in data["by_kind"].items():
        lines.append(
            f"| {kind} | {s['observations']} | {s['modelled']} | {s['in_range']} | {_pct(s['share_in_range'])} | "
            f"{_num(s['wape_pct'], digits=1)}% | {_num(s['bias_pct'], sign=True)}% |"
        )
    lines += [
        "",
        "## The Middle Corridor and the Caspian crossing, year by year",
        "",
        "| year | what | published (Mt) | model (Mt) | error | in range | used for |",
        "|---:|---|---:|---:|---:|:---:|---|",
    ]
    for c in data["checks"]:
        if c["kind"] == "volume_t" and c["unit"] == "t" and c["scope"] in ("corridor:middle", "crossing:caspian"):
            model = "—" if c["model"] is None else f"{c['model'] / 1e6:.2f}"
            error = "—" if c["error_pct"] is None else f"{c['error_pct']:+.0f}%"
            verdict = "yes" if c["in_range"] else "no"
            lines.append(
                f"| {c['year']} | {c['scope']} ({c['id']}) | {c['observed'] / 1e6:.2f} | {model} | {error} | "
                f"{verdict} | {c['used_for']} |"
            )
    lines += ["", "## Every observation", ""]
    lines += [
        "| id | year | what | observed (range) | model | error | in range | used for |",
        "|---|---:|---|---:|---:|---:|:---:|---|",
    ]
    for c in data["checks"]:
        what = _what(c)
        observed = f"{_num(c['observed'])} ({_num(c['low'])}–{_num(c['high'])}) {c['unit']}"
        model = "—" if c["model"] is None else _num(c["model"])
        error = "—" if c["error_pct"] is None else f"{c['error_pct']:+.1f}%"
        verdict = "yes" if c["in_range"] else ("no" if c["model"] is not None else f"not modelled: {c['reason']}")
        cells = (c["id"], c["year"], what, observed, model, error, verdict, c["used_for"])
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines) + "\n"


def _what(c: dict[str, Any]) -> str:
    if c["origin"]:
        ends = f"{c['origin']} → {c['destination']}"
        return (
            f"{c['kind']} {ends}"
            + (f" ({c['corridor']})" if c["corridor"] else "")
            + (f" [{c['scope']}]" if c["scope"] else "")
        )
    return f"{c['kind']} {c['scope']}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, *, sign: bool = False, digits: int = 2) -> str:
    if x is None:
        return "—"
    if sign:
        return f"{x:+,.1f}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.{digits}f}"
