"""The FastAPI application: the engines and the results store behind ``/v1``, and the web page at ``/``.

Read endpoints (GET) answer anonymously unless the server says otherwise; every write or run needs an API key in
``X-API-Key`` (or ``Authorization: Bearer``). Errors are JSON ``{"error": {"code", "message", ...}}`` with a 4xx
status that names the problem (a place, a field, a limit); a server fault is a 5xx with no traceback.

The endpoints live in :mod:`corridor.api.routers` (one module per resource), what they share in
:mod:`corridor.api.deps`, and the error answers in :mod:`corridor.api.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor._version import __version__
from corridor.api import errors
from corridor.api.deps import ServiceState
from corridor.api.middleware import BodyLimit, SecurityHeaders
from corridor.api.responses import StrictJSONResponse
from corridor.api.routers import ROUTERS, service
from corridor.api.settings import ServiceSettings
from corridor.errors import CorridorError

__all__ = ["SETTINGS_VARIABLE", "app_from_environment", "create_app", "settings_to_json"]

SUMMARY = "Routes, costs, transit times, CO2e, flows and scenarios of the Middle Corridor and its competitors."


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the job runner while the app serves, warm before the first request; close the store's connections when
    it stops."""
    from corridor.api.preload import warm

    state: ServiceState = app.state.corridor
    state.runner.start()  # its forkserver warms in a process of its own meanwhile
    warm(state.network)  # no request waits for the kernels to compile (see corridor.api.preload)
    try:
        yield
    finally:
        state.runner.stop()
        state.store.close()


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service as an ASGI app (run it with uvicorn, or ``corridor serve``)."""
    settings = settings or ServiceSettings()
    state = ServiceState(settings)
    app = FastAPI(
        title="corridor",
        version=__version__,
        summary=SUMMARY,
        lifespan=lifespan,
        docs_url=None,  # served by the service router from bundled files (the CDN one breaks under the CSP)
        redoc_url=None,
        responses=errors.ERRORS,
        default_response_class=StrictJSONResponse,  # strict JSON: a NaN in a result is null, never a 500
        exception_handlers={
            CorridorError: errors.on_corridor_error,
            RequestValidationError: errors.on_validation,
            StarletteHTTPException: errors.on_http,
            errors.ComputeTimeout: errors.on_timeout,
            Exception: errors.on_bug,
        },
    )
    app.state.corridor = state
    _add_middleware(app, settings)
    app.include_router(service.router)
    if service.STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=service.STATIC), name="static")
    app.mount(service.DOCS_ASSETS, StaticFiles(directory=service.swagger_ui_folder()), name="docs-assets")
    for router in ROUTERS:
        app.include_router(router)
    return app


#: the environment variable through which ``corridor serve --workers N`` hands its settings to each worker process
SETTINGS_VARIABLE = "CORRIDOR_SERVICE_SETTINGS"


def settings_to_json(settings: ServiceSettings) -> str:
    """The settings as JSON, for :func:`app_from_environment` in another process."""
    import dataclasses
    import json

    values = dataclasses.asdict(settings)
    values["network"] = None if settings.network is None else str(settings.network)
    values["cors_origins"] = list(settings.cors_origins)
    return json.dumps(values)


def app_from_environment() -> FastAPI:
    """The app of the settings in ``CORRIDOR_SERVICE_SETTINGS`` (JSON of :func:`settings_to_json`): the factory
    each uvicorn worker process imports by name (``corridor.api.app:app_from_environment``) under ``--workers``."""
    import json
    import os
    from pathlib import Path

    from corridor.api.settings import Limits

    values = json.loads(os.environ[SETTINGS_VARIABLE])
    values["limits"] = Limits(**values["limits"])
    values["network"] = None if values["network"] is None else Path(values["network"])
    values["cors_origins"] = tuple(values["cors_origins"])
    return create_app(ServiceSettings(**values))


def _add_middleware(app: FastAPI, settings: ServiceSettings) -> None:
    """The body limit innermost, then CORS (if any origin is allowed), then the headers of every answer."""
    app.add_middleware(BodyLimit, limit=settings.limits.max_body_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Location"],
        )
    app.add_middleware(SecurityHeaders)
