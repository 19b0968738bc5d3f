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
