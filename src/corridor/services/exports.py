"""Results of each use case as an :class:`~corridor.io.export.Export`: the tables a spreadsheet or a data frame
wants, beside the JSON the CLI prints and the API answers, and GeoJSON where the result has geometry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corridor.io.export import Export

if TYPE_CHECKING:
    import pandas as pd

    from corridor.assignment.results import AssignmentResult
    from corridor.reliability.engine import ReliabilityResult
    from corridor.routing.results import Comparison, Route

__all__ = [
    "assignment_export",
    "bottlenecks_export",
    "comparison_export",
    "data_export",
    "fleet_export",
    "job_export",
    "routes_export",
    "run_export",
    "scenario_sweep_export",
    "scenarios_export",
    "simulation_export",
    "sweep_export",
]

#: the percentiles of door-to-door days in a simulation's ``percentiles`` table
PERCENTILES = tuple(range(1, 100))


def _legs(routes: Sequence[Route], key: str, labels: Sequence[Any]) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for label, route in zip(labels, routes, strict=True):
        frame = route.to_frame()
        frame.insert(0, key, label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def comparison_export(data: dict[str, Any], comparison: Comparison) -> Export:
    """``corridors`` (one row per corridor, as the table), ``legs`` (every leg, by corridor) and ``unavailable``."""
    import pandas as pd

    options = comparison.options
    unavailable = pd.DataFrame(
        [{"corridor": c, "reason": why} for c, why in comparison.unavailable.items()], columns=["corridor", "reason"]
    )
    return Export(
        tables={
            "corridors": comparison.to_frame(),
            "legs": _legs(options, "corridor", [r.corridor for r in options]),
            "unavailable": unavailable,
        },
        data=data,
        geojson=comparison.to_geojson(),
    )


def routes_export(data: dict[str, Any], routes: Sequence[Route]) -> Export:
    """``routes`` (one row per route, numbered from 1) and ``legs`` (every leg, by route number)."""
    import pandas as pd

    numbers = list(range(1, len(routes) + 1))
    summary = pd.DataFrame([{"route": i, **r.summary()} for i, r in zip(numbers, routes, strict=True)])
    features = [f for i, r in zip(numbers, routes, strict=True) for f in _numbered(r.to_geojson()["features"], i)]
    return Export(
        tables={"routes": summary, "legs": _legs(routes, "route", numbers)},
        data=data,
        geojson={"type": "FeatureCollection", "features": features},
    )


def _numbered(features: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    return [{**f, "properties": {"route": number, **f["properties"]}} for f in features]


def simulation_export(result: ReliabilityResult, data: dict[str, Any], *, top: int | None = None) -> Export:
    """``summary`` (one row), ``percentiles`` (P1-P99 of door-to-door days), ``tail_drivers`` and the route's
    ``legs``; GeoJSON of the route."""
    import numpy as np
    import pandas as pd

    summary = {k: v for k, v in data.items() if k not in ("tail_drivers", "histogram")}
    days = np.percentile(np.asarray(result.hours, dtype=float) / 24.0, PERCENTILES)
    route = result.route
    return Export(
        tables={
            "summary": pd.DataFrame([summary]),
            "percentiles": pd.DataFrame({"percentile": PERCENTILES, "days": np.round(days, 3)}),
            "tail_drivers": pd.DataFrame(result.tail_drivers(top)),
            "legs": route.to_frame() if route is not None else pd.DataFrame(),
        },
        data=data,
        geojson=route.to_geojson() if route is not None else None,
    )


def sweep_export(data: dict[str, Any]) -> Export:
    """``departures``: one row per departure date, with its main tail driver."""
    import pandas as pd

    rows = []
    for row in data["runs"]:
        drivers = row.get("tail_drivers") or []
        main = drivers[0] if drivers else {}
        rows.append(
            {
                **{k: v for k, v in row.items() if k != "tail_drivers"},
                "main_tail_driver": main.get("element"),
                "main_tail_driver_share": main.get("share"),
            }
        )
    return Export(tables={"departures": pd.DataFrame(rows)}, data=data)


def assignment_export(result: AssignmentResult, summary: dict[str, Any]) -> Export:
    """``summary`` (one row of scalars), ``flows`` (links), ``elements`` (capacity elements), ``convergence``;
    GeoJSON of the flows when the network has coordinates."""
    import pandas as pd

    scalars = {k: v for k, v in summary.items() if not isinstance(v, list | dict)}
    has_map = result.network.node_xy is not None
    return Export(
        tables={
            "summary": pd.DataFrame([scalars]),
            "flows": result.links_frame(),
            "elements": result.elements_frame(),
            "convergence": result.convergence_frame(),
        },
        data=summary,
        geojson=result.to_geojson() if has_map else None,
    )


def scenarios_export(results: Sequence[dict[str, Any]]) -> Export:
    """Scenario runs side by side (``corridor scenario run`` or ``compare``): ``corridors`` (volume, P50, P90, cost
    per FEU by scenario and corridor), ``summary``, ``passages``, ``bottlenecks``, ``over_capacity``, ``link_flows``.
    The JSON is the run's (one) or the list of runs (several)."""
    import pandas as pd

    corridors, summaries, passages, bottlenecks, over, links = [], [], [], [], [], []
    for data in results:
        name = data.get("scenario")
        summaries.append({k: v for k, v in data.items() if not isinstance(v, list | dict)})
        volumes = data.get("volumes_mt") or {}
        ids = list(dict.fromkeys([*volumes, *(data.get("p50_days") or {})]))
        for cid in ids:
            corridors.append(
                {
                    "scenario": name,
                    "corridor": cid,
                    "volume_mt": volumes.get(cid),
                    "p50_days": (data.get("p50_days") or {}).get(cid),
                    "p90_days": (data.get("p90_days") or {}).get(cid),
                    "cost_usd_per_feu": (data.get("cost_usd_per_feu") or {}).get(cid),
                }
            )
        passages += [{"scenario": name, "passage": k, "mt": v} for k, v in (data.get("passages_mt") or {}).items()]
        bottlenecks += [{"scenario": name, **row} for row in data.get("bottlenecks") or []]
        over += [{"scenario": name, **row} for row in data.get("over_capacity") or []]
        links += [{"scenario": name, "link": k, "mt": v} for k, v in (data.get("link_flows_mt") or {}).items()]
    tables = {
        "corridors": pd.DataFrame(corridors),
        "summary": pd.DataFrame(summaries),
        "passages": pd.DataFrame(passages),
        "bottlenecks": pd.DataFrame(bottlenecks),
        "over_capacity": pd.DataFrame(over),
        "link_flows": pd.DataFrame(links),
    }
    return Export(tables=tables, data=results[0] if len(results) == 1 else list(results))


def scenario_sweep_export(data: dict[str, Any]) -> Export:
    """A scenario run per value of one parameter (``corridor scenario sweep``): the tables of
    :func:`scenarios_export`, each row with the ``value`` it was run at (``corridors`` first: volume, P50, P90 and
    cost per value and corridor). The JSON is the sweep's (``scenario``, ``param``, ``runs``)."""
    import pandas as pd

    parts: dict[str, list[pd.DataFrame]] = {}
    for run in data["runs"]:
        for name, frame in scenarios_export([run]).tables.items():
            parts.setdefault(name, []).append(frame.assign(value=run["value"]))
    tables = {}
    for name, frames in parts.items():
        frame = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
        tables[name] = frame[["value", *[c for c in frame.columns if c != "value"]]]
    if not tables:
        tables = {"corridors": pd.DataFrame(columns=["value", "scenario", "corridor"])}
    return Export(tables=tables, data=data)


def bottlenecks_export(report: dict[str, Any]) -> Export:
    """``corridor bottlenecks``: ``bottlenecks`` (one row per element: rank, v/c, delay, shadow price) and
    ``summary`` (the report's plain values, one row)."""
    import pandas as pd

    return Export(
        tables={
            "bottlenecks": pd.DataFrame(report.get("bottlenecks") or []),
            "summary": pd.DataFrame([{k: v for k, v in report.items() if _plain(v)}]),
        },
        data=report,
    )


def fleet_export(data: dict[str, Any]) -> Export:
    """``corridor fleet``: ``fleets`` (every fleet tried, unstable ones with their offered load only),
    ``summary`` (the target, the fleet chosen and its result, one row)."""
    import pandas as pd

    fleets = [{**c, "stable": True} for c in data.get("candidates") or []]
    fleets += [{**u, "stable": False} for u in data.get("unstable") or []]
    fleets.sort(key=lambda row: row["ferries"])
    chosen = data.get("result") or {}
    summary = {k: v for k, v in data.items() if _plain(v)}
    summary["services"] = ";".join(data.get("services") or [])
    summary.update({f"chosen_{k}": v for k, v in chosen.items() if _plain(v)})
    return Export(tables={"fleets": pd.DataFrame(fleets), "summary": pd.DataFrame([summary])}, data=data)


def run_export(run: dict[str, Any]) -> Export:
    """A stored run (``GET /v1/runs/{id}``) as a scenario run's files (:func:`scenarios_export` of its outputs);
    the JSON is the stored run."""
    export = scenarios_export([run.get("outputs") or {}])
    return Export(tables=export.tables, data=run)


def data_export(data: dict[str, Any]) -> Export:
    """A result known only by its JSON (a stored job's): ``summary`` (its plain values, one row), then a table per
    member that is a list of records (``runs``, ``bottlenecks``, ...) or a mapping of plain values (``key``,
    ``value``)."""
    import pandas as pd

    tables: dict[str, pd.DataFrame] = {"summary": pd.DataFrame([{k: v for k, v in data.items() if _plain(v)}])}
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables[key] = pd.DataFrame(value)
        elif isinstance(value, dict) and value and all(_plain(v) for v in value.values()):
            tables[key] = pd.DataFrame({"key": list(value), "value": list(value.values())})
    return Export(tables=tables, data=data)


def job_export(kind: str, result: dict[str, Any]) -> Export:
    """A finished job's result as files: a scenario run as ``corridor scenario run --output`` writes it, any other
    kind by :func:`data_export`."""
    return scenarios_export([result]) if kind == "scenario" else data_export(result)


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
