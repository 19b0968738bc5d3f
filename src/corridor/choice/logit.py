"""Corridor choice: multinomial and nested logit on generalized cost, calibrated to observed volumes, in equilibrium.

Each demand row is a market (origin, destination, commodity, tonnes, what its shippers avoid). Its alternatives
are the best route of every corridor still open to it. The generalized cost per tonne of corridor ``c`` is

    GC = cost + carbon price x CO2e + VOT x (mean hours + congestion delay) + VOT x (P90 hours - mean hours)

(USD per tonne; VOT per tonne-hour from the dataset's value per FEU-hour). Mean and P90 hours are both taken from
one simulated distribution of the route (``corridor.model.durations``), so the last term prices the spread of
that distribution, not a gap between two models; the congestion delay is the mean queueing wait of the loaded
capacity elements, the same wait the duration model adds to a route under a scenario's flows. The utility is
``V = ASC_c - theta x GC``; shares follow the multinomial logit, or the nested logit with nests of overland and
maritime corridors. Tonnes chosen for a corridor load its route; capacity elements delay it (the assignment's
delay functions); delays feed back into the costs, and the shares are averaged (MSA) until they settle: an
equilibrium with elastic corridor choice.
The formulas are in docs/model.md ("Corridor choice").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.errors import InvalidOptionError, SolverError
from corridor.model.graph import graph_of

if TYPE_CHECKING:
    from pathlib import Path

    from corridor.dataset.network import Network
    from corridor.routing.results import Route

__all__ = [
    "CALIBRATION_TARGETS",
    "DEFAULT_THETA",
    "ChoiceModel",
    "ChoiceResult",
    "Market",
    "build_markets",
    "calibrate",
    "equilibrium",
    "load_choice_model",
]

#: Middle Corridor volumes (Mt): 1.5 (2022), 2.7 (2023), 4.5 (2024), from the TITR statistics (docs/data.md).
CALIBRATION_TARGETS: dict[int, float] = {2022: 1.5e6, 2023: 2.7e6, 2024: 4.5e6}
#: Cost sensitivity of the logit, per USD a tonne: set so that the Northern Corridor's own-cost arc elasticity in the
#: calibration year is about -0.6, inelastic as Jourquin, Tavasszy and Duan find for intermodal container transport
#: (docs/model.md, Calibration). 0.02 made it -1.6.
DEFAULT_THETA = 0.005
DEFAULT_NESTS: dict[str, tuple[str, ...]] = {
    "overland": ("middle", "northern", "southern-iran"),
    "maritime": ("maritime-suez", "maritime-cape"),
}
_UNIT = {"container": "FEU", "dry_bulk": "t", "liquid_bulk": "liquid"}


@dataclass(frozen=True, slots=True)
class Alternative:
    """One corridor for one market: its route, arcs, money cost, hours and 90th-percentile hours."""

    corridor: str
    route: Route
    arcs: NDArray[np.int64]
    money_usd_per_t: float  # tariffs, fees and the carbon price
    hours: float
    p90_hours: float


@dataclass(frozen=True, slots=True)
class Market:
    """A demand row, its alternatives (uncongested), and what re-routing under congestion needs."""

    id: str
    origin: str
    destination: str
    commodity: str
    tonnes: float
    vot_usd_per_t_hour: float
    alternatives: tuple[Alternative, ...]
    commodity_index: int
    weights: NDArray[np.float64] = field(repr=False)  # generalized cost per cargo unit on every arc (inf: barred)
    blocked: NDArray[np.bool_] = field(repr=False)  # (corridors, E): arcs outside each alternative's corridor
    source: int = 0
    target: int = 0
    tonnes_per_unit: float = 1.0
    vot_usd_per_unit_hour: float = 0.0


@dataclass(frozen=True)
class ChoiceModel:
    """Logit parameters: ``theta`` per USD a tonne, alternative-specific constants, nests and their scale."""

    theta: float = DEFAULT_THETA
    asc: Mapping[str, float] = field(default_factory=dict)
    kind: Literal["mnl", "nested"] = "mnl"
    nests: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_NESTS))
    nest_scale: float = 0.5
    reliability: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.theta) and self.theta > 0):
            raise InvalidOptionError(f"theta must be a positive number, got {self.theta!r}.")
        if self.kind not in ("mnl", "nested"):
            raise InvalidOptionError(f"Unknown choice model {self.kind!r}; valid: mnl, nested.")
        if not 0 < self.nest_scale <= 1:
            raise InvalidOptionError(f"The nest scale must be in (0, 1], got {self.nest_scale!r}.")

    def constant(self, corridor: str, commodity: str | None = None) -> float:
        """The alternative-specific constant of ``corridor``: its own plus that of ``corridor:commodity``."""
        extra = self.asc.get(f"{corridor}:{commodity}", 0.0) if commodity else 0.0
        return self.asc.get(corridor, 0.0) + extra

    def probabilities(
        self, corridors: Sequence[str], costs: NDArray[np.float64], commodity: str | None = None
    ) -> NDArray[np.float64]:
        """Choice probabilities of ``corridors`` with generalized costs ``costs`` (USD a tonne) for ``commodity``."""
        v = np.array([self.constant(c, commodity) for c in corridors]) - self.theta * costs
        if self.kind == "mnl":
            e = np.exp(v - v.max())
            out: NDArray[np.float64] = e / e.sum()
            return out
        lam = self.nest_scale
        nest_of = {c: n for n, members in self.nests.items() for c in members}
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(corridors):
            groups.setdefault(nest_of.get(c, c), []).append(i)
        inclusive = {n: lam * _logsumexp(v[idx] / lam) for n, idx in groups.items()}
        top = max(inclusive.values())
        denom = sum(math.exp(iv - top) for iv in inclusive.values())
        out = np.zeros(len(corridors))
        for n, idx in groups.items():
            within = np.exp(v[idx] / lam - _logsumexp(v[idx] / lam))
            out[idx] = within * math.exp(inclusive[n] - top) / denom
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "theta": self.theta,
            "asc": dict(self.asc),
            "kind": self.kind,
            "nests": {k: list(v) for k, v in self.nests.items()},
            "nest_scale": self.nest_scale,
            "reliability": self.reliability,
        }


def _logsumexp(x: NDArray[np.float64]) -> float:
    top = float(x.max())
    return top + math.log(float(np.exp(x - top).sum()))


def build_markets(
    network: Network, year: int, *, samples: int = 1000, seed: int = 0, carbon_price_usd_per_t: float | None = None
) -> tuple[Market, ...]:
    """The markets of one year's demand rows, with every corridor open to each (reliability simulated once)."""
    from corridor.dataset.vocab import COMMODITIES
    from corridor.model.costs import default_value_of_time_usd_per_t_hour
    from corridor.reliability.engine import plan_route, simulate_plan
    from corridor.routing.search import _prepare, corridor_paths

    rows = network.demand_of_year(year)
    if not rows:
        raise InvalidOptionError(f"No demand for year {year}; the demand table has {network.demand_years}.")
    depart = f"{year}-06-15"  # mid-year: expected hours take June's weather, the simulation runs from here
    info = network.info
    carbon = info.carbon_price_usd_per_t.value if carbon_price_usd_per_t is None else carbon_price_usd_per_t
    payload = info.payload_t_per_feu.value
    cache: dict[tuple[str, str, str, tuple[str, ...]], tuple[tuple[Alternative, ...], Any, Any]] = {}
    rng = np.random.SeedSequence(seed)
    out = []
    for row in rows:
        key = (row.origin, row.destination, row.commodity, tuple(sorted(row.avoid)))
        if key not in cache:
            unit = _UNIT[row.commodity]
            per = payload if unit == "FEU" else 1.0
            avoid = list(row.avoid) or None
            paths = corridor_paths(network, row.origin, row.destination, cargo=unit, avoid=avoid, depart=depart)
            q = _prepare(
                network,
                row.origin,
                row.destination,
                cargo=unit,
                quantity=1.0,
                avoid=avoid,
                value_of_time_usd_per_t_hour=None,
                carbon_price_usd_per_t=carbon_price_usd_per_t,
                depart=depart,
            )
            alternatives = []
            blocked = []
            for cid, (arcs, route) in paths.items():
                child = int(rng.spawn(1)[0].generate_state(1)[0])
                sim = simulate_plan(plan_route(network, route), depart=depart, samples=samples, seed=child)
                alternatives.append(
                    Alternative(
                        corridor=cid,
                        route=route,
                        arcs=arcs,
                        money_usd_per_t=(route.cost_usd + carbon * route.co2e_kg / 1000.0) / per,
                        hours=float(sim.hours.mean()),
                        p90_hours=float(np.percentile(sim.hours, 90)),
                    )
                )
                blocked.append(q.restricted(None if cid == "other" else cid))
            cache[key] = (tuple(alternatives), q, np.asarray(blocked).reshape(len(alternatives), -1))
        alternatives_, q, blocked_ = cache[key]
        unit = _UNIT[row.commodity]
        per = payload if unit == "FEU" else 1.0
        out.append(
            Market(
                id=row.id,
                origin=row.origin,
                destination=row.destination,
                commodity=row.commodity,
                tonnes=float(row.tonnes_per_year),
                vot_usd_per_t_hour=default_value_of_time_usd_per_t_hour(info),
                alternatives=alternatives_,
                commodity_index=COMMODITIES.index(row.commodity),
                weights=q.weights("generalized"),
                blocked=blocked_,
                source=q.source,
                target=q.target,
                tonnes_per_unit=per,
                vot_usd_per_unit_hour=q.value_of_time,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class ChoiceResult:
    """Equilibrium corridor shares, volumes, delays and element use for one year's markets."""

    model: ChoiceModel
    year: int
    volumes_t: dict[str, float]
    shares: tuple[NDArray[np.float64], ...]
    delays_hours: tuple[NDArray[np.float64], ...]
    element_ids: tuple[str, ...]
    element_volume: NDArray[np.float64]
    element_capacity: NDArray[np.float64]
    element_delay: NDArray[np.float64]
    link_flow: NDArray[np.float64]  # by arc of the commodity-copied virtual network
    iterations: int
    gap: float
    markets: tuple[Market, ...] = field(repr=False)

    def volume_of(self, corridor: str, commodity: str | None = None) -> float:
        """Tonnes a year that chose ``corridor`` (of ``commodity`` only, if given)."""
        if commodity is None:
            return self.volumes_t.get(corridor, 0.0)
        tonnes = 0.0
        for market, shares in zip(self.markets, self.shares, strict=True):
            if market.commodity == commodity:
                chosen = [j for j, a in enumerate(market.alternatives) if a.corridor == corridor]
                tonnes += sum(market.tonnes * float(shares[j]) for j in chosen)
        return tonnes

    def element_rows(self) -> list[dict[str, Any]]:
        """Every capacity element with its volume, capacity, utilization and mean delay, in element order."""
        vc = np.where(self.element_capacity > 0, self.element_volume / self.element_capacity, 0.0)
        return [
            {
                "element": self.element_ids[i],
                "utilization": float(vc[i]),
                "delay_hours": float(self.element_delay[i]),
                "volume": float(self.element_volume[i]),
                "capacity": float(self.element_capacity[i]),
            }
            for i in range(len(self.element_ids))
        ]

    def bottlenecks(self, n: int = 10) -> list[dict[str, Any]]:
        """The ``n`` most loaded elements, ranked as every command ranks them (:func:`rank_elements`)."""
        return [
            {
                "element": r["element"],
                "utilization": round(r["utilization"], 4),
                "delay_hours": round(r["delay_hours"], 2),
            }
            for r in rank_elements(self.element_rows())[:n]
        ]


def rank_elements(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Capacity elements ranked by utilization, then mean delay (the one bottleneck ranking of corridor)."""
    return sorted(rows, key=lambda r: (-round(float(r["utilization"]), 4), -float(r["delay_hours"]), str(r["element"])))


def scale_markets(markets: Sequence[Market], factor: float) -> tuple[Market, ...]:
    """The same markets with every market's tonnes times ``factor``."""
    if not (math.isfinite(factor) and factor >= 0):
        raise InvalidOptionError(f"A demand scale factor must be a non-negative number, got {factor!r}")
    return tuple(replace(m, tonnes=m.tonnes * factor) for m in markets)


def year_equilibrium(
    network: Network,
    year: int,
    *,
    model: ChoiceModel | None = None,
    seed: int = 0,
    market_samples: int = 1000,
    demand_scale: float = 1.0,
    capacity_scale: float = 1.0,
) -> ChoiceResult:
    """The corridor-choice equilibrium of one year's demand: what scenario runs and ``corridor bottlenecks`` read."""
    model = load_choice_model(network) if model is None else model
    markets = build_markets(network, year, samples=market_samples, seed=seed)
    if demand_scale != 1.0:
        markets = scale_markets(markets, demand_scale)
    return equilibrium(network, markets, model, year=year, capacity_scale=capacity_scale)


def equilibrium(
    network: Network,
    markets: Sequence[Market],
    model: ChoiceModel,
    *,
    year: int,
    max_iter: int = 300,
    tol: float = 1e-3,
    congestion: bool = True,
    capacity_scale: float = 1.0,
) -> ChoiceResult:
    """Corridor shares, routes, volumes and delays in equilibrium with congestion (method of successive averages).

    Each iteration finds every market's best route within each corridor on the congested network (tariffs,
    CO2e price and hours, delays priced at the value of time), takes the logit shares of their generalized costs
    (plus the reliability premium), loads the tonnes, and averages the link flows and corridor volumes with step
    1/k. ``gap`` is the share of tonne-arcs the last loading moves away from the average; the average moves by
    gap / k, and the loop stops when that is below ``tol``.
    """
    from corridor.assignment.kernels import point_to_point_arcs
    from corridor.assignment.problem import evaluate, prepare
    from corridor.model.freight import flow_network

    fn = flow_network(network, year=year, capacity_scale=capacity_scale)
    if fn.demand is None:
        raise InvalidOptionError(f"No demand for year {year}.")
    p = prepare(fn, fn.demand)
    g = graph_of(network)
    e0 = g.n_arcs
    fft = fn.free_flow_time
    flow = np.zeros(fn.n_links)
    corridor_ids = (*network.corridor_ids, "other")
    volumes = dict.fromkeys(corridor_ids, 0.0)
    shares: list[NDArray[np.float64]] = [np.zeros(len(m.alternatives)) for m in markets]
    delays: list[NDArray[np.float64]] = [np.zeros(len(m.alternatives)) for m in markets]
    delay_arc = np.zeros(fn.n_links)
    gap = math.inf
    iterations = 0
    volume = np.zeros(len(fn.element_ids))
    for iterations in range(1, max_iter + 1):
        aux = np.zeros(fn.n_links)
        aux_volumes = dict.fromkeys(corridor_ids, 0.0)
        for i, m in enumerate(markets):
            if not m.alternatives:
                continue
            offset = _copy_offset(fn, m.commodity) * e0
            extra = m.vot_usd_per_unit_hour * delay_arc[offset : offset + e0]
            weights = m.weights + extra
            costs = np.empty(len(m.alternatives))
            routes = []
            for j, a in enumerate(m.alternatives):
                w = weights.copy()
                w[m.blocked[j]] = np.inf
                arcs = point_to_point_arcs(g.indptr, g.head, w, m.source, m.target)
                path = a.arcs if arcs is None else np.asarray(arcs, dtype=np.int64)
                routes.append(path)
                hours_delay = float(delay_arc[offset + path].sum())
                delays[i][j] = hours_delay
                premium = m.vot_usd_per_t_hour * max(a.p90_hours - a.hours, 0.0) if model.reliability else 0.0
                costs[j] = float(w[path].sum()) / m.tonnes_per_unit + premium
            target = model.probabilities([a.corridor for a in m.alternatives], costs, m.commodity)
            shares[i] = shares[i] + (target - shares[i]) / iterations
            for j, a in enumerate(m.alternatives):
                if target[j] > 0:
                    np.add.at(aux, offset + routes[j], m.tonnes * target[j])
                aux_volumes[a.corridor] += m.tonnes * target[j]
        moved = float(np.abs(aux - flow).sum())
        flow = flow + (aux - flow) / iterations
        for c in corridor_ids:
            volumes[c] += (aux_volumes[c] - volumes[c]) / iterations
        flows_fs = np.zeros((len(p.class_names), fn.n_links))
        flows_fs[0] = flow[p.perm]
        volume, times_fs, _ = evaluate(p, flows_fs)
        times_orig = np.empty_like(times_fs)
        times_orig[p.perm] = times_fs
        delay_arc = times_orig - fft
        scale = float(aux.sum())
        gap = moved / scale if scale > 0 else 0.0
        # the averaged flows move by gap / k: stop when that is below tol
        if not congestion or (iterations > 1 and gap / iterations < tol):
            break
    from corridor.assignment.kernels import element_delay

    delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, False)
    return ChoiceResult(
        model=model,
        year=year,
        volumes_t={c: float(v) for c, v in volumes.items()},
        shares=tuple(shares),
        delays_hours=tuple(delays),
        element_ids=fn.element_ids,
        element_volume=np.asarray(volume),
        element_capacity=np.asarray(fn.capacity),
        element_delay=np.asarray(delay),
        link_flow=flow,
        iterations=iterations,
        gap=0.0 if not congestion else gap,
        markets=tuple(markets),
    )


def _copy_offset(fn: Any, commodity: str) -> int:
    used: tuple[str, ...] = tuple(fn.meta["commodities"])
    return used.index(commodity)


@dataclass(frozen=True)
class Calibration:
    """A calibrated model, how well it fits each year, and its elasticities."""

    model: ChoiceModel
    fit: list[dict[str, Any]]
    elasticities: dict[str, float]
    cross_elasticities: dict[str, float]
    rmse_log: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.to_dict(),
            "fit": self.fit,
            "rmse_log": round(self.rmse_log, 5),
            "elasticities": {k: round(v, 4) for k, v in self.elasticities.items()},
            "cross_elasticities": {k: round(v, 4) for k, v in self.cross_elasticities.items()},
        }


def calibrate(
    network: Network,
    *,
    targets: Mapping[int, float] | None = None,
    corridor: str = "middle",
    theta: float = DEFAULT_THETA,
    kind: Literal["mnl", "nested"] = "mnl",
    nest_scale: float = 0.5,
    samples: int = 1000,
    seed: int = 0,
    networks: Mapping[int, Network] | None = None,
    commodity_targets: Mapping[str, float] | None = None,
    measures: Mapping[str, Callable[[ChoiceResult], float]] | None = None,
    year_measures: Mapping[int, Callable[[ChoiceResult], float]] | None = None,
    year_scopes: Mapping[int, str] | None = None,
    start: Mapping[str, float] | None = None,
    progress: Callable[[float, str], object] | None = None,
) -> Calibration:
    """Fit the constant of ``corridor`` to its observed volume of the last target year at cost sensitivity
    ``theta`` (per USD a tonne, an assumption); the earlier years test the fit out of sample.

    ``networks`` gives the network of each year (as it stood then); ``network`` serves the years it lacks.
    ``commodity_targets`` (``{"middle:container": tonnes, "northern:container": tonnes}``) adds a constant for each
    corridor and commodity, fitted together with the first to that volume in the last year (the usual update of
    logit constants, ``asc += ln(observed / modelled)``, damped, until every volume is within 0.5%), starting from
    the constants ``start`` (a model already fitted: nothing moves if it still reproduces the volumes).
    ``measures`` gives, for a key of ``commodity_targets``, how its tonnes are read off an equilibrium when not as
    the corridor's whole volume of the commodity (e.g. the containers crossing one sea, as a published count has
    them); the key's constant is still the one fitted. ``year_measures`` reads a year's target the same way when
    its published series counts less than the corridor (e.g. only the Caspian crossing between the ports of
    Kazakhstan and Azerbaijan), named in the fit table by ``year_scopes``.
    ``progress(fraction, stage)`` is called as it goes: markets, fit, years, elasticities.

    Other constants stay 0 (no published volumes to fit them to). Elasticities are arc elasticities of each
    corridor's volume for a 10% rise of its own generalized cost (cross: of ``corridor``'s volume for a 10% rise
    of each other corridor's), at equilibrium in the last target year.

    Raises
    ------
    SolverError
        If no constant reproduces the volume (the corridor's captive markets alone exceed it, or it has none).
    """
    from scipy.optimize import brentq

    if not (math.isfinite(theta) and theta > 0):
        raise InvalidOptionError(f"theta must be a positive number, got {theta!r}.")
    goal = dict(CALIBRATION_TARGETS if targets is None else targets)
    years = sorted(goal)
    last = years[-1]
    by_year = {y: (networks or {}).get(y, network) for y in years}

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(fraction, stage)

    markets = {}
    for i, y in enumerate(years):
        report(0.3 * i / len(years), f"markets of {y}")
        markets[y] = build_markets(by_year[y], y, samples=samples, seed=seed)
    report(0.3, "fitting the constants")
    nests = dict(DEFAULT_NESTS)

    def model_of(theta: float, asc: float) -> ChoiceModel:
        return ChoiceModel(theta=theta, asc={corridor: asc}, kind=kind, nests=nests, nest_scale=nest_scale)

    by_measure = dict(year_measures or {})

    def target_volume(result: ChoiceResult, year: int) -> float:
        return float(by_measure[year](result)) if year in by_measure else result.volumes_t.get(corridor, 0.0)

    def volume(theta: float, asc: float, year: int) -> float:
        result = equilibrium(by_year[year], markets[year], model_of(theta, asc), year=year, tol=1e-4)
        return target_volume(result, year)

    def fitted_asc(theta: float) -> float:
        def gap(asc: float) -> float:
            return math.log(max(volume(theta, asc, last), 1.0)) - math.log(goal[last])

        span = max(50.0, 5000.0 * theta)  # utility units, or a constant worth up to USD 5000 a tonne
        low, high = -span, span
        if gap(low) > 0 or gap(high) < 0:
            raise SolverError(
                f"No constant of {corridor!r} gives {goal[last] / 1e6:g} Mt in {last} at theta {theta:.3g}: "
                "the corridor's captive markets alone exceed it, or it has no contestable market."
            )
        return float(brentq(gap, low, high, xtol=1e-6 * theta + 1e-9))

    extra = dict(commodity_targets or {})
    if extra:
        goals = {corridor: goal[last], **extra}
        first = replace(model_of(theta, 0.0), asc=dict(start or {}))
        read = {**(measures or {}), **({corridor: by_measure[last]} if last in by_measure else {})}
        model = _fit_constants(by_year[last], markets[last], first, goals, last, read)
    else:
        model = model_of(theta, fitted_asc(theta))
    fit: list[dict[str, Any]] = []
    errors = []
    for i, y in enumerate(years):
        report(0.6 + 0.15 * i / len(years), f"equilibrium of {y}")
        v = target_volume(equilibrium(by_year[y], markets[y], model, year=y, tol=1e-4), y)
        errors.append(math.log(max(v, 1.0) / goal[y]))
        scope = {"target": (year_scopes or {})[y]} if y in (year_scopes or {}) else {}
        fit.append(
            {
                "year": y,
                **scope,
                "observed_mt": goal[y] / 1e6,
                "modelled_mt": round(v / 1e6, 4),
                "error_pct": round(100 * (v / goal[y] - 1), 2),
                "fitted": y == last,
            }
        )
    network = by_year[last]
    base = equilibrium(network, markets[last], model, year=last, tol=1e-4)
    for key, tonnes in extra.items():
        v = _target_volume(base, key, measures or {})
        fit.append(
            {
                "year": last,
                "target": key,
                "observed_mt": tonnes / 1e6,
                "modelled_mt": round(v / 1e6, 4),
                "error_pct": round(100 * (v / tonnes - 1), 2),
                "fitted": True,
            }
        )
    elasticities, cross = _elasticities(network, markets[last], model, base, corridor, last, report)
    rmse = float(np.sqrt(np.mean(np.square(errors))))
    report(1.0, "done")
    return Calibration(model, fit, elasticities, cross, rmse)


def _elasticities(
    network: Network,
    markets: Sequence[Market],
    model: ChoiceModel,
    base: ChoiceResult,
    corridor: str,
    year: int,
    report: Callable[[float, str], None],
) -> tuple[dict[str, float], dict[str, float]]:
    """Own and cross arc elasticities of each corridor's volume for a 10% rise of its generalized cost."""
    elasticities, cross = {}, {}
    step = math.log(1.10)  # arc elasticities over a 10% rise: larger than the averaging noise of the equilibrium
    for i, cid in enumerate(network.corridor_ids):
        report(0.75 + 0.25 * i / len(network.corridor_ids), f"elasticity of {cid}")
        moved = equilibrium(network, _bump(markets, cid, 1.10), model, year=year, tol=1e-4)
        if base.volumes_t.get(cid, 0.0) > 0 and moved.volumes_t.get(cid, 0.0) > 0:
            elasticities[cid] = math.log(moved.volumes_t[cid] / base.volumes_t[cid]) / step
        if cid != corridor and base.volumes_t.get(corridor, 0.0) > 0:
            cross[cid] = math.log(moved.volumes_t[corridor] / base.volumes_t[corridor]) / step
    return elasticities, cross


def _target_volume(result: ChoiceResult, key: str, measures: Mapping[str, Callable[[ChoiceResult], float]]) -> float:
    """Tonnes of a calibration target at an equilibrium: by its measure, else the corridor's (and commodity's)."""
    if key in measures:
        return float(measures[key](result))
    cid, _, commodity = key.partition(":")
    return result.volume_of(cid, commodity or None)


def _fit_constants(
    network: Network,
    markets: Sequence[Market],
    start: ChoiceModel,
    goals: Mapping[str, float],
    year: int,
    measures: Mapping[str, Callable[[ChoiceResult], float]],
) -> ChoiceModel:
    """Constants of ``start`` for each key of ``goals`` (``corridor`` or ``corridor:commodity``) that give those
    tonnes at equilibrium in ``year`` (read by ``measures`` where it has the key).

    Secant steps on each constant until every volume is within 0.5%. When the worst error stops falling, the
    volumes cannot all be met at once: a corridor's total and the volume of one of its commodities ask its
    markets for different things (the rest of its markets being captive). The more specific target is then met:
    the corridor's own constant stays as ``start`` has it (else where the total came closest) and its commodity
    constants are fitted given it; the fit table reports what the total is left with, if within
    :data:`FIT_TOLERANCE`.

    Raises
    ------
    SolverError
        If the volumes cannot be met and no such pair explains it, or the total is left further off than
        :data:`FIT_TOLERANCE`.
    """
    keys = list(goals)
    asc = dict.fromkeys(keys, 0.0)
    asc.update({k: v for k, v in start.asc.items() if k in goals})

    def log_errors(values: Mapping[str, float]) -> dict[str, float]:
        model = replace(start, asc={**start.asc, **values})
        result = equilibrium(network, markets, model, year=year, tol=1e-3)
        return {k: math.log(max(_target_volume(result, k, measures), 1.0)) - math.log(goals[k]) for k in keys}

    before: dict[str, tuple[float, float]] = {}  # each constant's last value and log error: a secant's slope
    best: tuple[float, dict[str, float], dict[str, float]] = (math.inf, dict(asc), {})
    stalled = 0
    errors: dict[str, float] = {}
    for _ in range(40):
        errors = log_errors(asc)
        worst = max(abs(e) for e in errors.values())
        if worst < 5e-3:  # 0.5%: about the averaging noise of the equilibrium
            return replace(start, asc={**start.asc, **asc})
        stalled = 0 if worst < 0.9 * best[0] else stalled + 1
        if worst < best[0]:
            best = (worst, dict(asc), errors)
        if stalled >= 4:  # the worst error no longer falls: the targets cannot all be met
            break
        for key, e in errors.items():
            # the log volume moves with its constant by the share of the corridor's markets that can still switch
            # (captive markets cannot): a secant step once that slope is measured, else 0.8 x the log error
            slope = 1.0 / 0.8
            if key in before and asc[key] != before[key][0]:
                measured = (e - before[key][1]) / (asc[key] - before[key][0])
                if measured > 0.02:
                    slope = min(measured, slope)
            before[key] = (asc[key], e)
            asc[key] -= max(-2.0, min(2.0, e / slope))
    off = best[2] or errors
    held = {k for k in keys if ":" not in k and any(j.startswith(k + ":") for j in keys)}
    if not held:
        worst_key = max(off, key=lambda k: abs(off[k]))
        raise SolverError(
            f"The constants did not reproduce the calibration volumes in {year}: {worst_key} is still off by "
            f"{100 * (math.exp(off[worst_key]) - 1):+.1f}% (a volume the corridor's captive or contestable markets "
            "cannot reach)."
        )
    # the last year's volumes cannot tell a corridor's own constant from its commodity's (only their sum moves the
    # commodity's markets; the others are captive): it stays as the model started (the stored one), else where the
    # secant steps came closest
    fixed = replace(start, asc={**start.asc, **{k: start.asc.get(k, best[1][k]) for k in held}})
    rest = {k: v for k, v in goals.items() if k not in held}
    model = _fit_constants(network, markets, fixed, rest, year, measures)
    final = log_errors({k: model.asc[k] for k in keys})
    for key in held:
        if abs(final[key]) > FIT_TOLERANCE:
            raise SolverError(
                f"The constants did not reproduce the calibration volumes in {year}: {key} is off by "
                f"{100 * (math.exp(final[key]) - 1):+.1f}% once its commodities' volumes are met (a volume the "
                "corridor's captive or contestable markets cannot reach)."
            )
    return model


#: How far from its target a corridor's total may stay when its commodities' volumes are met (log of 1.15: 15%).
FIT_TOLERANCE = math.log(1.15)


def _bump(markets: Sequence[Market], corridor: str, factor: float) -> tuple[Market, ...]:
    """Markets with ``corridor``'s generalized cost raised by ``factor``: the arcs only it may use cost more, and
    its reliability premium grows alike."""
    out = []
    for m in markets:
        index = [j for j, a in enumerate(m.alternatives) if a.corridor == corridor]
        if not index:
            out.append(m)
            continue
        j = index[0]
        own = ~m.blocked[j] & np.all(m.blocked[[k for k in range(len(m.alternatives)) if k != j]], axis=0)
        weights = np.where(own & np.isfinite(m.weights), m.weights * factor, m.weights)
        alts = tuple(
            replace(a, hours=a.hours, p90_hours=a.hours + (a.p90_hours - a.hours) * factor) if k == j else a
            for k, a in enumerate(m.alternatives)
        )
        out.append(replace(m, alternatives=alts, weights=weights))
    return tuple(out)


#: choice models read, by file, inode, modification and change times and size (read again once the file changes)
_READ: dict[tuple[str, int, int, int, int], ChoiceModel] = {}


def load_choice_model(network: Network) -> ChoiceModel:
    """The dataset's calibrated model (``choice.yaml`` beside its tables), or the defaults without one.

    A file is parsed once while it stays as it was: the same inode, modification and change times and size (a
    scenario job, a sweep or a validation reads it for every run).
    """
    if network.path is None:
        return ChoiceModel()
    from pathlib import Path
    from stat import S_ISREG

    path = Path(network.path) / "choice.yaml"
    try:
        stat = path.stat()
    except OSError:
        return ChoiceModel()
    if not S_ISREG(stat.st_mode):
        return ChoiceModel()
    # a rewrite changes the change time (ctime) even where the modification time is kept (cp -p, rsync -t), a
    # replacement the inode
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
    model = _READ.get(key)
    if model is None:
        if len(_READ) >= 32:  # bounded: files rewritten many times, or many datasets
            _READ.clear()
        model = _READ[key] = _read_choice_model(path)
    return model


def _read_choice_model(path: Path) -> ChoiceModel:
    from corridor.io.safe_yaml import YamlLimits, YamlRefused, read_yaml

    try:
        data = read_yaml(path.read_text(encoding="utf-8"), YamlLimits(aliases=True))[0] or {}
    except (YamlRefused, OSError, UnicodeDecodeError) as error:
        raise InvalidOptionError(f"{path}: cannot read the choice model: {error}") from None
    model = data.get("model", {}) if isinstance(data, dict) else None
    try:
        if not isinstance(model, dict):
            raise TypeError("no 'model' mapping")
        return ChoiceModel(
            theta=float(model["theta"]),
            asc={str(k): float(v) for k, v in (model.get("asc") or {}).items()},
            kind=model.get("kind", "mnl"),
            nests={k: tuple(v) for k, v in (model.get("nests") or DEFAULT_NESTS).items()},
            nest_scale=float(model.get("nest_scale", 0.5)),
            reliability=bool(model.get("reliability", True)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidOptionError(
            f"{path}: not a choice model ({error}); rewrite it with `corridor calibrate --write`."
        ) from None
