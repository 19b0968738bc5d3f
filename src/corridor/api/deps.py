"""What the endpoints share: the state of the app, API keys (Reader, Writer), query types, paging and timeouts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query, Request
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from corridor.api.errors import ComputeTimeout
from corridor.api.jobs import JobRunner
from corridor.api.models import SCENARIO_NAME
from corridor.api.responses import json_bytes
from corridor.api.settings import ServiceSettings
from corridor.errors import AuthError, InvalidOptionError
from corridor.limits import GRID_YEAR, QUANTITY

__all__ = [
    "OPTIMIZE",
    "ArriveBy",
    "Avoid",
    "Cargo",
    "Corridor",
    "Depart",
    "Destination",
    "GridYear",
    "JobId",
    "Limit",
    "Offset",
    "Optimize",
    "Origin",
    "Quantity",
    "Reader",
    "RunId",
    "RunScenario",
    "ScenarioName",
    "ScenarioQuery",
    "ServiceState",
    "State",
    "Writer",
    "check_owner",
    "choice",
    "compute",
    "dataset_version",
    "identifier",
    "page",
    "reader",
    "service_state",
    "writer",
]

T = TypeVar("T")
OPTIMIZE = ("time", "cost", "co2e", "generalized", "p90")
#: comparisons kept by :meth:`ServiceState.cached`
CACHE_SIZE = 2048


class ServiceState:
    """What the app holds: settings, the network, the store, the job runner and a cache of comparisons."""

    def __init__(self, settings: ServiceSettings) -> None:
        from corridor.dataset.csvfolder import load_network
        from corridor.services.mapdata import link_geometry, network_geojson
        from corridor.store.database import Store

        self.settings = settings
        self.network = load_network(settings.network)
        self.store = Store(settings.store)
        self.lanes = link_geometry(self.network)
        self.geojson = json_bytes(network_geojson(self.network, geometry=self.lanes))
        self.etag = '"' + hashlib.sha256(self.geojson).hexdigest()[:32] + '"'
        #: the dataset's version: a digest of its files, in every cached answer's key and ETag (another dataset, or
        #: the same folder changed and the server restarted, never gets another's answers)
        self.version = dataset_version(settings.network)
        self.runner = JobRunner(
            self.store,
            network=settings.network,
            workers=settings.job_workers,
            timeout_seconds=settings.limits.job_timeout_seconds,
            lease_seconds=settings.job_lease_seconds,
        )
        self.cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.cache_lock = threading.Lock()
        self._limiter: Any = None  # made on first use, in the event loop (see compute_limiter)

    def compute_limiter(self) -> Any:
        """The bound on computations at once (``compute_threads``), an anyio CapacityLimiter of this event loop."""
        if self._limiter is None:
            from anyio import CapacityLimiter

            self._limiter = CapacityLimiter(self.settings.compute_threads)
        return self._limiter

    def etag_of(self, key: tuple[Any, ...]) -> str:
        """The ETag of the answer cached under ``key``: the dataset's version and the request, digested."""
        return '"' + hashlib.sha256(f"{self.version}{key!r}".encode()).hexdigest()[:32] + '"'

    def hit(self, key: tuple[Any, ...]) -> bytes | None:
        """The JSON kept under ``key``, if any (a dictionary lookup: answered on the event loop, no thread)."""
        with self.cache_lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
            return found

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> bytes:
        """The JSON of ``make()``, kept for repeated requests (the network never changes while serving); ``key``
        should carry :attr:`version` where the answer may outlive this process (an ETag)."""
        with self.cache_lock:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
                return hit
        body = json_bytes(make())
        with self.cache_lock:  # requests are answered in threads too
            self.cache[key] = body
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        return body


def dataset_version(folder: Any) -> str:
    """A digest of a dataset folder's files (``None``: the embedded dataset), names and bytes, in a stable order."""
    from pathlib import Path as FilePath

    from corridor.dataset.network import DEFAULT_DATASET

    root = FilePath(DEFAULT_DATASET if folder is None else folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# on the event loop: it only reads an attribute, a thread would cost more than it does
async def service_state(request: Request) -> ServiceState:
    """The state of the app serving ``request`` (set by :func:`corridor.api.app.create_app`)."""
    state: ServiceState = request.app.state.corridor
    return state


State = Annotated[ServiceState, Depends(service_state)]


# --- keys -------------------------------------------------------------------------------------------------------------


def _key(x_api_key: str | None, authorization: str | None) -> str | None:
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def writer(
    state: State,
    x_api_key: Annotated[str | None, Header(max_length=200)] = None,
    authorization: Annotated[str | None, Header(max_length=220)] = None,
) -> str:
    """The id of the request's API key; :class:`AuthError` (401, 403) if it has none or a bad one."""
    key = _key(x_api_key, authorization)
    if not key:
        raise AuthError("api_key_missing", "This endpoint needs an API key in the X-API-Key header.")
    key_id = state.store.check_api_key(key)
    if key_id is None:
        raise AuthError("api_key_invalid", "The API key is not valid (unknown or revoked).")
    return key_id


async def reader(
    state: State,
    x_api_key: Annotated[str | None, Header(max_length=200)] = None,
    authorization: Annotated[str | None, Header(max_length=220)] = None,
) -> str | None:
    """As :func:`writer`, but ``None`` for a request without a key when the server answers reads anonymously.

    On the event loop: an anonymous read checks nothing, and FastAPI would run a plain function in a thread of its
    pool, a hand-off every read paid; a key is checked in a thread, as :func:`writer` (it asks the store).
    """
    if state.settings.anonymous_read and not _key(x_api_key, authorization):
        return None
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(writer, state, x_api_key, authorization)


Reader = Annotated[str | None, Depends(reader)]
Writer = Annotated[str, Depends(writer)]


def check_owner(state: ServiceState, key_id: str, owner: str | None, what: str) -> None:
    """Let ``key_id`` change ``what`` if it made it or is an admin key; :class:`AuthError` (403) if not.

    What a key makes (scenarios, jobs and the runs they store) is its own; a row without an owner (made before
    ownership was recorded) may be changed by admin keys only.
    """
    if owner is not None and hmac.compare_digest(owner, key_id):
        return
    if state.store.is_admin_key(key_id):
        return
    raise AuthError("not_owner", f"{what} belongs to another API key; only that key or an admin key may change it.")


# --- ids and names taken from a path or a query -----------------------------------------------------------------------

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
#: a name to look for among stored runs: printable text (no control character, no NUL, no lone surrogate)
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,200}$"


def identifier(what: str, pattern: str, allowed: str) -> AfterValidator:
    """The check of an id or a name taken from a path or a query, shared by every router, before it reaches the
    store: a value that does not match ``pattern`` is a 422 ``invalid_request`` naming the field, the value and
    ``allowed`` (a NUL byte, a control character or 10,000 characters never become a query, which PostgreSQL would
    refuse with an error rather than find nothing)."""
    compiled = re.compile(pattern)

    def check(value: str | None) -> str | None:
        if value is not None and compiled.fullmatch(value) is None:
            shown = value if len(value) <= 40 else f"{value[:40]}... ({len(value)} characters)"
            raise PydanticCustomError(
                "invalid_identifier",
                "{value} is not {what}: {allowed}",
                {"value": repr(shown), "what": what, "allowed": allowed},
            )
        return value

    return AfterValidator(check)


_UUID_ALLOWED = "a UUID as the service gives it (36 characters: lower-case hex digits in groups of 8-4-4-4-12)"
_NAME_ALLOWED = "1 to 64 characters a-z, 0-9, '_' and '-', starting with a letter or a digit"
# the pattern is in the OpenAPI document too; the validator gives the message that says what is allowed
JobId = Annotated[
    str,
    Path(description="A job's id (the `id` POST /v1/jobs answers).", json_schema_extra={"pattern": UUID}),
    identifier("a job id", UUID, _UUID_ALLOWED),
]
RunId = Annotated[
    str,
    Path(description="A stored run's id (see GET /v1/runs).", json_schema_extra={"pattern": UUID}),
    identifier("a run id", UUID, _UUID_ALLOWED),
]
ScenarioName = Annotated[
    str,
    Path(description="A library or stored scenario's name.", json_schema_extra={"pattern": SCENARIO_NAME}),
    identifier("a scenario name", SCENARIO_NAME, _NAME_ALLOWED),
]
ScenarioQuery = Annotated[
    str | None,
    Query(
        description="Times under this scenario's flows (a library or stored scenario).",
        json_schema_extra={"pattern": SCENARIO_NAME},
    ),
    identifier("a scenario name", SCENARIO_NAME, _NAME_ALLOWED),
]
RunScenario = Annotated[
    str | None,
    Query(
        description="Only the runs of this scenario (as GET /v1/runs shows it).",
        json_schema_extra={"pattern": PRINTABLE},
    ),
    identifier("a scenario of stored runs", PRINTABLE, "1 to 200 characters, none of them a control character"),
]


# --- query parameters shared by several resources ---------------------------------------------------------------------

Origin = Annotated[
    str,
    Query(
        min_length=1,
        max_length=120,
        description="Origin place: a network place (name, alias, id, UN/LOCODE), a city of 15,000 people or more "
        "anywhere ('Paris, FR'), coordinates ('43.2,76.9') or a UN/LOCODE; off the network, joined by road.",
    ),
]
Destination = Annotated[str, Query(min_length=1, max_length=120, description="Destination place (as the origin).")]
Cargo = Annotated[str, Query(max_length=10, description="FEU, TEU, t (dry bulk tonnes) or liquid.")]
Avoid = Annotated[
    str | None,
    Query(max_length=300, description="Comma-separated countries (RU,IR), passages (suez, red-sea, ...) or modes."),
]
Quantity = Annotated[float, Query(**QUANTITY.query(), description="How many cargo units.")]
Optimize = Annotated[
    str, Query(max_length=20, description="time, cost, co2e, generalized or p90 (the best 90th percentile).")
]
Depart = Annotated[
    str | None,
    Query(max_length=40, description="Departure date or date-time (ISO, e.g. 2026-03-01); default: today (UTC)."),
]
Corridor = Annotated[str | None, Query(max_length=40, description="Keep to one corridor.")]
ArriveBy = Annotated[
    str | None,
    Query(
        max_length=40,
        description="A deadline (ISO date or date-time, UTC) instead of `depart`: the trip is timed from the latest "
        "departure that arrives by then at the 90th percentile.",
    ),
]
GridYear = Annotated[
    int | None,
    Query(
        **GRID_YEAR.query(),
        description="Electric rail at the CO2e intensity of the modelled grid of that year (as `corridor power`; "
        "under the scenario when one is given) instead of the dataset's factors; diesel traction unchanged.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Items skipped.")]


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """A page of a list: ``{"items", "total", "limit", "offset", "next_offset"}``."""
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if offset + limit < total else None,
    }


def choice(value: str, valid: tuple[str, ...], name: str) -> str:
    """``value`` if it is one of ``valid``; :class:`InvalidOptionError` naming them if not."""
    if value not in valid:
        raise InvalidOptionError(f"{name}={value!r} is not valid; valid: {', '.join(valid)}")
    return value


async def compute(state: ServiceState, fn: Callable[[], T]) -> T:
    """``fn()`` in a worker thread, ``compute_threads`` at once; :class:`ComputeTimeout` (503) after
    ``request_timeout_seconds``, waiting for a thread included."""
    from anyio.to_thread import run_sync

    seconds = state.settings.limits.request_timeout_seconds
    try:
        return await asyncio.wait_for(run_sync(fn, limiter=state.compute_limiter()), timeout=seconds)
    except TimeoutError:
        raise ComputeTimeout(seconds) from None
