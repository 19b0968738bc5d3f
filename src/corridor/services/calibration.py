"""Calibration of corridor choice to the published volumes marked for it in observations.csv, year by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from corridor.choice.logit import Calibration
    from corridor.dataset.network import Network

__all__ = ["calibrate_dataset", "calibration_targets"]


def calibration_targets(network: Network, *, corridor: str = "middle") -> dict[int, float]:
    """Tonnes of ``corridor`` by year from the observations marked for calibration (a year's sources averaged),
    for the years that have demand; the built-in targets for a dataset without such observations."""
    from corridor.choice.logit import CALIBRATION_TARGETS

    found: dict[int, list[float]] = {}
    for obs in network.observations:
        wanted = obs.kind == "volume_t" and obs.unit != "TEU" and obs.scope == f"corridor:{corridor}"
        if obs.used_for == "calibration" and wanted:
            found.setdefault(obs.year, []).append(obs.base_value)
    if not found:
        return dict(CALIBRATION_TARGETS)
    years = set(network.demand_years)
    return {y: sum(v) / len(v) for y, v in sorted(found.items()) if y in years}


def calibrate_dataset(
    network: Network,
    *,
    theta: float = 0.02,
    kind: Literal["mnl", "nested"] = "mnl",
    nest_scale: float = 0.5,
) -> tuple[Calibration, dict[str, Any]]:
    """Fit corridor choice to the calibration targets, each year on its own network (changes.csv), and its JSON.

    Raises
    ------
    InvalidOptionError, SolverError
    """
    from corridor.choice.logit import calibrate
    from corridor.errors import InvalidOptionError
    from corridor.scenarios.years import dataset_years, network_of_year

    targets = calibration_targets(network)
    if not targets:
        raise InvalidOptionError("No calibration target has demand: observations.csv marks none for a demand year.")
    years = set(dataset_years(network))
    networks = {y: network_of_year(network, y) for y in targets if y in years}
    result = calibrate(network, targets=targets, theta=theta, kind=kind, nest_scale=nest_scale, networks=networks)
    data = result.to_dict()
    data["targets_mt"] = {str(y): v / 1e6 for y, v in targets.items()}
    return result, data
