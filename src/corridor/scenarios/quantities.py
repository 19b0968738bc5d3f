"""Quantities in scenario files: unit words by dimension, the dimension of each changeable field, parse_quantity."""

from __future__ import annotations

import math
import re
from typing import Any

from corridor.limits import QUANTITY_VALUE

__all__ = ["FIELD_DIMENSION", "REFERENCE", "REFERENCE_FIELDS", "UNITS", "dimension_of", "parse_quantity"]

#: Unit words by dimension, with their factor to the dataset's unit of that dimension.
UNITS: dict[str, dict[str, float]] = {
    "tonnes_per_year": {"t": 1.0, "kt": 1e3, "mt": 1e6},
    "megatonnes_per_year": {"t": 1e-6},  # the oil layer's fields are in Mt: "6 Mt" reads as 6e6 t, here 6.0
    "teu_per_year": {"teu": 1.0, "kteu": 1e3},
    "wagons_per_year": {"wagons": 1.0},
    "trains_per_year": {"trains": 1.0},
    "hours": {"h": 1.0, "hours": 1.0, "d": 24.0, "days": 24.0, "min": 1 / 60},
    "usd": {"usd": 1.0},
    "km_per_h": {"km/h": 1.0},
    "km": {"km": 1.0},
    "per_week": {"/week": 1.0, "/day": 7.0, "/month": 12 / 52.1775},
    "fraction": {"%": 0.01},
    "mw": {"mw": 1.0, "gw": 1e3},
    "twh": {"twh": 1.0, "gwh": 1e-3},
    "count": {},
}
_NUMBER = r"[-+]?(?:\d[\d_,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?:(usd)\s*({_NUMBER})|({_NUMBER})\s*(k|m)?\s*([^\d\s].*?)?)\s*$", re.IGNORECASE)

#: The dimension of each settable field, by table; capacity units follow the record's own unit.
FIELD_DIMENSION: dict[str, dict[str, str]] = {
    "links": {
        "distance_km": "km",
        "speed_kmh": "km_per_h",
        "hours": "hours",
        "tariff_usd": "usd",
        "tariff_low_usd": "usd",
        "tariff_high_usd": "usd",
        "emission_factor": "reference",  # electrification: rail-diesel -> rail-electric-kz
    },
    "transfers": {"hours_low": "hours", "hours_typical": "hours", "hours_high": "hours", "cost_usd": "usd"},
    "services": {
        "departures_per_week": "per_week",
        "capacity_per_departure": "capacity",
        "max_wait_hours": "hours",
        "departure_hour": "hours",
    },
    "capacities": {
        "capacity_per_year": "capacity",
        "capacity_low": "capacity",
        "capacity_high": "capacity",
        "t0_hours": "hours",
    },
    "weather": {
        "closed_probability": "fraction",
        "hours_low": "hours",
        "hours_typical": "hours",
        "hours_high": "hours",
    },
    "delays": {"factor_low": "count", "factor_typical": "count", "factor_high": "count"},
    "berths": {"berths": "count", "hours_low": "hours", "hours_typical": "hours", "hours_high": "hours"},
    "demand": {"tonnes_per_year": "tonnes_per_year", "tonnes_low": "tonnes_per_year", "tonnes_high": "tonnes_per_year"},
    "oil_nodes": {
        "production_mt": "megatonnes_per_year",
        "production_low_mt": "megatonnes_per_year",
        "production_high_mt": "megatonnes_per_year",
        "throughput_mt": "megatonnes_per_year",
        "fee_usd_per_t": "usd",
    },
    "oil_links": {
        "capacity_mt": "megatonnes_per_year",
        "capacity_low_mt": "megatonnes_per_year",
        "capacity_high_mt": "megatonnes_per_year",
        "other_use_mt": "megatonnes_per_year",
        "tariff_usd_per_t": "usd",
        "tariff_low_usd_per_t": "usd",
        "tariff_high_usd_per_t": "usd",
    },
    "power_plants": {"capacity_mw": "mw", "marginal_cost_usd_per_mwh": "count"},
    "power_lines": {"capacity_mw": "mw", "loss_fraction": "fraction"},
    "power_demand": {"energy_twh": "twh"},
    "power_nodes": {"price_usd_per_mwh": "count"},
    "rail_fleet": {"units": "count", "on_order": "count", "share_for_transit": "fraction"},
    "bulk_tariffs": {"rate_usd": "usd", "rate_low_usd": "usd", "rate_high_usd": "usd"},
}
#: The dimension of a field whose value names a record of another table (set, never scaled or swept).
REFERENCE = "reference"
#: The table each reference field names, by table.
REFERENCE_FIELDS: dict[str, dict[str, str]] = {"links": {"emission_factor": "emission_factors"}}
_CAPACITY_DIMENSION = {
    "t": "tonnes_per_year",
    "TEU": "teu_per_year",
    "wagons": "wagons_per_year",
    "trains": "trains_per_year",
}


def parse_quantity(text: object, dimension: str) -> float:
    """A number with its unit, in the dataset's unit of ``dimension`` (``6 Mt`` -> 6e6 t a year; ``2 d`` -> 48 h).

    ``count`` takes plain numbers; every other dimension needs a unit. The value must be finite and within
    :data:`corridor.limits.QUANTITY_VALUE`.

    Raises
    ------
    ValueError
        Naming the units that dimension takes, or the bound the value is outside.
    """
    try:
        value = _parse_quantity(text, dimension)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or abs(value) > QUANTITY_VALUE.high:
        shown = str(text) if len(str(text)) <= 30 else f"{str(text)[:12]}...({len(str(text))} characters)"
        raise ValueError(f"{shown!r} is out of range: a quantity is finite and at most {QUANTITY_VALUE.high:g} in size")
    return value


def _parse_quantity(text: object, dimension: str) -> float:
    units = UNITS[dimension]
    valid = _DISPLAY.get(dimension) or ", ".join(units) or "none"
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a quantity")
    if isinstance(text, int | float):
        if dimension == "count":
            return float(text)
        raise ValueError(f"{text!r} has no unit; give one of: {valid} (e.g. {_example(dimension)})")
    match = _QUANTITY.match(str(text))
    if match is None:
        raise ValueError(f"{text!r} is not a number with a unit (e.g. {_example(dimension)})")
    if match.group(1):
        number, prefix, unit = match.group(2), None, "usd"
    else:
        number, prefix, unit = match.group(3), match.group(4), (match.group(5) or "").strip()
    value = float(number.replace("_", "").replace(",", ""))
    written = f"{prefix or ''}{unit}"
    if prefix:
        # "6 Mt" reads as prefix M + unit t; "500k TEU" as 500 x 1000 TEU
        if unit.lower() == "t" or (prefix.lower() == "k" and unit.lower() in ("teu", "t")):
            value *= {"k": 1e3, "m": 1e6}[prefix.lower()]
        else:
            unit = prefix + unit
    key = unit.lower().replace(" ", "").replace("a year", "").replace("/year", "").replace("/yr", "")
    if dimension == "count":
        if key in ("", "x"):
            return value
        raise ValueError(f"{text!r}: a plain number is expected here, without a unit")
    if key == "" or key not in units:
        what = "has no unit" if key == "" else f"has unit {written!r}"
        raise ValueError(f"{text!r} {what}; give one of: {valid} (e.g. {_example(dimension)})")
    return value * units[key]


_DISPLAY = {
    "tonnes_per_year": "t, kt, Mt",
    "megatonnes_per_year": "t, kt, Mt",
    "teu_per_year": "TEU, k TEU",
    "hours": "h, d, min",
    "usd": "USD",
    "per_week": "/week, /day, /month",
    "mw": "MW, GW",
    "twh": "TWh, GWh",
}


def _example(dimension: str) -> str:
    return {
        "tonnes_per_year": "6 Mt",
        "megatonnes_per_year": "6 Mt",
        "teu_per_year": "500000 TEU",
        "wagons_per_year": "20000 wagons",
        "trains_per_year": "7000 trains",
        "hours": "12 h",
        "usd": "USD 250",
        "km_per_h": "50 km/h",
        "km": "105 km",
        "per_week": "14 /week",
        "fraction": "50 %",
        "count": "1.5",
        "mw": "1000 MW",
        "twh": "30 TWh",
    }[dimension]


def dimension_of(table: str, column: str, record: Any) -> str:
    """The dimension of ``table``'s field ``column``; a capacity's follows the unit of its ``record`` (t if none)."""
    dimension = FIELD_DIMENSION[table][column]
    if dimension == "capacity":
        unit = "t" if record is None else str(getattr(record, "capacity_unit", "t"))
        dimension = _CAPACITY_DIMENSION.get(unit, "count")
    return dimension
