"""Rolling stock: wagon and locomotive counts checked by hand on one link, against the railcars Kuryk handled, and
the command on the embedded dataset's equilibrium flows."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.reliability.rolling_stock import StockOptions, rolling_stock

HOURS_YEAR = 8760.0


def _with_fleet(tables: dict[str, list[dict[str, Any]]], _info: dict[str, Any]) -> None:
    country = next(p["country"] for p in tables["places.csv"] if p["id"] == "b")
    tables["rail_fleet.csv"] = [
        {"id": "b-wagons", "railway": "Bravo Rail", "country": country, "gauge": "1520", "kind": "wagon",
         "units": 10, "on_order": 20, "order_by": "2026", "share_for_transit": 0.5, "source": "toy", "as_of": "2024"},
    ]  # fmt: skip


@pytest.fixture
def stock_toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(_with_fleet))


def test_counts_solved_by_hand(stock_toy: Network) -> None:
    # link bc: 200 km at 50 km/h = 4 h on the 1,520 mm network of B's country
    tonnes = {"bc": {"dry_bulk": (70_000.0, 14_000.0), "container": (20_000.0, 0.0)}}
    result = rolling_stock(stock_toy, tonnes, year=2024)
    (rail,) = result.railways
    assert rail.gauge == "1520" and rail.links == ("bc",)
    # open wagons of 70 t: 1,000 loads east, 200 west, so 800 run back empty
    assert rail.loads["wagon"] == pytest.approx(1200) and rail.empties["wagon"] == pytest.approx(800)
    # (2,000 wagon trips x 4 h + 1,200 loaded trips x 48 h dwell) / (8,760 h x 0.9 availability)
    assert rail.wagons["wagon"] == pytest.approx((2000 * 4 + 1200 * 48) / (HOURS_YEAR * 0.9))
    # flats of 2 TEU x 10 t: 1,000 loads, all back empty
    assert rail.wagons["flat_wagon"] == pytest.approx((2000 * 4 + 1000 * 48) / (HOURS_YEAR * 0.9))
    # turnaround: 365 x wagons x availability / loaded trips
    assert rail.turnaround_days["wagon"] == pytest.approx(365 * (8000 + 57_600) / HOURS_YEAR / 1200)
    # 4,000 wagon movements in trains of 57, each 4 h running and 2 x 12 h at the ends, locomotives 75% available
    trains = 4000 / 57
    assert rail.trains == pytest.approx(trains)
    assert sum(rail.locomotives.values()) == pytest.approx(trains * (4 + 24) / (HOURS_YEAR * 0.75))
    # the fleet: 10 wagons of which half serve the corridor; 20 on order, half of them for the corridor too
    need = rail.wagons["wagon"] + rail.wagons["flat_wagon"]
    assert rail.shortfall("all_wagons") == pytest.approx(need - 5)
    assert rail.shortfall("all_wagons", with_orders=True) == pytest.approx(max(need - 15, 0))
    assert rail.shortfall("locomotive") is None  # no locomotive fleet known


def test_railcars_at_kuryk_against_the_published_count(stock_toy: Network) -> None:
    # Kuryk handled 1.24 Mt by rail in 16,450 railcars in January-October 2023 (trend-kuryk-2023): 75.4 t a car.
    # The same tonnes of bulk in the model's 70 t open wagons make 17,714 loads, 7.7% more.
    result = rolling_stock(stock_toy, {"bc": {"dry_bulk": (1.24e6, 0.0)}}, year=2023)
    loads = result.railways[0].loads["wagon"]
    assert loads == pytest.approx(1.24e6 / 70)
    assert loads == pytest.approx(16_450, rel=0.10)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (StockOptions(teu_per_flat_wagon=0), "teu-per-flat-wagon must be a positive number"),
        (StockOptions(dwell_hours=float("nan")), "dwell-hours must be 0 or more hours"),
        (StockOptions(availability=1.5), "availability must be a share above 0 and at most 1"),
    ],
)
def test_bad_options(stock_toy: Network, options: StockOptions, match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        rolling_stock(stock_toy, {}, year=2024, options=options)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=300)


def test_cli_on_the_embedded_flows() -> None:
    done = _cli("rolling-stock", "--year", "2024", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    railways = {(r["country"], r["gauge"]): r for r in data["railways"]}
    kz = railways[("KZ", "1520")]
    assert kz["wagons"]["flat_wagon"] > 0 and kz["fleet"]["wagon"] == pytest.approx(14_200)
    # flows run mostly westbound: the eastbound flats come back empty
    assert kz["empties"]["flat_wagon"] > 0.5 * kz["loads"]["flat_wagon"]
    assert {("AZ", "1520"), ("GE", "1520")} <= set(railways)
    ferries = data["caspian_ferries"]
    assert ferries["services"] == ["aktau-alat-ferries", "kuryk-alat-ferries"] and ferries["ferries"] >= 1


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--year", "1850"), "--year"),
        (("--scenario", "no-such-scenario"), "no-such-scenario"),
        (("--teu-per-flat-wagon", "0", "--no-ferries"), "teu-per-flat-wagon must be a positive number"),
    ],
)
def test_cli_bad_input_exits_2(args: tuple[str, ...], match: str) -> None:
    done = _cli("rolling-stock", *args)
    assert done.returncode == 2 and match in done.stderr and "Traceback" not in done.stderr


def test_scenario_of_new_locomotives_closes_the_shortfall() -> None:
    from corridor.services.rolling_stock import StockRequest, rolling_stock_report

    net = corridor.load_network()
    before, _ = rolling_stock_report(net, StockRequest(year=2024, ferries=False))
    after, _ = rolling_stock_report(net, StockRequest(scenario="ktz-locomotives-2028", ferries=False))
    kz = {(r.country, r.gauge): r for r in before.railways}[("KZ", "1520")]
    kz_after = {(r.country, r.gauge): r for r in after.railways}[("KZ", "1520")]
    assert after.year == 2024
    assert kz_after.fleet["diesel_locomotive"] == pytest.approx(1517 * 0.1)
    # the orders, once delivered, cover what the orders were to cover
    assert kz_after.shortfall("locomotive") == pytest.approx(kz.shortfall("locomotive", with_orders=True), abs=1e-6)
