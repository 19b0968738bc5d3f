"""Greenhouse-gas accounting per leg after ISO 14083 and the GLEC Framework.

Transport:  co2e_kg = payload_t x distance_km x factor_g_per_tkm / 1000, per leg, with the factor of the link's
vehicle and energy; tank-to-wheel (TTW) and well-to-wheel (WTW) are kept apart.
Hubs:       co2e_kg = payload_t x factor_kg_per_t at every transfer that names a hub factor.
Each factor carries its data-quality flag (primary, modelled, default) from emission_factors.csv.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from corridor.model.costs import Cargo
    from corridor.model.graph import VirtualGraph

__all__ = ["TTW", "WTW", "arc_co2e_kg"]

TTW, WTW = 0, 1


def arc_co2e_kg(graph: VirtualGraph, cargo: Cargo, *, scope: int = WTW) -> NDArray[np.float64]:
    """Emissions of every arc for the whole shipment, in kg CO2e (``scope`` TTW or WTW)."""
    grams_per_t = graph.co2e_g_per_t[:, cargo.commodity_index, scope]
    result: NDArray[np.float64] = grams_per_t * (cargo.payload_t * cargo.quantity / 1000.0)
    return result
