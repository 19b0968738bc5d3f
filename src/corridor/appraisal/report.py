"""Appraisal reports: an appraisal as Markdown and a self-contained HTML page with SVG charts (cash flows, tornado)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from corridor.scenarios.report import _CSS, Report, _html_table, _img, _md_table
from corridor.scenarios.report_charts import new_figure, style_axes, svg_text

__all__ = ["build_appraisal_report"]

#: benefit components in the order of the stacked bars, with a colour each (ColorBrewer Dark2)
COMPONENTS: Mapping[str, tuple[str, str]] = {
    "cost_savings": ("Shippers' cost savings", "#1b9e77"),
    "time_savings": ("Shippers' time savings", "#d95f02"),
    "reliability": ("Reliability", "#7570b3"),
    "induced": ("Generated traffic", "#e7298a"),
    "operators": ("Operators' margin", "#66a61e"),
    "co2e": ("CO2e avoided", "#e6ab02"),
    "residual_value": ("Residual value", "#a6761d"),
}


def _musd(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f}"


def _headline(data: Mapping[str, Any]) -> list[str]:
    eirr = data["eirr"]
    lines = [
        f"NPV USD {_musd(data['npv_usd'])} million at {100 * data['discount_rate']:g}% a year to {data['horizon']} "
        f"(discounted to {data['discounted_to']}); PV of benefits {_musd(data['pv_benefits_usd'])}, of costs "
        f"{_musd(data['pv_costs_usd'])} million",
        f"BCR {data['bcr'] if data['bcr'] is not None else '-'}; EIRR "
        f"{'none' if eirr is None else f'{100 * eirr:.1f}%'}; payback {data['payback_year'] or 'none'}",
    ]
    ranges = data.get("ranges") or {}
    if ranges:
        npv = ranges["npv_usd"]
        lines.append(
            f"Monte Carlo ({ranges['samples']['value']:.0f} draws): NPV P10 {_musd(npv['p10'])}, P50 "
            f"{_musd(npv['p50'])}, P90 {_musd(npv['p90'])} USD million; P(NPV < 0) "
            f"{100 * ranges['probability_npv_negative']['value']:.0f}%"
        )
    if data["tornado"]:
        top = data["tornado"][0]
        lines.append(f"The NPV moves most with {top['input']} (USD {_musd(top['swing_usd'])} million low to high)")
    return lines


def _year_rows(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["year", "capex", "opex", *(COMPONENTS[k][0] for k in COMPONENTS), "net", "discounted net"]
    rows = [
        [
            str(r["year"]),
            _musd(r["capex"]),
            _musd(r["opex"]),
            *(_musd(r[k]) for k in COMPONENTS),
            _musd(r["net"]),
            _musd(r["net"] * r["discount_factor"]),
        ]
        for r in data["years"]
    ]
    return header, rows


def _tornado_rows(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["input", "low", "high", "NPV at low", "NPV at high", "swing"]
    rows = [
        [
            str(t["input"]),
            f"{t['low']:g}",
            f"{t['high']:g}",
            _musd(t["npv_at_low_usd"]),
            _musd(t["npv_at_high_usd"]),
            _musd(t["swing_usd"]),
        ]
        for t in data["tornado"]
    ]
    return header, rows


def _effect_rows(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["year", "commodity", "tonnes", "money saved, USD", "tonne-hours saved", "unreliability t-h saved"]
    rows = []
    for e in data["effects"]:
        for c, v in e["commodities"].items():
            rows.append([str(e["year"]), c, f"{v['tonnes']:,.0f}", f"{v['money_usd']:,.0f}",
                         f"{v['tonne_hours']:,.0f}", f"{v['reliability_tonne_hours']:,.0f}"])  # fmt: skip
    return header, rows


def _cash_flow_svg(data: Mapping[str, Any]) -> str:
    import numpy as np

    fig = new_figure(8.0, 3.6)
    ax = fig.add_subplot()
    years = [r["year"] for r in data["years"]]
    bottom_pos = np.zeros(len(years))
    bottom_neg = np.zeros(len(years))
    for key, (label, colour) in COMPONENTS.items():
        values = np.array([r[key] / 1e6 for r in data["years"]])
        if not values.any():
            continue
        pos, neg = np.clip(values, 0, None), np.clip(values, None, 0)
        ax.bar(years, pos, bottom=bottom_pos, color=colour, label=label, width=0.8)
        ax.bar(years, neg, bottom=bottom_neg, color=colour, width=0.8)
        bottom_pos += pos
        bottom_neg += neg
    costs = np.array([-(r["capex"] + r["opex"]) / 1e6 for r in data["years"]])
    ax.bar(years, costs, bottom=bottom_neg, color="#666666", label="Capex and opex", width=0.8)
    cumulative = np.cumsum([r["net"] * r["discount_factor"] / 1e6 for r in data["years"]])
    ax.plot(years, cumulative, color="#222222", linewidth=1.6, label="Cumulative discounted net")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_ylabel("USD million", fontsize=9)
    ax.legend(fontsize=7, ncol=3, frameon=False, loc="upper left")
    style_axes(ax)
    return svg_text(fig)


def _tornado_svg(data: Mapping[str, Any]) -> str:
    fig = new_figure(6.0, 0.5 + 0.45 * max(1, len(data["tornado"])))
    ax = fig.add_subplot()
    centre = data["npv_usd"] / 1e6
    items = list(reversed(data["tornado"]))
    for i, t in enumerate(items):
        low, high = t["npv_at_low_usd"] / 1e6, t["npv_at_high_usd"] / 1e6
        ax.barh(i, low - centre, left=centre, color="#7570b3", height=0.6)
        ax.barh(i, high - centre, left=centre, color="#d95f02", height=0.6)
    ax.set_yticks(range(len(items)), [str(t["input"]) for t in items], fontsize=9)
    ax.axvline(centre, color="#222222", linewidth=0.8)
    ax.set_xlabel("NPV, USD million (purple: input at its low; orange: at its high)", fontsize=9)
    style_axes(ax)
    return svg_text(fig)


def build_appraisal_report(
    data: Mapping[str, Any], *, title: str = "", sources: Mapping[str, str] | None = None,
    cited: Sequence[str] = ()
) -> Report:  # fmt: skip
    """The report of an appraisal (``Appraisal.to_dict()``): Markdown linking ``figures/*.svg``, HTML embedding them.

    ``cited`` are the source ids of what was appraised, described by ``sources`` (id to title).
    """
    figures = {"cash_flows": _cash_flow_svg(data), "tornado": _tornado_svg(data)}
    headline = _headline(data)
    name = f"Appraisal of {data['name']}"
    sources = sources or {}
    md = [f"# {name}", ""]
    if title:
        md += [title, ""]
    md += [f"- {h}" for h in headline]
    md += ["", "## Cash flows", "", "![Cash flows](figures/cash_flows.svg)", ""]
    md += ["USD million.", "", _md_table(*_year_rows(data)), ""]
    md += ["## What drives the NPV", "", "![Tornado](figures/tornado.svg)", "", _md_table(*_tornado_rows(data)), ""]
    md += ["## Effects in the years run", "", _md_table(*_effect_rows(data)), ""]
    method = (
        "Method: incremental flows against the case without the project, the rule of a half, a shadow price of "
        "carbon, the residual value and Monte Carlo risk analysis, after the European Commission's Guide to "
        "Cost-Benefit Analysis of Investment Projects (DG REGIO, 2014); formulas in docs/model.md (Appraisal)."
    )
    md += [method, ""]
    if cited:
        md += ["## Sources", ""] + [f"- `{s}`: {sources.get(s, '')}" for s in cited] + [""]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(name)}</h1>",
    ]
    if title:
        parts.append(f'<p class="sub">{html.escape(title)}</p>')
    parts.append('<ul class="headline">' + "".join(f"<li>{html.escape(h)}</li>" for h in headline) + "</ul>")
    parts += ["<h2>Cash flows</h2>", _img(figures["cash_flows"], "Cash flows", "USD million a year by component")]
    parts.append(_html_table(*_year_rows(data)))
    parts += ["<h2>What drives the NPV</h2>", _img(figures["tornado"], "Tornado", "NPV at each input's low and high")]
    parts.append(_html_table(*_tornado_rows(data)))
    parts += ["<h2>Effects in the years run</h2>", _html_table(*_effect_rows(data)), f"<p>{html.escape(method)}</p>"]
    if cited:
        parts += ["<h2>Sources</h2>", '<ul class="small">']
        parts += [f"<li><code>{html.escape(s)}</code>: {html.escape(sources.get(s, ''))}</li>" for s in cited]
        parts.append("</ul>")
    parts += ["</body></html>", ""]
    return Report(
        scenario=str(data["name"]),
        base=None,
        markdown="\n".join(md),
        html="\n".join(parts),
        figures=figures,
        headline=tuple(headline),
    )
