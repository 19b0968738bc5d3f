"""The arcs of the virtual network a shipment may not use: not allowed for its commodity, or avoided."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.avoid import Avoid
from corridor.dataset.vocab import MODES, PASSAGES
from corridor.model.graph import VirtualGraph

__all__ = ["blocked_arcs"]


def blocked_arcs(graph: VirtualGraph, commodity_index: int, rules: Avoid) -> NDArray[np.bool_]:
    """Arcs a shipment of this commodity may not use: not allowed for it, or touching what ``rules`` avoid."""
    blocked: NDArray[np.bool_] = ~graph.allowed[:, commodity_index]
    country_cols = [i for i, code in enumerate(graph.country_codes) if code in rules.countries]
    if country_cols:
        blocked |= graph.countries[:, country_cols].any(axis=1)
    passage_cols = [PASSAGES.index(p) for p in rules.passages]
    if passage_cols:
        blocked |= graph.passages[:, passage_cols].any(axis=1)
    if rules.modes:
        blocked |= np.isin(graph.mode, [MODES.index(m) for m in rules.modes])
    return blocked
