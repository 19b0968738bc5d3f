"""A corridor dataset as a FlowNetwork: capacity elements, classes per commodity and avoid rules, the 2024 base case."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.assignment.solve import assign
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.model.freight import flow_network, passage_volumes
from corridor.model.graph import graph_of

PUBLISHED_2024_MT = 4.5  # Middle Corridor (TITR) volume 2024, shared/facts/corridor-inputs.md


@pytest.fixture(scope="module")
def base(eurasia: Network) -> object:
    return assign(flow_network(eurasia, year=2024), gap=1e-5)


def test_zones_elements_and_classes(eurasia: Network) -> None:
    net = flow_network(eurasia, year=2024)
    n_places, n_arcs = len(eurasia.places), graph_of(eurasia).n_arcs
    assert net.n_zones == 3 * n_places and net.n_links == 3 * n_arcs
    assert net.time_unit == "h" and net.flow_unit == "t/year"
    assert net.demand is not None and net.demand.year == 2024
    records = [r for r in eurasia.demand if r.year == 2024]
    assert net.demand.total == pytest.approx(sum(r.tonnes_per_year for r in records))
    names = {c.name for c in net.demand.classes}
    assert {"container", "dry_bulk", "liquid_bulk"} <= names
    assert any("avoiding" in n and "RU" in n for n in names)
    # every capacity row became at least one element, capacities converted to tonnes
    ids = set(net.element_ids)
    for row in eurasia.capacities:
        assert row.id in ids or f"{row.id}:reverse" in ids
    aktau = net.element_ids.index("aktau-containers")
    teu = eurasia.info.payload_t_per_teu.value
    row = next(r for r in eurasia.capacities if r.id == "aktau-containers")
    assert net.capacity[aktau] == pytest.approx(row.capacity_per_year * teu)


def test_container_only_capacity_touches_container_links_only(eurasia: Network) -> None:
    net = flow_network(eurasia)
    commodity = np.asarray(net.meta["commodity"])
    for e, element in enumerate(net.element_ids):
        row = eurasia.capacity_by_id[element.removesuffix(":reverse")]
        links = net.element_link[net.element_ptr[e] : net.element_ptr[e + 1]]
        counted = set(row.commodities) if row.commodities else {"container", "dry_bulk", "liquid_bulk"}
        assert {net.meta["commodities"][c] for c in commodity[links]} == counted


def test_base_case_reproduces_the_published_2024_volume(base: object) -> None:
    result = base
    caspian_mt = passage_volumes(result)["caspian"] / 1e6  # type: ignore[arg-type]
    assert abs(caspian_mt - PUBLISHED_2024_MT) / PUBLISHED_2024_MT <= 0.10
    assert result.converged and not result.unassigned  # type: ignore[attr-defined]


def test_demand_growth_raises_utilisation_and_delay(eurasia: Network, base: object) -> None:
    grown = assign(flow_network(eurasia, year=2024, demand_scale=2.0), gap=1e-5)
    before = base.elements_frame().set_index("element")  # type: ignore[attr-defined]
    after = grown.elements_frame().set_index("element")
    busy = before["volume"] > 1e5
    fuller = after.loc[busy, "vc"] >= before.loc[busy, "vc"] - 1e-9
    assert fuller.mean() >= 0.9
    assert after["delay"].sum() > before["delay"].sum()
    # At equilibrium cargo goes round what fills up: with twice the demand the Caspian ferries are near capacity and
    # bulk for Georgia and Turkiye turns to the line through Iran and the Lake Van ferry, so an element behind the
    # Caspian (the Boyuk Kesik rail border) may carry less. The Caspian volume grows, but by less than the demand.
    caspian, grown_caspian = (passage_volumes(r)["caspian"] for r in (base, grown))  # type: ignore[arg-type]
    assert caspian < grown_caspian < 2 * caspian
    assert passage_volumes(grown).get("lake-van", 0.0) > 2 * passage_volumes(base).get("lake-van", 0.0)  # type: ignore[arg-type]


def test_capacity_expansion_cuts_delay(eurasia: Network, base: object) -> None:
    wider = assign(flow_network(eurasia, year=2024, capacity_scale=2.0), gap=1e-5)
    assert wider.elements_frame()["delay"].sum() < base.elements_frame()["delay"].sum()  # type: ignore[attr-defined]


def test_avoid_russia_segment_never_enters_russia(eurasia: Network, base: object) -> None:
    result = base
    net = result.network  # type: ignore[attr-defined]
    g = graph_of(eurasia)
    ru = g.countries[:, g.country_codes.index("RU")]
    base_arc = np.asarray(net.meta["base_arc"])
    for name, flows in zip(result.class_names, result.class_flow, strict=True):  # type: ignore[attr-defined]
        if "RU" in name.split("avoiding")[-1]:
            assert flows[ru[base_arc]].sum() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"year": 1999}, "No demand for year 1999; the demand table has 2021, 2022, 2023, 2024"),
        ({"commodities": ["gold"]}, "Unknown commodity 'gold'"),
        ({"capacity_scale": 0.0}, "capacity scale must be above 0"),
        ({"demand_scale": -1.0}, "demand scale must be a non-negative number"),
        ({"carbon_price_usd_per_t": float("nan")}, "carbon price must be a non-negative number"),
    ],
)
def test_bad_options(eurasia: Network, options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOptionError, match=message):
        flow_network(eurasia, **options)  # type: ignore[arg-type]


def test_passage_volumes_need_a_corridor_network() -> None:
    from corridor.assignment.solve import two_link_network

    with pytest.raises(InvalidOptionError, match="corridor network"):
        passage_volumes(assign(two_link_network()))
