"""Bottleneck ranking of a FlowNetwork: v/c and delay at user equilibrium, shadow prices under hard capacities.

A corridor dataset's own demand is ranked at its corridor-choice equilibrium instead
(``corridor.services.bottlenecks.corridor_bottlenecks``), as scenario runs rank it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corridor.dataset.flownet import FlowNetwork

__all__ = ["rank_bottlenecks"]


def rank_bottlenecks(network: FlowNetwork, *, top: int | None = None, gap: float = 1e-4) -> dict[str, Any]:
    """Every capacity element with its equilibrium volume, v/c and delay, and its LP shadow price.

    Ranked by v/c, then delay, then shadow price. The shadow price is what one more tonne a year of capacity
    saves in generalized cost under hard capacities, converted to USD per tonne with the classes' value of time.
    """
    from corridor.assignment.capacity import capacitated_flow
    from corridor.assignment.solve import assign

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
