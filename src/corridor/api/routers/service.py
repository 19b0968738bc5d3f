"""The service itself: liveness and readiness (``/healthz``), the web page at ``/`` and the API docs at ``/docs``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from corridor._version import __version__
from corridor.api.deps import State

__all__ = ["DOCS_ASSETS", "STATIC", "router", "swagger_ui_folder"]

#: the page and its bundled scripts, served at ``/`` and ``/static``
STATIC = Path(str(files("corridor.web"))) / "static"
#: where Swagger UI's files (from the swagger-ui-bundle-v2 distribution) are served, so /docs needs no CDN
DOCS_ASSETS = "/docs/assets"

_DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>corridor API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
# a file of its own, not an inline script, so the page's Content-Security-Policy needs no 'unsafe-inline' scripts
_DOCS_INIT = """window.ui = SwaggerUIBundle({{
  url: {openapi},
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
}});
"""


def swagger_ui_folder() -> Path:
    """The folder of Swagger UI's bundled files (a dependency, so the docs work offline)."""
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


router = APIRouter(tags=["service"])


@router.get("/healthz", summary="Liveness and readiness")
def healthz(state: State) -> dict[str, Any]:
    """503 ``store_unavailable`` naming the reason unless the store opened is there, writable and answers."""
    state.store.check()
    return {
        "status": "ok",
        "version": __version__,
        "network": state.network.info.name,
        "store": state.store.shown,
        "jobs_running": state.runner.running,
    }


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI from the bundled files: its own scripts only, as the Content-Security-Policy allows."""
    return HTMLResponse(_DOCS_HTML.format(assets=DOCS_ASSETS))


@router.get("/docs/init.js", include_in_schema=False)
def docs_init(request: Request) -> Response:
    import json

    openapi = json.dumps(request.app.openapi_url or "/openapi.json")
    return Response(_DOCS_INIT.format(openapi=openapi), media_type="text/javascript")
