"""Security headers on every answer (no framing, no Referer, a Content-Security-Policy), and the API docs at /docs
from bundled files: they render their operations in Debian's chromium with every request off this server refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.api import Limits, ServiceSettings, create_app
from corridor.api.middleware import API_SECURITY_POLICY, CONTENT_SECURITY_POLICY
from fixtures.browser import chromium
from fixtures.server import Server

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = f"sqlite:///{tmp_path_factory.mktemp('headers') / 'store.sqlite'}"
    with TestClient(create_app(ServiceSettings(store=store, job_workers=0))) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "html"),
    [
        ("/", True),
        ("/docs", True),
        ("/healthz", False),
        ("/v1/places?limit=1", False),
        ("/openapi.json", False),
        ("/docs/init.js", False),
        ("/docs/assets/swagger-ui.css", False),
        ("/v1/nothing-here", False),
        ("/v1/jobs/none/cancel", False),
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str, html: bool) -> None:
    response = client.post(path) if path.endswith("/cancel") else client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert policy == (CONTENT_SECURITY_POLICY if html else API_SECURITY_POLICY)
    assert "frame-ancestors 'none'" in policy


def test_refusals_before_the_app_carry_them_too(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'small.sqlite'}"
    settings = ServiceSettings(store=store, job_workers=0, limits=Limits(max_body_bytes=10))
    with TestClient(create_app(settings)) as small:
        refused = small.post("/v1/scenarios", content=b"x" * 100, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413
    assert refused.headers["X-Frame-Options"] == "DENY" and refused.headers["Referrer-Policy"] == "no-referrer"
    assert refused.headers["Content-Security-Policy"] == API_SECURITY_POLICY


def test_a_server_fault_carries_them_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(ServiceSettings(store=f"sqlite:///{tmp_path / 'fault.sqlite'}", job_workers=0))

    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as faulty:
        monkeypatch.setattr(app.state.corridor.store, "check", broken)
        answer = faulty.get("/healthz")
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal"
    assert answer.headers["X-Frame-Options"] == "DENY" and answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Content-Security-Policy"] == API_SECURITY_POLICY


def test_the_docs_page_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text)  # no CDN
    assert "<script>" not in page.text  # no inline script: the policy allows none
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert client.get(src).status_code == 200, src
    init = client.get("/docs/init.js").text
    assert '"/openapi.json"' in init and "validatorUrl: null" in init
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN


def test_the_policy_forbids_inline_scripts_and_other_origins() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'" and "script-src" not in directives
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


# --- /docs in a real browser, offline --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    served = Server(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'docs.sqlite'}")
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


def test_docs_render_the_operations_offline(server: Server, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    elsewhere: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/v1/compare" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() >= 15
    assert page.locator(".information-container .title").inner_text().startswith("corridor")
    assert elsewhere == [] and violations == [] and errors == []
    # the docs cannot be framed by another page
    framed = browser.new_page()
    framed.set_content(f'<iframe id="f" src="{server.url}/docs"></iframe>')
    framed.wait_for_timeout(1500)
    frame = framed.frame_locator("#f")
    assert frame.locator(".opblock").count() == 0
    Path(__file__).resolve().parents[2].joinpath("test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(Path(__file__).resolve().parents[2] / "test-artifacts" / "docs.png"))
