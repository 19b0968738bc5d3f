"""Logistics centres: a line solved by hand, the same optimum as PySAL spopt on one instance, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from corridor.appraisal.centres import CentresInstance, great_circle_km, max_coverage, p_median
from corridor.errors import InvalidOptionError


def _line() -> CentresInstance:
    """Four towns on a line at km 0, 10, 20, 100 with 5, 1, 1, 4 t; sites at every town."""
    km = np.array([0.0, 10.0, 20.0, 100.0])
    ids = ("a", "b", "c", "d")
    return CentresInstance(ids, np.array([5.0, 1.0, 1.0, 4.0]), ids, np.full(4, 100.0), np.abs(km[:, None] - km[None]))


def test_a_line_solved_by_hand() -> None:
    """Two sites: {a, d} costs 1 x 10 + 1 x 20 = 30 t-km; {b, d} 5 x 10 + 1 x 10 = 60; so a and d. One site: a costs
    10 + 20 + 400 = 430, b 50 + 10 + 360 = 420, c 100 + 10 + 320 = 430, d 500 + 90 + 80 = 670: b."""
    two = p_median(_line(), 2)
    assert two.sites == ("a", "d") and two.objective == pytest.approx(30.0)
    assert two.assignment == {"a": "a", "b": "a", "c": "a", "d": "d"}
    one = p_median(_line(), 1)
    assert one.sites == ("b",) and one.objective == pytest.approx(420.0)
    # capacity 6 t a site: a can no longer take b and c with its own 5 t
    tight = CentresInstance(*(getattr(_line(), f) for f in ("demand_ids", "weights_t", "candidate_ids")),
                            np.full(4, 6.0), _line().cost_km)  # fmt: skip
    capped = p_median(tight, 2)
    assert capped.objective == pytest.approx(1 * 10 + 1 * 80)  # a takes b; c goes to d (80 km)
    # within 15 km: b covers a, b and c (7 t); b and d cover everything (11 t)
    one_cover = max_coverage(_line(), 1, radius_km=15)
    assert one_cover.sites == ("b",) and one_cover.objective == pytest.approx(7.0)
    assert max_coverage(_line(), 2, radius_km=15).objective == pytest.approx(11.0)
    fixed = p_median(_line(), 2, fixed=["c", "d"])
    assert fixed.sites == ("c", "d") and fixed.objective == pytest.approx(5 * 20 + 1 * 10)


def _instance(seed: int, n: int = 30, m: int = 20) -> CentresInstance:
    rng = np.random.default_rng(seed)
    lat_d, lon_d = rng.uniform(38, 46, n), rng.uniform(40, 80, n)
    lat_s, lon_s = lat_d[:m], lon_d[:m]
    weights = rng.uniform(1e4, 1e6, n)
    return CentresInstance(
        tuple(f"p{i}" for i in range(n)),
        weights,
        tuple(f"p{j}" for j in range(m)),
        np.full(m, weights.sum() / 3),
        great_circle_km(lat_d, lon_d, lat_s, lon_s),
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp.*")  # spopt 0.7 builds variables the PuLP 3.3 way
@pytest.mark.parametrize("seed", [1, 2])
def test_the_same_optimum_as_spopt(seed: int) -> None:
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    inst = _instance(seed)
    ours = p_median(inst, 4)
    theirs = locate.PMedian.from_cost_matrix(
        inst.cost_km, inst.weights_t, p_facilities=4, facility_capacities=inst.capacities_t
    ).solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(theirs.problem.objective.value(), rel=1e-6)
    cover = max_coverage(inst, 3, radius_km=400)
    theirs_cover = locate.MCLP.from_cost_matrix(inst.cost_km, inst.weights_t, service_radius=400, p_facilities=3).solve(
        pulp.PULP_CBC_CMD(msg=False)
    )
    assert cover.objective == pytest.approx(theirs_cover.problem.objective.value(), rel=1e-6)


def test_bad_counts_and_sites() -> None:
    with pytest.raises(InvalidOptionError, match=r"count 5 is not from 1 to the 4 candidate sites: a, b, c, d"):
        p_median(_line(), 5)
    with pytest.raises(InvalidOptionError, match=r"unknown site e; candidates: a, b, c, d"):
        max_coverage(_line(), 1, radius_km=10, fixed=["e"])
    small = CentresInstance(
        _line().demand_ids, _line().weights_t, _line().candidate_ids, np.full(4, 2.0), _line().cost_km
    )
    with pytest.raises(InvalidOptionError, match="2 sites cannot hold the 11 t"):
        p_median(small, 2)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_centres_command_on_the_toy(toy_projects: Path, tmp_path: Path) -> None:
    result = run(
        "centres", "--count", "2", "--network", str(toy_projects), "--year", "2024", "--corridor", "x", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["count"] == 2 and len(data["p_median"]["sites"]) == 2
    assert set(data["demand_points"]) <= {"a", "b", "c", "d", "e"}
    assert data["existing"]["sites"] == [] and data["existing"]["missing"] == ["altynkol", "aktau", "alat", "poti"]
    sites = tmp_path / "sites.csv"
    sites.write_text("place,capacity_t\nc,1000000\nd,\n", encoding="utf-8")
    result = run("centres", "--count", "3", "--candidates", str(sites), "--network", str(toy_projects),
                 "--year", "2024", "--corridor", "x")  # fmt: skip
    assert result.returncode == 2
    assert "count 3 is more than the 2 candidate sites: c, d" in result.stderr and "Traceback" not in result.stderr
    sites.write_text("place,capacity_t\nc,-5\n", encoding="utf-8")
    result = run("centres", "--count", "1", "--candidates", str(sites), "--network", str(toy_projects),
                 "--year", "2024", "--corridor", "x")  # fmt: skip
    assert result.returncode == 2 and "capacity_t '-5' is not a number of tonnes above zero" in result.stderr
