"""One model of durations: distributions against closed forms, toys solved by hand, every engine in agreement."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corridor
from corridor.assignment.kernels import element_delay
from corridor.dataset.flownet import VDF_QUEUE
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.model.durations import Congestion, Duration, ElementLoad, durations_of, queue_duration
from corridor.reliability.engine import Plan, Stage, plan_route, simulate_plan
from corridor.reliability.fleet import crossing_from_network
from fixtures.toy import with_flow_tables, with_reliability_tables

DEPART = "2026-07-01"

# --- one distribution ------------------------------------------------------------------------------------------

SHAPES = [
    Duration("triangular", 2.0, 5.0, 20.0),
    Duration("lognormal", 12.0, 30.5, 80.0),
    Duration("uniform", 1.0, 2.0, 9.0),
    Duration("empirical", 0.0, 0.0, 0.0, (3.0, 1.0, 7.0, 7.0, 20.0)),
    Duration("exponential", 0.0, 6.0, 0.0),
    Duration("constant", 4.0, 4.0, 4.0),
    queue_duration(0.8, 20.0),
    queue_duration(1.5, 30.0, horizon_hours=1000.0),
]


@pytest.mark.parametrize("duration", SHAPES, ids=lambda d: d.distribution)
def test_sample_mean_and_quantiles_agree(duration: Duration) -> None:
    draws = duration.sample(np.random.default_rng(7), 400_000)
    assert draws.mean() == pytest.approx(duration.mean, rel=0.01, abs=0.01)
    for q in (0.1, 0.5, 0.9):
        empirical = float(np.quantile(draws, q))
        assert empirical == pytest.approx(duration.quantile(q), rel=0.02, abs=0.05)


@pytest.mark.parametrize(
    "duration", [d for d in SHAPES if d.distribution != "exponential"], ids=lambda d: d.distribution
)
def test_the_compiled_engine_draws_the_same_distribution(duration: Duration) -> None:
    """A one-stage plan simulated by the numba kernel has the quantiles the distribution object states."""
    plan = Plan((Stage("queue" if duration.distribution == "queue" else "dwell", "x", "here", duration),))
    result = simulate_plan(plan, depart=DEPART, samples=200_000, seed=3)
    assert result.mean_days * 24 == pytest.approx(duration.mean, rel=0.01, abs=0.01)
    for q in (0.1, 0.5, 0.9):
        assert result.percentile_days(100 * q) * 24 == pytest.approx(duration.quantile(q), rel=0.02, abs=0.05)


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(0, 100),
    width1=st.floats(0.01, 100),
    width2=st.floats(0.01, 500),
    q=st.floats(0, 0.999),
)
def test_quantiles_are_monotone_and_within_bounds(low: float, width1: float, width2: float, q: float) -> None:
    for kind in ("triangular", "lognormal", "uniform"):
        d = Duration(kind, low, low + width1, low + width1 + width2)  # type: ignore[arg-type]
        x = d.quantile(q)
        assert x >= low - 1e-9
        if kind != "lognormal":
            assert x <= d.high + 1e-9
        assert d.quantile(min(q + 0.0005, 0.9999)) >= x - 1e-9


def test_a_quantile_outside_zero_one_is_refused() -> None:
    with pytest.raises(InvalidOptionError, match="0 <= q < 1"):
        SHAPES[0].quantile(1.0)


# --- queueing waits --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.3, 0.7, 0.9, 0.97])
def test_queue_wait_is_the_mm1_waiting_time(rho: float) -> None:
    """With the queue delay function (alpha 1) the wait is M/M/1's: P(W > t) = rho exp(-(1 - rho) t / t0)."""
    t0 = 6.0
    one = np.ones(1)
    delay = float(
        element_delay(
            np.array([VDF_QUEUE], np.int8), one * t0, one * 100.0, one * 1.0, one * 0.99, np.array([100.0 * rho]), False
        )[0]
    )
    assert delay == pytest.approx(t0 * rho / (1 - rho))  # the M/M/1 mean wait in queue
    wait = queue_duration(rho, delay)
    assert wait.mean == pytest.approx(delay)
    for t in (0.0, t0, 5 * t0):
        survival = rho * math.exp(-(1 - rho) * t / t0)
        # the quantile at 1 - survival is t
        assert wait.quantile(1 - survival + 1e-12) == pytest.approx(t, abs=1e-6)
    assert wait.quantile(0.5 * (1 - rho)) == 0.0  # those who find the server free do not wait


def test_over_capacity_the_queue_grows_over_the_year() -> None:
    wait = queue_duration(2.0, 50.0, horizon_hours=8760.0)
    # a shipment arriving at time t waits (rho - 1) t more: uniform over the year
    assert wait.mean == pytest.approx(50.0 + 0.5 * 8760.0)
    assert wait.quantile(0.9) == pytest.approx(50.0 + 0.9 * 8760.0)
    load = ElementLoad("port", 2.0, 50.0, volume=2e6, capacity=1e6)
    assert load.waiting_at_year_end == pytest.approx(1e6)
    assert Congestion({"port": load}).over_capacity() == [load]


@pytest.mark.parametrize(
    ("utilization", "delay", "message"),
    [(math.nan, 1.0, "finite"), (0.5, -1.0, "delay >= 0"), (math.inf, 1.0, "finite")],
)
def test_bad_queue_inputs_are_named(utilization: float, delay: float, message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        queue_duration(utilization, delay)


# --- the toy network solved by hand ----------------------------------------------------------------------------


def _reliability_and_flows(tables: dict[str, Any], info: dict[str, Any]) -> None:
    with_reliability_tables(tables, info)
    with_flow_tables(tables, info)


@pytest.fixture
def toy_rel(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(_reliability_and_flows))


RAIL = (0.9 + 1.0 + 1.5) / 3  # mean running-time factor of the toy's rail rows (the RU row needs both ends in RU)


def test_toy_expected_hours_by_hand(toy_rel: Network) -> None:
    """Corridor y: A-B rail 2 h, gauge change 1/2/3 h, B-E rail 20 h; expected = 22 x mean factor + 2.

    Corridor x in July: A-B 2 h and B-C 4 h and D-E 10 h of rail, the gauge change (mean 2), the ports C and D
    (mean 5 each), a daily ferry (wait 12 h), 10 h at sea: 16 x mean factor + 2 + 10 + 12 + 10. In November the
    storms (closed half the time, 12/24/72 h, mean 36) add 18 h.
    """
    y = corridor.route(toy_rel, "a", "e", corridor="y", depart=DEPART)
    assert y.hours == pytest.approx(22 * RAIL + 2)
    x = corridor.route(toy_rel, "a", "e", corridor="x", depart=DEPART)
    assert x.hours == pytest.approx(16 * RAIL + 2 + 10 + 12 + 10)
    november = corridor.route(toy_rel, "a", "e", corridor="x", depart="2026-11-05")
    assert november.hours == pytest.approx(x.hours + 0.5 * 36)
    # the most likely values: the dataset's typical columns and half a headway
    assert x.typical_days * 24 == pytest.approx(16 + 2 + 10 + 12 + 10)


def test_toy_route_is_timed_by_the_engine(toy_rel: Network) -> None:
    y = corridor.route(toy_rel, "a", "e", corridor="y", depart=DEPART, timing_samples=50_000)
    assert y.timing is not None
    assert y.mean_days * 24 == pytest.approx(22 * RAIL + 2, rel=0.01)
    assert y.timing.p10_days < y.days < y.timing.p90_days
    assert y.to_dict()["p50_days"] == round(y.days, 2)
    assert y.to_dict()["days"] == y.to_dict()["p50_days"]


def test_queues_enter_the_route_where_elements_are_loaded(toy_rel: Network) -> None:
    """A loaded port at C and ferry C-D each add their queueing wait; the mean moves by the formula."""
    base = corridor.route(toy_rel, "a", "e", corridor="x", depart=DEPART)
    loads = {"c-port": ElementLoad("c-port", 0.8, 20.0), "ferry": ElementLoad("ferry", 0.5, 3.0)}
    model = durations_of(toy_rel).with_congestion(Congestion(loads))
    loaded = corridor.route(toy_rel, "a", "e", corridor="x", depart=DEPART, durations=model, timing_samples=60_000)
    assert loaded.hours == pytest.approx(base.hours + 20.0 + 3.0)
    kinds = [s.kind for s in plan_route(toy_rel, loaded, durations=model).stages]
    assert kinds.count("queue") == 2
    plain = corridor.route(toy_rel, "a", "e", corridor="x", depart=DEPART, timing_samples=60_000)
    assert loaded.mean_days - plain.mean_days == pytest.approx(23.0 / 24, rel=0.05)
    # the reverse direction of the ferry is another element
    assert not model.queues(commodity="container", link="cd", reverse=True)


# --- every engine reads the same durations ---------------------------------------------------------------------


@pytest.mark.parametrize("depart", ["2026-03-10", "2026-11-20"])
def test_compare_and_simulate_agree_on_every_corridor(eurasia: Network, depart: str) -> None:
    comparison = corridor.compare(eurasia, "Xian", "Duisburg", depart=depart)
    assert len(comparison.options) >= 4
    for option in comparison.options:
        sim = corridor.simulate(eurasia, "Xian", "Duisburg", corridor=option.corridor, depart=depart, samples=60_000)
        assert option.days == pytest.approx(sim.p50_days, rel=0.03), option.corridor
        assert option.p90_days == pytest.approx(sim.p90_days, rel=0.03), option.corridor
        assert option.mean_days == pytest.approx(sim.mean_days, rel=0.03), option.corridor


def test_expected_hours_are_the_mean_of_the_simulation_without_holds(eurasia: Network) -> None:
    """Routing's expected hours and the engine's mean agree where no closure holds a sailing (summer)."""
    r = corridor.route(eurasia, "Almaty", "Poti", depart=DEPART, timing_samples=100_000)
    assert r.mean_days * 24 == pytest.approx(r.hours, rel=0.02)


def test_p90_routing_is_never_worse_at_the_90th_percentile(eurasia: Network) -> None:
    for corridor_id in ("middle", "northern"):
        best = corridor.route(eurasia, "Xian", "Duisburg", corridor=corridor_id, depart=DEPART)
        reliable = corridor.route(eurasia, "Xian", "Duisburg", corridor=corridor_id, depart=DEPART, optimize="p90")
        assert reliable.p90_days <= best.p90_days + 0.05


def test_the_fleet_model_reads_each_months_own_closures(eurasia: Network) -> None:
    crossing = crossing_from_network(eurasia, services=["kuryk-alat-ferries"])
    lane = crossing.lanes[0]
    by_month = durations_of(eurasia).closure_by_month("kuryk-alat-ferry")
    december, july = lane.closure_of_month(12), lane.closure_of_month(7)
    assert december == by_month[11][1] and july == by_month[6][1]
    assert december.mean > july.mean  # the storm season's closures last longer than summer's
    assert lane.closed_probability[11] == by_month[11][0] > lane.closed_probability[6]


def test_choice_prices_the_spread_of_one_distribution(eurasia: Network) -> None:
    from corridor.choice.logit import build_markets

    markets = build_markets(eurasia, 2024, samples=2000)
    for market in markets[:5]:
        for a in market.alternatives:
            assert a.p90_hours >= a.hours  # P90 and mean of one simulated distribution
            timed = corridor.routing.search.time_route(eurasia, a.route, depart="2024-06-15", samples=2000)
            assert a.hours / 24 == pytest.approx(timed.mean_days, rel=0.05)


def test_demand_doubled_moves_the_middle_corridor_by_the_queueing_formula(eurasia: Network) -> None:
    """Under twice the demand the Middle Corridor's waits grow as the queues' formula says, and so does its P90."""
    from corridor.choice.logit import build_markets, equilibrium, load_choice_model
    from corridor.scenarios.run import congestion_of

    model = load_choice_model(eurasia)
    route = corridor.route(eurasia, "Xian", "Duisburg", corridor="middle", depart=DEPART)
    results: list[Any] = []
    for scale in (1.0, 2.0):
        markets = build_markets(eurasia, 2024, samples=500)
        markets = tuple(m.__class__(**{**_fields(m), "tonnes": m.tonnes * scale}) for m in markets)
        chosen = equilibrium(eurasia, markets, model, year=2024)
        congestion = congestion_of(eurasia, chosen)
        durations = durations_of(eurasia).with_congestion(congestion)
        plan = plan_route(eurasia, route, durations=durations)
        expected_queue = sum(s.duration.mean for s in plan.stages if s.kind == "queue")
        sim = simulate_plan(plan, depart=DEPART, samples=60_000, seed=1)
        results.append((expected_queue, sim))
    (q1, s1), (q2, s2) = results
    assert q2 > q1
    plain = simulate_plan(plan_route(eurasia, route), depart=DEPART, samples=60_000, seed=1)
    for q, s in results:
        # means add: the route's mean grows by the sum of the queues' means (M/M/1 or over-capacity formula)
        assert (s.mean_days - plain.mean_days) * 24 == pytest.approx(q, rel=0.05, abs=2.0)
    assert s2.p90_days > s1.p90_days > plain.p90_days


def _fields(market: Any) -> dict[str, Any]:
    return {name: getattr(market, name) for name in market.__dataclass_fields__}
