"""Bottlenecks of a corridor dataset at the corridor-choice equilibrium that scenario runs report: one ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = ["corridor_bottlenecks"]


def corridor_bottlenecks(
    network: Network,
    *,
    year: int | None = None,
    demand_scale: float = 1.0,
    capacity_scale: float = 1.0,
    top: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The capacity elements of a corridor dataset at the corridor-choice equilibrium of ``year``.

    Ranked by :func:`corridor.choice.logit.rank_elements` (utilization, then mean delay), as scenario runs rank them;
    the shadow price of each element's capacity comes from the hard-capacity LP on the same year's demand.
    """
    from corridor.assignment.capacity import capacitated_flow
    from corridor.choice.logit import rank_elements, year_equilibrium
    from corridor.errors import InvalidOptionError
    from corridor.model.freight import flow_network
    from corridor.scenarios.years import dataset_years, network_of_year

    if year is None:
        if not network.demand_years:
            raise InvalidOptionError("The dataset has no demand table: give a demand file.")
        year = network.demand_years[-1]
    elif network.trade:
        from corridor.scenarios.years import check_year

        check_year(network, year)  # names every year with data, those trade generates among them
    network = network_of_year(network, year) if year in dataset_years(network) else network
    chosen = year_equilibrium(network, year, seed=seed, demand_scale=demand_scale, capacity_scale=capacity_scale)
    fn = flow_network(network, year=year, demand_scale=demand_scale, capacity_scale=capacity_scale)
    assert fn.demand is not None
    lp = capacitated_flow(fn, fn.demand)
    weights = np.array([c.total for c in fn.demand.classes])
    vots = np.array([c.value_of_time for c in fn.demand.classes])
    vot = float((weights * vots).sum() / weights.sum()) if weights.sum() > 0 else float(vots.mean())
    index = {e: i for i, e in enumerate(fn.element_ids)}
    kinds, labels = fn.element_kinds, fn.element_labels
    ranked = [r for r in rank_elements(chosen.element_rows()) if r["capacity"] > 0]
    rows = []
    for rank, r in enumerate(ranked[:top] if top is not None else ranked, start=1):
        i = index[str(r["element"])]
        rows.append(
            {
                "rank": rank,
                "element": str(r["element"]),
                "label": labels[i],
                "kind": kinds[i],
                "volume_t": float(r["volume"]),
                "capacity_t": float(r["capacity"]),
                "utilization": float(r["utilization"]),
                "delay_hours": float(r["delay_hours"]),
                "lp_volume_t": float(lp.element_volume[i]),
                "shadow_price_hours_per_t": float(lp.shadow_price[i]),
                "shadow_price_usd_per_t": float(lp.shadow_price[i]) * vot,
            }
        )
    return {
        "network": network.info.name,
        "year": year,
        "demand_t": fn.demand.total,
        "model": "corridor choice equilibrium",
        "relative_gap": chosen.gap,
        "unserved_t": float(lp.unserved_total),
        "value_of_time_usd_per_t_hour": vot,
        "bottlenecks": rows,
    }
