"""The FastAPI application: the engines and the results store behind ``/v1``, and the web page at ``/``.

Read endpoints (GET) answer anonymously unless the server says otherwise; every write or run needs an API key in
``X-API-Key`` (or ``Authorization: Bearer``). Errors are JSON ``{"error": {"code", "message", ...}}`` with a 4xx
status that names the problem (a place, a field, a limit); a server fault is a 5xx with no traceback.
"""

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Body, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import corridor
from corridor.api.jobs import JobRunner, load_named, prepare, store_resolver
from corridor.api.models import JobRequest, ScenarioCreate
from corridor.api.settings import ServiceSettings
from corridor.errors import (
    AuthError,
    ConflictError,
    CorridorError,
    DatasetError,
    InvalidOptionError,
    LimitError,
    NoRouteError,
    NotFoundError,
    ScenarioError,
    StoreError,
    UnknownElementError,
    UnknownPlaceError,
)
from corridor.mapdata import with_link_geometry

__all__ = ["create_app"]

T = TypeVar("T")
STATIC = Path(str(files("corridor.web"))) / "static"
CARGO = ("FEU", "TEU", "t", "liquid")
OPTIMIZE = ("time", "cost", "co2e", "generalized")

Origin = Annotated[str, Query(min_length=1, max_length=120, description="Origin place: name, alias or id.")]
Destination = Annotated[str, Query(min_length=1, max_length=120, description="Destination place.")]
Cargo = Annotated[str, Query(max_length=10, description="FEU, TEU, t (dry bulk tonnes) or liquid.")]
Avoid = Annotated[
    str | None,
    Query(max_length=300, description="Comma-separated countries (RU,IR), passages (suez, red-sea, ...) or modes."),
]
Quantity = Annotated[float, Query(gt=0, le=1e9, description="How many cargo units.")]
Optimize = Annotated[str, Query(max_length=20, description="time, cost, co2e or generalized.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Items skipped.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {"application/json": {"example": {"error": {"code": "...", "message": "..."}}}},
    }
    for code, text in (
        (401, "No API key"),
        (403, "Wrong or revoked API key"),
        (404, "Not found"),
        (409, "Conflict with what is stored"),
        (413, "Request body over max_body_bytes"),
        (422, "Invalid input: unknown place, bad value, limit exceeded"),
    )
}


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def _corridor_error(error: CorridorError) -> JSONResponse:
    if isinstance(error, AuthError):
        return _error(401 if error.code == "api_key_missing" else 403, error.code, str(error))
    if isinstance(error, NotFoundError):
        return _error(404, "not_found", str(error))
    if isinstance(error, ConflictError):
        return _error(409, "conflict", str(error))
    if isinstance(error, LimitError):
        return _error(422, "limit_exceeded", str(error), limit=error.limit, maximum=error.maximum, value=error.value)
    if isinstance(error, UnknownPlaceError):
        return _error(422, "unknown_place", str(error), place=error.name, closest=list(error.closest))
    if isinstance(error, ScenarioError | DatasetError):
        problems = [{"file": p.file, "line": p.line, "field": p.column, "message": p.message} for p in error.problems]
        return _error(422, "invalid_scenario", str(error), problems=problems)
    if isinstance(error, NoRouteError):
        return _error(422, "no_route", str(error))
    if isinstance(error, UnknownElementError | InvalidOptionError):
        return _error(422, "invalid_option", str(error))
    if isinstance(error, StoreError):
        return _error(503, "store_unavailable", str(error))
    return _error(422, "invalid_request", str(error))


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"The request body is over the limit max_body_bytes={self.limit} of this server."
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _error(413, "body_too_large", message, limit="max_body_bytes", maximum=self.limit)(
                    scope, receive, send
                )
                return
        if any(name == b"content-length" for name, _ in scope.get("headers", [])):
            await self.app(scope, receive, send)  # the server holds the body to its Content-Length
            return
        # no Content-Length (chunked): read the body up to the limit before the app sees any of it
        chunks: list[Message] = []
        seen = 0
        while True:
            msg = await receive()
            chunks.append(msg)
            if msg["type"] != "http.request":
                break
            seen += len(msg.get("body", b""))
            if seen > self.limit:
                await _error(413, "body_too_large", message, limit="max_body_bytes", maximum=self.limit)(
                    scope, receive, send
                )
                return
            if not msg.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)


class _State:
    """What the app holds: settings, the network, the store, the job runner and a cache of comparisons."""

    def __init__(self, settings: ServiceSettings) -> None:
        from corridor.mapdata import link_geometry, network_geojson
        from corridor.network import load_network
        from corridor.store import Store

        self.settings = settings
        self.network = load_network(settings.network)
        self.store = Store(settings.store)
        self.lanes = link_geometry(self.network)
        self.geojson = json.dumps(network_geojson(self.network, geometry=self.lanes), ensure_ascii=False).encode()
        self.etag = '"' + hashlib.sha256(self.geojson).hexdigest()[:32] + '"'
        self.runner = JobRunner(
            self.store,
            network=settings.network,
            workers=settings.job_workers,
            timeout_seconds=settings.limits.job_timeout_seconds,
        )
        self.cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> bytes:
        """The JSON of ``make()``, kept for repeated requests (the network never changes while serving)."""
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return hit
        body = json.dumps(make(), ensure_ascii=False).encode()
        self.cache[key] = body
        while len(self.cache) > 2048:
            self.cache.popitem(last=False)
        return body


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The service as an ASGI app (run it with uvicorn, or ``corridor serve``)."""
    settings = settings or ServiceSettings()
    state = _State(settings)
    limits = settings.limits

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.runner.start()
        try:
            yield
        finally:
            state.runner.stop()

    app = FastAPI(
        title="corridor",
        version=corridor.__version__,
        summary="Routes, costs, transit times, CO2e, flows and scenarios of the Middle Corridor and its competitors.",
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.corridor = state

    # --- errors as JSON ----------------------------------------------------------------------------------------------

    @app.exception_handler(CorridorError)
    async def on_corridor_error(_: Request, error: CorridorError) -> JSONResponse:
        return _corridor_error(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, error: RequestValidationError) -> JSONResponse:
        details = []
        for e in error.errors():
            where = ".".join(str(p) for p in e.get("loc", ()))
            details.append({"field": where, "message": e.get("msg", ""), "type": e.get("type", "")})
        if any(d["type"] == "json_invalid" for d in details):
            return _error(422, "malformed_json", "The request body is not valid JSON: " + details[0]["message"])
        text = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
        return _error(422, "invalid_request", text, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error(error.status_code, codes.get(error.status_code, "http_error"), str(error.detail))

    @app.exception_handler(Exception)
    async def on_bug(_: Request, error: Exception) -> JSONResponse:
        return _error(500, "internal", f"internal error ({error.__class__.__name__}); see the server log")

    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Location"],
        )

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
                "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'"
            )
        return response

    # --- keys ----------------------------------------------------------------------------------------------------

    def _key(x_api_key: str | None, authorization: str | None) -> str | None:
        if x_api_key:
            return x_api_key
        if authorization and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return None

    def writer(
        x_api_key: Annotated[str | None, Header(max_length=200)] = None,
        authorization: Annotated[str | None, Header(max_length=220)] = None,
    ) -> str:
        key = _key(x_api_key, authorization)
        if not key:
            raise AuthError("api_key_missing", "This endpoint needs an API key in the X-API-Key header.")
        key_id = state.store.check_api_key(key)
        if key_id is None:
            raise AuthError("api_key_invalid", "The API key is not valid (unknown or revoked).")
        return key_id

    def reader(
        x_api_key: Annotated[str | None, Header(max_length=200)] = None,
        authorization: Annotated[str | None, Header(max_length=220)] = None,
    ) -> str | None:
        if settings.anonymous_read and not _key(x_api_key, authorization):
            return None
        return writer(x_api_key, authorization)

    Reader = Annotated[str | None, Depends(reader)]
    Writer = Annotated[str, Depends(writer)]

    async def compute(fn: Callable[[], T]) -> T:
        try:
            return await asyncio.wait_for(run_in_threadpool(fn), timeout=limits.request_timeout_seconds)
        except TimeoutError:
            raise _Timeout from None

    class _Timeout(Exception):
        pass

    @app.exception_handler(_Timeout)
    async def on_timeout(_: Request, __: Exception) -> JSONResponse:
        t = limits.request_timeout_seconds
        return _error(503, "timeout", f"The computation took over {t:g} s (limit request_timeout_seconds={t:g}).")

    def _page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
        return {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None,
        }

    def _choice(value: str, valid: tuple[str, ...], name: str) -> str:
        if value not in valid:
            raise InvalidOptionError(f"{name}={value!r} is not valid; valid: {', '.join(valid)}")
        return value

    # --- health and the page ---------------------------------------------------------------------------------------

    @app.get("/healthz", tags=["service"], summary="Liveness and readiness")
    def healthz() -> dict[str, Any]:
        state.store.count()  # the store answers
        return {
            "status": "ok",
            "version": corridor.__version__,
            "network": state.network.info.name,
            "store": state.store.shown,
            "jobs_running": state.runner.running,
        }

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # --- reads ----------------------------------------------------------------------------------------------------

    @app.get("/v1/places", tags=["network"], summary="Places of the network, searchable")
    def places(
        _: Reader,
        search: Annotated[str, Query(max_length=100, description="Part of a name, alias, country or UN/LOCODE.")] = "",
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        found = state.network.search_places(search)
        fields = {"id", "name", "aliases", "country", "lat", "lon", "kind", "locode"}
        items = [p.model_dump(include=fields) for p in found[offset : offset + limit]]
        return _page(items, len(found), limit, offset)

    @app.get("/v1/network", tags=["network"], summary="The network as GeoJSON (places, links, capacity elements)")
    def network(_: Reader, if_none_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
        headers = {"ETag": state.etag, "Cache-Control": "public, max-age=300"}
        if if_none_match and state.etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(state.geojson, media_type="application/geo+json", headers=headers)

    async def asked(
        origin: Origin,
        destination: Destination,
        cargo: Cargo = "FEU",
        quantity: Quantity = 1.0,
        avoid: Avoid = None,
        optimize: Optimize = "generalized",
    ) -> tuple[Any, ...]:
        """The query of a comparison, checked, with the places by id (the cache key)."""
        _choice(optimize, OPTIMIZE, "optimize")
        net = state.network
        return (net.place(origin).id, net.place(destination).id, cargo, quantity, avoid, optimize)

    Asked = Annotated[tuple[Any, ...], Depends(asked)]

    def _comparison(args: tuple[Any, ...]) -> Any:
        from corridor.routing import compare

        origin, destination, cargo, quantity, avoid, optimize = args
        return compare(
            state.network, origin, destination, cargo=cargo, quantity=quantity, avoid=avoid, optimize=optimize
        )

    # a few milliseconds of routing: answered on the event loop, since a thread would only wait for the GIL
    @app.get("/v1/compare", tags=["routing"], summary="The best route of each corridor (as `corridor compare --json`)")
    async def compare(_: Reader, args: Asked) -> Response:
        body = state.cached(("compare", *args), lambda: _comparison(args).to_dict())
        return Response(body, media_type="application/json")

    @app.get("/v1/compare/geojson", tags=["routing"], summary="The routes of a comparison as GeoJSON")
    async def compare_geojson(_: Reader, args: Asked) -> Response:
        body = state.cached(("geojson", *args), lambda: with_link_geometry(_comparison(args).to_geojson(), state.lanes))
        return Response(body, media_type="application/geo+json")

    @app.get("/v1/route", tags=["routing"], summary="The itinerary leg by leg (as `corridor route --json`)")
    async def route(
        _: Reader,
        origin: Origin,
        destination: Destination,
        cargo: Cargo = "FEU",
        quantity: Quantity = 1.0,
        avoid: Avoid = None,
        optimize: Optimize = "generalized",
        corridor: Annotated[str | None, Query(max_length=40, description="Keep to one corridor.")] = None,
        alternatives: Annotated[int, Query(ge=1, description="The K best distinct routes.")] = 1,
        pareto: Annotated[bool, Query(description="Every Pareto-optimal route in time, cost and CO2e.")] = False,
    ) -> dict[str, Any]:
        from corridor import routing

        if alternatives > limits.max_alternatives:
            raise LimitError("max_alternatives", alternatives, limits.max_alternatives, "alternatives")
        _choice(optimize, OPTIMIZE, "optimize")
        common: dict[str, Any] = {"cargo": cargo, "quantity": quantity, "avoid": avoid, "corridor": corridor}
        net = state.network

        def run() -> dict[str, Any]:
            if pareto:
                routes, label = routing.pareto(net, origin, destination, **common), "pareto"
            elif alternatives > 1:
                routes = routing.alternatives(net, origin, destination, k=alternatives, optimize=optimize, **common)
                label = optimize
            else:
                routes, label = [routing.route(net, origin, destination, optimize=optimize, **common)], optimize
            first = routes[0]
            return {
                "origin": first.origin,
                "destination": first.destination,
                "cargo": first.cargo,
                "quantity": first.quantity,
                "optimize": label,
                "routes": [r.to_dict() for r in routes],
            }

        return await compute(run)

    @app.get("/v1/simulate", tags=["reliability"], summary="Transit-time distribution of the best route (small runs)")
    async def simulate(
        _: Reader,
        origin: Origin,
        destination: Destination,
        cargo: Cargo = "FEU",
        avoid: Avoid = None,
        optimize: Optimize = "generalized",
        corridor: Annotated[str | None, Query(max_length=40, description="Keep to one corridor.")] = None,
        samples: Annotated[int, Query(ge=1, description="Shipments simulated (max_sync_samples; more: a job).")] = 4000,
        seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
        depart: Annotated[str | None, Query(max_length=40, description="Departure date, UTC.")] = None,
        deadline: Annotated[str | None, Query(max_length=40, description="Days after departure, or a date.")] = None,
    ) -> dict[str, Any]:
        from corridor.api.jobs import _simulate, clean

        if samples > limits.max_sync_samples:
            raise LimitError("max_sync_samples", samples, limits.max_sync_samples, "samples")
        _choice(optimize, OPTIMIZE, "optimize")
        params = {
            "origin": origin,
            "destination": destination,
            "corridor": corridor,
            "cargo": cargo,
            "avoid": avoid,
            "optimize": optimize,
            "samples": samples,
            "seed": seed,
            "depart": depart,
            "deadline": deadline,
        }
        result: dict[str, Any] = await compute(lambda: clean(_simulate(params, state.network, lambda f, m: None)))
        return result

    # --- scenarios ---------------------------------------------------------------------------------------------------

    def _scenario_rows() -> list[dict[str, Any]]:
        from corridor.scenarios import library_names, load_scenario

        rows = []
        for name in library_names():
            s = load_scenario(name, state.network)
            rows.append(
                {
                    "name": s.name,
                    "title": s.title,
                    "description": s.description,
                    "year": s.year,
                    "bases": list(s.bases),
                    "source": "library",
                }
            )
        for row in state.store.list_scenarios():
            rows.append(
                {
                    "name": row["name"],
                    "title": row["title"],
                    "description": "",
                    "year": None,
                    "bases": row["bases"],
                    "source": "store",
                    "created_at": row["created_at"],
                }
            )
        return rows

    @app.get("/v1/scenarios", tags=["scenarios"], summary="Library and stored scenarios")
    def scenarios(_: Reader, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        rows = _scenario_rows()
        return _page(rows[offset : offset + limit], len(rows), limit, offset)

    @app.get("/v1/scenarios/{name}", tags=["scenarios"], summary="A scenario resolved: every change, from where")
    def scenario(_: Reader, name: str) -> dict[str, Any]:
        from corridor.scenarios import library_names

        s = load_named(name, state.network, state.store)
        data = s.to_dict()
        data.pop("path", None)
        data["source"] = "library" if name in library_names() else "store"
        stored = state.store.get_scenario(name)
        data["yaml"] = stored["text"] if stored else None
        return data

    @app.post("/v1/scenarios", tags=["scenarios"], status_code=201, summary="Store a new scenario (YAML or JSON)")
    def create_scenario(key: Writer, body: ScenarioCreate, response: Response) -> dict[str, Any]:
        import yaml

        from corridor.scenarios import library_names, load_scenario_text

        if (body.yaml is None) == (body.document is None):
            raise InvalidOptionError("Send the scenario as 'yaml' (text) or as 'document' (JSON object), one of them.")
        if body.name in library_names():
            raise ConflictError(f"{body.name!r} is a library scenario; choose another name.")
        text = body.yaml if body.yaml is not None else yaml.safe_dump(body.document, sort_keys=False)
        s = load_scenario_text(
            text, state.network, name=body.name, label="<request>", resolve_base=store_resolver(state.store)
        )
        state.store.save_scenario(body.name, text, title=s.title, bases=list(s.bases), created_by=key)
        response.headers["Location"] = f"/v1/scenarios/{body.name}"
        data = s.to_dict()
        data.pop("path", None)
        return {**data, "source": "store"}

    @app.delete("/v1/scenarios/{name}", tags=["scenarios"], status_code=204, summary="Delete a stored scenario")
    def delete_scenario(_: Writer, name: str) -> Response:
        from corridor.scenarios import library_names

        if name in library_names():
            raise ConflictError(f"{name!r} is a library scenario; only stored scenarios can be deleted.")
        state.store.delete_scenario(name)
        return Response(status_code=204)

    # --- jobs ---------------------------------------------------------------------------------------------------------

    def _job_view(job: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in job.items() if k not in ("result", "created_by")}
        view["result_url"] = f"/v1/jobs/{job['id']}/result" if job["status"] == "succeeded" else None
        return view

    def _submit(params: dict[str, Any], key: str, response: Response) -> dict[str, Any]:
        _, active = state.store.list_jobs(status="queued", limit=1)
        _, running = state.store.list_jobs(status="running", limit=1)
        if active + running >= limits.max_active_jobs:
            raise LimitError("max_active_jobs", active + running + 1, limits.max_active_jobs, "active jobs")
        prepare(params, state.network, state.store, limits)
        job = state.store.create_job(params["kind"], params, created_by=key)
        state.runner.wake()
        response.headers["Location"] = f"/v1/jobs/{job['id']}"
        return _job_view(job)

    @app.post("/v1/jobs", tags=["jobs"], status_code=202, summary="Submit a job: scenario, sweep, simulate or assign")
    def submit(key: Writer, body: Annotated[JobRequest, Body()], response: Response) -> dict[str, Any]:
        return _submit(body.model_dump(), key, response)

    @app.get("/v1/jobs", tags=["jobs"], summary="Jobs, newest first")
    def jobs(
        _: Reader,
        status: Annotated[
            str | None, Query(pattern="^(queued|running|succeeded|failed|cancelled)$", description="Only these.")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        rows, total = state.store.list_jobs(status=status, limit=limit, offset=offset)
        return _page([_job_view(r) for r in rows], total, limit, offset)

    @app.get("/v1/jobs/{job_id}", tags=["jobs"], summary="A job's status and progress")
    def job(_: Reader, job_id: str) -> dict[str, Any]:
        return _job_view(state.store.get_job(job_id))

    @app.get("/v1/jobs/{job_id}/result", tags=["jobs"], summary="A finished job's result")
    def job_result(_: Reader, job_id: str) -> Response:
        job = state.store.get_job(job_id, with_result=True)
        if job["status"] != "succeeded":
            detail = f": {job['error']}" if job.get("error") else ""
            raise ConflictError(f"Job {job_id} has no result: it is {job['status']}{detail}.")
        return Response(json.dumps(job["result"], ensure_ascii=False), media_type="application/json")

    @app.post("/v1/jobs/{job_id}/cancel", tags=["jobs"], summary="Cancel a queued or running job")
    def cancel(_: Writer, job_id: str) -> dict[str, Any]:
        job = state.store.get_job(job_id)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            raise ConflictError(f"Job {job_id} has finished ({job['status']}); nothing to cancel.")
        state.runner.cancel(job_id)
        return _job_view(state.store.get_job(job_id))

    # --- runs in the store ------------------------------------------------------------------------------------------

    @app.get("/v1/runs", tags=["runs"], summary="Stored scenario runs, newest first")
    def runs(
        _: Reader,
        scenario: Annotated[str | None, Query(max_length=64)] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        rows = state.store.list(scenario=scenario, limit=limit, offset=offset)
        return _page(rows, state.store.count(scenario=scenario), limit, offset)

    @app.get("/v1/runs/{run_id}", tags=["runs"], summary="A stored run: inputs and outputs")
    def run(_: Reader, run_id: str) -> Response:
        return Response(json.dumps(state.store.get(run_id), ensure_ascii=False), media_type="application/json")

    return app
