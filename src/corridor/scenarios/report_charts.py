"""The SVG charts of a scenario report (matplotlib): volumes, transit times, costs and bottlenecks, run beside its base,
one colour per corridor in every chart."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

#: one colour per corridor, the same in every chart (ColorBrewer Dark2, colour-blind safe in pairs)
CORRIDOR_COLORS: Mapping[str, str] = {
    "middle": "#d95f02",
    "northern": "#7570b3",
    "southern-iran": "#e7298a",
    "maritime-suez": "#1b9e77",
    "maritime-cape": "#66a61e",
    "other": "#999999",
}
_FALLBACK_COLORS = ("#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a")
_BASE_ALPHA = 0.35


TOP_BOTTLENECKS = 8


def corridor_color(cid: str, order: Sequence[str]) -> str:
    if cid in CORRIDOR_COLORS:
        return CORRIDOR_COLORS[cid]
    return _FALLBACK_COLORS[order.index(cid) % len(_FALLBACK_COLORS)]


def new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def svg_text(fig: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "corridor", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def style_axes(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def _paired_bars(
    ax: Any,
    values: Sequence[float],
    base_values: Sequence[float] | None,
    colors: Sequence[str] | str,
    labels: Sequence[str],
    *,
    pad: float,
    base_colors: Sequence[str] | str | None = None,
    legend: tuple[str, str] | None = None,
) -> list[int]:
    """Horizontal bars top to bottom, each with the base's bar (pale) above it when there is a base, and a label
    ``pad`` to the right of its end; returns the y positions."""
    y = list(range(len(values)))[::-1]
    shift = 0.2 if base_values is not None else 0.0
    if base_values is not None:
        ax.barh(
            [v + shift for v in y],
            base_values,
            height=0.38,
            color=colors if base_colors is None else base_colors,
            alpha=_BASE_ALPHA,
            label=None if legend is None else legend[0],
        )
    ax.barh(
        [v - shift for v in y],
        values,
        height=0.38 if base_values is not None else 0.6,
        color=colors,
        label=None if legend is None else legend[1],
    )
    for yy, v, label in zip(y, values, labels, strict=True):
        ax.text(v + pad, yy - shift, label, va="center", fontsize=8)
    return y


def volumes_svg(
    result: Mapping[str, Any], base: Mapping[str, Any] | None, corridors: Sequence[str], names: Mapping[str, str]
) -> str:
    """Horizontal bars per corridor; corridors of very different size get their own panel so Middle stays legible."""
    vol = result["volumes_mt"]
    bvol = (base or {}).get("volumes_mt") or {}
    big = max([*vol.values(), *bvol.values(), 0.0])
    cutoff = big / 5
    groups = [
        [c for c in corridors if max(vol.get(c, 0.0), bvol.get(c, 0.0)) < cutoff],
        [c for c in corridors if max(vol.get(c, 0.0), bvol.get(c, 0.0)) >= cutoff],
    ]
    groups = [g for g in groups if g]
    fig = new_figure(6.0, 0.5 + 0.42 * len(corridors) + 0.3 * len(groups))
    axes = fig.subplots(len(groups), 1, height_ratios=[len(g) for g in groups], squeeze=False)[:, 0]
    for ax, group in zip(axes, groups, strict=True):
        values = [vol.get(c, 0.0) for c in group]
        top = max([*values, *(bvol.get(c, 0.0) for c in group), 1e-9])
        labels = [
            f"{v:.2f}" + (f" ({v - bvol[c]:+.2f})" if base is not None and c in bvol else "")
            for v, c in zip(values, group, strict=True)
        ]
        y = _paired_bars(
            ax,
            values,
            None if base is None else [bvol.get(c, 0.0) for c in group],
            [corridor_color(c, corridors) for c in group],
            labels,
            pad=top * 0.01,
            legend=None if base is None else (f"base ({base['scenario']})", str(result["scenario"])),
        )
        ax.set_yticks(y, [names.get(c, c) for c in group])
        ax.set_xlim(0, top * 1.28)
        style_axes(ax)
    axes[-1].set_xlabel("Mt a year", fontsize=9)
    if base is not None:
        axes[0].legend(fontsize=8, loc="lower right", frameon=False)
    return svg_text(fig)


def transit_svg(
    result: Mapping[str, Any], base: Mapping[str, Any] | None, corridors: Sequence[str], names: Mapping[str, str]
) -> str:
    group = [c for c in corridors if c in result["p90_days"] or c in ((base or {}).get("p90_days") or {})]
    fig = new_figure(6.0, 0.7 + 0.45 * max(len(group), 1))
    ax = fig.subplots()
    y = list(range(len(group)))[::-1]
    for yy, c in zip(y, group, strict=True):
        color = corridor_color(c, corridors)
        if base is not None and c in base["p90_days"]:
            ax.plot(
                [base["p50_days"][c], base["p90_days"][c]],
                [yy + 0.18] * 2,
                color=color,
                alpha=_BASE_ALPHA,
                linewidth=6,
                solid_capstyle="butt",
            )
        if c in result["p90_days"]:
            p50, p90 = result["p50_days"][c], result["p90_days"][c]
            ax.plot([p50, p90], [yy - 0.1] * 2, color=color, linewidth=6, solid_capstyle="butt")
            ax.plot([p50], [yy - 0.1], marker="|", color="black", markersize=10)
            ax.text(p90 + 0.6, yy - 0.1, f"{p50:.1f}–{p90:.1f} d", va="center", fontsize=8)
        else:
            ax.text(1, yy, "closed", va="center", fontsize=8, color="#a00")
    ax.set_yticks(y, [names.get(c, c) for c in group])
    ax.set_xlim(0, None)
    ax.margins(x=0.15)
    ax.set_xlabel("days door to door (bar: P50 to P90; pale: base)", fontsize=9)
    style_axes(ax)
    return svg_text(fig)


def cost_svg(
    result: Mapping[str, Any], base: Mapping[str, Any] | None, corridors: Sequence[str], names: Mapping[str, str]
) -> str:
    group = [
        c for c in corridors if c in result["cost_usd_per_feu"] or c in ((base or {}).get("cost_usd_per_feu") or {})
    ]
    fig = new_figure(6.0, 0.7 + 0.4 * max(len(group), 1))
    ax = fig.subplots()
    costs = [result["cost_usd_per_feu"].get(c) for c in group]
    values = [0.0 if v is None else v for v in costs]  # a closed corridor has no bar, and says so: not "0"
    y = _paired_bars(
        ax,
        values,
        None if base is None else [base["cost_usd_per_feu"].get(c, 0.0) for c in group],
        [corridor_color(c, corridors) for c in group],
        ["closed: no route" if v is None else f"{v:,.0f}" for v in costs],
        pad=max([*values, 1e-9]) * 0.01,
    )
    ax.set_yticks(y, [names.get(c, c) for c in group])
    ax.margins(x=0.15)
    ax.set_xlabel("USD per FEU", fontsize=9)
    style_axes(ax)
    return svg_text(fig)


def bottlenecks_svg(result: Mapping[str, Any], base: Mapping[str, Any] | None) -> str:
    rows = result["bottlenecks"][:TOP_BOTTLENECKS]
    before = {b["element"]: b["utilization"] for b in (base or {}).get("bottlenecks", [])}
    fig = new_figure(6.0, 0.7 + 0.38 * max(len(rows), 1))
    ax = fig.subplots()
    util = [b["utilization"] for b in rows]
    y = _paired_bars(
        ax,
        util,
        None if base is None else [before.get(b["element"], 0.0) for b in rows],
        ["#b2182b" if u >= 0.9 else "#ef8a62" if u >= 0.75 else "#67a9cf" for u in util],
        [f"{100 * u:.0f}%" for u in util],
        pad=0.01,
        base_colors="#888",
    )
    ax.axvline(1.0, color="#444", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, [b["element"] for b in rows])
    ax.set_xlim(0, max([1.1, *util, *before.values()]) * 1.08)
    ax.set_xlabel("utilization (flow / capacity)", fontsize=9)
    style_axes(ax)
    return svg_text(fig)
