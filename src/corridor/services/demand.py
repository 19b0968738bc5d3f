"""Demand of a year generated from trade, as the CLI prints it and the API answers it (one function for both)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.dataset.network import Network

__all__ = ["demand_json"]


def demand_json(network: Network, year: int, *, case: str = "central") -> dict[str, Any]:
    """The generated demand of ``year``: every OD row with its range, totals by region pair, and the fit behind it.

    Raises
    ------
    InvalidOptionError
        For a year without data (naming the years that exist), an unknown case, or a dataset without trade tables.
    """
    from corridor.model.trade import demand_of_year as generate
    from corridor.model.trade import fit_gravity, region_of_place, region_pair_totals, trade_years

    records = generate(network, year, case=case)
    region = region_of_place(network)
    first, last = trade_years(network)
    rows = [
        {
            "id": rec.id,
            "origin": rec.origin,
            "destination": rec.destination,
            "origin_region": region.get(rec.origin),
            "destination_region": region.get(rec.destination),
            "commodity": rec.commodity,
            "tonnes": round(rec.tonnes_per_year, 1),
            "tonnes_low": round(rec.tonnes_low if rec.tonnes_low is not None else rec.tonnes_per_year, 1),
            "tonnes_high": round(rec.tonnes_high if rec.tonnes_high is not None else rec.tonnes_per_year, 1),
            "avoid": list(rec.avoid),
            "note": rec.note,
        }
        for rec in records
    ]
    totals = [
        {
            "origin_region": o,
            "destination_region": d,
            "commodity": c,
            "tonnes": round(t, 1),
            "tonnes_low": round(lo, 1),
            "tonnes_high": round(hi, 1),
        }
        for (o, d, c), (t, lo, hi) in sorted(region_pair_totals(network, records).items())
    ]
    return {
        "year": year,
        "case": case,
        "years": [first, last],
        "tonnes": round(sum(r.tonnes_per_year for r in records), 1),
        "rows": rows,
        "region_pairs": totals,
        "fit": fit_gravity(network).to_dict(),
    }
