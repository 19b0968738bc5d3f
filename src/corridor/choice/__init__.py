"""Corridor choice: multinomial and nested logit on generalized cost, in equilibrium with congestion, calibrated."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "ChoiceModel",
    "build_markets",
    "calibrate",
    "equilibrium",
    "load_choice_model",
    "rank_elements",
    "year_equilibrium",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ChoiceModel": "corridor.choice.logit",
        "build_markets": "corridor.choice.logit",
        "equilibrium": "corridor.choice.logit",
        "year_equilibrium": "corridor.choice.logit",
        "calibrate": "corridor.choice.logit",
        "load_choice_model": "corridor.choice.logit",
        "rank_elements": "corridor.choice.logit",
    },
)
