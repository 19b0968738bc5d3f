"""The SimPy model of the Caspian crossing: M/M/c against Erlang C, the dataset's crossing, fleet sizing."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.reliability.engine import Duration
from corridor.reliability.fleet import Crossing, Lane, crossing_from_network, simulate_crossing, size_fleet
from fixtures.toy import with_reliability_tables


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``load`` = lambda / mu."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def mmc(servers: int, mean_service_hours: float) -> Crossing:
    """Vessels of one TEU that sail as soon as loaded and come back after an exponential time: M/M/c."""
    lane = Lane("A", 1.0, servers, Duration.constant(0.0), Duration.constant(0.0))
    return Crossing(
        lanes=(lane,),
        destination="B",
        destination_berths=servers,
        destination_handling_hours=Duration("exponential", 0.0, mean_service_hours, 0.0),
        capacity_units=1.0,
        batch_units=1.0,
    )


@pytest.mark.parametrize(("servers", "arrivals_per_hour"), [(1, 0.7), (4, 3.0)])
def test_one_stage_matches_erlang_c(servers: int, arrivals_per_hour: float) -> None:
    mu = 1.0
    result = simulate_crossing(
        mmc(servers, 1 / mu),
        volume_per_year=arrivals_per_hour * 8760,
        ferries=servers,
        days=400,
        warmup_days=20,
        replications=4,
        seed=21,
    )
    load = arrivals_per_hour / mu
    c = erlang_c(servers, load)
    assert result.mean_wait_hours == pytest.approx(c / (servers * mu - arrivals_per_hour), rel=0.07)
    # P(W > t) = C exp(-(c mu - lambda) t): the 90th percentile wait
    p90 = math.log(c / 0.1) / (servers * mu - arrivals_per_hour) if c > 0.1 else 0.0
    assert result.wait_percentile_hours(90) == pytest.approx(p90, rel=0.07, abs=0.05)
    waited = float(np.sum(result.wait_weights[result.waits_hours > 1e-9]) / np.sum(result.wait_weights))
    assert waited == pytest.approx(c, abs=0.02)
    assert result.fleet_utilization == pytest.approx(load / servers, abs=0.02)


def test_caspian_crossing_from_the_dataset(eurasia: Network) -> None:
    crossing = crossing_from_network(eurasia)
    assert [lane.port for lane in crossing.lanes] == ["Aktau", "Kuryk"]
    assert crossing.destination.startswith("Alat")
    assert [lane.berths for lane in crossing.lanes] == [1, 2] and crossing.destination_berths == 2
    assert crossing.capacity_units == 52 * 2.0
    assert crossing.lanes[1].closed_probability[10] == 0.5  # November, Kuryk's director
    result = simulate_crossing(crossing, volume_per_year=60_000, ferries=8, seed=1, replications=2)
    data = result.to_dict()
    assert data["p50_wait_hours"] <= data["p90_wait_hours"] <= data["p95_wait_hours"]
    assert 0 < data["fleet_utilization"] < 1 and sum(data["fleet_time_shares"].values()) == pytest.approx(1, abs=0.02)
    assert data["teu_carried_per_year"] == pytest.approx(60_000, rel=0.1)  # Poisson trains of 62 TEU
    again = simulate_crossing(crossing, volume_per_year=60_000, ferries=8, seed=1, replications=2)
    assert np.array_equal(result.waits_hours, again.waits_hours)


def test_more_ferries_shorter_waits(eurasia: Network) -> None:
    crossing = crossing_from_network(eurasia)
    waits = [
        simulate_crossing(crossing, volume_per_year=80_000, ferries=k, seed=2, replications=3).mean_wait_hours
        for k in (7, 9, 14)
    ]
    assert waits[0] > waits[1] > waits[2]


def test_size_fleet_picks_the_smallest_meeting_the_target(eurasia: Network) -> None:
    crossing = crossing_from_network(eurasia)
    result = size_fleet(crossing, volume_per_year=50_000, target_p90_wait_hours=96, replications=2, seed=3)
    assert result.chosen is not None
    chosen = result.chosen.ferries
    assert result.chosen.wait_percentile_hours(90) <= 96
    assert all(c.wait_percentile_hours(90) > 96 for c in result.candidates if c.ferries < chosen)
    assert crossing.utilization(50_000, chosen) < 1
    data = result.to_dict()
    assert data["ferries"] == chosen and data["meets_target"] is True
    unstable = size_fleet(crossing, volume_per_year=50_000, target_p90_wait_hours=96, ferries=[1, 2])
    assert unstable.chosen is None and [k for k, _ in unstable.unstable] == [1, 2]


def test_toy_crossing_uses_its_berths(make_dataset: Callable[..., Path]) -> None:
    net = corridor.load_network(make_dataset(with_reliability_tables))
    crossing = crossing_from_network(net, services=["ferry"])
    assert crossing.lanes[0].berths == 2 and crossing.destination_berths == 1
    assert crossing.capacity_units == 100.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda n: crossing_from_network(n, services=["nope"]), r"Unknown service 'nope'; valid: .*aktau-alat-ferries"),
        (lambda n: crossing_from_network(n, services=["poti-constanta-feeders"]), r"berths\.csv has no berths"),
        (
            lambda n: crossing_from_network(n, services=["aktau-alat-ferries", "poti-constanta-feeders"]),
            r"sails to 'constanta', the others to 'alat'",
        ),
        (lambda n: crossing_from_network(n, shares=[1.0]), r"one share per service"),
        (lambda n: crossing_from_network(n, shares=[-1.0, 1.0]), r"Shares must be numbers >= 0"),
        (
            lambda n: simulate_crossing(crossing_from_network(n), volume_per_year=-5, ferries=3),
            r"annual volume must be a positive number, got -5",
        ),
        (
            lambda n: simulate_crossing(crossing_from_network(n), volume_per_year=5, ferries=0),
            r"at least one vessel, got 0",
        ),
        (
            lambda n: size_fleet(crossing_from_network(n), volume_per_year=5, target_p90_wait_hours=0),
            r"target wait must be a positive number of hours",
        ),
        (
            lambda n: size_fleet(crossing_from_network(n), volume_per_year=1e9, target_p90_wait_hours=10),
            r"needs more than 60 vessels",
        ),
    ],
)
def test_bad_input_is_named(eurasia: Network, call: Callable[[Network], object], message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        call(eurasia)
