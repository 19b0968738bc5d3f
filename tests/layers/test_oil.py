"""The oil layer: least-cost allocation checked against a small case solved by hand, and the embedded layer."""

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
from corridor.errors import InvalidOptionError, NoRouteError, UnknownElementError
from corridor.layers.oil import allocate_oil, oil_routes

PROV = {"source": "toy", "as_of": "2024"}


def _toy_oil(tables: dict[str, list[dict[str, Any]]], _info: dict[str, Any]) -> None:
    """Two fields, one junction, two export lines (North through RU, West through AZ), one market.

    Route costs per tonne (feeder + line + tanker): F1-North 1+10+5 = 16, F1-West 1+15+3 = 19,
    F2-North 2+10+5 = 17, F2-West 2+15+3 = 20. North is open for 6-1 = 5 Mt, West's terminal takes 4 Mt.
    """
    node = {"country": "KZ", "lat": 45.0, "lon": 50.0, **PROV}
    tables["oil_nodes.csv"] = [
        {**node, "id": "f1", "name": "Field One", "kind": "field", "production_mt": 10},
        {**node, "id": "f2", "name": "Field Two", "kind": "field", "production_mt": 5},
        {**node, "id": "j", "name": "Junction", "kind": "junction"},
        {**node, "id": "t1", "name": "North Port", "kind": "terminal", "country": "RU"},
        {**node, "id": "t2", "name": "West Port", "kind": "terminal", "country": "AZ", "throughput_mt": 4},
        {**node, "id": "m", "name": "Market", "kind": "market", "country": "IT"},
    ]

    def link(lid: str, a: str, b: str, system: str, tariff: float, cap: float, **more: Any) -> dict[str, Any]:
        return {
            "id": lid, "from": a, "to": b, "mode": more.pop("mode", "pipeline"), "system": system,
            "distance_km": 100, "capacity_mt": cap, "tariff_usd_per_t": tariff,
            "countries": more.pop("countries", "KZ"), **more, **PROV,
        }  # fmt: skip

    tables["oil_links.csv"] = [
        link("f1-j", "f1", "j", "Feeder", 1, 20, feeder="yes"),
        link("f2-j", "f2", "j", "Feeder", 2, 20, feeder="yes"),
        link("j-t1", "j", "t1", "North", 10, 6, other_use_mt=1, countries="KZ;RU"),
        link("j-t2", "j", "t2", "West", 15, 10, countries="KZ;AZ"),
        link("t1-m", "t1", "m", "Sea", 5, 100, mode="tanker", feeder="yes", countries="RU;IT"),
        link("t2-m", "t2", "m", "Sea", 3, 100, mode="tanker", feeder="yes", countries="AZ;IT"),
    ]


@pytest.fixture
def oil_toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(_toy_oil))


def _toy_with(make_dataset: Callable[..., Path], **west: Any) -> Network:
    """The toy with more columns on the West line (j-t2): a contract, or the date it stopped."""

    def edit(tables: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
        _toy_oil(tables, info)
        (row,) = [r for r in tables["oil_links.csv"] if r["id"] == "j-t2"]
        row.update(west)

    return corridor.load_network(make_dataset(edit))


def test_routes_and_their_costs(oil_toy: Network) -> None:
    routes = oil_routes(oil_toy)
    assert [(r.field, r.name, r.cost_usd_per_t) for r in routes] == [
        ("f1", "North (North Port)", 16),
        ("f2", "North (North Port)", 17),
        ("f1", "West (West Port)", 19),
        ("f2", "West (West Port)", 20),
    ]


def test_allocation_solved_by_hand(oil_toy: Network) -> None:
    result = allocate_oil(oil_toy, 8, compete="West")
    by_name = {r.name: r for r in result.routes}
    # North takes its open 5 Mt from the cheaper field, West the other 3 Mt, all from Field One
    assert by_name["North (North Port)"].volume_mt == pytest.approx(5)
    assert by_name["West (West Port)"].volume_mt == pytest.approx(3)
    assert result.total_cost_usd == pytest.approx((5 * 16 + 3 * 19) * 1e6)
    assert result.shortfall_mt == 0 and result.allocated_mt == pytest.approx(8)
    # West could take 1 Mt more (its terminal: 4 - 3); North none
    assert result.spare_capacity_mt == pytest.approx({"North (North Port)": 0.0, "West (West Port)": 1.0})
    # one more Mt through North would save 19 - 16 = 3 USD a tonne
    (north,) = [b for b in result.binding if b["element"] == "j-t1"]
    assert north["shadow_usd_per_t"] == pytest.approx(3)
    # West (19, of which 15 tariff) undercuts North (16) below 15 - 3 = 12 USD/t
    be = result.breakeven
    assert be is not None and be.tariff_usd_per_t == 15 and be.breakeven_usd_per_t == pytest.approx(12)
    assert be.against == "North (North Port)" and not be.cheaper_now


def test_shortfall_is_reported(oil_toy: Network) -> None:
    result = allocate_oil(oil_toy, 12)
    assert result.allocated_mt == pytest.approx(9)  # North 5 + West's terminal 4
    assert result.shortfall_mt == pytest.approx(3)
    assert "3.000 Mt of the 12 Mt asked cannot be carried" in result.notes[0]


def test_avoid_and_single_field(oil_toy: Network) -> None:
    result = allocate_oil(oil_toy, 3, avoid=["RU"])
    assert [(r.name, r.volume_mt) for r in result.routes] == [("West (West Port)", pytest.approx(3))]
    two = allocate_oil(oil_toy, 6, fields=["Field Two"])
    assert two.fields == ("f2",) and two.allocated_mt == pytest.approx(5) and two.shortfall_mt == pytest.approx(1)
    with pytest.raises(NoRouteError, match="No oil route is left from f1 avoiding North, West"):
        allocate_oil(oil_toy, 1, fields=["f1"], avoid=["North", "West"])


def test_contracted_minimum_binds(make_dataset: Callable[..., Path]) -> None:
    toy = _toy_with(make_dataset, contract_min_mt="2023:2;2024-2025:4", contract_source="toy")
    result = allocate_oil(toy, 8)
    by_name = {r.name: r.volume_mt for r in result.routes}
    # West must take 4 Mt (take-or-pay), one more than the least cost would give it; North takes the other 4
    assert by_name == pytest.approx({"North (North Port)": 4, "West (West Port)": 4})
    assert result.total_cost_usd == pytest.approx((4 * 16 + 4 * 19) * 1e6)
    (contract,) = result.contracts
    assert (contract.link, contract.minimum_mt, contract.volume_mt, contract.source) == ("j-t2", 4, 4, ("toy",))
    # each tonne of minimum moves a tonne from North (16) to West (19): the contract costs 3 USD/t
    assert contract.shadow_usd_per_t == pytest.approx(3)
    assert result.to_dict()["contracts"][0]["binding"] is True
    # the contract of another year, or none, changes the allocation
    assert {r.name: r.volume_mt for r in allocate_oil(toy, 8, year=2023).routes}["West (West Port)"] == pytest.approx(3)
    assert allocate_oil(toy, 8, year=2022).contracts == ()
    assert allocate_oil(toy, 8, contracts=False).total_cost_usd == pytest.approx((5 * 16 + 3 * 19) * 1e6)
    # a minimum below what least cost ships anyway does not bind
    assert allocate_oil(toy, 8, year=2023).contracts[0].shadow_usd_per_t == 0
    # avoiding the contracted line leaves the contract out, and says so
    north = allocate_oil(toy, 3, avoid=["West"])
    assert not north.contracts[0].honoured and "is not honoured" in north.notes[0]


@pytest.mark.parametrize(
    ("west", "volume_mt", "message"),
    [
        (
            {"contract_min_mt": "2024:5", "contract_source": "toy"},
            8,
            r"contracted minimums of 2024 cannot be honoured: West \(j-t2\) 5 Mt, sources toy: its routes can carry "
            r"at most 4 Mt",
        ),
        (
            {"contract_min_mt": "2024:4", "contract_source": "toy"},
            3,
            r"contracted minimums of 2024 \(West \(j-t2\) 4 Mt, sources toy\) add up to 4 Mt, more than the 3 Mt "
            r"asked: ask for at least 4 Mt",
        ),
        (
            {"contract_min_mt": "2024:1", "contract_source": "toy", "idle_since": "2023-05"},
            8,
            r"West \(j-t2\) 1 Mt, idle since 2023-05, sources toy: its routes can carry at most 0 Mt",
        ),
    ],
)
def test_contract_that_cannot_be_honoured(
    make_dataset: Callable[..., Path], west: dict[str, Any], volume_mt: float, message: str
) -> None:
    toy = _toy_with(make_dataset, **west)
    with pytest.raises(InvalidOptionError, match=message):
        allocate_oil(toy, volume_mt)
    assert allocate_oil(toy, volume_mt, contracts=False).allocated_mt > 0


def test_idle_line_offers_nothing(make_dataset: Callable[..., Path]) -> None:
    toy = _toy_with(make_dataset, idle_since="2022-05")
    result = allocate_oil(toy, 8)
    assert {r.name: r.volume_mt for r in result.routes} == pytest.approx(
        {"North (North Port)": 5, "West (West Port)": 0}
    )
    assert result.shortfall_mt == pytest.approx(3)
    assert [(i.link, i.since, i.capacity_mt) for i in result.idle] == [("j-t2", "2022-05", 10)]
    # before it stopped, or assumed restarted, it carries again
    assert allocate_oil(toy, 8, year=2021).shortfall_mt == 0 and allocate_oil(toy, 8, year=2021).idle == ()
    assert allocate_oil(toy, 8, include_idle=True).shortfall_mt == 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("contract_min_mt", "2024=1.5", "is not YEAR:MT or FIRST-LAST:MT"),
        ("contract_min_mt", "2025-2024:1", "ends before it starts"),
        ("contract_min_mt", "2023-2025:1;2024:2", "repeats year 2024"),
        ("contract_source", "other", "contract_source: 'other' not among the record's sources"),
        ("idle_since", "May 2022", "is not a date"),
    ],
)
def test_contract_columns_checked(make_dataset: Callable[..., Path], column: str, value: str, message: str) -> None:
    from corridor.errors import DatasetError

    row = {"contract_min_mt": "2024:1", "contract_source": "toy", column: value}
    with pytest.raises(DatasetError, match=message):
        _toy_with(make_dataset, **row)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"volume_mt": 1, "year": 1800}, InvalidOptionError, "--year 1800: give a year from 1990"),
        ({"volume_mt": -1}, InvalidOptionError, "give a volume of 0 or more"),
        ({"volume_mt": 1, "fields": ["Field Tree"]}, UnknownElementError, "Unknown field 'Field Tree'. Closest: f"),
        ({"volume_mt": 1, "avoid": ["Mars"]}, InvalidOptionError, "--avoid 'Mars' is not a country, system"),
    ],
)
def test_bad_input(oil_toy: Network, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        allocate_oil(oil_toy, **kwargs)


def test_embedded_layer(eurasia: Network) -> None:
    result = allocate_oil(eurasia, 50)
    by_name = {r.name: r for r in result.routes}
    # CPC carries most Kazakh crude, as it does (63 Mt loaded in 2024, 80-90% of it Kazakh)
    assert max(result.routes, key=lambda r: r.volume_mt).name.startswith("CPC")
    assert result.allocated_mt == pytest.approx(50) and result.shortfall_mt == 0
    assert result.breakeven is not None and result.breakeven.system == "BTC"
    # BTC carries at least the 2024 contract (2.2 Mt a year, KazMunayGas-SOCAR), though it is dearer than CPC
    (btc,) = [r for name, r in by_name.items() if name.startswith("Kazakh rail → Caspian tankers → BTC")]
    (contract,) = result.contracts
    assert (contract.link, contract.minimum_mt, result.year) == ("btc", 2.2, 2024)
    assert btc.volume_mt >= contract.minimum_mt - 1e-9 and contract.shadow_usd_per_t > 0
    assert "turanews-btc-2022" in contract.source
    # Baku-Supsa is idle since May 2022: no crude on it unless assumed restarted
    assert [i.link for i in result.idle] == ["wrep"]
    assert all(r.volume_mt == 0 for name, r in by_name.items() if "WREP" in name)
    # 2023: the contract was 1.5 Mt; the least-cost allocation alone leaves BTC empty
    assert sum(r.volume_mt for r in allocate_oil(eurasia, 50, year=2023).routes if "BTC" in r.name) >= 1.5 - 1e-9
    assert sum(r.volume_mt for r in allocate_oil(eurasia, 50, contracts=False).routes if "BTC" in r.name) == 0
    # without Russia, the Caspian routes carry what they can and the rest is a shortfall
    west = allocate_oil(eurasia, 20, avoid=["RU"])
    assert all("RU" not in p.countries for r in west.routes for p in r.paths)
    assert 0 < west.allocated_mt < 20 and west.shortfall_mt == pytest.approx(20 - west.allocated_mt)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_cli_json_and_messages() -> None:
    out = _cli("oil", "--volume-mt", "30", "--from", "Kashagan,Tengiz", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["volume_mt"] == 30 and {"name", "volume_mt", "cost_usd_per_t"} <= set(data["routes"][0])
    assert set(data["spare_capacity_mt"]) == {r["name"] for r in data["routes"]}
    assert sum(r["volume_mt"] for r in data["routes"]) == pytest.approx(30, abs=1e-3)
    assert data["year"] == 2024 and data["contracts"][0]["link"] == "btc" and data["idle"][0]["link"] == "wrep"
    table = _cli("oil", "--volume-mt", "30", "--year", "2023", "--include-idle")
    assert table.returncode == 0 and "contract: BTC (btc) at least 1.5 Mt in 2023" in table.stdout
    assert "idle: WREP" in table.stdout
    over = _cli("oil", "--volume-mt", "100")
    assert over.returncode == 0 and "cannot be carried" in over.stderr and "SHORTFALL" in over.stdout
    for args, message in (
        (["--volume-mt", "-5"], "--volume-mt=-5.0 is out of range"),
        (["--volume-mt", "5", "--from", "Tengis"], "Unknown field 'Tengis'. Closest: tengiz"),
        (["--volume-mt", "5", "--avoid", "XX"], "is not a country, system, link or node of the oil layer"),
        (["--volume-mt", "1"], "The contracted minimums of 2024 (BTC (btc) 2.2 Mt, sources turanews-btc-2022"),
    ):
        bad = _cli("oil", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
