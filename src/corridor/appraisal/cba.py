"""Cost-benefit analysis of a project: cash flows by year, NPV, BCR, EIRR, payback, Monte Carlo ranges, tornado.

The method follows the European Commission's Guide to Cost-Benefit Analysis of Investment Projects (DG REGIO,
2014): incremental cash flows against the case without the project over a reference period, economic benefits to
users (time and cost savings, the rule of a half for generated traffic), producers and the climate (CO2e at a shadow
price), the residual value of the investment in the last year, discounting at a social rate, and risk analysis by
sensitivity (a tornado of switching inputs) and Monte Carlo draws of the uncertain inputs. Nothing here reads files
or runs a model: the effects of a project come in as :class:`corridor.appraisal.effects.YearEffects`.
The formulas are in docs/model.md ("Appraisal").
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.appraisal.effects import YearEffects
    from corridor.dataset.network import Network
    from corridor.dataset.project_records import Project

__all__ = [
    "EIB_CARBON_USD_PER_T",
    "Appraisal",
    "CostProfile",
    "Parameters",
    "appraise",
    "cash_flows",
    "default_parameters",
    "eirr",
]

#: The EIB's shadow cost of carbon (Climate Bank Roadmap 2021-2025, 2016 prices): EUR 80 a tonne in 2020, 250 in
#: 2030 and 800 in 2050, interpolated linearly; in USD at 1.08 USD a EUR (ECB, 2024 average).
EIB_CARBON_USD_PER_T: dict[int, float] = {2020: 80 * 1.08, 2030: 250 * 1.08, 2050: 800 * 1.08}
#: Inventory value of a tonne of bulk cargo (USD) and the yearly cost of holding it: the value of time of bulk
#: commodities (an assumption; containers take the dataset's value of time a FEU-hour).
_BULK_VALUE_USD_PER_T = {"dry_bulk": 300.0, "liquid_bulk": 600.0}
_HOLDING_RATE = 0.10


@dataclass(frozen=True, kw_only=True)
class CostProfile:
    """What a project costs and when: capex (low, central, high; USD million) over its build years, opex a year."""

    capex_musd: tuple[float, float, float]
    opex_musd_per_year: float
    build_from: int
    build_to: int
    life_years: int

    @classmethod
    def of(cls, project: Project, *, start: int | None = None) -> CostProfile:
        """The costs of ``project``, its build moved to begin in ``start`` if given."""
        shift = 0 if start is None else start - project.build_from
        return cls(
            capex_musd=project.capex_range_musd,
            opex_musd_per_year=project.opex_musd_per_year,
            build_from=project.build_from + shift,
            build_to=project.build_to + shift,
            life_years=project.life_years,
        )

    @property
    def opening_year(self) -> int:
        return self.build_to + 1


@dataclass(frozen=True, kw_only=True)
class Parameters:
    """The appraisal's parameters; each uncertain one as (low, central, high).

    ``discount_rate`` is the social discount rate a year (DG REGIO: 5% in cohesion countries, 3% elsewhere; the
    development banks use 6% to 12%). Cash flows run from the first year of construction to ``horizon`` and are
    discounted to ``first_year`` (the first build year if None).
    """

    discount_rate: float = 0.06
    horizon: int = 2050
    first_year: int | None = None
    #: value of a tonne-hour by commodity, USD
    value_of_time_usd_per_t_hour: Mapping[str, float] = field(default_factory=dict)
    #: carbon price paths (year -> USD a tonne CO2e, linear between years): central and low
    carbon_usd_per_t: Mapping[int, float] = field(default_factory=lambda: dict(EIB_CARBON_USD_PER_T))
    carbon_low_usd_per_t: Mapping[int, float] = field(default_factory=lambda: {2020: 70.0})
    #: share of the corridor's added revenue that is the operators' surplus
    operator_margin: tuple[float, float, float] = (0.1, 0.25, 0.4)
    #: elasticity (magnitude) of a market's tonnes to its mean generalized cost: generated traffic
    demand_elasticity: tuple[float, float, float] = (0.2, 0.5, 1.0)
    #: factors on the value of time, opex and the year's demand (benefits scale with the tonnes carried)
    value_of_time_factor: tuple[float, float, float] = (0.2, 1.0, 4.0)
    opex_factor: tuple[float, float, float] = (0.75, 1.0, 1.5)
    demand_factor: tuple[float, float, float] = (0.8, 1.0, 1.2)

    def __post_init__(self) -> None:
        r = self.discount_rate
        if isinstance(r, bool) or not isinstance(r, int | float) or not math.isfinite(r) or not 0 <= r < 1:
            raise InvalidOptionError(
                f"discount rate {r!r} is not a rate from 0 to 100% (a year; e.g. 6% or 0.06; DG REGIO uses 3% or 5%)."
            )
        if not 1990 <= self.horizon <= 2200:
            raise InvalidOptionError(f"horizon {self.horizon!r} is not a year from 1990 to 2200.")
        for name in ("operator_margin", "demand_elasticity", "value_of_time_factor", "opex_factor", "demand_factor"):
            low, mid, high = getattr(self, name)
            if not (0 <= low <= mid <= high and math.isfinite(high)):
                raise InvalidOptionError(f"{name} {(low, mid, high)!r} is not low <= central <= high, all >= 0.")


def default_parameters(network: Network, **overrides: Any) -> Parameters:
    """Parameters with the values of time of ``network``'s dataset: containers at its value a FEU-hour over the
    payload of a FEU, bulk at the cost of holding its cargo (an assumption, docs/model.md)."""
    info = network.info
    vot = {"container": info.value_of_time_usd_per_feu_hour.value / info.payload_t_per_feu.value}
    vot.update({c: value * _HOLDING_RATE / 8760.0 for c, value in _BULK_VALUE_USD_PER_T.items()})
    low_carbon = {2020: info.carbon_price_usd_per_t.value}
    low_vot = info.value_of_time_usd_per_feu_hour.low
    high_vot = info.value_of_time_usd_per_feu_hour.high
    central = info.value_of_time_usd_per_feu_hour.value
    factors = (1.0, 1.0, 1.0)
    if low_vot is not None and high_vot is not None and central > 0:
        factors = (low_vot / central, 1.0, high_vot / central)
    base = Parameters(value_of_time_usd_per_t_hour=vot, carbon_low_usd_per_t=low_carbon, value_of_time_factor=factors)
    return replace(base, **overrides)


def _path(points: Mapping[int, float], year: int) -> float:
    """A price path's value in ``year``: linear between its years, flat beyond them."""
    years = sorted(points)
    if year <= years[0]:
        return points[years[0]]
    if year >= years[-1]:
        return points[years[-1]]
    k = bisect.bisect_right(years, year)
    a, b = years[k - 1], years[k]
    return points[a] + (points[b] - points[a]) * (year - a) / (b - a)


#: the uncertain inputs, each drawn from a triangular distribution (low, central, high)
INPUTS = ("capex", "opex", "value_of_time", "carbon_price", "demand", "elasticity", "operator_margin")


def _central(p: Parameters) -> dict[str, float]:
    return {
        "capex": 0.0,
        "opex": p.opex_factor[1],
        "value_of_time": p.value_of_time_factor[1],
        "carbon_price": 1.0,
        "demand": p.demand_factor[1],
        "elasticity": p.demand_elasticity[1],
        "operator_margin": p.operator_margin[1],
    }


def _ranges(costs: Sequence[CostProfile], p: Parameters) -> dict[str, tuple[float, float, float]]:
    # capex: a position from every project's low (-1) through its central (0) to its high (+1), overruns together;
    # carbon: a weight between the low path (0) and the central one (1)
    spread = any(c.capex_musd[0] != c.capex_musd[2] for c in costs)
    return {
        "capex": (-1.0, 0.0, 1.0) if spread else (0.0, 0.0, 0.0),
        "opex": p.opex_factor,
        "value_of_time": p.value_of_time_factor,
        "carbon_price": (0.0, 1.0, 1.0),
        "demand": p.demand_factor,
        "elasticity": p.demand_elasticity,
        "operator_margin": p.operator_margin,
    }


def _interpolate(effects: Sequence[YearEffects], year: int) -> dict[str, Any]:
    """The effects in ``year``: linear between the anchor years, the nearest anchor's before and after them."""
    anchors = sorted(effects, key=lambda e: e.year)
    years = [e.year for e in anchors]
    if year <= years[0] or len(anchors) == 1:
        lo = hi = anchors[0] if year <= years[0] else anchors[-1]
        w = 0.0
    elif year >= years[-1]:
        lo = hi = anchors[-1]
        w = 0.0
    else:
        k = bisect.bisect_right(years, year)
        lo, hi = anchors[k - 1], anchors[k]
        w = (year - lo.year) / (hi.year - lo.year)

    def mix(a: float, b: float) -> float:
        return a + (b - a) * w

    commodities = {}
    for c in set(lo.commodities) | set(hi.commodities):
        a, b = lo.commodities.get(c), hi.commodities.get(c)
        a = a or b
        b = b or a
        assert a is not None and b is not None
        commodities[c] = {k: mix(getattr(a, k), getattr(b, k)) for k in type(a).__slots__}
    return {
        "commodities": commodities,
        "operator_revenue_usd": mix(lo.operator_revenue_usd, hi.operator_revenue_usd),
        "co2e_saved_t": mix(lo.co2e_saved_t, hi.co2e_saved_t),
    }


_BENEFITS = ("cost_savings", "time_savings", "reliability", "induced", "operators", "co2e", "residual_value")


def _capex(cost: CostProfile, position: float) -> float:
    """Capex (USD million) at ``position`` in its range: -1 low, 0 central, +1 high, linear between."""
    low, mid, high = cost.capex_musd
    return mid + position * ((high - mid) if position > 0 else (mid - low))


def cash_flows(
    effects: Sequence[YearEffects],
    costs: Sequence[CostProfile],
    parameters: Parameters,
    draw: Mapping[str, float] | None = None,
) -> list[dict[str, float]]:
    """One row a year from the first build year to the horizon: each benefit and cost (USD), the net flow and the
    discount factor. ``draw`` gives the uncertain inputs (central values where None).

    Several projects appraised together each have their own build years, opex and residual value; the benefits
    begin when the last of them opens and end when the first of them reaches the end of its life.
    """
    if not effects:
        raise InvalidOptionError("No effects to appraise: give at least one year's effects.")
    if not costs:
        raise InvalidOptionError("No costs to appraise: give at least one project.")
    p = parameters
    d = {**_central(p), **(draw or {})}
    start = min(c.build_from for c in costs)
    first = start if p.first_year is None else p.first_year
    opening = max(c.opening_year for c in costs)
    closing = min(c.opening_year + c.life_years - 1 for c in costs)
    rows = []
    for year in range(min(first, start), p.horizon + 1):
        row = dict.fromkeys(("capex", "opex", *_BENEFITS), 0.0)
        for c in costs:
            last_life = c.opening_year + c.life_years - 1
            capex = _capex(c, d["capex"]) * 1e6
            if c.build_from <= year <= c.build_to:
                row["capex"] += capex / (c.build_to - c.build_from + 1)
            if c.opening_year <= year <= last_life:
                row["opex"] += c.opex_musd_per_year * d["opex"] * 1e6
            if year == p.horizon and last_life > p.horizon:
                # straight-line residual value of the investment at the end of the reference period
                row["residual_value"] += capex * (last_life - p.horizon) / c.life_years
        if opening <= year <= closing:
            _benefits(row, _interpolate(effects, year), p, d, year)
        row["benefits"] = sum(row[k] for k in _BENEFITS)
        row["costs"] = row["capex"] + row["opex"]
        row["net"] = row["benefits"] - row["costs"]
        row["discount_factor"] = (1.0 + p.discount_rate) ** -(year - first)
        rows.append({"year": float(year), **row})
    return rows


def _benefits(row: dict[str, float], e: Mapping[str, Any], p: Parameters, d: Mapping[str, float], year: int) -> None:
    demand = d["demand"]
    for c, ce in e["commodities"].items():
        vot = p.value_of_time_usd_per_t_hour.get(c, 0.0) * d["value_of_time"]
        money = ce["money_usd"] * demand
        time_ = vot * ce["tonne_hours"] * demand
        rel = vot * ce["reliability_tonne_hours"] * demand
        row["cost_savings"] += money
        row["time_savings"] += time_
        row["reliability"] += rel
        tonnes = ce["tonnes"] * demand
        cost0 = ce["money_usd_per_t"] + vot * ce["hours_per_t"]
        if tonnes > 0 and cost0 > 0:
            saving = (money + time_ + rel) / tonnes  # USD a tonne
            generated = tonnes * d["elasticity"] * saving / cost0
            row["induced"] += 0.5 * saving * generated  # the rule of a half
    row["operators"] = d["operator_margin"] * e["operator_revenue_usd"] * demand
    w = d["carbon_price"]
    price = _path(p.carbon_low_usd_per_t, year) * (1 - w) + _path(p.carbon_usd_per_t, year) * w
    row["co2e"] = e["co2e_saved_t"] * demand * price


def npv(rows: Sequence[Mapping[str, float]]) -> float:
    """Net present value of the cash flows (USD)."""
    return float(sum(r["net"] * r["discount_factor"] for r in rows))


def eirr(rows: Sequence[Mapping[str, float]]) -> float | None:
    """The discount rate at which the NPV is zero (economic internal rate of return), or None if there is none
    between -90% and 1000% a year (flows that never or always pay)."""
    from scipy.optimize import brentq

    years = np.array([r["year"] for r in rows])
    net = np.array([r["net"] for r in rows])
    t = years - years[0]

    def value(rate: float) -> float:
        return float(np.sum(net * (1.0 + rate) ** -t))

    low, high = -0.9, 10.0
    if value(low) * value(high) > 0:
        return None
    return float(brentq(value, low, high, xtol=1e-10))


def payback_year(rows: Sequence[Mapping[str, float]]) -> int | None:
    """The first year from which the discounted net flows add up to zero or more for good, or None."""
    total = 0.0
    found: int | None = None
    for r in rows:
        total += r["net"] * r["discount_factor"]
        if total >= 0 and found is None:
            found = int(r["year"])
        elif total < 0:
            found = None
    return found if total >= 0 else None


@dataclass(frozen=True)
class Appraisal:
    """An appraisal's cash flows, indicators, Monte Carlo ranges and tornado."""

    name: str
    parameters: Parameters
    rows: list[dict[str, float]]
    npv_usd: float
    pv_benefits_usd: float
    pv_costs_usd: float
    bcr: float | None
    eirr: float | None
    payback_year: int | None
    ranges: dict[str, dict[str, float | None]] = field(default_factory=dict)
    tornado: list[dict[str, float | str]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        p = self.parameters
        return {
            "name": self.name,
            "discount_rate": p.discount_rate,
            "horizon": p.horizon,
            "discounted_to": int(self.rows[0]["year"]) if self.rows else None,
            "npv_usd": round(self.npv_usd, 2),
            "pv_benefits_usd": round(self.pv_benefits_usd, 2),
            "pv_costs_usd": round(self.pv_costs_usd, 2),
            "bcr": None if self.bcr is None else round(self.bcr, 4),
            "eirr": None if self.eirr is None else round(self.eirr, 6),
            "payback_year": self.payback_year,
            "ranges": self.ranges,
            "tornado": self.tornado,
            "years": [
                {k: int(v) if k == "year" else round(v, 8 if k == "discount_factor" else 2) for k, v in r.items()}
                for r in self.rows
            ],
            "effects": self.effects,
        }


def _indicators(rows: Sequence[Mapping[str, float]]) -> tuple[float, float, float, float | None]:
    pv_b = float(sum(r["benefits"] * r["discount_factor"] for r in rows))
    pv_c = float(sum(r["costs"] * r["discount_factor"] for r in rows))
    return pv_b - pv_c, pv_b, pv_c, (pv_b / pv_c if pv_c > 0 else None)


def appraise(
    effects: Sequence[YearEffects],
    costs: Sequence[CostProfile],
    *,
    parameters: Parameters,
    name: str = "",
    samples: int = 1000,
    seed: int = 0,
) -> Appraisal:
    """NPV, BCR, EIRR and payback at the central inputs; P10/P50/P90 of NPV, BCR and EIRR over ``samples`` Monte
    Carlo draws of the uncertain inputs (triangular, each between its low and high); the tornado of NPV at each
    input's low and high, the others central, largest swing first."""
    if isinstance(samples, bool) or not isinstance(samples, int) or not 0 <= samples <= 100_000:
        raise InvalidOptionError(f"samples {samples!r} is not a whole number from 0 to 100000.")
    rows = cash_flows(effects, costs, parameters)
    value, pv_b, pv_c, bcr = _indicators(rows)
    ranges_in = _ranges(costs, parameters)
    central = _central(parameters)
    tornado: list[dict[str, float | str]] = []
    for name_, (low, _, high) in ranges_in.items():
        if low == high:
            continue
        at_low = npv(cash_flows(effects, costs, parameters, {**central, name_: low}))
        at_high = npv(cash_flows(effects, costs, parameters, {**central, name_: high}))
        if name_ == "capex":  # shown as the capex itself, USD million, rather than its position in the range
            low, high = sum(_capex(c, -1.0) for c in costs), sum(_capex(c, 1.0) for c in costs)
        tornado.append(
            {
                "input": "capex_musd" if name_ == "capex" else name_,
                "low": low,
                "high": high,
                "npv_at_low_usd": round(at_low, 2),
                "npv_at_high_usd": round(at_high, 2),
                "swing_usd": round(abs(at_high - at_low), 2),
            }
        )
    tornado.sort(key=lambda t: -float(t["swing_usd"]))
    ranges: dict[str, dict[str, float | None]] = {}
    if samples:
        rng = np.random.default_rng(seed)
        draws = {
            k: (rng.triangular(lo, mid, hi, samples) if hi > lo else np.full(samples, mid))
            for k, (lo, mid, hi) in ranges_in.items()
        }
        npvs, bcrs, irrs = [], [], []
        for i in range(samples):
            sample = cash_flows(effects, costs, parameters, {k: float(v[i]) for k, v in draws.items()})
            v, _, _, b = _indicators(sample)
            npvs.append(v)
            bcrs.append(b if b is not None else math.nan)
            irr = eirr(sample)
            irrs.append(irr if irr is not None else math.nan)
        ranges = {
            "npv_usd": _quantiles(npvs),
            "bcr": _quantiles(bcrs),
            "eirr": _quantiles(irrs),
            "probability_npv_negative": {"value": round(float(np.mean(np.array(npvs) < 0)), 4)},
        }
        ranges["samples"] = {"value": float(samples)}
    return Appraisal(
        name=name,
        parameters=parameters,
        rows=rows,
        npv_usd=value,
        pv_benefits_usd=pv_b,
        pv_costs_usd=pv_c,
        bcr=bcr,
        eirr=eirr(rows),
        payback_year=payback_year(rows),
        ranges=ranges,
        tornado=tornado,
        effects=[e.to_dict() for e in effects],
    )


def _quantiles(values: Sequence[float]) -> dict[str, float | None]:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return {"p10": None, "p50": None, "p90": None}
    p10, p50, p90 = np.percentile(arr, [10, 50, 90])
    return {"p10": round(float(p10), 4), "p50": round(float(p50), 4), "p90": round(float(p90), 4)}
