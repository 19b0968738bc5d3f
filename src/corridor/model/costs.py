"""Cargo units, tariff conversion and generalized cost.

Tariffs and fees are stored per FEU, per TEU or per tonne; a query asks for FEU, TEU, dry-bulk tonnes (``t``) or
liquid-bulk tonnes (``liquid``). Conversions use the dataset's ``feu_to_teu_price_ratio`` (an FEU costs that many
times a TEU) and payloads per container (``payload_t_per_teu``, ``payload_t_per_feu``), all sourced in dataset.yaml.
Bulk is priced per tonne of its own commodity where bulk_tariffs.csv has a rate (``corridor.model.bulk``, compiled
into the graph's per-tonne column), so the container conversions only reach bulk where the table is silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.vocab import CARGOES, COMMODITIES
from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.dataset.records import DatasetInfo
    from corridor.model.graph import VirtualGraph

__all__ = ["Cargo", "arc_cost_usd", "parse_cargo"]


@dataclass(frozen=True, slots=True)
class Cargo:
    """A cargo unit and the quantity shipped, with the conversions of the dataset it is priced in."""

    unit: str  # FEU, TEU, t, liquid
    quantity: float
    commodity: str
    payload_t: float  # tonnes of goods per unit
    feu_equivalent: float  # how many FEU one unit counts as (for value of time)
    per_unit: tuple[float, float, float]  # USD of one unit per USD of tariff quoted per FEU, per TEU, per t

    @property
    def commodity_index(self) -> int:
        return COMMODITIES.index(self.commodity)

    @property
    def label(self) -> str:
        return {"t": "t (dry bulk)", "liquid": "t (liquid bulk)"}.get(self.unit, self.unit)


def default_value_of_time_usd_per_t_hour(info: DatasetInfo) -> float:
    """The dataset's value of time in the API's one unit, USD per tonne of goods per hour.

    The dataset quotes it per FEU-hour (``value_of_time_usd_per_feu_hour``, what a forwarder prices); spread over an
    FEU's payload (``payload_t_per_feu``) it applies alike to boxes, bulk and liquids, and to a shipment of any size
    (times its tonnes). Every engine that prices time (routing, assignment, choice, appraisal) reads this one value.

    Examples
    --------
    >>> import corridor
    >>> from corridor.model.costs import default_value_of_time_usd_per_t_hour
    >>> info = corridor.load_network().info
    >>> round(default_value_of_time_usd_per_t_hour(info), 3)
    0.25
    """
    return float(info.value_of_time_usd_per_feu_hour.value / info.payload_t_per_feu.value)


def parse_cargo(unit: str, info: DatasetInfo, *, quantity: float = 1.0) -> Cargo:
    """Check the cargo unit and quantity and attach the dataset's conversions.

    Raises
    ------
    InvalidOptionError
        For an unknown unit or a quantity that is not a positive finite number.
    """
    canonical = {key.lower(): key for key in CARGOES}.get(unit.strip().lower())
    if canonical is None:
        raise InvalidOptionError(f"Unknown cargo {unit!r}; valid: {', '.join(CARGOES)}")
    if not np.isfinite(quantity) or quantity <= 0:
        raise InvalidOptionError(f"Quantity {quantity!r} must be a positive number")
    ratio = info.feu_to_teu_price_ratio.value
    teu_t, feu_t = info.payload_t_per_teu.value, info.payload_t_per_feu.value
    if canonical == "FEU":
        return Cargo("FEU", quantity, "container", feu_t, 1.0, (1.0, ratio, feu_t))
    if canonical == "TEU":
        return Cargo("TEU", quantity, "container", teu_t, 1.0 / ratio, (1.0 / ratio, 1.0, teu_t))
    return Cargo(canonical, quantity, CARGOES[canonical], 1.0, 1.0 / feu_t, (1.0 / feu_t, 1.0 / teu_t, 1.0))


def arc_cost_usd(graph: VirtualGraph, cargo: Cargo) -> NDArray[np.float64]:
    """Cost of every arc for the whole shipment, in USD."""
    per_unit = graph.cost[:, cargo.commodity_index, :] @ np.asarray(cargo.per_unit)
    result: NDArray[np.float64] = per_unit * cargo.quantity
    return result
