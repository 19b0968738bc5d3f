"""Calibration of corridor choice to the published volumes marked for it in observations.csv, year by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from corridor.choice.logit import Calibration, ChoiceResult
    from corridor.dataset.network import Network

__all__ = ["calibrate_dataset", "calibration_targets", "commodity_scopes", "commodity_targets"]


def commodity_targets(network: Network, year: int, *, corridor: str = "middle") -> dict[str, float]:
    """Other calibration volumes of ``year``: TEU by corridor (``corridor:container``, at the dataset's payload a
    TEU, as validation counts them) and tonnes of corridors other than ``corridor`` (``corridor``), each from the
    observations marked for calibration; several sources of one target are averaged."""
    payload = network.info.payload_t_per_teu.value
    found: dict[str, list[float]] = {}
    for obs in network.observations:
        prefix, _, cid = (obs.scope or "").partition(":")
        if obs.used_for != "calibration" or obs.kind != "volume_t" or obs.year != year:
            continue
        if prefix == "crossing" and obs.unit == "TEU":  # containers counted where they cross (commodity_scopes)
            found.setdefault(f"{corridor}:container", []).append(obs.base_value * payload)
        elif prefix != "corridor":
            continue
        elif obs.unit == "TEU":
            found.setdefault(f"{cid}:container", []).append(obs.base_value * payload)
        elif cid != corridor:
            found.setdefault(cid, []).append(obs.base_value)
    return {k: sum(v) / len(v) for k, v in sorted(found.items())}


def commodity_scopes(network: Network, year: int, *, corridor: str = "middle") -> dict[str, str]:
    """The targets of :func:`commodity_targets` counted where the cargo crosses rather than as a corridor's volume:
    ``{"middle:container": "crossing:caspian"}`` for a TEU count of the Caspian crossing marked for calibration
    (its containers fit ``corridor``'s container constant)."""
    return {
        f"{corridor}:container": obs.scope or ""
        for obs in network.observations
        if obs.used_for == "calibration"
        and obs.kind == "volume_t"
        and obs.year == year
        and obs.unit == "TEU"
        and (obs.scope or "").startswith("crossing:")
    }


def _measures(net: Network, scopes: dict[str, str]) -> dict[str, Callable[[ChoiceResult], float]]:
    """For each scoped target, the containers an equilibrium on ``net`` carries across its crossing, in tonnes."""
    from corridor.services.validation import link_filter, tonnes_on

    def measure(select: Callable[[Any], bool]) -> Callable[[ChoiceResult], float]:
        return lambda result: tonnes_on(net, result, select, ("container",))

    return {key: measure(link_filter(net, *scope.split(":", 1))) for key, scope in scopes.items()}


def calibration_targets(network: Network, *, corridor: str = "middle") -> dict[int, float]:
    """Tonnes of ``corridor`` by year from the observations marked for calibration (a year's sources averaged),
    for the years the dataset describes; the built-in targets for a dataset without such observations."""
    from corridor.choice.logit import CALIBRATION_TARGETS

    found: dict[int, list[float]] = {}
    for obs in network.observations:
        wanted = obs.kind == "volume_t" and obs.unit != "TEU" and obs.scope == f"corridor:{corridor}"
        if obs.used_for == "calibration" and wanted:
            found.setdefault(obs.year, []).append(obs.base_value)
    if not found:
        return dict(CALIBRATION_TARGETS)
    from corridor.scenarios.years import dataset_years

    years = set(dataset_years(network))  # years with demand: the table's and those trade generates
    return {y: sum(v) / len(v) for y, v in sorted(found.items()) if y in years}


def calibrate_dataset(
    network: Network,
    *,
    theta: float | None = None,
    kind: Literal["mnl", "nested"] = "mnl",
    nest_scale: float = 0.5,
    progress: Callable[[float, str], object] | None = None,
) -> tuple[Calibration, dict[str, Any]]:
    """Fit corridor choice to the calibration targets, each year on its own network (changes.csv), and its JSON.

    The fit starts from the dataset's stored constants (choice.yaml) when theta, kind and nest scale are theirs.
    ``progress(fraction, stage)`` is called as the fit goes (``corridor.choice.logit.calibrate``).

    Raises
    ------
    InvalidOptionError, SolverError
    """
    from corridor.choice.logit import DEFAULT_THETA, calibrate, load_choice_model
    from corridor.errors import InvalidOptionError
    from corridor.scenarios.years import dataset_years, network_of_year

    theta = DEFAULT_THETA if theta is None else theta
    targets = calibration_targets(network)
    if not targets:
        raise InvalidOptionError("No calibration target has demand: observations.csv marks none for a demand year.")
    years = set(dataset_years(network))
    networks = {y: network_of_year(network, y) for y in targets if y in years}
    last = max(targets)
    extra = commodity_targets(network, last)
    measures = _measures(networks.get(last, network), commodity_scopes(network, last))
    stored = load_choice_model(network)
    same = (stored.theta, stored.kind, stored.nest_scale) == (theta, kind, nest_scale)
    result = calibrate(
        network,
        start=stored.asc if same else None,
        targets=targets,
        theta=theta,
        kind=kind,
        nest_scale=nest_scale,
        networks=networks,
        commodity_targets=extra,
        measures=measures,
        progress=progress,
    )
    data = result.to_dict()
    data["targets_mt"] = {str(y): v / 1e6 for y, v in targets.items()}
    data["targets_mt"].update({f"{k} {last}": v / 1e6 for k, v in extra.items()})
    return result, data
