"""Trade-driven demand: the PPML fit against known answers, the generated tonnes against the base table and GDP."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from corridor.dataset.network import Network
from corridor.dataset.trade_records import GdpGrowth
from corridor.errors import InvalidOptionError
from corridor.model.trade import (
    CASES,
    demand_of_year,
    fit_gravity,
    flow_value,
    ppml,
    reference_year,
    region_of_place,
    region_pair_totals,
    trade_years,
)


@pytest.fixture(scope="module")
def network() -> Network:
    from corridor.dataset.csvfolder import load_network

    return load_network()


# --- PPML against answers known in advance -------------------------------------------------------------------------


def test_ppml_of_a_constant_is_the_mean() -> None:
    # closed form: the Poisson score equation with a constant alone is sum(y - exp(b0)) = 0
    y = np.array([1.0, 4.0, 2.5, 0.0, 7.5])
    params, _, _ = ppml(y, np.ones((5, 1)))
    assert math.exp(params[0]) == pytest.approx(y.mean(), rel=1e-9)


def test_ppml_of_group_dummies_is_the_group_means() -> None:
    y = np.array([1.0, 3.0, 10.0, 30.0, 20.0])
    x = np.column_stack([np.ones(5), [0, 0, 1, 1, 1]])
    params, _, _ = ppml(y, x)
    assert math.exp(params[0]) == pytest.approx(2.0, rel=1e-9)
    assert math.exp(params[0] + params[1]) == pytest.approx(20.0, rel=1e-9)


def test_ppml_recovers_the_coefficients_that_generated_the_data() -> None:
    rng = np.random.default_rng(7)
    regions, years = 8, 10
    ln_gdp = rng.normal(5.0, 1.0, (regions, 1)) + np.linspace(0, 0.4, years)  # regions grow over the years
    exporter_effect = rng.normal(0, 0.3, regions)
    rows, ys = [], []
    truth = np.array([1.0, 0.8, -1.2])  # constant, GDP elasticity, distance elasticity
    for i in range(regions):
        for j in range(regions):
            if i == j:
                continue
            ln_dist = math.log(500.0 + 300.0 * abs(i - j) + 50.0 * i)
            for t in range(years):
                x = [1.0, ln_gdp[i, t] + ln_gdp[j, t] - 10.0, ln_dist - 7.0]
                mean = math.exp(float(np.dot(truth, x)) + exporter_effect[i])
                dummies = [1.0 if i == k else 0.0 for k in range(1, regions)]
                rows.append(x + dummies)
                ys.append(mean * rng.lognormal(-0.02, 0.2))  # multiplicative noise of mean about 1
    params, cov, _ = ppml(np.array(ys), np.array(rows))
    assert params[1] == pytest.approx(0.8, abs=0.05)
    assert params[2] == pytest.approx(-1.2, abs=0.05)
    assert np.sqrt(cov[1, 1]) < 0.05


def test_fit_of_the_embedded_trade(network: Network) -> None:
    fit = fit_gravity(network)
    assert fit is fit_gravity(network)  # once per Network
    assert fit.observations == len(network.trade) and fit.flows == 13
    assert 0.3 < fit.coefficient("ln_gdp_product") < 1.0  # trade grows slower than the product of the GDPs
    assert fit.std_error("ln_gdp_product") < 0.1
    assert fit.coefficient("ln_distance_km") < 0  # distance deters trade
    assert fit.pseudo_r2 > 0.95
    assert set(fit.to_dict()) >= {"coefficients", "observations", "pseudo_r2"}


# --- generated demand ----------------------------------------------------------------------------------------------


def _by_pair(network: Network, records: tuple) -> dict:  # type: ignore[type-arg]
    return {k: v[0] for k, v in region_pair_totals(network, records).items()}


def test_2024_demand_is_the_base_table(network: Network) -> None:
    generated = demand_of_year(network, 2024)
    base = network.demand_of_year(2024)
    assert [r.id for r in generated] == [r.id for r in base]
    for key, tonnes in _by_pair(network, base).items():
        assert _by_pair(network, generated)[key] == pytest.approx(tonnes, rel=1e-3), key
    for g, b in zip(generated, base, strict=True):
        assert g.tonnes_per_year == pytest.approx(b.tonnes_per_year, rel=1e-3)
        assert (g.origin, g.destination, g.commodity, g.avoid) == (b.origin, b.destination, b.commodity, b.avoid)


def test_published_years_follow_the_published_trade(network: Network) -> None:
    # China to the EU in containers: a year the table lacks (2020) is the nearest table year's rows (2021) moved with
    # the published value (the weight per USD is constant)
    value = {t.year: t.value_musd for t in network.trade if (t.exporter, t.importer) == ("cn", "eu")}
    key = ("cn", "eu", "container")
    t2020 = _by_pair(network, demand_of_year(network, 2020))[key]
    t2021 = _by_pair(network, network.demand_of_year(2021))[key]
    assert reference_year(network, 2020) == 2021
    assert t2020 / t2021 == pytest.approx(value[2020] / value[2021], rel=1e-6)


def test_a_year_of_the_table_is_the_tables_rows(network: Network) -> None:
    # each year the demand table has is sourced for that year: generating it gives those rows back
    for year in network.demand_years:
        assert reference_year(network, year) == year
        generated = demand_of_year(network, year)
        table = network.demand_of_year(year)
        assert [g.tonnes_per_year for g in generated] == pytest.approx([t.tonnes_per_year for t in table], rel=1e-9)
    # later years carry the last table year, earlier ones the first
    assert reference_year(network, 2030) == max(network.demand_years)
    assert reference_year(network, 2015) == min(network.demand_years)


def test_years_without_published_trade_follow_the_fitted_gdp_elasticity(network: Network) -> None:
    fit = fit_gravity(network)
    beta = fit.coefficient("ln_gdp_product")
    gdp = {(g.region, g.year): g.gdp_busd for g in network.gdp}
    # Kazakh exports to the EU: published from 2021, so 2019 is the 2021 value scaled back by the GDPs
    flow = flow_value(network, "kz", "eu", 2019)
    published = next(t.value_musd for t in network.trade if (t.exporter, t.importer, t.year) == ("kz", "eu", 2021))
    ratio = (gdp[("kz", 2019)] * gdp[("eu", 2019)]) / (gdp[("kz", 2021)] * gdp[("eu", 2021)])
    assert flow.reference_year == 2021
    assert flow.value == pytest.approx(published * ratio**beta, rel=1e-9)
    assert flow.low < flow.value < flow.high


def test_demand_grows_with_gdp(network: Network) -> None:
    first, last = trade_years(network)
    assert (first, last) == (2015, 2035)
    for case in CASES:
        totals = [sum(r.tonnes_per_year for r in demand_of_year(network, y, case=case)) for y in range(2024, 2036)]
        assert all(b > a for a, b in itertools.pairwise(totals)), case
    # faster growth, more demand
    faster = dataclasses.replace(
        network,
        gdp_growth=tuple(
            GdpGrowth.model_validate({**g.model_dump(), "growth_pct": g.growth_pct + 1.0, "growth_high_pct": 99 / 2})
            for g in network.gdp_growth
        ),
    )
    assert sum(r.tonnes_per_year for r in demand_of_year(faster, 2030)) > sum(
        r.tonnes_per_year for r in demand_of_year(network, 2030)
    )


@pytest.mark.parametrize("year", [2021, 2023, 2025, 2030, 2035])
def test_low_central_high_are_ordered(network: Network, year: int) -> None:
    cases = {case: demand_of_year(network, year, case=case) for case in CASES}
    for low, central, high in zip(cases["low"], cases["central"], cases["high"], strict=True):
        assert low.tonnes_per_year <= central.tonnes_per_year <= high.tonnes_per_year
        for rec in (low, central, high):
            assert rec.tonnes_low is not None and rec.tonnes_high is not None
            assert rec.tonnes_low <= rec.tonnes_per_year <= rec.tonnes_high
            assert rec.year == year and rec.id.startswith(f"{year}-")


def test_every_base_row_has_a_trade_driver(network: Network) -> None:
    region = region_of_place(network)
    shares = {(s.origin, s.destination, s.commodity) for s in network.trade_shares}
    for row in network.demand_of_year(2024):
        assert (region[row.origin], region[row.destination], row.commodity) in shares, row.id
    assert all("Generated from trade" in (r.note or "") for r in demand_of_year(network, 2030))


@pytest.mark.parametrize(
    ("year", "case", "match"),
    [
        (2040, "central", r"No trade-driven demand for 2040: the years 2015-2035 exist"),
        (2014, "central", r"the years 2015-2035 exist"),
        (2030, "medium", r"Unknown case 'medium'; valid: low, central, high"),
    ],
)
def test_bad_input(network: Network, year: int, case: str, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        demand_of_year(network, year, case=case)


def test_a_dataset_without_trade_tables_says_so(network: Network) -> None:
    bare = dataclasses.replace(network, trade=(), gdp=(), trade_shares=())
    with pytest.raises(InvalidOptionError, match="no trade tables"):
        demand_of_year(bare, 2030)


def test_some_demand_rows_are_needed(network: Network) -> None:
    no_rows = dataclasses.replace(network, demand=())
    with pytest.raises(InvalidOptionError, match=r"needs demand rows of some year; the demand table has none"):
        demand_of_year(no_rows, 2030)


def test_markets_of_generated_demand(network: Network) -> None:
    from corridor.choice.logit import build_markets

    rows = tuple(r for r in demand_of_year(network, 2030) if r.origin in ("tashkent", "almaty"))
    generated = dataclasses.replace(network, demand=rows)
    markets = build_markets(generated, 2030, samples=50)
    assert len(markets) == len(rows)
    assert sum(m.tonnes for m in markets) == pytest.approx(sum(r.tonnes_per_year for r in rows))
    # generating from a network whose demand was replaced by the base year's own rows gives the same demand
    again = dataclasses.replace(network, demand=demand_of_year(network, 2024))
    assert [r.tonnes_per_year for r in demand_of_year(again, 2030)] == pytest.approx(
        [r.tonnes_per_year for r in demand_of_year(network, 2030)], rel=1e-3
    )
