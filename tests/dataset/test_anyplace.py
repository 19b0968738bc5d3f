"""Any place: world cities, coordinates and UN/LOCODEs resolved, and places off the network joined by road."""

from __future__ import annotations

import statistics
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.dataset.anyplace import ACCESS_MAX_KM, OffNetwork, join_places, locate, route_factor
from corridor.dataset.gazetteer import city_named, great_circle_km, locode_names
from corridor.dataset.network import Network
from corridor.errors import AmbiguousPlaceError, CorridorError, NoRouteError, UnknownPlaceError
from corridor.routing.search import compare, route


def test_great_circle_against_a_known_distance() -> None:
    # Paris (48.8566, 2.3522) to London (51.5074, -0.1278): 343.5 km on the mean sphere (R = 6371.0088 km)
    assert great_circle_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343.5, abs=0.5)


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("Łódź", "lodz"),
        ("LODZ", "lodz"),
        ("Алматы", "almaty"),
        ("成都", "chengdu"),
        ("DEHAM", "hamburg"),
        ("de ham", "hamburg"),
    ],
)
def test_network_places_by_name_alias_script_or_locode(eurasia: Network, text: str, place_id: str) -> None:
    found = locate(eurasia, text)
    assert not isinstance(found, OffNetwork) and found.id == place_id


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Paris, FR", "Paris, FR"),
        ("paris,fr", "Paris, FR"),
        ("Вроцлав", "Wrocław, PL"),  # Cyrillic: an alternate name of GeoNames
        ("Wroclaw", "Wrocław, PL"),  # without the accent
        ("Cologne", "Köln, DE"),  # an exonym
        ("FRPAR", "Paris, FR"),  # a UN/LOCODE of the locode package, found in the gazetteer by name and country
        ("Alexandria, US-VA", "Alexandria, US"),
    ],
)
def test_world_cities(eurasia: Network, text: str, label: str) -> None:
    found = locate(eurasia, text)
    assert isinstance(found, OffNetwork) and found.name == label and found.city is not None
    assert found.key.startswith("geonames:") and locate(eurasia, found.key) == found


def test_the_gazetteer_holds_cities_of_15000_or_more() -> None:
    assert all(c.population >= 15_000 for c in city_named("Springfield"))
    assert locode_names("FRPAR") == ("FR", ("Paris",)) and locode_names("Paris!") is None


def test_an_ambiguous_name_asks_which_with_country_codes(eurasia: Network) -> None:
    with pytest.raises(AmbiguousPlaceError) as caught:
        locate(eurasia, "Alexandria")
    error = caught.value
    assert isinstance(error, UnknownPlaceError)  # a 422 in the API, exit 2 in the CLI, like any unknown place
    assert error.closest[:2] == ("Alexandria, EG", "Alexandria, US-VA")  # most populous first; a state when needed
    assert "Alexandria, RO" in error.closest and "5,263,542 people" in str(error) and "'Alexandria, EG'" in str(error)
    assert locate(eurasia, error.closest[0]).name == "Alexandria, EG"  # each choice names one place


def test_coordinates(eurasia: Network) -> None:
    found = locate(eurasia, " 43.2 , 76.9 ")
    assert isinstance(found, OffNetwork)
    assert (found.lat, found.lon, found.country) == (43.2, 76.9, "KZ") and found.name.endswith("(near Almaty, KZ)")
    south = locate(eurasia, "-33.9,18.4")
    assert isinstance(south, OffNetwork) and south.country == "ZA" and south.id == "point-s33.90000-e18.40000"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("95,10", UnknownPlaceError, "latitude 95 must be from -90 to 90"),
        ("10,200", UnknownPlaceError, "longitude 200 from -180 to 180"),
        ("Parus", UnknownPlaceError, r"Closest: .*Paris \(FR\)"),
        ("FRXYZ", UnknownPlaceError, "UN/LOCODE of Saint-Appolinaire \\(FR\\), which is not among"),
        ("geonames:1", UnknownPlaceError, "is no city of the gazetteer"),
        ("Paris, XX", UnknownPlaceError, "Unknown place 'Paris, XX'"),
        ("?!", UnknownPlaceError, "has no letters or digits"),
    ],
)
def test_bad_places(eurasia: Network, text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        locate(eurasia, text)


def test_a_place_is_named_in_200_characters_or_fewer(eurasia: Network) -> None:
    with pytest.raises(UnknownPlaceError, match="is 100,000 characters long; a place is named in 200 or fewer"):
        locate(eurasia, "x" * 100_000)  # refused before any matcher reads it


def test_suggestions_by_spelling_from_the_network_and_the_world(eurasia: Network) -> None:
    with pytest.raises(UnknownPlaceError) as caught:
        locate(eurasia, "Duisbrug")
    assert caught.value.closest[0] == "Duisburg"  # the network's first, the gazetteer's after (not twice)
    assert "Duisburg (DE)" not in caught.value.closest and "Dulsberg (DE)" in caught.value.closest


def test_a_city_of_the_network_by_a_gazetteer_name_is_the_network_place(eurasia: Network) -> None:
    found = locate(eurasia, "Tbilissi")  # an alternate name of Tbilisi in GeoNames, not an alias of the dataset
    assert not isinstance(found, OffNetwork) and found.id == "tbilisi"


def test_a_place_too_far_names_the_nearest_terminals_with_distances(eurasia: Network) -> None:
    with pytest.raises(NoRouteError, match=r"New York City, US is 5,8\d\d km from the nearest terminal.*Rotterdam"):
        join_places(eurasia, "New York", "Xian")


def test_a_network_without_road_links_joins_nothing(toy: Network) -> None:
    # the toy network has no road: a world city is an unknown place there, with the network's closest names
    with pytest.raises(UnknownPlaceError, match=r"Unknown place 'Paris, FR'\. Closest: "):
        join_places(toy, toy.places[0].name, "Paris, FR")
    with pytest.raises(UnknownPlaceError, match=r"Unknown place '10,0\.5'"):
        join_places(toy, "10,0.5", toy.places[0].name)


def test_route_factor_is_the_median_of_the_datasets_road_links(eurasia: Network) -> None:
    ratios = []
    for link in eurasia.links:
        if link.mode == "road":
            a, b = eurasia.place_by_id[link.from_], eurasia.place_by_id[link.to]
            ratios.append(link.distance_km / great_circle_km(a.lat, a.lon, b.lat, b.lon))
    assert route_factor(eurasia) == pytest.approx(statistics.median(ratios))
    assert 1.14 <= route_factor(eurasia) <= 1.32  # the factors the records' notes state


def test_join_adds_one_way_road_links_to_the_nearest_terminals(eurasia: Network) -> None:
    joined, origin, destination = join_places(eurasia, "Paris, FR", "Xian")
    assert destination == "xian" and origin == "geonames-2988507" and joined is not eurasia
    added = joined.links[len(eurasia.links) :]
    paris = joined.place_by_id[origin]
    terminals = sorted(
        (great_circle_km(paris.lat, paris.lon, p.lat, p.lon), p.id) for p in eurasia.places if p.kind != "border"
    )
    assert [link.to for link in added] == [pid for _, pid in terminals[:3]]  # Rotterdam, Duisburg, Milan
    template = eurasia.link_by_id["rotterdam-duisburg-road"]  # the road link nearest to Paris
    for link, (km, _) in zip(added, terminals, strict=False):
        assert link.from_ == origin and not link.bidirectional and link.mode == "road" and link.corridors == ["*"]
        assert link.distance_km == pytest.approx(km * route_factor(eurasia), abs=0.1)
        per_km = template.tariff_usd / template.distance_km  # type: ignore[operator]
        assert link.tariff_usd == pytest.approx(per_km * link.distance_km)
        assert link.speed_kmh == template.speed_kmh and link.emission_factor == template.emission_factor
        assert link.estimated and "euro-road-2025" in link.source and "estimate" in link.source
    assert eurasia.links == joined.links[: len(eurasia.links)]  # the network itself is not changed


def test_a_routed_city_starts_with_its_road_leg(eurasia: Network) -> None:
    found = route(eurasia, "Paris, FR", "Xian", optimize="time", depart="2026-03-01", timing_samples=500)
    first = found.legs[0]
    assert found.origin == "Paris, FR" and first.mode == "road" and first.from_place == "Paris, FR"
    assert first.element.startswith("road-access-geonames-2988507-")
    assert found.timing is not None and found.timing.p50_days > 0
    # on the network from the terminal, the same trip as named from there: the road leg comes first
    terminal = first.to_id
    onward = route(eurasia, terminal, "Xian", optimize="time", depart="2026-03-01", timing_samples=500)
    assert found.hours > onward.hours and found.cost_usd > onward.cost_usd


def test_compare_from_coordinates_to_a_city(eurasia: Network) -> None:
    result = compare(eurasia, "43.2,76.9", "Wroclaw", depart="2026-03-01", timing_samples=500)
    assert result.origin.startswith("43.2,76.9") and result.destination == "Wrocław, PL"
    for option in result.options:
        assert option.legs[0].mode == "road" and option.legs[-1].mode == "road"
        assert option.legs[-1].to_place == "Wrocław, PL"


def test_a_city_is_never_a_way_through(eurasia: Network) -> None:
    joined, _, _ = join_places(eurasia, "Paris, FR", "Wroclaw")
    paris, wroclaw = "geonames-2988507", "geonames-3081368"
    assert all(link.to != paris for link in joined.links) and all(link.from_ != wroclaw for link in joined.links)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"-?\d{1,3}(\.\d{0,6})?\s?[,; ]\s?-?\d{1,4}(\.\d{0,6})?", fullmatch=True),
        st.from_regex(r"[A-Za-z]{2} ?[A-Za-z2-9]{3}", fullmatch=True),
        st.from_regex(r"[A-Za-z ]{1,20}, ?[A-Za-z]{2}(-[A-Z0-9]{1,3})?", fullmatch=True),
    )
)
def test_fuzzed_places_resolve_or_raise_a_corridor_error(eurasia: Network, text: str) -> None:
    try:
        found = locate(eurasia, text)
    except CorridorError as error:
        assert str(error)
        return
    if isinstance(found, OffNetwork):
        assert -90 <= found.lat <= 90 and -180 <= found.lon <= 180 and len(found.country) == 2


def test_access_distance_bound(eurasia: Network) -> None:
    # within the bound a place joins; every added link is at most the bound times the route factor long
    joined, _, _ = join_places(eurasia, "Tehran", "Mashhad")
    added = joined.links[len(eurasia.links) :]
    assert added and all(link.distance_km <= ACCESS_MAX_KM * route_factor(eurasia) for link in added)


def test_a_scenarios_queues_reach_a_trip_from_a_city_off_the_network(eurasia: Network) -> None:
    from corridor.routing.search import _joined
    from corridor.scenarios.files import load_scenario
    from corridor.services.trips import compare_trip, scenario_times

    under = scenario_times(eurasia, load_scenario("base-2024", eurasia), on=date(2026, 3, 1))
    assert under.durations.congestion is not None
    joined, origin, _, durations = _joined(under.network, "Paris, FR", "Xian", under.durations)
    assert durations is not None and durations.network is joined and origin == "geonames-2988507"
    assert durations.congestion is under.durations.congestion  # the same queueing waits on the joined network
    loaded, _ = compare_trip(eurasia, "Paris, FR", "Xian", under=under, depart="2026-03-01", corridors=["middle"])
    assert loaded.options[0].legs[0].from_place == "Paris, FR" and loaded.options[0].legs[0].mode == "road"
