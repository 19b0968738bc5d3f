"""Bulk priced per tonne (bulk_tariffs.csv): hand-solved toy routes for each cargo, the fallbacks, the Eurasian data."""

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
from corridor.model.bulk import bulk_rates_of
from fixtures.bulk import with_bulk

Rows = list[dict[str, Any]]


@pytest.fixture
def bulk_toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(with_bulk))


def test_each_cargo_is_priced_as_solved_by_hand(bulk_toy: Network) -> None:
    # x: a -rail CN/KZ 100 km- b (gauge change USD 30 a FEU) -rail KZ 200 km- c (port 50) -ferry 300 km- d (port 50)
    #    -rail AZ/DE 400 km- e; container tariffs 100, 200, 500, 300 a FEU
    feu = corridor.route(bulk_toy, "a", "e", optimize="cost")
    assert feu.cost_usd == pytest.approx(1230)  # tariffs and fees per FEU, as before
    teu = corridor.route(bulk_toy, "a", "e", optimize="cost", cargo="TEU")
    assert teu.cost_usd == pytest.approx(1230 / 2)  # an FEU costs twice a TEU in the toy
    dry = corridor.route(bulk_toy, "a", "e", optimize="cost", cargo="t")
    # rail 0.02 x 100 (CN-KZ: not all in KZ) + gauge 30 / 60 t (fee per wagon) + rail KZ 0.01 x 200 + port 5
    # + ferry 600 / 60 t + port 5 + rail 0.02 x 400
    assert dry.cost_usd == pytest.approx(2 + 0.5 + 2 + 5 + 10 + 5 + 8)
    liquid = corridor.route(bulk_toy, "a", "e", optimize="cost", cargo="liquid", quantity=10)
    # rail 0.03 x (100 + 200 + 400) + gauge 30 / 60 + no liquid port row: 50 / 60 twice + ferry 12 a tonne
    assert liquid.cost_usd == pytest.approx(10 * (0.03 * 700 + 0.5 + 2 * 50 / 60 + 12))
    assert [leg.cost_usd for leg in dry.legs if leg.kind == "move"] == pytest.approx([2, 2, 10, 8])


def test_without_rows_links_keep_the_box_share_and_transfers_bill_the_wagon(
    make_dataset: Callable[..., Path],
) -> None:
    def edit(tables: dict[str, Rows], info: dict[str, Any]) -> None:
        with_bulk(tables, info)
        del tables["bulk_tariffs.csv"]

    net = corridor.load_network(make_dataset(edit))
    dry = corridor.route(net, "a", "e", optimize="cost", cargo="t")
    # links: their FEU tariffs over 20 t of an FEU; transfers: their FEU fees over 60 t of a wagon
    assert dry.cost_usd == pytest.approx((100 + 200 + 500 + 300) / 20 + (30 + 50 + 50) / 60)


def test_most_specific_row_wins(bulk_toy: Network) -> None:
    rates = bulk_rates_of(bulk_toy)
    link = bulk_toy.link_by_id
    row = rates.link_row(link["bc"], "dry_bulk")
    assert row is not None and row.id == "rail-dry-kz"  # countries outrank the row for the whole mode
    row = rates.link_row(link["ab"], "dry_bulk")
    assert row is not None and row.id == "rail-dry"  # CN-KZ is not all in KZ
    assert rates.link_row(link["ab"], "container") is None  # containers are priced by links.csv
    assert rates.transfer_usd_per_t(bulk_toy.transfer_by_id["c-port"], "liquid_bulk") == pytest.approx(50 / 60)


def test_scenario_changes_a_bulk_rate(bulk_toy: Network) -> None:
    from corridor.scenarios import apply_scenario, load_scenario_text

    text = "title: Dear Kazakh rail\nsources: [toy]\nset:\n  bulk_tariffs/rail-dry-kz:\n    rate_usd: usd 0.02\n"
    changed = apply_scenario(bulk_toy, load_scenario_text(text, bulk_toy, name="dear-kz-rail"))
    dry = corridor.route(changed, "a", "e", optimize="cost", cargo="t")
    assert dry.cost_usd == pytest.approx(32.5 + 0.01 * 200)


# --- the Eurasian dataset ------------------------------------------------------------------------------------------


def test_every_bulk_link_of_eurasia_has_a_rate(eurasia: Network) -> None:
    rates = bulk_rates_of(eurasia)
    for link in eurasia.links:
        for commodity in ("dry_bulk", "liquid_bulk"):
            if commodity in link.commodities:
                assert rates.link_row(link, commodity) is not None, (link.id, commodity)


def compare_json(cargo: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "corridor", "compare", "Almaty", "Poti", "--cargo", cargo, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_almaty_poti_prices_dry_and_liquid_bulk_apart() -> None:
    feu, dry, liquid = (compare_json(cargo)["options"][0] for cargo in ("FEU", "t", "liquid"))
    assert feu["corridor"] == dry["corridor"] == liquid["corridor"] == "middle"
    # about 4000 km of rail and the Caspian ferry: tens of USD a tonne, bulk dearer as liquid (tank cars, oil class)
    assert 40 < dry["cost_usd"] < 150
    assert 50 < liquid["cost_usd"] < 200
    assert liquid["cost_usd"] > dry["cost_usd"] * 1.05
    # a tonne in a wagon is no longer priced as a twentieth of a box
    assert abs(dry["cost_usd"] - feu["cost_usd"] / 20) > 10
