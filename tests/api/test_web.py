"""The web page in a real browser (Debian's chromium through Playwright): map, comparison table, routes drawn,
transit-time chart, on a laptop and a tablet screen. A screenshot of each is kept in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.browser import chromium
from fixtures.server import Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.sqlite'}"
    served = Server(url)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize(("screen", "size"), [("laptop", (1366, 768)), ("tablet", (768, 1024))])
def test_compare_xian_duisburg_in_the_browser(server: Server, browser: Any, screen: str, size: tuple[int, int]) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    # the network and the bundled country outlines are on the map
    assert page.locator("#map path").count() > 100
    page.fill("#origin", "Xian")
    page.fill("#destination", "Duisburg")
    page.click("#compare-button")
    page.wait_for_selector("body[data-state=compared]", state="attached", timeout=30_000)
    rows = page.locator("#compare-table tr.compare-row")
    corridors = [rows.nth(i).get_attribute("data-corridor") for i in range(rows.count())]
    assert len(corridors) >= 3 and "middle" in corridors
    for corridor in corridors:
        assert page.locator(f"#map path.route-{corridor}").count() >= 1, corridor
    expected = server.call("GET", "/v1/compare?origin=Xian&destination=Duisburg")[1]
    assert corridors == [o["corridor"] for o in expected["options"]]
    middle = page.locator("#compare-table tr[data-corridor=middle]").inner_text()
    days = next(o for o in expected["options"] if o["corridor"] == "middle")["days"]
    assert f"{days:.1f}" in middle
    page.wait_for_selector("body[data-chart=ready]", state="attached", timeout=30_000)
    assert page.locator("#reliability-chart").is_visible()
    # everything fits: the map and the form are on screen without sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert page.locator("#map").bounding_box()["height"] > 250
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-compare-{screen}.png"), full_page=True)
    assert errors == []
    outside = [u for u in requests if not u.startswith(server.url) and not u.startswith("data:")]
    assert outside == []  # nothing from a CDN: the page works offline
    page.close()


def test_bad_place_shows_the_message(server: Server, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    page.fill("#origin", "Narnia")
    page.click("#compare-button")
    page.wait_for_selector("body[data-state=error]", state="attached", timeout=30_000)
    assert "Unknown place 'Narnia'" in page.locator("#error").inner_text()
    page.close()


# --- a page worth sharing: state in the URL, exports, the scenario against its base, legend and labels ---------

SCREENS = [("laptop", (1366, 768)), ("phone", (390, 844))]


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


@pytest.mark.parametrize(("screen", "size"), SCREENS)
def test_a_shared_link_opens_the_same_view_and_exports_it(
    server: Server, browser: Any, screen: str, size: tuple[int, int], tmp_path: Path
) -> None:
    import csv

    import numpy as np
    from PIL import Image

    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/?origin=Xian&destination=Duisburg&cargo=TEU&route=middle")
    page.wait_for_selector("body[data-state=compared]", state="attached", timeout=60_000)
    # the link's view: its places and cargo in the form, compared, its route selected
    assert page.input_value("#cargo") == "TEU" and page.input_value("#origin") == "Xian"
    assert page.locator("#compare-table tr.is-selected").get_attribute("data-corridor") == "middle"
    assert "route=middle" in page.url and "cargo=TEU" in page.url
    expected = server.call("GET", "/v1/compare?origin=Xian&destination=Duisburg&cargo=TEU")[1]

    # the table as CSV: the API's figures, one row per corridor
    with page.expect_download() as download:
        page.click("#export-csv")
    saved = tmp_path / "table.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "corridor-xi-an-duisburg-teu.csv"
    rows = list(csv.DictReader(saved.read_text(encoding="utf-8").splitlines()))
    assert [r["corridor"] for r in rows] == [o["corridor"] for o in expected["options"]]
    for row, option in zip(rows, expected["options"], strict=True):
        assert float(row["days_p50"]) == option["days"] and float(row["cost_usd"]) == option["cost_usd"]

    # the map as PNG: the map's size (at the device's pixel ratio) plus the legend band, the routes drawn
    with page.expect_download() as download:
        page.click("#export-png")
    png = tmp_path / "map.png"
    download.value.save_as(png)
    box = page.locator("#map").bounding_box()
    image = Image.open(png).convert("RGB")
    assert image.size[0] == round(box["width"]) and image.size[1] > round(box["height"])
    pixels = np.asarray(image).astype(int)
    orange = int((np.abs(pixels - np.array([0xE8, 0x59, 0x0C])).max(axis=2) < 24).sum())
    assert orange > 100  # the selected Middle Corridor route

    # the legend is under the map, never on it; the routes are on the map; the main places are labelled
    legend = page.locator("#legend-bar").bounding_box()
    assert not _overlap(legend, box)
    for corridor in ("middle", "northern"):
        assert _overlap(page.locator(f"#map path.route-{corridor}").first.bounding_box(), box)
    labels = page.locator("#map .place-label").all_inner_texts()
    assert "Xi'an" in labels and "Duisburg" in labels and len(labels) >= 5
    assert page.locator("#map .place-label.is-end").count() == 2

    # the distribution chart's axis fits the data: from the fastest shipments to past every P95, not the long tail
    page.wait_for_selector("body[data-chart=ready]", state="attached", timeout=60_000)
    low, high = (float(v) for v in page.get_attribute("body", "data-axis").split("-"))
    p50 = [float(t) for t in page.locator("#reliability-table tbody tr td:nth-child(2)").all_inner_texts()]
    p95 = [float(t) for t in page.locator("#reliability-table tbody tr td:nth-child(4)").all_inner_texts()]
    assert low <= min(p50) and high >= max(p95)
    assert high <= 1.4 * max(p95) and low >= 0.6 * min(p50)

    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-shared-{screen}.png"), full_page=True)
    image.save(ARTIFACTS / f"web-map-export-{screen}.png")
    assert errors == []
    page.close()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    from corridor.store.database import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('web-jobs') / 'jobs.sqlite'}"
    with Store(url) as store:
        key = store.create_api_key("web")[1]
    served = Server(url, "--job-timeout", "120")
    yield served, key
    served.stop()


@pytest.mark.parametrize(("screen", "size"), SCREENS)
def test_scenario_against_its_base_side_by_side(
    keyed: tuple[Server, str], browser: Any, screen: str, size: tuple[int, int], tmp_path: Path
) -> None:
    import csv

    server, key = keyed
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/?scenario=red-sea-closed&samples=600")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    assert page.input_value("#scenario") == "red-sea-closed" and page.input_value("#samples") == "600"
    page.fill("#api-key", key)
    page.click("#run-button")
    page.wait_for_selector("body[data-job=succeeded]", state="attached", timeout=240_000)
    summary = page.locator("#scenario-summary").inner_text()
    assert "base: red-sea-open, scenario: red-sea-closed" in summary
    head = [t.strip() for t in page.locator("#scenario-table thead tr:nth-child(2) th").all_inner_texts()]
    assert head[:6] == ["Corridor", "base", "scenario", "Δ", "base", "scenario"]
    cells = page.locator("#scenario-table tr[data-corridor=maritime-suez] td").all_inner_texts()
    assert cells[5] == "closed"  # no transit time with the Red Sea closed: said, not drawn as 0
    # the base and the scenario side by side, all on screen but the cost pair on a phone
    table = page.locator("#scenario-table").bounding_box()
    assert table["x"] + table["width"] <= size[0]
    with page.expect_download() as download:
        page.click("#export-scenario-csv")
    saved = tmp_path / "scenario.csv"
    download.value.save_as(saved)
    rows = {r["corridor"]: r for r in csv.DictReader(saved.read_text(encoding="utf-8").splitlines())}
    assert float(rows["maritime-suez"]["base_mt"]) > 50 and float(rows["maritime-suez"]["mt"]) == 0
    for row in rows.values():
        assert float(row["delta_mt"]) == pytest.approx(float(row["mt"] or 0) - float(row["base_mt"] or 0))
    # the flows are drawn with a key to their widths, as the map draws them
    assert page.locator("#flow-legend").is_visible()
    for item in page.locator("#flow-legend .flow-legend-item").all():
        mt, width = float(item.get_attribute("data-mt")), float(item.get_attribute("data-width"))
        assert width == pytest.approx(min(14, 1 + 2 * mt**0.5))
    assert "scenario=red-sea-closed" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-scenario-{screen}.png"), full_page=True)
    assert errors == []
    page.close()


def test_a_missing_key_is_explained_for_the_page(server: Server, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    page.fill("#api-key", "")
    page.click("#run-button")
    page.wait_for_selector("body[data-job=error]", state="attached", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert "needs an API key" in message and "API key box" in message
    assert "`" not in message and "corridor apikey" not in message  # nothing to run on a command line
    page.close()


# --- appraisal in the scenario runner, the power layer, world places and the API's file formats ---------------


def _job_result(server: Server, key: str, body: dict[str, Any]) -> dict[str, Any]:
    import time

    status, job = server.call("POST", "/v1/jobs", body, key=key)
    assert status in (200, 201, 202), job
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job = server.call("GET", f"/v1/jobs/{job['id']}", key=key)[1]
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.5)
    assert job["status"] == "succeeded", job
    return server.call("GET", f"/v1/jobs/{job['id']}/result", key=key)[1]


@pytest.mark.parametrize(("screen", "size"), SCREENS)
def test_a_project_is_appraised_on_the_page(
    keyed: tuple[Server, str], browser: Any, screen: str, size: tuple[int, int]
) -> None:
    server, key = keyed
    expected = _job_result(server, key, {"kind": "appraise", "target": "btk-capacity", "discount": "6%"})
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # a link names the project (chosen, not run: running needs the reader's key)
    page.goto(server.url + "/?project=btk-capacity")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    assert page.input_value("#project") == "btk-capacity"
    projects = server.call("GET", "/v1/projects")[1]["items"]
    assert page.locator("#project option").count() == len(projects)
    page.fill("#api-key", key)
    page.click("#appraise-button")
    page.wait_for_selector("body[data-appraisal=succeeded]", state="attached", timeout=240_000)
    figure = {
        name: page.locator(f"#appraisal-figures [data-figure={name}]").inner_text()
        for name in ("npv", "bcr", "eirr", "payback")
    }
    assert f"USD {expected['npv_usd'] / 1e6:,.0f} m" in figure["npv"]
    low, high = expected["ranges"]["npv_usd"]["p10"], expected["ranges"]["npv_usd"]["p90"]
    assert f"P10–P90 {low / 1e6:,.0f} to {high / 1e6:,.0f} m" in figure["npv"]
    assert f"{expected['bcr']:.2f}" in figure["bcr"]
    assert f"{100 * expected['eirr']:.1f} %" in figure["eirr"]
    payback = expected["payback_year"]
    assert (str(payback) if payback else f"not by {expected['horizon']}") in figure["payback"]
    # the tornado: one bar per uncertain input, as a small chart
    assert page.get_attribute("body", "data-tornado") == str(len(expected["tornado"]))
    chart = page.locator("#tornado-chart")
    assert chart.is_visible() and 150 < chart.bounding_box()["height"] < 400
    assert "project=btk-capacity" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    page.locator("#appraisal-results").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-appraisal-{screen}.png"))
    page.locator("#scenario-panel").screenshot(path=str(ARTIFACTS / f"web-appraisal-panel-{screen}.png"))
    assert errors == []
    page.close()


def test_an_appraisal_without_a_key_is_explained_for_the_page(server: Server, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    page.fill("#api-key", "")
    page.click("#appraise-button")
    page.wait_for_selector("body[data-appraisal=error]", state="attached", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert "Appraising a project needs an API key" in message and "API key box" in message
    assert "`" not in message and "corridor " not in message  # nothing to run on a command line
    page.close()


def test_a_bad_discount_rate_is_refused_with_its_reason(keyed: tuple[Server, str], browser: Any) -> None:
    server, key = keyed
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server.url + "/?project=kuryk-expansion&discount=-5%25")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    assert page.input_value("#project") == "kuryk-expansion" and page.input_value("#discount") == "-5%"
    page.fill("#api-key", key)
    page.click("#appraise-button")
    page.wait_for_selector("body[data-appraisal=error]", state="attached", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert "discount rate '-5%' is not a rate from 0 to below 100% a year" in message
    assert "`" not in message and "corridor " not in message and "--" not in message
    assert page.locator("#appraisal-results").is_hidden() and page.is_enabled("#appraise-button")
    page.close()


@pytest.mark.parametrize(("screen", "size"), SCREENS)
def test_the_power_layer_on_the_map(server: Server, browser: Any, screen: str, size: tuple[int, int]) -> None:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    assert page.locator("#map path.power-line").count() == 0 and page.locator("#power-legend").is_hidden()
    page.check("#power-toggle")
    page.wait_for_selector("body[data-power='ready:2030']", state="attached", timeout=60_000)
    expected = server.call("GET", "/v1/power/map?year=2030")[1]
    lines = [f["properties"] for f in expected["features"] if f["geometry"]["type"] == "LineString"]
    assert page.locator("#map path.power-line").count() == len(lines)
    for line in lines:
        path = page.locator(f"#map path.power-line-{line['id']}")
        width = float(path.get_attribute("stroke-width"))
        if line["net_twh"] is None:  # not in service that year: thin and dashed
            assert width == 2 and "is-idle" in path.get_attribute("class")
        else:  # line width by the year's net flow, as the legend's key draws it
            assert width == pytest.approx(min(12, 1.5 + 2.5 * abs(line["net_twh"]) ** 0.5))
    assert page.locator("#power-legend").is_visible()
    assert page.locator("#power-legend .power-legend-item[data-twh]").count() >= 1
    # a popup with capacity and utilisation
    cable = next(line for line in lines if line["id"] == "black-sea-cable")
    page.locator("#map path.power-line-black-sea-cable").click(force=True)
    page.wait_for_timeout(500)  # the popup fades in and the map pans to it
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert f"{cable['capacity_mw']:,.0f} MW" in popup and "Utilisation" in popup
    assert f"{100 * cable['utilisation']:.1f} %" in popup and f"{abs(cable['net_twh']):.2f} TWh" in popup
    assert "power=2030" in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-power-{screen}.png"), full_page=True)
    # another year: the layer is redrawn with that year's flows, and the link keeps it
    page.keyboard.press("Escape")
    page.select_option("#power-year", "2024")
    page.wait_for_selector("body[data-power='ready:2024']", state="attached", timeout=60_000)
    assert "power=2024" in page.url
    page.goto(page.url)
    page.wait_for_selector("body[data-power='ready:2024']", state="attached", timeout=60_000)
    assert page.is_checked("#power-toggle") and page.input_value("#power-year") == "2024"
    page.uncheck("#power-toggle")
    assert page.locator("#map path.power-line").count() == 0 and "power=" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert errors == []
    page.close()


@pytest.mark.parametrize(("screen", "size"), SCREENS)
def test_any_world_city_and_the_comparison_in_every_format(
    server: Server, browser: Any, screen: str, size: tuple[int, int], tmp_path: Path
) -> None:
    import csv
    import json

    import openpyxl

    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-state=ready]", state="attached", timeout=30_000)
    # world cities are suggested as one types
    page.fill("#origin", "Alexandria")
    page.wait_for_selector("body[data-suggested*='Alexandria, RO']", state="attached", timeout=30_000)
    options = page.eval_on_selector_all("#place-names option.world", "os => os.map(o => o.value)")
    assert "Alexandria, EG" in options and "Alexandria, RO" in options
    page.fill("#destination", "Chengdu")
    page.click("#compare-button")
    # an ambiguous city shows its choices with country codes, and no command line
    page.wait_for_selector("body[data-state=error]", state="attached", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert "ambiguous" in message and "`" not in message and "corridor " not in message
    choices = page.locator("#place-choices .place-choice").all_inner_texts()
    assert "Alexandria, EG" in choices and "Alexandria, RO" in choices
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-world-choices-{screen}.png"))
    page.click("#place-choices .place-choice[data-choice='Alexandria, RO']")
    page.wait_for_selector("body[data-state=compared]", state="attached", timeout=60_000)
    assert page.input_value("#origin") == "Alexandria, RO" and page.locator("#error").is_hidden()
    assert "origin=Alexandria%2C+RO" in page.url
    expected = server.call("GET", "/v1/compare?origin=Alexandria,%20RO&destination=Chengdu")[1]
    corridors = [o["corridor"] for o in expected["options"]]
    rows = page.locator("#compare-table tr.compare-row")
    assert [rows.nth(i).get_attribute("data-corridor") for i in range(rows.count())] == corridors

    # the comparison in the API's formats: CSV, Excel, GeoJSON
    saved = {}
    for fmt in ("csv", "xlsx", "geojson"):
        with page.expect_download() as download:
            page.click(f"#download-{fmt}")
        assert download.value.suggested_filename == f"corridor-alexandria-ro-chengdu-feu-all.{fmt}"
        saved[fmt] = tmp_path / f"compare.{fmt}"
        download.value.save_as(saved[fmt])
    table = list(csv.DictReader(saved["csv"].read_text(encoding="utf-8").splitlines()))
    assert [r["corridor"] for r in table] == corridors
    book = openpyxl.load_workbook(saved["xlsx"], read_only=True)
    try:
        assert [r[0] for r in book["corridors"].iter_rows(min_row=2, values_only=True)] == corridors
    finally:
        book.close()
    routes = json.loads(saved["geojson"].read_text(encoding="utf-8"))
    assert {f["properties"]["corridor"] for f in routes["features"]} >= set(corridors)
    page.screenshot(path=str(ARTIFACTS / f"web-world-{screen}.png"), full_page=True)

    # the link opens the same view with the world city
    page.goto(page.url)
    page.wait_for_selector("body[data-state=compared]", state="attached", timeout=60_000)
    assert page.input_value("#origin") == "Alexandria, RO"
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert errors == []
    page.close()
