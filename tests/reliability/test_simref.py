"""The SimPy reference model against the vectorized engine: the same itinerary, the same distribution."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

import corridor
from corridor.dataset.network import Network
from corridor.dataset.records import Service
from corridor.reliability.engine import Duration, Plan, Stage, plan_route, simulate_plan
from corridor.reliability.simref import simulate_reference
from fixtures.toy import PROV


def service(**kw: Any) -> Service:
    base = {"id": "svc", "links": "x", "departures_per_week": 2, "capacity_per_departure": 50}
    return Service.model_validate({**base, "capacity_unit": "TEU", **PROV, **kw})


def synthetic_plan() -> Plan:
    """Every stage kind: a weekly timetable held by storms, a when-full ferry, a regular feeder, all distributions."""
    winter = tuple(0.6 if m in (11, 12, 1) else 0.05 for m in range(1, 13))
    return Plan(
        (
            Stage("dwell", "border", "A", Duration("lognormal", 4, 12, 60)),
            Stage("run", "rail", "A", Duration("triangular", 0.9, 1.0, 1.6), hours=70.0),
            Stage("weather", "storm", "B", Duration("triangular", 6, 24, 96), closed_probability=winter, advance=False),
            Stage("wait", "ferry", "B", Duration.constant(0.0), service=service(weekdays="Mon;Thu", departure_hour=6)),
            Stage("run", "sea", "B", Duration("uniform", 18, 18, 30), hours=1.0),
            Stage("dwell", "port", "C", Duration("empirical", 0, 0, 0, (2.0, 5.0, 5.0, 30.0))),
            Stage(
                "wait", "ro-ro", "C", Duration.constant(0.0), service=service(departs="when_full", max_wait_hours=50)
            ),
            Stage("weather", "gale", "D", Duration("uniform", 5, 5, 40), closed_probability=winter, advance=True),
            Stage("wait", "feeder", "D", Duration.constant(0.0), service=service(departures_per_week=0.7)),
            Stage("dwell", "gate", "E", Duration("triangular", 1, 2, 8)),
        )
    )


@pytest.mark.parametrize("depart", ["2026-11-20T07:00", "2026-06-02"])
def test_reference_matches_engine_on_every_stage_kind(depart: str) -> None:
    plan = synthetic_plan()
    engine = simulate_plan(plan, depart=depart, samples=200_000, seed=11).hours
    reference = simulate_reference(plan, depart=depart, samples=4_000, seed=12)
    assert stats.ks_2samp(engine, reference).pvalue > 0.01
    assert reference.mean() == pytest.approx(engine.mean(), rel=0.02)


def test_reference_matches_engine_on_the_middle_corridor(eurasia: Network) -> None:
    route = corridor.route(eurasia, "Xian", "Duisburg", corridor="middle")
    plan = plan_route(eurasia, route)
    engine = simulate_plan(plan, depart="2026-11-10", samples=200_000, seed=13).hours
    reference = simulate_reference(plan, depart="2026-11-10", samples=3_000, seed=14)
    assert stats.ks_2samp(engine, reference).pvalue > 0.01


def test_deterministic_itinerary_gives_the_same_times() -> None:
    plan = Plan(
        (
            Stage("dwell", "a", "P", Duration.constant(3.0)),
            Stage("wait", "ship", "P", Duration.constant(0.0), service=service(weekdays="Tue;Sat", departure_hour=12)),
            Stage("run", "sea", "P", Duration.constant(1.0), hours=30.0),
        )
    )
    for depart in ("2026-03-02T00:00", "2026-03-03T09:00", "2026-03-03T09:30", "2026-03-07T23:00"):
        engine = simulate_plan(plan, depart=depart, samples=3).hours
        reference = simulate_reference(plan, depart=depart, samples=3)
        assert np.allclose(engine, reference, atol=1e-6), depart
