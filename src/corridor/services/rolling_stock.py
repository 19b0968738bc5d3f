"""Rolling stock of a year: wagons and locomotives from the corridor-choice equilibrium flows, with the Caspian
ferry fleet the same flows need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.choice.logit import ChoiceResult
    from corridor.dataset.network import Network
    from corridor.reliability.rolling_stock import RollingStock, StockOptions

__all__ = ["CASPIAN_SERVICES", "StockRequest", "directional_tonnes", "rolling_stock_report"]

#: the rail-ferry services whose fleet the report sizes (the fleet model's default crossing)
CASPIAN_SERVICES = ("aktau-alat-ferries", "kuryk-alat-ferries")


@dataclass(frozen=True, kw_only=True)
class StockRequest:
    """What ``corridor rolling-stock`` and ``GET /v1/rolling-stock`` ask for."""

    year: int | None = None
    scenario: str | None = None
    ferries: bool = True
    target_p90_hours: float = 72.0
    seed: int = 0


def directional_tonnes(net: Network, chosen: ChoiceResult) -> dict[str, dict[str, tuple[float, float]]]:
    """Tonnes a year on each link of ``net`` by commodity, each way: (from -> to, to -> from)."""
    import numpy as np

    from corridor.dataset.vocab import COMMODITIES
    from corridor.model.graph import graph_of

    g = graph_of(net)
    e0 = g.n_arcs
    n_copies = len(chosen.link_flow) // e0  # the equilibrium copies the network per commodity, in COMMODITIES order
    is_link = g.link >= 0
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for k, commodity in enumerate(COMMODITIES[:n_copies]):
        part = np.asarray(chosen.link_flow[k * e0 : (k + 1) * e0], dtype=float)
        fwd = np.bincount(g.link[is_link & ~g.reverse], weights=part[is_link & ~g.reverse], minlength=len(net.links))
        bwd = np.bincount(g.link[is_link & g.reverse], weights=part[is_link & g.reverse], minlength=len(net.links))
        for i, link in enumerate(net.links):
            if fwd[i] > 0 or bwd[i] > 0:
                out.setdefault(link.id, {})[commodity] = (float(fwd[i]), float(bwd[i]))
    return out


def rolling_stock_report(
    network: Network, request: StockRequest, options: StockOptions | None = None
) -> tuple[RollingStock, dict[str, Any] | None]:
    """The rolling stock of the year's equilibrium flows (under the scenario, if named) and the Caspian ferry fleet.

    Raises
    ------
    InvalidOptionError, ScenarioError
        For a year without demand, a bad scenario or options out of range.
    """
    from corridor.choice.logit import year_equilibrium
    from corridor.errors import InvalidOptionError
    from corridor.reliability.rolling_stock import StockOptions, rolling_stock
    from corridor.scenarios.years import dataset_years, network_of_year

    options = options or StockOptions()
    options.check()  # before the equilibrium, which takes a while
    year = request.year
    if request.scenario is not None:
        from corridor.scenarios.apply import apply_scenario
        from corridor.scenarios.files import load_scenario

        scenario = load_scenario(request.scenario, network)
        network = apply_scenario(network, scenario)
        year = year if year is not None else scenario.year
    if year is None:
        if not network.demand_years:
            raise InvalidOptionError("The dataset has no demand table: give --year with a dataset that has demand.")
        year = network.demand_years[-1]
    if request.scenario is None and request.year is not None and network.trade:
        from corridor.scenarios.years import check_year

        check_year(network, year)  # names every year with data, those trade generates among them
    if request.scenario is None and year in dataset_years(network):
        network = network_of_year(network, year)
    chosen = year_equilibrium(network, year, seed=request.seed)
    tonnes = directional_tonnes(network, chosen)
    stock = rolling_stock(network, tonnes, year=year, options=options)
    ferries = _ferries(network, tonnes, request, options) if request.ferries else None
    return stock, ferries


def _ferries(
    network: Network, tonnes: dict[str, dict[str, tuple[float, float]]], request: StockRequest, options: StockOptions
) -> dict[str, Any] | None:
    """The Caspian rail-ferry fleet for the wagons on the crossing's links (each wagon a slot of 2 TEU, as the fleet
    model counts them), sized by the fleet model (``corridor fleet``) to a 90th-percentile wait in port."""
    from corridor.reliability.fleet import crossing_from_network, size_fleet
    from corridor.reliability.rolling_stock import wagon_payloads

    services = [s for s in CASPIAN_SERVICES if s in network.service_by_id]
    if not services:
        return None
    payload = wagon_payloads(network, options)
    wagons = {
        s: sum(
            (a + b) / payload[commodity]
            for lid in network.service_by_id[s].links
            for commodity, (a, b) in tonnes.get(lid, {}).items()
        )
        for s in services
    }
    carried = {
        s: sum(a + b for lid in network.service_by_id[s].links for a, b in tonnes.get(lid, {}).values())
        for s in services
    }
    total = sum(wagons.values())
    base = {
        "services": services,
        "tonnes_by_service": {k: round(v, 0) for k, v in carried.items()},
        "wagons_by_service": {k: round(v, 0) for k, v in wagons.items()},
        "teu_per_wagon": 2.0,
    }
    if total <= 0:
        return {**base, "volume_teu": 0.0, "ferries": 0, "note": "no flow crosses"}
    crossing = crossing_from_network(network, services=services, shares=[wagons[s] / total for s in services])
    fleet = size_fleet(
        crossing,
        volume_per_year=total * 2.0,
        target_p90_wait_hours=request.target_p90_hours,
        replications=2,
        seed=request.seed,
    )
    return {**base, "volume_teu": round(total * 2.0, 0), "target_p90_wait_hours": request.target_p90_hours,
            **fleet.to_dict()}  # fmt: skip
