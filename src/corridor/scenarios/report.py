"""Scenario reports: a run against its base as Markdown and a self-contained HTML page with SVG charts."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corridor.scenarios.report_charts import (
    TOP_BOTTLENECKS,
    bottlenecks_svg,
    corridor_color,
    cost_svg,
    transit_svg,
    volumes_svg,
)

if TYPE_CHECKING:
    from corridor.dataset.network import Network

#: a relative change is flagged, and shown as a factor, past this many percent (a near-empty base inflates it)
IMPLAUSIBLE_PCT = 300.0
#: a corridor carrying less than this in the base is "near zero": its percentage change is not given, Mt a year
NEAR_ZERO_MT = 0.05
#: a P90 rising by more than this share of the base is flagged (queues over capacity grow all year)
P90_JUMP = 0.5
#: an equilibrium gap above this is flagged: volumes may still move by about as much
GAP_FLAG = 0.01


@dataclass(frozen=True)
class Report:
    """A scenario report: ``markdown`` (which links the figures as ``figures/NAME.svg``), ``html`` (figures embedded)
    and the figures themselves as SVG text by name."""

    scenario: str
    base: str | None
    markdown: str
    html: str
    figures: Mapping[str, str] = field(default_factory=dict)
    headline: tuple[str, ...] = ()
    #: figures to read with care, each with why (see :func:`plausibility_flags`)
    flags: tuple[str, ...] = ()


def _pct(new: float, old: float) -> str:
    """The relative change; as a factor (``×242``) past :data:`IMPLAUSIBLE_PCT`, where a percentage misleads."""
    if old == 0:
        return "new" if new else "0%"
    pct = 100 * (new - old) / old
    if abs(pct) > IMPLAUSIBLE_PCT:
        return f"×{new / old:,.0f}" if new / old >= 10 else f"×{new / old:.1f}"
    return f"{pct:+.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _delta(new: float | None, old: float | None, digits: int = 2) -> str:
    if new is None or old is None:
        return ""
    return f"{new - old:+,.{digits}f}"


def build_report(
    result: Mapping[str, Any],
    base: Mapping[str, Any] | None = None,
    *,
    scenario: Mapping[str, Any] | None = None,
    corridor_names: Mapping[str, str] | None = None,
    source_titles: Mapping[str, str] | None = None,
    network: Network | None = None,
) -> Report:
    """Report a scenario run (``ScenarioResult.to_dict()``) against the run of its base.

    Parameters
    ----------
    result, base
        Run results as dictionaries (as printed by ``corridor scenario run --json`` or kept in the store); without
        ``base`` the report describes the run alone.
    scenario
        ``Scenario.to_dict()``: what the scenario changes, listed in the report.
    corridor_names, source_titles
        Display names of corridors and titles of sources, by id (taken from ``network`` when it is given).
    network
        The dataset the runs were made on: the changes then show the value before and after, with its unit, and
        the sources their links.

    Returns
    -------
    Report
        Markdown, a self-contained HTML page and the SVG figures; ``flags`` lists the figures a reader should check
        (a change from a near-empty base, a closed corridor, a P90 that jumps, an equilibrium not converged).
    """
    names = dict(corridor_names or {})
    links: dict[str, str] = {}
    titles = dict(source_titles or {})
    if network is not None:
        names = {c.id: c.name for c in network.corridors} | names
        titles = {k: v.title for k, v in network.source_by_id.items()} | titles
        links = {k: v.url for k, v in network.source_by_id.items() if v.url}
    changes = change_rows(scenario, network)
    corridors = list(dict.fromkeys([*result["volumes_mt"], *((base or {}).get("volumes_mt") or {})]))
    figures = {
        "volumes": volumes_svg(result, base, corridors, names),
        "transit": transit_svg(result, base, corridors, names),
        "bottlenecks": bottlenecks_svg(result, base),
        "cost": cost_svg(result, base, corridors, names),
    }
    headline = _headline(result, base, names)
    flags = plausibility_flags(result, base, names)
    words = _Words(headline, flags, changes, titles, links)
    md = _markdown(result, base, scenario, corridors, names, words)
    page = _html(result, base, scenario, corridors, names, words, figures)
    return Report(
        scenario=str(result["scenario"]),
        base=None if base is None else str(base["scenario"]),
        markdown=md,
        html=page,
        figures=figures,
        headline=tuple(headline),
        flags=tuple(flags),
    )


@dataclass(frozen=True)
class _Words:
    """What the Markdown and the HTML both say: headline, flags, the changes table, sources with their links."""

    headline: Sequence[str]
    flags: Sequence[str]
    changes: Sequence[ChangeRow]
    titles: Mapping[str, str]
    links: Mapping[str, str]


# --- checks ----------------------------------------------------------------------------------------------------------


def plausibility_flags(
    result: Mapping[str, Any], base: Mapping[str, Any] | None, names: Mapping[str, str] | None = None
) -> list[str]:
    """Figures of a run (against its base) that look implausible or need reading with care, each with why.

    A corridor whose volume moves from a near-empty base (a percentage of almost nothing), a corridor closed in the
    scenario (no transit time and no cost, not zero), a P90 that rises by more than half (queues over capacity grow
    all year), and an equilibrium that stopped above a 1% gap.
    """
    names = names or {}
    flags: list[str] = []
    vol, p90 = result["volumes_mt"], result["p90_days"]
    if base is not None:
        bvol, bp90 = base["volumes_mt"], base["p90_days"]
        for cid in dict.fromkeys([*vol, *bvol]):
            new, old = vol.get(cid, 0.0), bvol.get(cid, 0.0)
            if old < NEAR_ZERO_MT <= new:
                flags.append(
                    f"{names.get(cid, cid)}: {old:.2f} → {new:.2f} Mt a year from a near-empty base (under "
                    f"{NEAR_ZERO_MT} Mt): read the tonnes, not the percentage"
                    + (f" ({_pct(new, old)})" if old > 0 else "")
                    + "; the flows it takes are diverted from other corridors."
                )
            elif old > 0 and abs(100 * (new - old) / old) > IMPLAUSIBLE_PCT:
                flags.append(
                    f"{names.get(cid, cid)}: {old:.2f} → {new:.2f} Mt a year ({_pct(new, old)}), more than "
                    f"{IMPLAUSIBLE_PCT:.0f}%: check the scenario's changes to it and to its competitors."
                )
            if cid in bp90 and cid in p90 and p90[cid] > (1 + P90_JUMP) * bp90[cid]:
                flags.append(
                    f"{names.get(cid, cid)}: P90 {bp90[cid]:.1f} → {p90[cid]:.1f} days (+{p90[cid] - bp90[cid]:.1f}): "
                    "elements loaded over capacity make queues that grow all year; the figure is the year's "
                    "average and depends on how long they last (see Bottlenecks)."
                )
    closed = [c for c in vol if c != "other" and c not in p90]
    for cid in closed:
        flags.append(
            f"{names.get(cid, cid)} is closed in this scenario: it has no route, so no transit time and no cost "
            "(shown as closed, not as 0)."
        )
    for row in result.get("over_capacity") or []:
        flags.append(
            f"{row['element']} is loaded at {100 * row['utilization']:.0f}% of its capacity: "
            f"{row['waiting_t_at_year_end']:,.0f} t wait at the year's end and the wait grows "
            f"{row.get('wait_growth_days_per_month', 0):.2f} days a month."
        )
    gaps = (result.get("choice") or {}).get("gap") or []
    if gaps and max(gaps) > GAP_FLAG:
        iterations = (result.get("choice") or {}).get("iterations") or []
        flags.append(
            f"The corridor-choice equilibrium stopped at a relative gap of {max(gaps):.3f} "
            f"(after {', '.join(str(i) for i in iterations)} iterations), above {GAP_FLAG:g}: volumes may still move "
            f"by about {100 * max(gaps):.0f}%; differences smaller than that are within the solver's tolerance."
        )
    return flags


@dataclass(frozen=True)
class ChangeRow:
    """One change of a scenario with its value before and after, in the dataset's unit."""

    element: str
    field: str
    before: str
    after: str
    unit: str
    origin: str


#: how a dimension's values are shown and named in the changes table (value factor, unit words)
_SHOWN_UNITS: Mapping[str, tuple[float, str]] = {
    "tonnes_per_year": (1e-6, "Mt a year"),
    "megatonnes_per_year": (1.0, "Mt a year"),
    "teu_per_year": (1.0, "TEU a year"),
    "wagons_per_year": (1.0, "wagons a year"),
    "trains_per_year": (1.0, "trains a year"),
    "hours": (1.0, "hours"),
    "usd": (1.0, "USD"),
    "km_per_h": (1.0, "km/h"),
    "km": (1.0, "km"),
    "per_week": (1.0, "a week"),
    "fraction": (100.0, "%"),
    "mw": (1.0, "MW"),
    "twh": (1.0, "TWh"),
    "count": (1.0, ""),
}


def change_rows(scenario: Mapping[str, Any] | None, network: Network | None = None) -> list[ChangeRow]:
    """The scenario's changes as rows: element, field, before (from ``network``), after, unit, where set.

    Without ``network`` the before column is empty and values are shown in the dataset's unit without a name.
    """
    if not scenario:
        return []
    from corridor.scenarios.quantities import FIELD_DIMENSION, dimension_of
    from corridor.scenarios.sections import records_of

    rows = []
    for c in scenario.get("changes", []):
        table, _, rid = str(c["element"]).partition("/")
        record = None
        if network is not None and table in FIELD_DIMENSION:
            try:
                record = records_of(network, table).get(rid)
            except (AttributeError, KeyError):
                record = None
        before = getattr(record, c["column"], None) if record is not None else None
        after = before * c["factor"] if c.get("factor") is not None and isinstance(before, int | float) else None
        if c.get("factor") is None:
            after = c["value"]
        dimension = FIELD_DIMENSION.get(table, {}).get(c["column"])
        if dimension is not None:
            dimension = dimension_of(table, c["column"], record)
        scale, unit = _SHOWN_UNITS.get(dimension or "count", (1.0, ""))
        if dimension is None or network is None:
            scale, unit = 1.0, ""

        def shown(value: Any, scale: float = scale) -> str:
            if value is None:
                return "–"
            return (
                _value(value * scale) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
            )

        after_text = shown(after) if after is not None else f"× {c['factor']:g}"
        rows.append(ChangeRow(str(c["element"]), str(c["column"]), shown(before), after_text, unit, str(c["from"])))
    return rows


# --- words ---------------------------------------------------------------------------------------------------------


def _headline(result: Mapping[str, Any], base: Mapping[str, Any] | None, names: Mapping[str, str]) -> list[str]:
    """A few sentences a reader takes away: the corridor that gains most, transit time, CO2e, the top bottleneck."""
    vol, p90 = result["volumes_mt"], result["p90_days"]
    lines: list[str] = []
    if base is None:
        ranked = sorted(((v, c) for c, v in vol.items() if c != "other"), reverse=True)
        lines.append(
            "Volumes: "
            + ", ".join(f"{names.get(c, c)} {v:.2f} Mt" for v, c in ranked)
            + " a year (all modelled flows)."
        )
        if "middle" in p90:
            lines.append(
                f"Middle Corridor {_ref(result)}: P50 {result['p50_days']['middle']:.1f} days, "
                f"P90 {p90['middle']:.1f} days."
            )
    else:
        bvol, bp90 = base["volumes_mt"], base["p90_days"]
        if "middle" in vol and "middle" in bvol:
            lines.append(
                f"Middle Corridor: {bvol['middle']:.2f} → {vol['middle']:.2f} Mt a year "
                f"({_pct(vol['middle'], bvol['middle'])})."
            )
        changes = sorted(
            ((vol.get(c, 0.0) - bvol.get(c, 0.0), c) for c in dict.fromkeys([*vol, *bvol]) if c != "other"),
            key=lambda t: abs(t[0]),
            reverse=True,
        )
        movers = [f"{names.get(c, c)} {d:+.2f} Mt" for d, c in changes if abs(d) >= 0.005 and c != "middle"][:3]
        if movers:
            lines.append("Largest other shifts: " + ", ".join(movers) + ".")
        if "middle" in p90 and "middle" in bp90:
            lines.append(
                f"Middle Corridor P90 {_ref(result)}: {bp90['middle']:.1f} → {p90['middle']:.1f} days "
                f"({p90['middle'] - bp90['middle']:+.1f})."
            )
        closed = [c for c in bp90 if c not in p90]
        if closed:
            lines.append("Closed in this scenario: " + ", ".join(names.get(c, c) for c in closed) + ".")
        lines.append(
            f"CO2e of all modelled flows: {base['co2e_kt']:,.0f} → {result['co2e_kt']:,.0f} kt "
            f"({_pct(result['co2e_kt'], base['co2e_kt'])})."
        )
    if result["bottlenecks"]:
        top = result["bottlenecks"][0]
        lines.append(f"Top bottleneck: {top['element']} at {100 * top['utilization']:.0f}% of capacity.")
    return lines


def _ref(result: Mapping[str, Any]) -> str:
    ref = result.get("reference") or {}
    return f"{ref.get('origin', '?')}–{ref.get('destination', '?')}"


def _corridor_rows(
    result: Mapping[str, Any], base: Mapping[str, Any] | None, corridors: Sequence[str], names: Mapping[str, str]
) -> tuple[list[str], list[list[str]]]:
    total = sum(result["volumes_mt"].values()) or 1.0
    if base is None:
        header = ["corridor", "Mt a year", "share", "P50 days", "P90 days", "USD per FEU"]
    else:
        header = ["corridor", "base Mt", "Mt", "change", "share", "P50 days", "P90 days (base)", "USD per FEU (base)"]
    rows = []
    for cid in corridors:
        v = result["volumes_mt"].get(cid)
        p50, p90 = result["p50_days"].get(cid), result["p90_days"].get(cid)
        cost = result["cost_usd_per_feu"].get(cid)
        share = "–" if v is None else f"{100 * v / total:.1f}%"
        closed = cid != "other" and p90 is None
        p50s = "closed" if closed else _num(p50, 1) if cid != "other" else "–"
        if base is None:
            rows.append([names.get(cid, cid), _num(v), share, p50s, _num(p90, 1), _num(cost, 0)])
            continue
        bv = base["volumes_mt"].get(cid)
        bp90, bcost = base["p90_days"].get(cid), base["cost_usd_per_feu"].get(cid)
        rows.append(
            [
                names.get(cid, cid),
                _num(bv),
                _num(v),
                _delta(v, bv) + (f" ({_pct(v or 0.0, bv)})" if bv else ""),
                share,
                p50s,
                ("closed" if closed else _num(p90, 1)) + ("" if bp90 is None else f" ({bp90:.1f})"),
                _num(cost, 0) + ("" if bcost is None else f" ({bcost:,.0f})"),
            ]
        )
    return header, rows


def _bottleneck_rows(result: Mapping[str, Any], base: Mapping[str, Any] | None) -> tuple[list[str], list[list[str]]]:
    before = {b["element"]: b for b in (base or {}).get("bottlenecks", [])}
    header = ["element", "utilization", "delay hours"] + (["base utilization"] if base is not None else [])
    rows = []
    for b in result["bottlenecks"][:TOP_BOTTLENECKS]:
        row = [b["element"], f"{100 * b['utilization']:.0f}%", _num(b.get("delay_hours"), 1)]
        if base is not None:
            old = before.get(b["element"])
            row.append("–" if old is None else f"{100 * old['utilization']:.0f}%")
        rows.append(row)
    return header, rows


def _change_rows(scenario: Mapping[str, Any] | None) -> list[str]:
    """What the scenario does besides changing fields (those are in the table of :func:`change_rows`)."""
    if not scenario:
        return []
    out: list[str] = []
    out += [f"added {a['table']}/{a['id']} ({a['from']})" for a in scenario.get("adds", [])]
    out += [f"removed {r['element']} ({r['from']})" for r in scenario.get("removes", [])]
    for c in scenario.get("closures", []):
        what = ", ".join([*c["links"], *c["passages"], *c["countries"]])
        out.append(f"closed {what} from {c['from'] or 'start'} to {c['to'] or 'end'} ({c['origin']})")
    if scenario.get("demand_scale", 1.0) != 1.0:
        out.append(f"demand × {scenario['demand_scale']:g}")
    out += [f"demand {o}→{d} × {f:g}" for o, d, f in scenario.get("demand_od", [])]
    return out


def _value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _provenance(result: Mapping[str, Any]) -> list[str]:
    choice = result.get("choice") or {}
    asc = ", ".join(f"{k} {v:+.3f}" for k, v in (choice.get("asc") or {}).items())
    gaps = choice.get("gap") or []
    return [
        f"corridor {result.get('version', '?')}; year {result['year']}; seed {result['seed']}; "
        f"{result['samples']:,} shipments simulated per corridor; run time {result.get('seconds', 0):.1f} s",
        f"choice: {choice.get('kind', '?')} logit, θ = {choice.get('theta', '?')} per USD, ASC {asc or '–'}; "
        f"equilibrium gap {max(gaps) if gaps else float('nan'):.3f} "
        f"after {', '.join(str(i) for i in choice.get('iterations', []))} iterations",
        "run "
        + (str(result.get("run_id")) if result.get("run_id") else "not stored")
        + (f" in {result['store']}" if result.get("store") else ""),
    ]


def _method(result: Mapping[str, Any]) -> list[str]:
    """Where each figure of the report comes from."""
    choice = result.get("choice") or {}
    return [
        f"Volumes (Mt a year): the tonnes of the {result['year']} demand table that choose each corridor at the "
        f"equilibrium of a {choice.get('kind', 'mnl')} logit (θ = {choice.get('theta', '?')} per USD a tonne, "
        "constants calibrated to the published Middle Corridor volumes), with waits at full capacity elements "
        "feeding back into the choice (corridor.choice.logit; docs/model.md).",
        f"Transit times (days): P50 and P90 of a Monte Carlo of {result['samples']:,} shipments per corridor on its "
        f"best route {_ref(result)}, departures spread over the year's months, with dwell, running times, sailings, "
        "weather and the scenario's queues (corridor.reliability).",
        "Cost (USD per FEU): the dataset's tariffs, handling fees and border costs along that route, for one FEU.",
        "CO2e (kt a year): well-to-wheel factors of each mode (ISO 14083 / GLEC) over the tonne-km of all modelled "
        "flows.",
        "Bottlenecks: flow over capacity of each capacity element at the equilibrium; delay hours from its "
        "volume-delay function.",
    ]


def _source_lines(srcs: Sequence[str], titles: Mapping[str, str], links: Mapping[str, str]) -> list[str]:
    """Markdown list items: the title linked to the source where it has a URL, and its id."""
    out = []
    for sid in srcs:
        title = titles.get(sid, "") or sid
        out.append(f"[{title}]({links[sid]}) (`{sid}`)" if sid in links else f"{title} (`{sid}`, no link recorded)")
    return out


def _co2_sentence(result: Mapping[str, Any], base: Mapping[str, Any] | None) -> str:
    co2 = f"{result['co2e_kt']:,.0f} kt CO2e a year (well-to-wheel, all modelled flows)"
    if base is not None:
        co2 += f", against {base['co2e_kt']:,.0f} kt in {base['scenario']} ({_pct(result['co2e_kt'], base['co2e_kt'])})"
    return co2


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _title(result: Mapping[str, Any], base: Mapping[str, Any] | None) -> str:
    return f"Scenario {result['scenario']}" + ("" if base is None else f" against {base['scenario']}")


def _markdown(
    result: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    scenario: Mapping[str, Any] | None,
    corridors: Sequence[str],
    names: Mapping[str, str],
    words: _Words,
) -> str:
    out = [f"# {_title(result, base)}", "", f"*{result.get('title', '')}*", ""]
    if scenario and scenario.get("description"):
        out += [scenario["description"].strip(), ""]
    out += [f"- {line}" for line in words.headline] + [""]
    if words.flags:
        out += ["## Check these figures", ""] + [f"- {line}" for line in words.flags] + [""]
    out += ["## Volumes, transit times and cost by corridor", ""]
    out += [
        f"Volumes are tonnes a year on each corridor's flows; transit times are {_ref(result)} door to door "
        "(P50 and P90 of the simulated distribution); cost is the through cost of one FEU on that route.",
        "",
    ]
    out += [_md_table(*_corridor_rows(result, base, corridors, names)), ""]
    out += ["![Volumes by corridor](figures/volumes.svg)", "", "![Transit time](figures/transit.svg)", ""]
    out += ["![Cost per FEU](figures/cost.svg)", ""]
    out += ["## Emissions", "", _co2_sentence(result, base) + ".", ""]
    out += ["## Bottlenecks", "", "Utilization is the assigned flow over capacity at equilibrium.", ""]
    out += [_md_table(*_bottleneck_rows(result, base)), "", "![Bottlenecks](figures/bottlenecks.svg)", ""]
    intervals = result.get("intervals") or []
    if len(intervals) > 1:
        out += ["## Periods", "", _md_table(*_interval_rows(intervals)), ""]
    others = _change_rows(scenario)
    if words.changes or others:
        out += ["## What the scenario changes", ""]
        if words.changes:
            out += [_md_table(*_changes_table(words.changes)), ""]
        out += [f"- {c}" for c in others] + ([""] if others else [])
    out += ["## Where the figures come from", ""] + [f"- {line}" for line in _method(result)] + [""]
    srcs = (scenario or {}).get("sources") or []
    if srcs:
        out += ["## Sources", ""] + [f"- {line}" for line in _source_lines(srcs, words.titles, words.links)] + [""]
    out += ["## Run", ""] + [f"- {line}" for line in _provenance(result)] + [""]
    return "\n".join(out)


def _changes_table(rows: Sequence[ChangeRow]) -> tuple[list[str], list[list[str]]]:
    header = ["element", "field", "before", "after", "unit", "set by"]
    return header, [[r.element, r.field, r.before, r.after, r.unit, r.origin] for r in rows]


def _interval_rows(intervals: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    return ["from", "to", "share of the year", "closed links"], [
        [str(i["from"]), str(i["to"]), f"{100 * i['weight']:.0f}%", ", ".join(i["closed_links"]) or "–"]
        for i in intervals
    ]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.sub{color:#555;margin-top:0}.headline{background:#f6f6f3;border-left:4px solid #d95f02;padding:.6rem 1rem}
.headline li{margin:.2rem 0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem;display:block;overflow-x:auto}
th,td{padding:.25rem .6rem;border-bottom:1px solid #e4e4e4;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#fafafa}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(460px,100%),1fr));gap:1rem}
figure{margin:0}figure img{width:100%;height:auto}figcaption{font-size:.85rem;color:#555}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-1px}
.small{font-size:.85rem;color:#555}
.flags{background:#fff4e5;border-left:4px solid #b35806;padding:.6rem 1rem}.flags li{margin:.2rem 0}
"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], swatches: Sequence[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = [html.escape(c) for c in row]
        if swatches is not None:
            cells[0] = f'<span class="swatch" style="background:{swatches[i]}"></span>{cells[0]}'
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(svg: str, alt: str, caption: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _html(
    result: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    scenario: Mapping[str, Any] | None,
    corridors: Sequence[str],
    names: Mapping[str, str],
    words: _Words,
    figures: Mapping[str, str],
) -> str:
    title = _title(result, base)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(str(result.get("title", "")))}</p>',
    ]
    if scenario and scenario.get("description"):
        parts.append(f"<p>{html.escape(scenario['description'].strip())}</p>")
    parts.append('<ul class="headline">' + "".join(f"<li>{html.escape(h)}</li>" for h in words.headline) + "</ul>")
    if words.flags:
        parts += ["<h2>Check these figures</h2>", '<ul class="flags">']
        parts += [f"<li>{html.escape(f)}</li>" for f in words.flags] + ["</ul>"]
    parts.append("<h2>Volumes, transit times and cost by corridor</h2>")
    parts.append(
        '<div class="grid">'
        + _img(figures["volumes"], "Volumes by corridor", "Mt a year by corridor; pale bars: the base")
        + _img(figures["transit"], "Transit time", f"{_ref(result)} door to door: P50 to P90 days")
        + "</div>"
    )
    header, rows = _corridor_rows(result, base, corridors, names)
    parts.append(_html_table(header, rows, [corridor_color(c, corridors) for c in corridors]))
    parts.append('<div class="grid">' + _img(figures["cost"], "Cost per FEU", "Through cost of one FEU, USD"))
    parts.append(
        _img(figures["bottlenecks"], "Bottlenecks", "Utilization at equilibrium (flow / capacity); pale: the base")
        + "</div>"
    )
    parts += ["<h2>Emissions</h2>", f"<p>{html.escape(_co2_sentence(result, base))}.</p>"]
    parts += ["<h2>Bottlenecks</h2>", _html_table(*_bottleneck_rows(result, base))]
    intervals = result.get("intervals") or []
    if len(intervals) > 1:
        parts += ["<h2>Periods</h2>", _html_table(*_interval_rows(intervals))]
    others = _change_rows(scenario)
    if words.changes or others:
        parts.append("<h2>What the scenario changes</h2>")
        if words.changes:
            parts.append(_html_table(*_changes_table(words.changes)))
        if others:
            parts += ["<ul>"] + [f"<li>{html.escape(c)}</li>" for c in others] + ["</ul>"]
    parts += ["<h2>Where the figures come from</h2>", '<ul class="small">']
    parts += [f"<li>{html.escape(line)}</li>" for line in _method(result)] + ["</ul>"]
    srcs = (scenario or {}).get("sources") or []
    if srcs:
        parts += ["<h2>Sources</h2>", '<ul class="small">']
        for sid in srcs:
            text = html.escape(words.titles.get(sid, "") or sid)
            if sid in words.links:
                text = f'<a href="{html.escape(words.links[sid], quote=True)}" rel="noreferrer">{text}</a>'
            parts.append(f"<li>{text} (<code>{html.escape(sid)}</code>)</li>")
        parts.append("</ul>")
    parts += ["<h2>Run</h2>", '<ul class="small">']
    parts += [f"<li>{html.escape(line)}</li>" for line in _provenance(result)] + ["</ul>", "</body></html>", ""]
    return "\n".join(parts)


# --- charts --------------------------------------------------------------------------------------------------------
