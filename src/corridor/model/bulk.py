"""What a tonne of dry or liquid bulk pays on a link or at a transfer, from bulk_tariffs.csv.

Per link of a mode, the most specific row of the commodity prices the tonne (docs/model.md, "Cost"):

    t_km   ->  rate_usd x distance_km
    t      ->  rate_usd
    wagon  ->  rate_usd / payload_t_per_wagon

A link no row prices keeps its container tariff spread over an FEU's payload (``tariff_usd_per_feu /
payload_t_per_feu``). A transfer no row prices charges its own fee once per wagon (its FEU fee over
``payload_t_per_wagon``; over an FEU's payload when the dataset has no wagon payload): a border post or a rail
terminal bills the wagon, which holds about three boxes' worth of bulk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.records import Link, Transfer
    from corridor.dataset.tariff_records import BulkTariff

__all__ = ["BULK_COMMODITIES", "BulkRates", "bulk_rates_of"]

#: The commodities bulk_tariffs.csv prices (containers are priced by links.csv and transfers.csv).
BULK_COMMODITIES = ("dry_bulk", "liquid_bulk")


@dataclass(frozen=True)
class BulkRates:
    """The bulk tariffs of one network, asked link by link and transfer by transfer."""

    network: Network

    def link_row(self, link: Link, commodity: str) -> BulkTariff | None:
        """The most specific row pricing ``commodity`` on ``link`` (the first in the file among equals)."""
        touched = {
            self.network.place_by_id[link.from_].country,
            self.network.place_by_id[link.to].country,
            *link.via_countries,
        }
        best: BulkTariff | None = None
        for row in self.network.bulk_tariffs:
            if row.commodity != commodity or row.mode != link.mode:
                continue
            if row.elements and link.id not in row.elements:
                continue
            if row.countries and not touched <= set(row.countries):
                continue
            if best is None or row.specificity > best.specificity:
                best = row
        return best

    def transfer_row(self, transfer: Transfer, commodity: str) -> BulkTariff | None:
        """The most specific row pricing ``commodity`` at ``transfer`` (the first in the file among equals)."""
        country = self.network.place_by_id[transfer.place].country
        best: BulkTariff | None = None
        for row in self.network.bulk_tariffs:
            if row.commodity != commodity or row.kind != transfer.kind:
                continue
            if row.elements and transfer.id not in row.elements:
                continue
            if row.countries and country not in row.countries:
                continue
            if row.layers and transfer.from_layer not in row.layers and transfer.to_layer not in row.layers:
                continue
            if best is None or row.specificity > best.specificity:
                best = row
        return best

    def usd_per_t(self, row: BulkTariff, distance_km: float = 0.0) -> float:
        """USD a tonne pays under ``row`` over ``distance_km`` (links) or once (transfers)."""
        if row.rate_unit == "t_km":
            return row.rate_usd * distance_km
        if row.rate_unit == "wagon":
            wagon = self.network.info.payload_t_per_wagon
            assert wagon is not None  # checked when the dataset is loaded
            return row.rate_usd / wagon.value
        return row.rate_usd

    def link_usd_per_t(self, link: Link, commodity: str) -> float | None:
        """USD a tonne of ``commodity`` pays on ``link``, or None where no row prices it."""
        row = self.link_row(link, commodity)
        return None if row is None else self.usd_per_t(row, link.distance_km)

    def transfer_usd_per_t(self, transfer: Transfer, commodity: str) -> float:
        """USD a tonne of ``commodity`` pays at ``transfer``: its row, or else the transfer's fee per wagon."""
        row = self.transfer_row(transfer, commodity)
        if row is not None:
            return self.usd_per_t(row)
        info = self.network.info
        if transfer.cost_unit == "t":
            return transfer.cost_usd
        per_feu = transfer.cost_usd * (info.feu_to_teu_price_ratio.value if transfer.cost_unit == "TEU" else 1.0)
        carrier = info.payload_t_per_wagon or info.payload_t_per_feu
        return per_feu / carrier.value


def bulk_rates_of(network: Network) -> BulkRates:
    """The bulk tariffs of ``network``."""
    return BulkRates(network)
