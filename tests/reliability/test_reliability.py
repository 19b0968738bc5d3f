"""The reliability engine against closed forms: inverse CDFs, calendars, timetables, convolution, Erlang-free waits."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import corridor
from corridor.dataset.network import Network
from corridor.dataset.records import Service
from corridor.errors import InvalidOptionError
from corridor.reliability import kernels as rk
from corridor.reliability.engine import Duration, Plan, Stage, plan_route, simulate_plan
from corridor.routing.timing import simulate
from fixtures.toy import PROV, with_reliability_tables


def service(**kw: Any) -> Service:
    base = {"id": "svc", "links": "x", "departures_per_week": 2, "capacity_per_departure": 50}
    return Service.model_validate({**base, "capacity_unit": "TEU", **PROV, **kw})


def const(hours: float) -> Duration:
    return Duration.constant(hours)


# --- kernels ---------------------------------------------------------------------------------------------------


def test_norm_ppf_matches_scipy() -> None:
    u = np.concatenate([np.logspace(-12, -1, 200), np.linspace(0.01, 0.99, 999), 1 - np.logspace(-12, -1, 200)])
    mine = np.array([rk.norm_ppf(x) for x in u])
    assert np.max(np.abs(mine - stats.norm.ppf(u))) < 1e-9


def test_month_of_matches_the_calendar() -> None:
    rng = np.random.default_rng(1)
    for hours in rng.uniform(-20 * 8766, 200 * 8766, 5000):
        expected = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=float(hours))).month
        assert rk.month_of(float(hours)) == expected


def test_next_departure_weekly_and_regular_match_enumeration() -> None:
    weekly = np.array([24.0 + 10.0, 3 * 24.0 + 10.0])  # Tuesday and Thursday 10:00 UTC
    monday = rk.MONDAY_EPOCH_HOURS + 2900 * 168.0
    listed = [monday + w + 168.0 * k for k in range(-2, 4) for w in weekly]
    rng = np.random.default_rng(2)
    for now in rng.uniform(monday - 100, monday + 400, 2000):
        expected = min(t for t in listed if t >= now)
        assert rk.next_departure(float(now), rk.SVC_WEEKLY, 84.0, 0.0, weekly, 0, 2) == pytest.approx(expected)
    for now in rng.uniform(0, 1e6, 2000):
        got = rk.next_departure(float(now), rk.SVC_REGULAR, 42.0, 96.0, weekly, 0, 0)
        assert now <= got < now + 42.0 + 1e-9 and ((got - 96.0) / 42.0) == pytest.approx(round((got - 96.0) / 42.0))


@pytest.mark.parametrize(
    ("duration", "frozen"),
    [
        (Duration("triangular", 2, 5, 20), stats.triang(c=3 / 18, loc=2, scale=18)),
        (Duration("uniform", 3, 3, 9), stats.uniform(loc=3, scale=6)),
        (
            Duration("lognormal", 1, 5, 30),
            stats.lognorm(s=math.log(29 / 4) / 1.6448536269514722, loc=1, scale=4),
        ),
    ],
)
def test_dwell_draws_follow_their_distribution(duration: Duration, frozen: Any) -> None:
    result = simulate_plan(Plan((Stage("dwell", "x", "P", duration),)), depart="2026-01-05", samples=200_000, seed=3)
    assert stats.kstest(result.hours, frozen.cdf).statistic < 0.005
    assert result.hours.mean() == pytest.approx(duration.mean, rel=0.01)


def test_empirical_draws_resample_the_observations() -> None:
    observed = (1.0, 2.0, 2.0, 9.0)
    result = simulate_plan(
        Plan((Stage("dwell", "x", "P", Duration("empirical", 0, 0, 0, observed)),)), depart="2026-01-05", samples=80_000
    )
    values, counts = np.unique(result.hours, return_counts=True)
    assert values.tolist() == [1.0, 2.0, 9.0]
    assert counts / counts.sum() == pytest.approx([0.25, 0.5, 0.25], abs=0.01)


def _grid_pmf(duration: Duration, dx: float, n: int) -> np.ndarray:
    grid = np.arange(n + 1) * dx
    if duration.distribution == "empirical":
        pmf = np.zeros(n)
        for value in duration.samples:
            pmf[round(value / dx)] += 1 / len(duration.samples)
        return pmf
    if duration.distribution == "triangular":
        lo, mode, hi = duration.low, duration.typical, duration.high
        cdf = stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo).cdf(grid)
    elif duration.distribution == "uniform":
        cdf = stats.uniform(loc=duration.low, scale=duration.high - duration.low).cdf(grid)
    else:
        mu, sigma = duration.lognormal_parameters
        cdf = stats.lognorm(s=sigma, loc=duration.low, scale=math.exp(mu)).cdf(grid)
    return np.diff(cdf)


def test_sum_of_independent_legs_matches_their_convolution() -> None:
    legs = [
        Duration("triangular", 2, 5, 20),
        Duration("lognormal", 1, 4, 15),
        Duration("uniform", 0, 0, 10),
        Duration("empirical", 0, 0, 0, (1.0, 2.0, 2.0, 9.0)),
    ]
    plan = Plan(tuple(Stage("dwell", f"leg{i}", "P", d) for i, d in enumerate(legs)))
    result = simulate_plan(plan, depart="2026-01-05", samples=1_000_000, seed=4)
    dx, n = 0.01, 40_000
    total = np.array([1.0])
    for leg in legs:
        total = np.convolve(total, _grid_pmf(leg, dx, n))[: n + 1]
    grid = np.arange(len(total)) * dx
    # the pmf of a continuous leg sits on the right end of its bin: shift the exact CDF by the bins it spans
    exact = np.cumsum(total)
    points = np.arange(5.0, 80.0, 0.5)
    observed = np.searchsorted(np.sort(result.hours), points, side="right") / len(result.hours)
    expected = np.interp(points, grid + 3 * dx, exact)
    assert np.max(np.abs(observed - expected)) < 0.004
    assert result.hours.mean() == pytest.approx(sum(leg.mean for leg in legs), rel=0.002)


def test_variance_shares_of_independent_legs_are_their_variances() -> None:
    legs = [Duration("uniform", 0, 0, 10), Duration("uniform", 0, 0, 20), Duration.constant(7.0)]
    plan = Plan(tuple(Stage("dwell", f"leg{i}", "P", d) for i, d in enumerate(legs)))
    result = simulate_plan(plan, depart="2026-01-05", samples=400_000, seed=5)
    shares = {row["element"]: row["share"] for row in result.tail_drivers()}
    assert sum(result.variance_shares) == pytest.approx(1.0, abs=1e-9)
    assert shares["leg0"] == pytest.approx(100 / 500, abs=0.01)
    assert shares["leg1"] == pytest.approx(400 / 500, abs=0.01)
    assert shares["leg2"] == pytest.approx(0.0, abs=1e-9)


# --- schedules and weather ---------------------------------------------------------------------------------------


def test_weekly_timetable_waits_until_the_next_sailing() -> None:
    svc = service(departures_per_week=2, weekdays="Tue;Thu", departure_hour=10)
    plan = Plan(
        (
            Stage("dwell", "port", "P", const(1.0)),
            Stage("wait", "svc", "P", const(0.0), service=svc),
            Stage("run", "sea", "P", const(1.0), hours=5.0),
        )
    )
    # Tuesday 2026-03-03 08:00 UTC: ready at 09:00, sails at 10:00, arrives 15:00
    tuesday = simulate_plan(plan, depart="2026-03-03T08:00", samples=10)
    assert np.all(tuesday.hours == pytest.approx(7.0))
    # Tuesday 10:30: ready 11:30, the next sailing is Thursday 10:00
    late = simulate_plan(plan, depart="2026-03-03T10:30", samples=10)
    assert np.all(late.hours == pytest.approx(1 + (48 - 1.5) + 5))


def test_when_full_service_waits_up_to_its_maximum() -> None:
    svc = service(departures_per_week=2, departs="when_full", max_wait_hours=60)
    plan = Plan((Stage("wait", "svc", "P", const(0.0), service=svc),))
    result = simulate_plan(plan, depart="2026-03-03", samples=200_000, seed=6)
    # wait = min(U x 84, 60): mean = (60^2 / 2 + 60 x 24) / 84
    assert result.hours.max() <= 60.0 + 1e-9
    assert result.hours.mean() == pytest.approx((1800 + 1440) / 84, rel=0.01)
    assert np.mean(result.hours == 60.0) == pytest.approx(24 / 84, abs=0.01)


def test_weather_closure_applies_in_its_months_only() -> None:
    closed = tuple(1.0 if m == 3 else 0.0 for m in range(1, 13))
    plan = Plan(
        (
            Stage("dwell", "rail", "P", const(2.0)),
            Stage("weather", "storm", "P", const(24.0), closed_probability=closed, advance=True),
        )
    )
    # ready on 1 March 01:00: closed for 24 h; ready on 28 February 23:30 + 2 h = 1 March too
    assert np.all(simulate_plan(plan, depart="2026-02-28T23:30", samples=5).hours == pytest.approx(26.0))
    assert np.all(simulate_plan(plan, depart="2026-02-27T12:00", samples=5).hours == pytest.approx(2.0))


def test_a_closure_holds_the_sailing_until_it_ends() -> None:
    svc = service(departures_per_week=1, weekdays="Wed", departure_hour=0)
    always = (1.0,) * 12
    plan = Plan(
        (
            Stage("weather", "storm", "P", const(10.0), closed_probability=always, advance=False),
            Stage("wait", "svc", "P", const(0.0), service=svc),
        )
    )
    # Tuesday 2026-03-03 20:00: scheduled sailing Wednesday 00:00 (4 h), closed until Wednesday 06:00
    result = simulate_plan(plan, depart="2026-03-03T20:00", samples=5)
    assert np.all(result.hours == pytest.approx(10.0))
    shares = {r["element"]: r["mean_hours"] for r in result.tail_drivers()}
    assert shares == {"storm": pytest.approx(6.0), "svc": pytest.approx(4.0)}
    # a short closure ends before the sailing: the timetable decides
    short = Plan((Stage("weather", "storm", "P", const(1.0), closed_probability=always, advance=False), plan.stages[1]))
    assert np.all(simulate_plan(short, depart="2026-03-03T20:00", samples=5).hours == pytest.approx(4.0))


# --- runs ----------------------------------------------------------------------------------------------------------


def test_same_seed_same_samples_whatever_the_task_split() -> None:
    plan = Plan((Stage("dwell", "a", "P", Duration("triangular", 1, 2, 9)),))
    whole = simulate_plan(plan, depart="2026-01-05", samples=100_000, seed=7)
    split = simulate_plan(
        plan,
        depart="2026-01-05",
        samples=100_000,
        seed=7,
        samples_per_task=1 << 15,
        map_tasks=lambda fn, tasks: [fn(t) for t in reversed(tasks)][::-1],
    )
    other = simulate_plan(plan, depart="2026-01-05", samples=100_000, seed=8)
    assert np.array_equal(whole.hours, split.hours)
    assert not np.array_equal(whole.hours, other.hours)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"samples": 0}, r"samples must be a positive whole number, got 0"),
        ({"seed": -1}, r"seed must be a whole number >= 0, got -1"),
        ({"deadline_days": -2.0}, r"deadline must be after the departure.*-2\.0"),
        ({"deadline_days": 0.0}, r"deadline must be after the departure"),
        ({"depart": "next tuesday"}, r"Departure 'next tuesday' is not an ISO date"),
    ],
)
def test_bad_options_are_named(options: dict[str, Any], message: str) -> None:
    plan = Plan((Stage("dwell", "a", "P", const(1.0)),))
    with pytest.raises(InvalidOptionError, match=message):
        simulate_plan(plan, **{"depart": "2026-01-05", **options})


def test_a_plan_needs_stages() -> None:
    with pytest.raises(InvalidOptionError, match="at least one stage"):
        Plan(())


# --- on the datasets ---------------------------------------------------------------------------------------------


def test_toy_route_stages_follow_the_dataset(make_dataset: Callable[..., Path]) -> None:
    net = corridor.load_network(make_dataset(with_reliability_tables))
    route = corridor.route(net, "a", "e", corridor="x")
    plan = plan_route(net, route)
    kinds = [(s.kind, s.element) for s in plan.stages]
    assert ("weather", "storms@cd") in kinds and ("wait", "ferry") in kinds
    assert kinds.index(("weather", "storms@cd")) < kinds.index(("wait", "ferry")) < kinds.index(("run", "cd"))
    factor = {s.element: s.duration for s in plan.stages if s.kind == "run"}
    assert factor["ab"] == Duration("triangular", 0.9, 1.0, 1.5)
    assert factor["cd"] == Duration.constant(1.0)  # no ferry row in delays.csv
    # In November half the shipments find the ferry held by the storm; in June none
    winter = simulate_route(net, route, depart="2026-11-10", samples=50_000, seed=1)
    summer = simulate_route(net, route, depart="2026-06-10", samples=50_000, seed=1)
    assert winter.mean_days > summer.mean_days
    assert winter.tail_drivers()[0]["element"] == "storms@cd"


def simulate_route(net: Network, route: Any, **kw: Any) -> Any:
    from corridor.reliability.engine import simulate_route as run

    return run(net, route, **kw)


def test_middle_corridor_distribution_and_seasons(eurasia: Network) -> None:
    march = simulate(eurasia, "Xian", "Duisburg", corridor="middle", depart="2026-03-01", samples=100_000)
    november = simulate(eurasia, "Xian", "Duisburg", corridor="middle", depart="2026-11-10", samples=100_000)
    for r in (march, november):
        assert r.corridor == "middle"
        assert r.p50_days < r.p90_days < r.p95_days
        # published door-to-door times of the Middle Corridor: about 20 to 55 days
        assert r.percentile_days(1) > 20 and r.p95_days < 55
        assert r.mean_days > r.route.days  # right-skewed dwell: the mean exceeds the typical-value route time
    assert november.p90_days > march.p90_days
    assert november.tail_drivers()[0]["kind"] == "weather"
    with_deadline = [march.on_time_probability(d) for d in (25, 30, 35, 40)]
    assert with_deadline == sorted(with_deadline) and march.on_time_probability() is None
    data = march.to_dict()
    assert set(data) >= {
        "corridor",
        "samples",
        "seed",
        "mean_days",
        "p50_days",
        "p90_days",
        "p95_days",
        "on_time_probability",
        "tail_drivers",
    }
    assert sum(row["share"] for row in data["tail_drivers"]) == pytest.approx(1.0, abs=0.01)


# --- the vectorized twin of the compiled walk ------------------------------------------------------------------


def _random_plan(rng: np.random.Generator) -> Plan:
    """A plan of 3-12 random stages of every kind: dwell, run, queue, weather (advancing or holding), services."""
    kinds = ["dwell", "run", "queue", "weather", "wait"]
    shapes = [
        Duration("triangular", 1.0, 3.0, 9.0),
        Duration("lognormal", 2.0, 10.0, 60.0),
        Duration("uniform", 0.5, 1.0, 4.0),
        Duration("empirical", 0.0, 0.0, 0.0, (5.0, 1.0, 12.0)),
        Duration.constant(2.5),
    ]
    services = [
        service(),
        service(departures_per_week=3, weekdays="Mon;Wed;Sat", departure_hour=7.5),
        service(departs="when_full", max_wait_hours=30),
    ]
    stages = []
    for i in range(int(rng.integers(3, 13))):
        kind = kinds[int(rng.integers(len(kinds)))]
        shape = shapes[int(rng.integers(len(shapes)))]
        if kind == "wait":
            svc = services[int(rng.integers(len(services)))]
            stages.append(Stage("wait", f"s{i}", "p", const(0.0), service=svc))
        elif kind == "weather":
            probability = tuple(float(x) for x in rng.uniform(0, 0.8, 12))
            stages.append(
                Stage("weather", f"w{i}", "p", shape, closed_probability=probability, advance=bool(rng.integers(2)))
            )
        elif kind == "queue":
            from corridor.model.durations import queue_duration

            stages.append(Stage("queue", f"q{i}", "p", queue_duration(float(rng.uniform(0.1, 1.6)), 20.0)))
        elif kind == "run":
            stages.append(
                Stage("run", f"r{i}", "p", Duration("triangular", 0.9, 1.0, 1.5), hours=float(rng.uniform(5, 80)))
            )
        else:
            stages.append(Stage("dwell", f"d{i}", "p", shape))
    return Plan(tuple(stages))


@pytest.mark.parametrize("case", range(25))
def test_vectorized_walk_is_the_compiled_walk(case: int) -> None:
    """Same plan, departure, samples and seed: the numpy twin gives the compiled kernel's hours, sample for sample."""
    from corridor.reliability.engine import simulate_hours

    rng = np.random.default_rng(case)
    plan = _random_plan(rng)
    depart = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=float(rng.uniform(0, 8760)))
    samples = int(rng.integers(100, 40_000))
    compiled = simulate_plan(plan, depart=depart, samples=samples, seed=case).hours
    vector = simulate_hours(plan, depart=depart, samples=samples, seed=case)
    assert vector == pytest.approx(compiled, rel=1e-9, abs=1e-6)


def _hours_both_ways(plan: Plan, depart: datetime, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The hours of the numpy walk and of its compiled twin (``kernels.walk_hours``) on the same uniforms."""
    from corridor.reliability import engine

    start = engine.epoch_hours(depart)
    uniforms = np.random.default_rng(seed).random((samples, max(int(plan.arrays["n_uniforms"][0]), 1)))
    return engine._numpy_walk_hours(start, plan.arrays, uniforms), engine._compiled_walk_hours(
        start, plan.arrays, uniforms
    )


@pytest.mark.parametrize("case", range(40))
def test_compiled_hours_walk_is_the_numpy_walk_bit_for_bit(case: int) -> None:
    """The compiled walk that serves comparisons gives numpy's hours exactly (not to a tolerance): every stage
    kind, every distribution (lognormal and queue waits as numpy draws them), running times of every shape, weather
    that advances or holds a sailing, timetables; sample counts off the kernel's block size."""
    rng = np.random.default_rng(1000 + case)
    plan = _random_plan(rng)
    shapes = [
        Duration("lognormal", 0.8, 1.0, 2.5),
        Duration("uniform", 0.9, 1.0, 1.4),
        Duration("empirical", 0.0, 0.0, 0.0, (1.1, 0.95, 1.3)),
        Duration.constant(1.05),
        Duration("triangular", 1.0, 1.0, 1.0),  # no width: the low end
    ]
    runs = tuple(Stage("run", f"x{i}", "p", shape, hours=float(rng.uniform(5, 80))) for i, shape in enumerate(shapes))
    plan = Plan(plan.stages + runs + plan.stages)
    depart = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=float(rng.uniform(0, 3 * 8760)))
    numpy_hours, compiled_hours = _hours_both_ways(plan, depart, int(rng.integers(100, 3000)), case)
    np.testing.assert_array_equal(compiled_hours, numpy_hours)


def test_compiled_hours_walk_finds_the_month_beyond_its_table() -> None:
    """A weather closure met more than two years after departure (past the kernel's table of months) is looked
    up by month as numpy does: closed all of July only, for 100,000 hours."""
    july = tuple(1.0 if month == 7 else 0.0 for month in range(1, 13))
    for days in (100, 900, 1600):
        plan = Plan(
            (
                Stage("dwell", "long", "P", Duration("uniform", 24.0 * days, 0.0, 24.0 * (days + 200))),
                Stage("weather", "storm", "P", const(100_000.0), closed_probability=july, advance=True),
            )
        )
        numpy_hours, compiled_hours = _hours_both_ways(plan, datetime(2026, 1, 1, tzinfo=UTC), 4000, days)
        np.testing.assert_array_equal(compiled_hours, numpy_hours)
        held = compiled_hours > 24.0 * (days + 200)
        assert 0 < held.mean() < 0.5  # some shipments met July (and its 100,000 hours), most not


def test_simulate_hours_walks_the_uniforms_of_fresh_generators() -> None:
    """The kept uniform streams are the generator's matrix for any number of columns (more than one stream holds:
    drawn again), read-only; a comparison's hours are those of a generator made for it."""
    from corridor.reliability.engine import simulate_hours
    from corridor.reliability.streams import chunk_tasks, uniforms
    from corridor.reliability.vector import walk_hours

    child = np.random.SeedSequence(3).spawn(1)[0]
    for columns in (1, 7, 64, 65, 130, 7):
        kept = uniforms(child, 1000, columns)
        assert not kept.flags.writeable
        np.testing.assert_array_equal(kept, np.random.Generator(np.random.PCG64(child)).random((1000, columns)))
    plan = _random_plan(np.random.default_rng(9))
    depart = datetime(2026, 4, 2, tzinfo=UTC)
    (seeds, _), *_ = chunk_tasks(8192, 5, per_task=8192)
    n_u = max(int(plan.arrays["n_uniforms"][0]), 1)
    fresh = np.random.Generator(np.random.PCG64(seeds[0])).random((8192, n_u))
    expected = walk_hours(depart.timestamp() / 3600.0, plan.arrays, fresh)
    np.testing.assert_array_equal(simulate_hours(plan, depart=depart, samples=8192, seed=5), expected)


def test_vectorized_samples_are_the_first_of_a_longer_run(eurasia: Network) -> None:
    from corridor.reliability.engine import simulate_hours

    plan = plan_route(eurasia, corridor.route(eurasia, "Xian", "Duisburg", corridor="middle", depart="2026-05-01"))
    short = simulate_hours(plan, depart="2026-05-01", samples=8192, seed=4)
    long = simulate_plan(plan, depart="2026-05-01", samples=100_000, seed=4).hours
    assert short == pytest.approx(long[:8192], rel=1e-9)


@pytest.mark.parametrize("case", range(12))
def test_percentiles_are_numpys(case: int) -> None:
    """The percentiles a timed route reports are ``np.percentile``'s floats exactly, with the compiled selection of
    order statistics (this module loads the kernels): ties, a constant sample, far outliers, one value, q of 0 and
    100; the order statistics are those of a sort."""
    from corridor.reliability.engine import percentiles

    rng = np.random.default_rng(case)
    n = [8192, 1, 2, 17, 1000, 20_000][case % 6]
    values = [
        rng.gamma(3.0, 100.0, n) + 500.0,
        np.round(rng.normal(0.0, 5.0, n), 1),
        rng.integers(0, 5, n).astype(float),
        np.full(n, 7.25),
        np.concatenate([rng.normal(500.0, 10.0, n - n // 50), rng.normal(1e5, 1.0, n // 50)]),
        rng.random(n) * 1e6,
    ][case % 6]
    for q in ((10, 50, 90), (0, 100), (0.5, 99.5), (50,), (1, 25, 75, 99)):
        np.testing.assert_array_equal(percentiles(values, q), np.percentile(values, q))
    ranks = np.unique(rng.integers(0, n, 7))
    np.testing.assert_array_equal(rk.order_statistics(values, ranks), np.sort(values)[ranks])
