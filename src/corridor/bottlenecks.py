"""Bottleneck ranking: v/c and delay at equilibrium, shadow prices under hard capacities.

A corridor dataset is ranked at its corridor-choice equilibrium (:func:`corridor_bottlenecks`), the equilibrium
that scenario runs report, so the same year and demand give one ranking whichever command asks; any other
FlowNetwork (a TNTP network, a demand file) at its user equilibrium (:func:`rank_bottlenecks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corridor.flownet import FlowNetwork

if TYPE_CHECKING:
    from corridor.network import Network

__all__ = ["corridor_bottlenecks", "rank_bottlenecks"]


def rank_bottlenecks(network: FlowNetwork, *, top: int | None = None, gap: float = 1e-4) -> dict[str, Any]:
    """Every capacity element with its equilibrium volume, v/c and delay, and its LP shadow price.

    Ranked by v/c, then delay, then shadow price. The shadow price is what one more tonne a year of capacity
    saves in generalized cost under hard capacities, converted to USD per tonne with the classes' value of time.
    """
    from corridor.assignment import assign
    from corridor.capacity import capacitated_flow

    demand = network.demand
    if demand is None:
        from corridor.errors import InvalidOptionError

        raise InvalidOptionError(f"Network {network.name!r} has no demand")
    eq = assign(network, demand, algorithm="bfw", gap=gap)
    lp = capacitated_flow(network, demand)
    weights = np.array([c.total for c in demand.classes])
    vots = np.array([c.value_of_time for c in demand.classes])
    vot = float((weights * vots).sum() / weights.sum()) if weights.sum() > 0 else float(vots.mean())
    frame = eq.elements_frame()
    frame["lp_volume"] = lp.element_volume
    frame["shadow_price"] = lp.shadow_price
    frame = frame[np.isfinite(frame["capacity"]) & (frame["capacity"] > 0)]
    frame = frame.sort_values(["vc", "delay", "shadow_price"], ascending=False, kind="stable").reset_index(drop=True)
    if top is not None:
        frame = frame.head(top)
    rows = [
        {
            "rank": i + 1,
            "element": str(r.element),
            "label": str(r.label),
            "kind": str(r.kind),
            "volume_t": float(r.volume),
            "capacity_t": float(r.capacity),
            "utilization": float(r.vc),
            "delay_hours": float(r.delay),
            "lp_volume_t": float(r.lp_volume),
            "shadow_price_hours_per_t": float(r.shadow_price),
            "shadow_price_usd_per_t": float(r.shadow_price) * vot,
        }
        for i, r in enumerate(frame.itertuples())
    ]
    return {
        "network": network.name,
        "year": demand.year,
        "demand_t": demand.total,
        "relative_gap": eq.relative_gap,
        "unserved_t": float(lp.unserved_total),
        "value_of_time_usd_per_t_hour": vot,
        "bottlenecks": rows,
    }


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

    Ranked by :func:`corridor.choice.rank_elements` (utilization, then mean delay), as scenario runs rank them;
    the shadow price of each element's capacity comes from the hard-capacity LP on the same year's demand.
    """
    from corridor.capacity import capacitated_flow
    from corridor.choice import rank_elements, year_equilibrium
    from corridor.errors import InvalidOptionError
    from corridor.freight import flow_network

    if year is None:
        if not network.demand_years:
            raise InvalidOptionError("The dataset has no demand table: give a demand file.")
        year = network.demand_years[-1]
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
