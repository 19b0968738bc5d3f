"""The cost-benefit engine against a case solved by hand, the rule of a half, and its refusals."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from corridor.appraisal.cba import CostProfile, Parameters, appraise, cash_flows, eirr, npv, payback_year
from corridor.appraisal.effects import CommodityEffects, YearEffects, compare_equilibria
from corridor.appraisal.options import parse_budget, parse_rate, parse_span
from corridor.errors import InvalidOptionError

FIXED = (0.0, 0.0, 0.0)


def _effects(money_usd: float, *, year: int = 2025, co2e_t: float = 0.0) -> YearEffects:
    container = CommodityEffects(
        tonnes=1e6,
        money_usd=money_usd,
        tonne_hours=0.0,
        reliability_tonne_hours=0.0,
        money_usd_per_t=100.0,
        hours_per_t=10.0,
    )
    return YearEffects(
        year=year, demand_scale=1.0, commodities={"container": container}, operator_revenue_usd=0.0, co2e_saved_t=co2e_t
    )


def _parameters(**kw: Any) -> Parameters:
    base: dict[str, Any] = {
        "discount_rate": 0.10,
        "horizon": 2029,
        "value_of_time_usd_per_t_hour": {"container": 0.0},
        "operator_margin": FIXED,
        "demand_elasticity": FIXED,
        "value_of_time_factor": (1.0, 1.0, 1.0),
        "opex_factor": (1.0, 1.0, 1.0),
        "demand_factor": (1.0, 1.0, 1.0),
    }
    return Parameters(**{**base, **kw})


COSTS = CostProfile(
    capex_musd=(100.0, 100.0, 100.0), opex_musd_per_year=0.0, build_from=2024, build_to=2024, life_years=5
)


def test_a_toy_solved_by_hand() -> None:
    """USD 100 million in 2024, USD 30 million a year saved 2025-2029, 10%: by hand,
    PV of benefits = 30 x (1 - 1.1^-5) / 0.1 = 113.7236 million, NPV 13.7236 million, BCR 1.137236;
    the EIRR solves 30 x annuity(r, 5) = 100: r = 15.2382%; discounted cumulative flows
    -100, -72.73, -47.93, -25.39, -4.90, +13.72: payback in 2029."""
    result = appraise([_effects(30e6)], [COSTS], parameters=_parameters(), samples=0)
    assert result.pv_benefits_usd == pytest.approx(113.7236e6, rel=1e-6)
    assert result.npv_usd == pytest.approx(13.7236e6, rel=1e-5)
    assert result.bcr == pytest.approx(1.137236, rel=1e-6)
    assert result.eirr == pytest.approx(0.152382, abs=1e-6)
    assert result.payback_year == 2029
    assert [int(r["year"]) for r in result.rows] == list(range(2024, 2030))


def test_residual_value_opex_and_carbon() -> None:
    """Life 10 years to a horizon 5 years after opening: half the capex is left (straight line) in the last year;
    opex each operating year; 1000 t CO2e a year at the low path's USD 70 (carbon weight 0)."""
    costs = CostProfile(
        capex_musd=(100.0, 100.0, 100.0), opex_musd_per_year=2.0, build_from=2024, build_to=2024, life_years=10
    )
    p = _parameters(carbon_low_usd_per_t={2020: 70.0})
    rows = cash_flows([_effects(0.0, co2e_t=1000.0)], [costs], p, {"carbon_price": 0.0})
    last = rows[-1]
    assert last["residual_value"] == pytest.approx(50e6)
    assert last["opex"] == pytest.approx(2e6) and last["co2e"] == pytest.approx(70_000)
    assert rows[0]["benefits"] == 0 and rows[0]["capex"] == pytest.approx(100e6)


def test_induced_demand_by_the_rule_of_a_half() -> None:
    """A saving of USD 10 a tonne on 1 Mt whose generalized cost is USD 100 a tonne, elasticity 0.5: 1 Mt x 0.5 x
    10/100 = 50,000 t generated, worth half the saving each: USD 250,000 a year."""
    p = _parameters(demand_elasticity=(0.5, 0.5, 0.5))
    rows = cash_flows([_effects(10e6)], [COSTS], p)
    assert rows[1]["induced"] == pytest.approx(250_000.0)
    assert rows[1]["cost_savings"] == pytest.approx(10e6)


def test_effects_between_anchor_years_are_interpolated() -> None:
    rows = cash_flows([_effects(10e6, year=2025), _effects(30e6, year=2029)], [COSTS], _parameters())
    by_year = {int(r["year"]): r["cost_savings"] for r in rows}
    assert by_year[2025] == pytest.approx(10e6) and by_year[2027] == pytest.approx(20e6)
    assert by_year[2029] == pytest.approx(30e6)


def test_monte_carlo_ranges_and_tornado() -> None:
    costs = CostProfile(
        capex_musd=(80.0, 100.0, 150.0), opex_musd_per_year=0.0, build_from=2024, build_to=2024, life_years=5
    )
    result = appraise([_effects(30e6)], [costs], parameters=_parameters(), samples=200, seed=1)
    npv_range = result.ranges["npv_usd"]
    assert npv_range["p10"] is not None and npv_range["p90"] is not None
    assert npv_range["p10"] < result.npv_usd < npv_range["p90"]
    (capex,) = [t for t in result.tornado if t["input"] == "capex_musd"]
    assert (capex["low"], capex["high"]) == (80.0, 150.0)
    assert capex["npv_at_low_usd"] == pytest.approx(result.npv_usd + 20e6)  # USD 20 million less capex in year 0
    assert capex["npv_at_high_usd"] == pytest.approx(result.npv_usd - 50e6)
    again = appraise([_effects(30e6)], [costs], parameters=_parameters(), samples=200, seed=1)
    assert again.ranges == result.ranges


def test_eirr_and_payback_when_nothing_pays() -> None:
    rows = cash_flows([_effects(0.0)], [COSTS], _parameters())
    assert eirr(rows) is None and payback_year(rows) is None and npv(rows) == pytest.approx(-100e6)


def _market(mid: str, money: dict[str, float], shares: list[float]) -> tuple[Any, Any, Any]:
    alts = tuple(
        SimpleNamespace(corridor=c, route=SimpleNamespace(cost_usd=m, co2e_kg=1000.0), hours=10.0, p90_hours=12.0)
        for c, m in money.items()
    )
    market = SimpleNamespace(id=mid, commodity="container", tonnes=100.0, tonnes_per_unit=1.0, alternatives=alts)
    return market, np.array(shares), np.zeros(len(alts))


def _choice(*markets: tuple[Any, Any, Any]) -> Any:
    return SimpleNamespace(
        markets=[m[0] for m in markets],
        shares=[m[1] for m in markets],
        delays_hours=[m[2] for m in markets],
        volumes_t={"x": 0.0},
    )


def test_rule_of_a_half_over_the_alternatives() -> None:
    """100 t: x at USD 10 and y at USD 20 share 50/50 without; x at USD 6 takes 70% with. Money saved:
    (10 - 6) x (50 + 70) / 2 + (20 - 20) x (50 + 30) / 2 = USD 240; x's revenue 70 x 6 - 50 x 10 = -80."""
    without = _choice(_market("m", {"x": 10.0, "y": 20.0}, [0.5, 0.5]))
    with_ = _choice(_market("m", {"x": 6.0, "y": 20.0}, [0.7, 0.3]))
    effects = compare_equilibria(without, with_, corridor="x", year=2030)
    container = effects.commodities["container"]
    assert container.money_usd == pytest.approx(240.0)
    assert container.tonnes == 100.0 and container.money_usd_per_t == pytest.approx(15.0)
    assert effects.operator_revenue_usd == pytest.approx(-80.0)
    assert effects.co2e_saved_t == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Parameters(discount_rate=-0.03), r"discount rate -0.03 is not a rate from 0"),
        (lambda: parse_rate("-3%"), r"discount rate '-3%' is not a rate from 0"),
        (lambda: parse_rate("six"), r"discount rate 'six' is not a rate; write it as 6% or 0.06"),
        (lambda: parse_budget("3 bn"), r"budget '3 bn' is not a currency and an amount; currencies: USD, EUR"),
        (lambda: parse_budget("GBP 3 bn"), r"unknown currency 'GBP'; currencies: USD, EUR"),
        (lambda: parse_budget("USD 3 zillion"), r"unknown scale 'zillion'"),
        (lambda: parse_budget("USD 0"), r"not an amount above zero"),
        (lambda: parse_span("2030:2025"), r"the first year is after the last"),
        (lambda: Parameters(horizon=1800), r"horizon 1800 is not a year"),
    ],
)
def test_bad_input_is_refused_by_name(call: Any, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        call()


def test_parsers() -> None:
    assert parse_rate("6%") == pytest.approx(0.06) and parse_rate("0.05") == 0.05 and parse_rate("3 %") == 0.03
    assert parse_budget("USD 3 bn") == 3e9 and parse_budget("usd 250 million") == 250e6
    assert parse_budget("EUR 1 bn") == pytest.approx(1.0824e9)
    assert parse_span("2025:2030") == (2025, 2030) and parse_span("2027") == (2027, 2027)
