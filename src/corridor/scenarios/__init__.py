"""Scenarios: YAML files of changes, closures and policies; applying them; runs, sweeps and reports."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "Scenario",
    "ScenarioResult",
    "apply_scenario",
    "congestion_of",
    "library_names",
    "load_scenario",
    "load_scenario_text",
    "parse_sweep_parameter",
    "run_scenario",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Scenario": "corridor.scenarios.files",
        "load_scenario": "corridor.scenarios.files",
        "load_scenario_text": "corridor.scenarios.files",
        "apply_scenario": "corridor.scenarios.apply",
        "library_names": "corridor.scenarios.files",
        "parse_sweep_parameter": "corridor.scenarios.sweep",
        "run_scenario": "corridor.scenarios.run",
        "ScenarioResult": "corridor.scenarios.run",
        "congestion_of": "corridor.scenarios.run",
    },
)
