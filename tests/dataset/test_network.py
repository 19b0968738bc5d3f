"""Place look-up: names, aliases, accents, case; closest matches for unknown names."""

from __future__ import annotations

import pytest

from corridor.dataset.network import Network, normalize_name
from corridor.errors import UnknownPlaceError
from corridor.model.graph import graph_of


@pytest.mark.parametrize(
    ("typed", "place_id"),
    [
        ("Xian", "xian"),
        ("Xi'an", "xian"),
        ("XI'AN", "xian"),
        ("xi an", "xian"),
        ("Constanta", "constanta"),
        ("Constanța", "constanta"),
        ("constanța", "constanta"),
        ("Malaszewicze", "malaszewicze"),
        ("Małaszewicze", "malaszewicze"),
        ("Port of Baku", "alat"),
        ("Ələt", "alat"),
        ("Kapikoy", "kapikoy"),
        ("Alma-Ata", "almaty"),
        ("Urumqi", "urumqi"),
        ("Ürümqi", "urumqi"),
        ("DUISBURG", "duisburg"),
    ],
)
def test_names_match_without_case_or_accents(eurasia: Network, typed: str, place_id: str) -> None:
    assert eurasia.place(typed).id == place_id


def test_unknown_place_names_three_closest(eurasia: Network) -> None:
    with pytest.raises(UnknownPlaceError) as caught:
        eurasia.place("Duisberg")
    assert caught.value.closest[0] == "Duisburg"
    assert len(caught.value.closest) == 3
    assert "Unknown place 'Duisberg'. Closest: Duisburg" in str(caught.value)


def test_search_places(eurasia: Network) -> None:
    assert {p.id for p in eurasia.search_places("GE")} >= {"tbilisi", "poti", "batumi", "akhalkalaki"}
    assert [p.id for p in eurasia.search_places("KZAAU")] == ["aktau"]
    assert len(eurasia.search_places("")) == len(eurasia.places)


def test_normalize_name() -> None:
    assert normalize_name("Kapıköy") == normalize_name("Kapikoy") == "kapikoy"
    assert normalize_name("Böyük Kəsik") == "boyukkesik"


def test_graph_is_compiled_once(eurasia: Network) -> None:
    assert graph_of(eurasia) is graph_of(eurasia)
    g = graph_of(eurasia)
    assert g.indptr[-1] == g.n_arcs and np_sorted(g.tail)


def np_sorted(values: object) -> bool:
    import numpy as np

    array = np.asarray(values)
    return bool(np.all(array[:-1] <= array[1:]))


@pytest.mark.parametrize("typed", ["", "  ", "'-'"])
def test_empty_place_name_is_said_so(eurasia: Network, typed: str) -> None:
    with pytest.raises(UnknownPlaceError, match="is empty, or has no letters or digits") as caught:
        eurasia.place(typed)
    assert caught.value.closest == ()


def test_capacity_and_demand_tables_reach_the_network(eurasia: Network) -> None:
    assert eurasia.demand_years == tuple(sorted({row.year for row in eurasia.demand}))
    assert eurasia.demand_years == (2021, 2022, 2023, 2024)
    assert all(row.year == 2024 for row in eurasia.demand_of_year(2024))
    assert eurasia.demand_of_year(1999) == ()
    port = eurasia.capacity_by_id["alat-port"]
    assert port.element_type == "transfer" and "alat-feeder" in port.elements
    wagon = eurasia.info.payload_t_per_wagon
    assert wagon is not None and eurasia.info.tonnes_per_unit("wagons") == wagon.value
    assert eurasia.info.tonnes_per_unit("t") == 1.0
    # Delay-function defaults are filled in: the engine never sees an empty alpha or beta.
    for capacity in eurasia.capacities:
        if capacity.vdf == "queue":
            assert capacity.alpha > 0 and 0 < capacity.beta < 1
        if capacity.vdf == "bpr":
            assert (capacity.alpha, capacity.beta) == (0.15, 4.0)
