"""Scenario reports: the figures in the words and tables are those of the runs; the HTML stands alone."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import pytest

from corridor.dataset.network import Network
from corridor.scenarios.files import load_scenario
from corridor.scenarios.report import build_report
from corridor.scenarios.run import run_scenario


@pytest.fixture(scope="module")
def red_sea(eurasia: Network) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    scenario = load_scenario("red-sea-closed", eurasia)
    base = scenario.comparison_base()
    assert base is not None and base.name == "red-sea-open"
    result = run_scenario(eurasia, scenario, samples=1200).to_dict()
    return result, run_scenario(eurasia, base, samples=1200).to_dict(), scenario.to_dict()


def _names(net: Network) -> dict[str, str]:
    return {c.id: c.name for c in net.corridors}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.external: list[str] = []
        self.links: list[str] = []  # <a href>: followed only if the reader clicks (the sources)
        self.images: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"meta", "img", "br", "link"}:
            self.open.append(tag)
        for key, value in attrs:
            if tag == "a" and key == "href" and value is not None:
                self.links.append(value)
            elif key in {"src", "href"} and value is not None:
                if value.startswith("data:image/svg+xml;base64,"):
                    self.images.append(value.split(",", 1)[1])
                else:
                    self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "td":
            self.cells.append(data)


def test_report_states_the_runs_numbers(eurasia: Network, red_sea: Any) -> None:
    result, base, scenario = red_sea
    report = build_report(result, base, scenario=scenario, corridor_names=_names(eurasia))
    assert report.scenario == "red-sea-closed" and report.base == "red-sea-open"
    md = report.markdown
    assert md.startswith("# Scenario red-sea-closed against red-sea-open")
    before, after = base["volumes_mt"]["middle"], result["volumes_mt"]["middle"]
    assert f"Middle Corridor: {before:.2f} → {after:.2f} Mt a year" in report.headline[0]
    # one table row per corridor with the base, the scenario and the change
    for cid, v in result["volumes_mt"].items():
        name = _names(eurasia).get(cid, cid)
        row = next(line for line in md.splitlines() if line.startswith(f"| {name} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == f"{base['volumes_mt'][cid]:,.2f}" and cells[2] == f"{v:,.2f}"
        assert cells[3].startswith(f"{v - base['volumes_mt'][cid]:+,.2f}")
    # the closed corridor is shown as closed, not with a number
    suez = next(line for line in md.splitlines() if line.startswith("| Maritime via Suez |"))
    assert "closed" in suez
    assert f"{result['co2e_kt']:,.0f} kt CO2e" in md and f"{base['co2e_kt']:,.0f} kt in red-sea-open" in md
    top = result["bottlenecks"][0]
    assert f"| {top['element']} | {100 * top['utilization']:.0f}% |" in md
    assert "closed red-sea, bab-el-mandeb from 2024-01-01 to 2024-12-31 (red-sea-closed)" in md
    for name in ("volumes", "transit", "cost", "bottlenecks"):
        assert f"(figures/{name}.svg)" in md


def test_html_is_self_contained_and_well_formed(eurasia: Network, red_sea: Any) -> None:
    result, base, scenario = red_sea
    report = build_report(result, base, scenario=scenario, corridor_names=_names(eurasia))
    page = _Page()
    page.feed(report.html)
    page.close()
    assert page.open == [] and page.external == []  # nothing fetched: no CDN, no file beside it
    assert len(page.images) == 4
    assert sorted(base64.b64decode(e).decode("utf-8") for e in page.images) == sorted(report.figures.values())
    for svg in report.figures.values():
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and int(float(root.get("width", "0").rstrip("pt"))) > 200
    assert f"{result['volumes_mt']['middle']:,.2f}" in page.cells
    # the charts' labels (kept as text) carry the runs' figures
    middle = result["volumes_mt"]["middle"]
    assert f"{middle:.2f} ({middle - base['volumes_mt']['middle']:+.2f})" in report.figures["volumes"]
    assert f"{result['p50_days']['middle']:.1f}–{result['p90_days']['middle']:.1f} d" in report.figures["transit"]
    assert f"{100 * result['bottlenecks'][0]['utilization']:.0f}%" in report.figures["bottlenecks"]
    assert "closed" in report.figures["transit"]  # Suez has no transit time with the Red Sea closed


def test_report_is_reproducible_and_works_without_a_base(eurasia: Network, red_sea: Any) -> None:
    result, base, scenario = red_sea
    one = build_report(result, base, scenario=scenario)
    two = build_report(result, base, scenario=scenario)
    assert one.html == two.html and one.figures == two.figures
    alone = build_report(base)
    assert alone.base is None and alone.markdown.startswith("# Scenario red-sea-open\n")
    assert "| corridor | Mt a year | share | P50 days | P90 days | USD per FEU |" in alone.markdown
    assert re.search(r"Volumes: Maritime via Suez|Volumes: maritime-suez", alone.headline[0])


def test_comparison_base_of_a_composed_scenario(eurasia: Network) -> None:
    assert load_scenario("base-2024", eurasia).comparison_base() is None
    roadmap = load_scenario("roadmap-2027", eurasia)
    common = roadmap.comparison_base()
    assert len(roadmap.parents) > 1 and common is not None and common.name == "base-2024"
    demand = load_scenario("demand-2030", eurasia).comparison_base()
    assert demand is not None and demand.name == "roadmap-2027"


# --- what a reader should check, the changes with their values, sources as links ------------------------------------


def _run(name: str, vol: dict[str, float], p90: dict[str, float], **extra: Any) -> dict[str, Any]:
    """A run's dictionary with only what the checks read (a toy: the figures are chosen, not simulated)."""
    return {
        "scenario": name,
        "title": name,
        "year": 2024,
        "volumes_mt": vol,
        "p50_days": {c: d - 3 for c, d in p90.items()},
        "p90_days": p90,
        "cost_usd_per_feu": {c: 5000.0 for c in p90},
        "co2e_kt": 100.0,
        "bottlenecks": [],
        "reference": {"origin": "Xi'an", "destination": "Duisburg"},
        "samples": 1200,
        "seed": 0,
        "choice": {"kind": "mnl", "theta": 0.02, "asc": {}, "gap": [0.0004], "iterations": [12]},
        **extra,
    }


def test_flags_name_each_implausible_figure_and_why() -> None:
    base = _run("base", {"a": 10.0, "b": 0.01, "c": 2.0, "d": 1.0}, {"a": 20.0, "b": 30.0, "c": 25.0, "d": 40.0})
    result = _run(
        "what-if",
        {"a": 9.0, "b": 2.31, "c": 9.5, "d": 0.0},
        {"a": 21.0, "b": 31.0, "c": 60.0},  # d closed; c's P90 more than 1.5 times the base's
        choice={"kind": "mnl", "theta": 0.02, "asc": {}, "gap": [0.031], "iterations": [200]},
        over_capacity=[
            {
                "element": "ferry",
                "utilization": 1.12,
                "waiting_t_at_year_end": 5000.0,
                "wait_growth_days_per_month": 3.65,
            }
        ],
    )
    report = build_report(result, base, corridor_names={"b": "Bravo"})
    flags = "\n".join(report.flags)
    assert "Bravo: 0.01 → 2.31 Mt a year from a near-empty base" in flags and "×231" in flags
    assert "c: 2.00 → 9.50 Mt a year (×4.8), more than 300%" in flags
    assert "c: P90 25.0 → 60.0 days (+35.0)" in flags
    assert "d is closed in this scenario: it has no route, so no transit time and no cost" in flags
    assert "ferry is loaded at 112% of its capacity: 5,000 t wait" in flags
    assert "relative gap of 0.031 (after 200 iterations)" in flags
    assert "a:" not in flags  # -10% and +1 day: nothing to check
    # the flags open the report, before the tables, and no percentage of a near-empty base is printed
    md = report.markdown
    assert md.index("## Check these figures") < md.index("## Volumes, transit times")
    assert "+22,9" not in md and "+23" not in md.split("## Check")[0]
    assert all(abs(float(p)) <= 300 for p in re.findall(r"([+-]\d+(?:\.\d+)?)%", md))
    # the closed corridor's cost is not a 0 USD bar
    assert "closed: no route" in report.figures["cost"]
    quiet = build_report(base, base)
    assert quiet.flags == () and "## Check these figures" not in quiet.markdown


def test_real_red_sea_report_flags_the_cape_and_the_closed_suez(eurasia: Network, red_sea: Any) -> None:
    result, base, scenario = red_sea
    report = build_report(result, base, scenario=scenario, network=eurasia)
    cape = base["volumes_mt"]["maritime-cape"], result["volumes_mt"]["maritime-cape"]
    ratio = cape[1] / cape[0]
    assert ratio > 4  # a corridor little used with the Red Sea open takes the Suez flows: more than +300%
    factor = f"×{ratio:,.0f}" if ratio >= 10 else f"×{ratio:.1f}"
    flags = "\n".join(report.flags)
    assert f"Maritime via the Cape: {cape[0]:.2f} → {cape[1]:.2f} Mt a year ({factor})" in flags
    assert "Maritime via Suez is closed in this scenario" in flags
    row = next(line for line in report.markdown.splitlines() if line.startswith("| Maritime via the Cape |"))
    assert f"({factor})" in row and "%)" not in row.split("|")[4]
    for section in ("## Where the figures come from", "## Sources", "## Run"):
        assert section in report.markdown
    assert f"Monte Carlo of {result['samples']:,} shipments per corridor" in report.markdown


def test_changes_show_before_and_after_with_units(eurasia: Network) -> None:
    from corridor.scenarios.report import change_rows

    scenario = load_scenario("roadmap-2027", eurasia).to_dict()
    rows = {(r.element, r.field): r for r in change_rows(scenario, eurasia)}
    kuryk = rows["capacities/kuryk-port", "capacity_per_year"]
    record = eurasia.capacity_by_id["kuryk-port"]
    assert record.capacity_unit == "t"
    assert (kuryk.before, kuryk.after, kuryk.unit) == (f"{record.capacity_per_year / 1e6:g}", "6", "Mt a year")
    speed = rows["links/dostyk-moyinty", "speed_kmh"]
    assert speed.unit == "km/h" and speed.before == f"{eurasia.link_by_id['dostyk-moyinty'].speed_kmh:g}"
    assert len(rows) == len(scenario["changes"])
    run = _run("roadmap-2027", {"middle": 5.0}, {"middle": 30.0})
    md = build_report(run, scenario=scenario, network=eurasia).markdown
    assert "| element | field | before | after | unit | set by |" in md
    assert f"| capacities/kuryk-port | capacity_per_year | {kuryk.before} | 6 | Mt a year | kuryk-6mt: set |" in md


def test_sources_are_links(eurasia: Network, red_sea: Any) -> None:
    result, base, scenario = red_sea
    report = build_report(result, base, scenario=scenario, network=eurasia)
    linked = [s for s in scenario["sources"] if eurasia.source_by_id[s].url]
    assert linked
    for sid in linked:
        source = eurasia.source_by_id[sid]
        assert f"[{source.title}]({source.url}) (`{sid}`)" in report.markdown
    page = _Page()
    page.feed(report.html)
    page.close()
    assert sorted(page.links) == sorted(eurasia.source_by_id[s].url for s in linked)
    assert page.external == []  # links are followed by the reader; nothing is fetched to show the page
