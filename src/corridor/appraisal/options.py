"""The appraisal's inputs as people write them: a rate (``6%``), a budget (``USD 3 bn``), a span (``2025:2030``)."""

from __future__ import annotations

import math
import re

from corridor.errors import InvalidOptionError

__all__ = ["CURRENCIES", "parse_budget", "parse_rate", "parse_span"]

#: currencies a budget may be given in, and USD per unit (ECB 2024 average for EUR: 1.0824 USD a EUR)
CURRENCIES: dict[str, float] = {"USD": 1.0, "EUR": 1.0824}
_SCALE = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_BUDGET = re.compile(r"^\s*([A-Za-z]{3})\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")
_RATE = re.compile(r"^\s*([+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(%?)\s*$")
_SPAN = re.compile(r"^\s*(\d{4})\s*(?::\s*(\d{4}))?\s*$")


def parse_rate(text: str | float, *, what: str = "discount rate") -> float:
    """A rate a year from ``6%``, ``6 %`` or ``0.06``: from 0 to below 100%.

    Raises
    ------
    InvalidOptionError
        Naming the value and what is valid.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        match = _RATE.match(str(text))
        if not match:
            raise InvalidOptionError(f"{what} {text!r} is not a rate; write it as 6% or 0.06.")
        value = float(match.group(1)) / (100.0 if match.group(2) else 1.0)
    if not math.isfinite(value) or value < 0 or value >= 1:
        raise InvalidOptionError(f"{what} {text!r} is not a rate from 0 to below 100% a year (e.g. 3%, 5%, 6%).")
    return value


def parse_budget(text: str) -> float:
    """A budget in USD from ``USD 3 bn``, ``EUR 500 million`` or ``USD 2500000000``.

    Raises
    ------
    InvalidOptionError
        For a budget without a currency, in an unknown currency or scale, or not above zero, naming the value and
        the valid currencies and scales.
    """
    match = _BUDGET.match(text or "")
    valid = f"currencies: {', '.join(CURRENCIES)}; scales: m, million, bn, billion (e.g. 'USD 3 bn')"
    if not match:
        raise InvalidOptionError(f"budget {text!r} is not a currency and an amount; {valid}.")
    currency, amount, scale = match.group(1).upper(), match.group(2).replace(",", "").replace("_", ""), match.group(3)
    if currency not in CURRENCIES:
        raise InvalidOptionError(f"budget {text!r}: unknown currency {match.group(1)!r}; {valid}.")
    if scale.lower() not in _SCALE:
        raise InvalidOptionError(f"budget {text!r}: unknown scale {scale!r}; {valid}.")
    value = float(amount) * _SCALE[scale.lower()] * CURRENCIES[currency]
    if not math.isfinite(value) or value <= 0 or value > 1e13:
        raise InvalidOptionError(f"budget {text!r} is not an amount above zero and at most USD 10 trillion.")
    return value


def parse_span(text: str) -> tuple[int, int]:
    """The first and last year of ``2025:2030`` (or one year, ``2027``), each from 1990 to 2100.

    Raises
    ------
    InvalidOptionError
    """
    match = _SPAN.match(text or "")
    if not match:
        raise InvalidOptionError(f"years {text!r} is not FIRST:LAST (e.g. 2025:2030).")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 1990 <= first <= last <= 2100:
        raise InvalidOptionError(f"years {text!r}: the first year is after the last, or outside 1990 to 2100.")
    return first, last
