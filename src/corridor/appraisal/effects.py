"""What a project changes for shippers, operators and the climate in a year: the equilibrium with and without it.

For one year and one level of demand, the corridor-choice equilibrium (``corridor.choice.logit``) is solved on the
network without the project and on the network with it. Every market (a demand row) has one alternative per open
corridor; each alternative's generalized cost splits into its money cost (tariffs and fees, USD a tonne), its hours
(simulated mean plus the congestion delay at equilibrium), its unreliability (P90 minus mean hours) and its CO2e.
The benefit to existing and diverted shippers is the rule of a half over the alternatives of each market,

    sum_j (x0_j - x1_j) (T0_j + T1_j) / 2      for each component x (money, hours, unreliability hours),

kept by commodity so that hours can be valued at each commodity's value of time (``corridor.appraisal.cba``), where
``T_j`` are the tonnes choosing alternative ``j`` without (0) and with (1) the project. The formulas are in
docs/model.md ("Appraisal").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.choice.logit import ChoiceModel, ChoiceResult
    from corridor.dataset.network import Network
    from corridor.scenarios.files import Scenario

__all__ = [
    "APPRAISAL_TOL",
    "CommodityEffects",
    "EquilibriumSummary",
    "YearEffects",
    "compare_equilibria",
    "equilibrium_of",
    "project_effects",
    "year_effects",
]


@dataclass(frozen=True, slots=True)
class CommodityEffects:
    """The rule-of-a-half sums of one commodity in one year, and what the induced demand is computed from."""

    #: tonnes a year of the commodity's markets (before induced demand)
    tonnes: float
    #: money (tariffs and fees) saved, USD a year
    money_usd: float
    #: tonne-hours saved (mean hours and congestion delay)
    tonne_hours: float
    #: tonne-hours of unreliability saved (P90 minus mean)
    reliability_tonne_hours: float
    #: mean money cost and hours of a tonne without the project (the generalized cost induced demand responds to)
    money_usd_per_t: float
    hours_per_t: float


@dataclass(frozen=True)
class YearEffects:
    """The effects of a project in one year at one level of demand (``demand_scale`` times the year's demand)."""

    year: int
    demand_scale: float
    commodities: Mapping[str, CommodityEffects]
    #: change of the revenue of the project's corridor (with minus without), USD a year
    operator_revenue_usd: float
    #: CO2e avoided (without minus with), tonnes a year, well to wheel
    co2e_saved_t: float
    volumes_without_mt: Mapping[str, float] = field(default_factory=dict)
    volumes_with_mt: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "demand_scale": self.demand_scale,
            "commodities": {
                c: {k: round(getattr(e, k), 3) for k in CommodityEffects.__slots__} for c, e in self.commodities.items()
            },
            "operator_revenue_usd": round(self.operator_revenue_usd, 2),
            "co2e_saved_t": round(self.co2e_saved_t, 3),
            "volumes_without_mt": {k: round(v, 4) for k, v in self.volumes_without_mt.items()},
            "volumes_with_mt": {k: round(v, 4) for k, v in self.volumes_with_mt.items()},
        }


@dataclass(frozen=True, slots=True)
class _Alt:
    tonnes: float
    money: float
    hours: float
    unreliability: float
    co2e_t: float


@dataclass(frozen=True)
class EquilibriumSummary:
    """What an appraisal reads of an equilibrium: by market, its commodity, tonnes and, by corridor, the tonnes
    choosing it and its cost components a tonne; the volumes by corridor (small enough to send between processes)."""

    markets: dict[str, tuple[str, float, dict[str, _Alt]]]
    volumes_t: dict[str, float]

    @classmethod
    def of(cls, chosen: ChoiceResult) -> EquilibriumSummary:
        return cls(_alternatives(chosen), dict(chosen.volumes_t))


def _alternatives(chosen: ChoiceResult) -> dict[str, tuple[str, float, dict[str, _Alt]]]:
    """Each market's commodity, tonnes and, by corridor, the tonnes choosing it and its cost components a tonne."""
    out = {}
    for market, shares, delays in zip(chosen.markets, chosen.shares, chosen.delays_hours, strict=True):
        per = market.tonnes_per_unit
        alts = {}
        for j, a in enumerate(market.alternatives):
            hours = a.hours + float(delays[j])
            alts[a.corridor] = _Alt(
                tonnes=market.tonnes * float(shares[j]),
                money=a.route.cost_usd / per,
                hours=hours,
                unreliability=max(a.p90_hours - a.hours, 0.0),
                co2e_t=a.route.co2e_kg / 1000.0 / per,
            )
        out[market.id] = (market.commodity, market.tonnes, alts)
    return out


def compare_equilibria(
    without: ChoiceResult | EquilibriumSummary,
    with_: ChoiceResult | EquilibriumSummary,
    *,
    corridor: str,
    year: int,
    demand_scale: float = 1.0,
) -> YearEffects:
    """The effects of going from the equilibrium ``without`` to ``with_`` (the same markets, by id)."""
    if not isinstance(without, EquilibriumSummary):
        without = EquilibriumSummary.of(without)
    if not isinstance(with_, EquilibriumSummary):
        with_ = EquilibriumSummary.of(with_)
    base = without.markets
    after = with_.markets
    sums: dict[str, list[float]] = {}
    revenue = 0.0
    co2e = 0.0
    for mid, (commodity, tonnes, alts0) in base.items():
        alts1 = after.get(mid, (commodity, tonnes, {}))[2]
        acc = sums.setdefault(commodity, [0.0] * 6)
        acc[0] += tonnes
        for cid in set(alts0) | set(alts1):
            a0, a1 = alts0.get(cid), alts1.get(cid)
            t0 = a0.tonnes if a0 else 0.0
            t1 = a1.tonnes if a1 else 0.0
            # an alternative open on one side only: valued at the cost it has where it is open (no saving)
            x0, x1 = a0 or a1, a1 or a0
            assert x0 is not None and x1 is not None
            half = (t0 + t1) / 2.0
            acc[1] += (x0.money - x1.money) * half
            acc[2] += (x0.hours - x1.hours) * half
            acc[3] += (x0.unreliability - x1.unreliability) * half
            co2e += t0 * x0.co2e_t - t1 * x1.co2e_t
            if cid == corridor:
                revenue += t1 * x1.money - t0 * x0.money
        for a in alts0.values():
            acc[4] += a.tonnes * a.money
            acc[5] += a.tonnes * a.hours
    commodities = {
        c: CommodityEffects(
            tonnes=s[0],
            money_usd=s[1],
            tonne_hours=s[2],
            reliability_tonne_hours=s[3],
            money_usd_per_t=s[4] / s[0] if s[0] > 0 else 0.0,
            hours_per_t=s[5] / s[0] if s[0] > 0 else 0.0,
        )
        for c, s in sorted(sums.items())
    }
    return YearEffects(
        year=year,
        demand_scale=demand_scale,
        commodities=commodities,
        operator_revenue_usd=revenue,
        co2e_saved_t=co2e,
        volumes_without_mt={k: v / 1e6 for k, v in without.volumes_t.items()},
        volumes_with_mt={k: v / 1e6 for k, v in with_.volumes_t.items()},
    )


#: the equilibrium's stopping rule for appraisal: tighter than a scenario run's (1e-3), since the benefits are the
#: difference of two equilibria and near-saturated elements amplify the averaging noise of the looser one
APPRAISAL_TOL = 1e-4


def equilibrium_of(
    network: Network,
    year: int,
    model: ChoiceModel,
    *,
    demand_scale: float = 1.0,
    market_samples: int = 300,
    seed: int = 0,
    tol: float = APPRAISAL_TOL,
) -> ChoiceResult:
    """The corridor-choice equilibrium of ``year`` on ``network`` at ``demand_scale`` times its demand."""
    from corridor.choice.logit import build_markets, equilibrium, scale_markets

    markets = build_markets(network, year, samples=market_samples, seed=seed)
    if demand_scale != 1.0:
        markets = scale_markets(markets, demand_scale)
    return equilibrium(network, markets, model, year=year, tol=tol, max_iter=5000)


def year_effects(
    network: Network,
    *,
    with_: Scenario,
    without: Scenario,
    corridor: str = "middle",
    year: int,
    demand_scales: Sequence[float] = (1.0,),
    model: ChoiceModel | None = None,
    market_samples: int = 300,
    seed: int = 0,
    tol: float = APPRAISAL_TOL,
) -> list[YearEffects]:
    """The effects in ``year`` of the scenario ``with_`` against ``without``, at each level of demand in
    ``demand_scales`` (the scenarios' own years are replaced by ``year``).

    The year's changes (changes.csv) apply first on both sides; closures as they stand on the first of July.

    Raises
    ------
    ScenarioError, InvalidOptionError
    """
    from corridor.choice.logit import load_choice_model
    from corridor.scenarios.apply import apply_scenario

    model = load_choice_model(network) if model is None else model
    on = date(year, 7, 1)
    net0 = apply_scenario(network, dataclasses.replace(without, year=year, year_applied=False), on=on)
    net1 = apply_scenario(network, dataclasses.replace(with_, year=year, year_applied=False), on=on)
    out = []
    for scale in demand_scales:
        eq0 = equilibrium_of(net0, year, model, demand_scale=scale, market_samples=market_samples, seed=seed, tol=tol)
        eq1 = equilibrium_of(net1, year, model, demand_scale=scale, market_samples=market_samples, seed=seed, tol=tol)
        out.append(compare_equilibria(eq0, eq1, corridor=corridor, year=year, demand_scale=scale))
    return out


def project_effects(
    network: Network,
    *,
    with_: Scenario,
    without: Scenario,
    corridor: str = "middle",
    years: Sequence[int],
    demand_scales: Sequence[float] = (1.0,),
    model: ChoiceModel | None = None,
    market_samples: int = 300,
    seed: int = 0,
    tol: float = APPRAISAL_TOL,
) -> list[YearEffects]:
    """:func:`year_effects` for each of ``years`` (the anchor years the appraisal interpolates between).

    Raises
    ------
    InvalidOptionError
        For a year the dataset has no demand for, naming the years it has.
    """
    from corridor.scenarios.years import check_year

    if not years:
        raise InvalidOptionError("No years to run: give at least one year with demand.")
    for year in years:
        check_year(network, year)
    out: list[YearEffects] = []
    for year in years:
        out.extend(
            year_effects(
                network,
                with_=with_,
                without=without,
                corridor=corridor,
                year=year,
                demand_scales=demand_scales,
                model=model,
                market_samples=market_samples,
                seed=seed,
                tol=tol,
            )
        )
    return out
