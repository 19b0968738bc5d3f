"""Calibration of corridor choice to the published volumes marked for it in observations.csv, year by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from corridor.choice.logit import Calibration, ChoiceResult
    from corridor.dataset.network import Network

__all__ = [
    "calibrate_dataset",
    "calibration_scopes",
    "calibration_targets",
    "commodity_scopes",
    "commodity_targets",
]


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
    return {key: _tonnes_measure(net, scope, ("container",)) for key, scope in scopes.items()}


def _tonnes_measure(
    net: Network, scope: str, commodities: tuple[str, ...] | None = None
) -> Callable[[ChoiceResult], float]:
    """The tonnes (of ``commodities``, default every one) an equilibrium on ``net`` carries across a crossing
    scope ``prefix:ident``, as validate-model counts them."""
    from corridor.services.validation import link_filter, tonnes_on

    select = link_filter(net, *scope.split(":", 1))
    return lambda result: tonnes_on(net, result, select, commodities)


def calibration_targets(network: Network, *, corridor: str = "middle") -> dict[int, float]:
    """Tonnes of ``corridor`` by year from the observations marked for calibration (a year's sources averaged),
    for the years the dataset describes; the built-in targets for a dataset without such observations.

    A year's volume is the corridor's (``corridor:middle``) or, where the published series counts one crossing of
    it, that crossing's tonnes (``crossing:caspian``; :func:`calibration_scopes`).

    Raises
    ------
    InvalidOptionError
        When one year's calibration volumes count different things (observations.csv, naming the rows).
    """
    from corridor.choice.logit import CALIBRATION_TARGETS
    from corridor.errors import InvalidOptionError

    found: dict[int, list[float]] = {}
    scopes: dict[int, dict[str, str]] = {}
    for obs in network.observations:
        if obs.used_for == "calibration" and _is_volume_target(obs.kind, obs.unit, obs.scope, corridor):
            found.setdefault(obs.year, []).append(obs.base_value)
            scopes.setdefault(obs.year, {})[obs.scope or ""] = obs.id
    for year, by_scope in sorted(scopes.items()):
        if len(by_scope) > 1:
            rows = ", ".join(f"{oid} ({scope})" for scope, oid in sorted(by_scope.items()))
            raise InvalidOptionError(
                f"observations.csv: the calibration volumes of {year} count different things ({rows}); "
                "give one scope a year."
            )
    if not found:
        return dict(CALIBRATION_TARGETS)
    from corridor.scenarios.years import dataset_years

    years = set(dataset_years(network))  # years with demand: the table's and those trade generates
    return {y: sum(v) / len(v) for y, v in sorted(found.items()) if y in years}


def calibration_scopes(network: Network, *, corridor: str = "middle") -> dict[int, str]:
    """The years of :func:`calibration_targets` whose volume counts a crossing rather than the whole corridor,
    with that crossing (``{2022: "crossing:caspian"}``)."""
    return {
        obs.year: obs.scope or ""
        for obs in network.observations
        if obs.used_for == "calibration"
        and _is_volume_target(obs.kind, obs.unit, obs.scope, corridor)
        and obs.scope != f"corridor:{corridor}"
    }


def _is_volume_target(kind: str, unit: str, scope: str | None, corridor: str) -> bool:
    """A calibration row that gives the corridor's tonnes of a year: as the corridor's, or as one crossing's."""
    return kind == "volume_t" and unit != "TEU" and (scope == f"corridor:{corridor}" or scope == "crossing:caspian")


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
    by_scope = calibration_scopes(network)
    year_measures = {
        y: _tonnes_measure(networks.get(y, network), scope) for y, scope in by_scope.items() if y in targets
    }
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
        year_measures=year_measures,
        year_scopes={y: by_scope[y] for y in year_measures},
        progress=progress,
    )
    data = result.to_dict()
    data["targets_mt"] = {str(y): v / 1e6 for y, v in targets.items()}
    data["targets_mt"].update({f"{k} {last}": v / 1e6 for k, v in extra.items()})
    return result, data
