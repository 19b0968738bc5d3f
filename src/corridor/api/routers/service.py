"""The service itself: liveness and readiness (``/healthz``) and the web page at ``/``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse

from corridor._version import __version__
from corridor.api.deps import State

__all__ = ["STATIC", "router"]

#: the page and its bundled scripts, served at ``/`` and ``/static``
STATIC = Path(str(files("corridor.web"))) / "static"

router = APIRouter(tags=["service"])


@router.get("/healthz", summary="Liveness and readiness")
def healthz(state: State) -> dict[str, Any]:
    state.store.count()  # the store answers
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
