"""The embedded dataset: provenance on every record, and its results against published figures."""

from __future__ import annotations

import pytest

import corridor
from corridor.network import Network


def test_every_record_names_sources_and_date(eurasia: Network) -> None:
    known = {s.id for s in eurasia.sources}
    for record in (
        *eurasia.places,
        *eurasia.links,
        *eurasia.transfers,
        *eurasia.services,
        *eurasia.emission_factors,
    ):
        assert record.source and set(record.source) <= known
        assert record.as_of


def test_estimates_are_marked(eurasia: Network) -> None:
    for record in (*eurasia.places, *eurasia.links, *eurasia.transfers, *eurasia.services):
        if "estimate" in record.source:
            assert record.estimated, record.id


def test_required_places_exist(eurasia: Network) -> None:
    for name in (
        "Xian",
        "Chongqing",
        "Urumqi",
        "Lianyungang",
        "Shanghai",
        "Almaty",
        "Tashkent",
        "Duisburg",
        "Rotterdam",
        "Hamburg",
        "Malaszewicze",
        "Budapest",
        "Constanta",
        "Istanbul",
        "Baku",
        "Tbilisi",
        "Poti",
        "Aktau",
        "Kuryk",
        "Alat",
        "Turkmenbashi",
        "Batumi",
        "Akhalkalaki",
        "Kars",
        "Dostyk",
        "Altynkol",
    ):
        eurasia.place(name)


def test_both_caspian_crossings_and_the_turkmenbashi_branch(eurasia: Network) -> None:
    pairs = {(link.from_, link.to) for link in eurasia.links if "caspian" in link.passages}
    assert {("aktau", "alat"), ("kuryk", "alat"), ("turkmenbashi", "alat")} <= pairs


def test_gauges(eurasia: Network) -> None:
    for link in eurasia.links:
        if link.mode == "rail":
            countries = {eurasia.place_by_id[link.from_].country, eurasia.place_by_id[link.to].country}
            if countries <= {"KZ", "RU", "BY", "AZ", "GE", "UZ", "TM"}:
                assert link.gauge == 1520, link.id
            if countries <= {"CN", "TR", "DE", "PL", "HU", "RO", "BG", "GR", "NL", "IR"}:
                assert link.gauge == 1435, link.id


@pytest.mark.parametrize("origin", ["Xian", "Chongqing", "Urumqi", "Lianyungang", "Shanghai", "Almaty", "Tashkent"])
@pytest.mark.parametrize(
    "destination",
    [
        "Duisburg",
        "Rotterdam",
        "Hamburg",
        "Malaszewicze",
        "Budapest",
        "Constanta",
        "Istanbul",
        "Baku",
        "Tbilisi",
        "Poti",
    ],
)
def test_every_required_pair_has_a_route(eurasia: Network, origin: str, destination: str) -> None:
    result = corridor.compare(eurasia, origin, destination)
    assert result.options


def test_xian_duisburg_against_published_ranges(eurasia: Network) -> None:
    """Orders of magnitude from the sources in docs/data.md, not fitted values."""
    by = {r.corridor: r for r in corridor.compare(eurasia, "Xian", "Duisburg").options}
    assert 9_000 <= by["northern"].distance_km <= 11_000  # duisport: 9,908 km
    assert 10 <= by["northern"].days <= 26  # DHL 2024: 13-20 d terminal to terminal, 20-26 d door to door
    assert 15 <= by["middle"].days <= 55  # 11-25 d scheduled, up to 50-55 d (DHL 2024)
    assert 30 <= by["maritime-suez"].days <= 50  # 32-36 d port to port plus rail
    assert 5_000 <= by["northern"].cost_usd <= 10_000  # USD 7,000-9,000 per FEU (2024)
