"""Appraisal: which investments pay (cost-benefit analysis), which a budget should buy, where centres should go."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "Appraisal",
    "CostProfile",
    "Parameters",
    "appraise",
    "default_parameters",
    "project_effects",
    "project_of",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Appraisal": "corridor.appraisal.cba",
        "CostProfile": "corridor.appraisal.cba",
        "Parameters": "corridor.appraisal.cba",
        "appraise": "corridor.appraisal.cba",
        "default_parameters": "corridor.appraisal.cba",
        "project_effects": "corridor.appraisal.effects",
        "project_of": "corridor.appraisal.projects",
    },
)
