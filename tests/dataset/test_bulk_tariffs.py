"""bulk_tariffs.csv: each bad row named by file, line, column and the valid choices; the table is optional."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.errors import DatasetError
from fixtures.bulk import with_bulk

Edit = Callable[[dict[str, Any], dict[str, Any]], None]


def bulk(row: int, **cells: Any) -> Edit:
    """The toy with bulk rates, then ``cells`` set in row ``row`` of bulk_tariffs.csv (line ``row + 2``)."""

    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        with_bulk(tables, info)
        tables["bulk_tariffs.csv"][row].update(cells)

    return edit


def bulk_then(change: Edit) -> Edit:
    def edit(tables: dict[str, Any], info: dict[str, Any]) -> None:
        with_bulk(tables, info)
        change(tables, info)

    return edit


def _no_wagon(tables: dict[str, Any], info: dict[str, Any]) -> None:
    del info["payload_t_per_wagon"]


def _twice(tables: dict[str, Any], info: dict[str, Any]) -> None:
    tables["bulk_tariffs.csv"].append({**tables["bulk_tariffs.csv"][1], "id": "rail-dry-kz-again"})


def _same_id(tables: dict[str, Any], info: dict[str, Any]) -> None:
    tables["bulk_tariffs.csv"].append({**tables["bulk_tariffs.csv"][0], "countries": "CN"})


F = r"bulk_tariffs\.csv"
CASES = [
    (bulk(0, commodity="container"), rf"{F}:2:commodity: 'container': .*'dry_bulk' or 'liquid_bulk'"),
    (bulk(0, mode="zeppelin"), rf"{F}:2:mode: 'zeppelin': .*'rail', 'road', 'ferry'"),
    (bulk(3, kind="teleport"), rf"{F}:5:kind: 'teleport': .*'transshipment', 'gauge_change'"),
    (bulk(0, kind="border"), rf"{F}:2:mode: give a mode \(the row prices links\) or a kind"),
    (bulk(3, kind=""), rf"{F}:5:mode: give a mode .* one of the two"),
    (bulk(0, layers="sea"), rf"{F}:2:layers: only a row for transfers \(kind\) is limited by layers"),
    (bulk(3, layers="sea;hovercraft"), rf"{F}:5:layers: unknown layer 'hovercraft'; valid: barge, feeder, ferry"),
    (bulk(3, rate_unit="t_km"), rf"{F}:5:rate_unit: a transfer has no distance; quote it per t or per wagon"),
    (bulk(0, rate_unit="bag"), rf"{F}:2:rate_unit: 'bag': .*'t_km', 't' or 'wagon'"),
    (bulk(0, rate_usd=-1), rf"{F}:2:rate_usd: .*greater than or equal to 0"),
    (bulk(0, rate_usd="nan"), rf"{F}:2:rate_usd: .*finite number"),
    (bulk(1, rate_low_usd=0.5), rf"{F}:3:rate_usd: need rate_low_usd <= rate_usd <= rate_high_usd"),
    (bulk(1, countries="KZ;XX"), rf"{F}:3:countries: unknown country code 'XX'"),
    (bulk(0, elements="nope"), rf"{F}:2:elements: unknown link 'nope' \(see links\.csv\)"),
    (bulk(0, elements="ab;cd"), rf"{F}:2:elements: link 'cd' is ferry, not rail \(the row's mode\)"),
    (bulk(3, elements="b-gauge"), rf"{F}:5:elements: transfer 'b-gauge' is gauge_change, not port_handling"),
    (bulk(3, elements="x-port"), rf"{F}:5:elements: unknown transfer 'x-port' \(see transfers\.csv\)"),
    (bulk(0, source="nowhere"), rf"{F}:2:source: unknown source 'nowhere' \(see sources\.csv\)"),
    (bulk(0, as_of="soon"), rf"{F}:2:as_of: 'soon' is not a date"),
    (bulk(0, colour="red"), rf"{F}:1:colour: unknown column 'colour'; valid: as_of, commodity, countries"),
    (bulk_then(_no_wagon), rf"{F}:4:rate_unit: a rate per wagon needs payload_t_per_wagon in dataset\.yaml"),
    (bulk_then(_twice), rf"{F}:8:id: same commodity, mode, layers, countries and elements as line 3"),
    (bulk_then(_same_id), rf"{F}:8:id: duplicate bulk tariff 'rail-dry' \(first at line 2\)"),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_bad_bulk_tariff_is_named(make_dataset: Callable[..., Path], edit: Edit, expected: str) -> None:
    with pytest.raises(DatasetError, match=expected):
        corridor.load_network(make_dataset(edit))


def test_bulk_tariffs_are_optional_and_load(make_dataset: Callable[..., Path]) -> None:
    assert corridor.load_network(make_dataset()).bulk_tariffs == ()
    net = corridor.load_network(make_dataset(bulk(0)))
    assert [row.id for row in net.bulk_tariffs][:2] == ["rail-dry", "rail-dry-kz"]
    kz = net.bulk_tariffs[1]
    assert (kz.rate_low_usd, kz.rate_usd, kz.rate_high_usd, kz.countries) == (0.005, 0.01, 0.02, ["KZ"])


def test_embedded_bulk_tariffs_cite_dated_sources(eurasia: corridor.Network) -> None:
    sources = eurasia.source_by_id
    assert len(eurasia.bulk_tariffs) >= 20
    for row in eurasia.bulk_tariffs:
        assert row.source and all(sources[s].date for s in row.source), row.id
        assert row.note, row.id
        if row.estimated is False:
            assert "estimate" not in row.source, row.id
