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
        self.images: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"meta", "img", "br", "link"}:
            self.open.append(tag)
        for key, value in attrs:
            if key in {"src", "href"} and value is not None:
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
