"""Trips: a comparison of corridors, timed from a departure, in the base network or under a scenario's flows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.choice.logit import ChoiceResult
    from corridor.dataset.network import Network
    from corridor.model.durations import DurationModel
    from corridor.routing.results import Comparison
    from corridor.scenarios.files import Scenario

__all__ = ["ScenarioTimes", "compare_trip", "comparison_json", "scenario_times"]


@dataclass(frozen=True)
class ScenarioTimes:
    """A scenario's network on a day and the durations under its year's equilibrium flows."""

    scenario: str
    year: int
    network: Network
    durations: DurationModel
    over_capacity: tuple[dict[str, Any], ...]
    #: the year's corridor-choice equilibrium the queues come from
    chosen: ChoiceResult


def scenario_times(network: Network, scenario: Scenario, *, on: date, seed: int = 0) -> ScenarioTimes:
    """Apply ``scenario`` as of ``on``, find its year's corridor-choice equilibrium and the queueing waits it gives.

    Raises
    ------
    ScenarioError, InvalidOptionError
    """
    from corridor.choice.logit import year_equilibrium
    from corridor.errors import InvalidOptionError
    from corridor.model.durations import durations_of
    from corridor.scenarios.apply import apply_scenario
    from corridor.scenarios.run import congestion_of

    net = apply_scenario(network, scenario, on=on)
    year = scenario.year or (net.demand_years[-1] if net.demand_years else None)
    if year is None or not net.demand_of_year(year):
        raise InvalidOptionError(
            f"Scenario {scenario.name!r} has no demand for its year {year}: its flows, and so its queues, are unknown."
        )
    chosen = year_equilibrium(net, year, seed=seed)
    congestion = congestion_of(net, chosen)
    over = tuple(
        {
            "element": x.element,
            "utilization": round(x.utilization, 4),
            "waiting_t_at_year_end": round(x.waiting_at_year_end),
        }
        for x in congestion.over_capacity()
    )
    return ScenarioTimes(scenario.name, year, net, durations_of(net).with_congestion(congestion), over, chosen)


def compare_trip(
    network: Network,
    origin: str,
    destination: str,
    *,
    scenario: Scenario | None = None,
    under: ScenarioTimes | None = None,
    year: int | None = None,
    depart: date | datetime | str | None = None,
    arrive_by: date | datetime | str | None = None,
    cargo: str = "FEU",
    quantity: float = 1.0,
    avoid: Iterable[str] | str | None = None,
    optimize: str = "generalized",
    corridors: Iterable[str] | None = None,
    value_of_time_usd_per_t_hour: float | None = None,
    carbon_price_usd_per_t: float | None = None,
) -> tuple[Comparison, ScenarioTimes | None]:
    """The best route of each corridor timed from ``depart``; under ``scenario``, with its flows' queueing waits.

    With ``year``, the network as it stood that year (changes.csv) and, without ``depart``, a departure on 15 June
    of it; a scenario then runs on that year's demand. ``under`` gives a scenario's times already found (for many
    trips under one scenario). With ``arrive_by`` instead of ``depart``, each corridor's route is timed from its
    latest departure that arrives by then at the 90th percentile (``corridor.routing.timing.latest_departures``).
    Returns the comparison and, for a scenario, what it was computed under (network, year, over-capacity elements).

    Raises
    ------
    InvalidOptionError
        For a year the dataset does not describe (naming those it does), and bad options.
    """
    import dataclasses

    from corridor.errors import InvalidOptionError
    from corridor.reliability.engine import as_datetime
    from corridor.routing.search import compare
    from corridor.routing.timing import latest_departures
    from corridor.scenarios.years import check_year, network_of_year

    if arrive_by is not None and depart is not None:
        raise InvalidOptionError("Give a departure or a deadline to arrive by, not both.")
    if year is not None:
        check_year(network, year)
        if depart is None and arrive_by is None:
            depart = date(year, 6, 15)
    instant = as_datetime(depart if arrive_by is None else arrive_by)
    if scenario is not None and year is not None:
        scenario = dataclasses.replace(scenario, year=year)
    if under is None and scenario is not None:
        under = scenario_times(network, scenario, on=instant.date())
    if under is not None:
        net = under.network
    elif year is not None:
        net = network_of_year(network, year, on=instant.date())
    else:
        net = network
    options: dict[str, Any] = {
        "cargo": cargo,
        "quantity": quantity,
        "avoid": avoid,
        "optimize": optimize,
        "corridors": tuple(corridors) if corridors else None,
        "value_of_time_usd_per_t_hour": value_of_time_usd_per_t_hour,
        "carbon_price_usd_per_t": carbon_price_usd_per_t,
        "durations": None if under is None else under.durations,
    }
    if arrive_by is not None:
        return latest_departures(net, origin, destination, arrive_by=instant, **options), under
    return compare(net, origin, destination, depart=instant, **options), under


def comparison_json(
    network: Network, origin: str, destination: str, *, legs: bool = True, **options: Any
) -> tuple[dict[str, Any], Comparison]:
    """The JSON of ``corridor compare --json`` and ``GET /v1/compare`` (options as :func:`compare_trip`), and the
    comparison itself; without ``legs``, each option's totals only (``GET /v1/compare`` without ``legs=true``)."""
    comparison, under = compare_trip(network, origin, destination, **options)
    data = comparison.to_dict(legs=legs)
    data["year"] = options.get("year")
    data["scenario"] = (
        None
        if under is None
        else {
            "name": under.scenario,
            "year": under.year,
            "over_capacity": list(under.over_capacity),
        }
    )
    return data, comparison
