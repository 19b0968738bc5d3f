"""The assignment's progress as a fraction of the way to the gap asked."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.limits import GAP
from corridor.services.flows import gap_progress


def _reported(target: float, gap: float) -> float:
    seen: list[float] = []
    assert gap_progress(lambda fraction, message: seen.append(fraction), target)(3, gap) is True
    return seen[0]


@given(
    target=st.floats(min_value=GAP.low, max_value=GAP.high, exclude_min=True),
    gap=st.floats(allow_nan=True, allow_infinity=True),
)
def test_any_target_a_job_may_ask_and_any_gap_give_a_fraction(target: float, gap: float) -> None:
    fraction = _reported(target, gap)
    assert 0.0 <= fraction <= 0.99 and math.isfinite(fraction)


def test_the_fraction_is_the_way_in_orders_of_magnitude() -> None:
    assert _reported(1e-4, 1e-2) == pytest.approx(0.5)
    assert _reported(1e-4, 1e-5) == 0.99  # past the target, not yet stopped
    assert _reported(1.0, 5e-4) == 0.99  # a target of 1 is met by any gap below it (was a division by zero)
    assert _reported(1e-4, 2.0) == 0.0
