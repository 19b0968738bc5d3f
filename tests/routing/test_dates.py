"""Dates: legs with their departure and arrival instants, and the latest departure that makes a deadline at P90."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.routing.search import route
from corridor.routing.timing import latest_departure, latest_departures
from corridor.services.reliability import TripOptions, simulate_trip
from corridor.services.trips import compare_trip

DEADLINE = datetime(2026, 4, 1, tzinfo=UTC)


def test_legs_follow_each_other_from_the_departure(eurasia: Network) -> None:
    found = route(eurasia, "Xian", "Duisburg", depart="2026-03-01T08:00", timing_samples=1000)
    times = found.leg_times()
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert times[0][0] == start and len(times) == len(found.legs)
    for (_, end), (begin, _) in itertools.pairwise(times):
        assert begin == end
    assert times[-1][1] == start + timedelta(hours=sum(leg.hours for leg in found.legs))
    for leg, (begin, end) in zip(found.legs, times, strict=True):
        assert (end - begin).total_seconds() == pytest.approx(leg.hours * 3600)
    rows = found.to_dict()["legs"]
    assert rows[0]["depart_at"] == "2026-03-01T08:00:00+00:00"
    assert rows[-1]["arrive_at"] == times[-1][1].replace(second=0, microsecond=0).isoformat()
    assert found.arrive_p90 == (start + timedelta(days=found.p90_days)).replace(second=0, microsecond=0).isoformat()


def test_latest_departure_makes_the_deadline_and_an_hour_later_does_not(eurasia: Network) -> None:
    found = latest_departure(eurasia, "Xian", "Duisburg", arrive_by=DEADLINE, corridor="middle", timing_samples=2000)
    assert found.timing is not None
    leave = datetime.fromisoformat(found.timing.depart)
    assert leave + timedelta(days=found.p90_days) <= DEADLINE
    assert DEADLINE - (leave + timedelta(days=found.p90_days)) < timedelta(days=1)
    later = route(
        eurasia, "Xian", "Duisburg", corridor="middle", depart=leave + timedelta(hours=1), timing_samples=2000
    )
    assert leave + timedelta(hours=1) + timedelta(days=later.p90_days) > DEADLINE


def test_latest_departures_per_corridor_latest_first(eurasia: Network) -> None:
    result = latest_departures(eurasia, "Xian", "Duisburg", arrive_by="2026-04-01", timing_samples=1000)
    departs = [r.timing.depart for r in result.options if r.timing]
    assert departs == sorted(departs, reverse=True) and len(departs) == len(result.options)
    assert result.to_dict()["arrive_by"] == DEADLINE.isoformat()
    for option in result.options:
        assert option.arrive_p90 is not None and datetime.fromisoformat(option.arrive_p90) <= DEADLINE


def test_a_simulation_from_the_latest_departure_is_on_time_nine_times_in_ten(eurasia: Network) -> None:
    options = TripOptions(
        origin="Xian", destination="Duisburg", corridor="northern", arrive_by="2026-04-01", samples=40_000
    )
    result = simulate_trip(eurasia, options)
    assert result.deadline_days is not None
    assert result.depart + timedelta(days=result.deadline_days) == DEADLINE
    on_time = result.on_time_probability()
    assert on_time is not None and 0.86 <= on_time <= 0.94  # timing used 8192 samples, this 40,000


@pytest.mark.parametrize(
    "options",
    [{"depart": "2026-03-01"}, {"deadline": "30"}],
)
def test_arrive_by_comes_alone_in_a_simulation(eurasia: Network, options: dict[str, str]) -> None:
    with pytest.raises(InvalidOptionError, match="Give --arrive-by alone"):
        simulate_trip(eurasia, TripOptions(origin="Xian", destination="Duisburg", arrive_by="2026-04-01", **options))


def test_compare_takes_a_departure_or_a_deadline(eurasia: Network) -> None:
    with pytest.raises(InvalidOptionError, match="not both"):
        compare_trip(eurasia, "Xian", "Duisburg", depart="2026-03-01", arrive_by="2026-04-01")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # tables follow COLUMNS: a wide terminal, whatever width the test process inherits
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_cli_route_table_shows_when_each_leg_departs_and_arrives() -> None:
    result = run("route", "Xian", "Duisburg", "--depart", "2026-03-01")
    assert result.returncode == 0, result.stderr
    assert "departs" in result.stdout and "arrives" in result.stdout and "2026-03-01 00:00" in result.stdout


def test_cli_compare_arrive_by_json() -> None:
    result = run("compare", "Xian", "Duisburg", "--arrive-by", "2026-04-01", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["arrive_by"] == "2026-04-01T00:00:00+00:00" and data["depart"] is None
    for option in data["options"]:
        assert (
            option["arrive_p90"] <= data["arrive_by"]
            and option["legs"][0]["depart_at"] == option["depart"][:16] + ":00+00:00"
        )


@pytest.mark.parametrize(
    "args",
    [
        ("route", "Xian", "Duisburg", "--arrive-by", "2026-04-01", "--pareto"),
        ("compare", "Xian", "Duisburg", "--arrive-by", "2026-04-01", "--depart", "2026-03-01"),
        ("simulate", "Xian", "Duisburg", "--arrive-by", "April"),
    ],
)
def test_cli_bad_arrive_by_exits_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("corridor: ")
