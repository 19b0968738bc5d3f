"""Errors as JSON: ``{"error": {"code", "message", ...}}`` with a status that names the problem, never a traceback."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.api.responses import StrictJSONResponse
from corridor.errors import (
    AmbiguousPlaceError,
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

__all__ = [
    "ERRORS",
    "ComputeTimeout",
    "corridor_error_response",
    "error_response",
    "on_bug",
    "on_corridor_error",
    "on_http",
    "on_timeout",
    "on_validation",
]

#: the error answers every operation may give, for the OpenAPI document
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {"application/json": {"example": {"error": {"code": "...", "message": "..."}}}},
    }
    for code, text in (
        (401, "No API key"),
        (403, "Wrong or revoked API key, or another key's scenario, job or run (not_owner)"),
        (404, "Not found"),
        (409, "Conflict with what is stored"),
        (413, "Request body over max_body_bytes"),
        (422, "Invalid input: unknown place, bad value, limit exceeded"),
    )
}


class ComputeTimeout(Exception):
    """A computation answered at once ran over ``request_timeout_seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """The JSON error answer: ``{"error": {"code": code, "message": message, **extra}}``."""
    return StrictJSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def corridor_error_response(error: CorridorError) -> JSONResponse:
    """A library error as the 4xx (or 503 for the store) that names it."""
    if isinstance(error, AuthError):
        return error_response(401 if error.code == "api_key_missing" else 403, error.code, str(error))
    if isinstance(error, NotFoundError):
        return error_response(404, "not_found", str(error))
    if isinstance(error, ConflictError):
        return error_response(409, "conflict", str(error))
    if isinstance(error, LimitError):
        extra = {"limit": error.limit, "maximum": error.maximum, "value": error.value}
        return error_response(422, "limit_exceeded", str(error), **extra)
    if isinstance(error, AmbiguousPlaceError):
        return error_response(422, "ambiguous_place", str(error), place=error.name, choices=list(error.closest))
    if isinstance(error, UnknownPlaceError):
        return error_response(422, "unknown_place", str(error), place=error.name, closest=list(error.closest))
    if isinstance(error, ScenarioError | DatasetError):
        problems = [{"file": p.file, "line": p.line, "field": p.column, "message": p.message} for p in error.problems]
        return error_response(422, "invalid_scenario", str(error), problems=problems)
    if isinstance(error, NoRouteError):
        return error_response(422, "no_route", str(error))
    if isinstance(error, UnknownElementError | InvalidOptionError):
        return error_response(422, "invalid_option", str(error))
    if isinstance(error, StoreError):
        return error_response(503, "store_unavailable", str(error))
    return error_response(422, "invalid_request", str(error))


# --- exception handlers of the app ------------------------------------------------------------------------------------


async def on_corridor_error(_: Request, error: CorridorError) -> JSONResponse:
    """Any :class:`CorridorError` raised by an endpoint or a dependency."""
    return corridor_error_response(error)


async def on_validation(_: Request, error: RequestValidationError) -> JSONResponse:
    """A query, header or body that does not fit its schema: 422 naming up to five fields."""
    details = []
    for e in error.errors():
        where = ".".join(str(p) for p in e.get("loc", ()))
        details.append({"field": where, "message": e.get("msg", ""), "type": e.get("type", "")})
    if any(d["type"] == "json_invalid" for d in details):
        return error_response(422, "malformed_json", "The request body is not valid JSON: " + details[0]["message"])
    text = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return error_response(422, "invalid_request", text, details=details)


#: why FastAPI could not parse a body (it answers 400 "There was an error parsing the body" with the cause chained)
_UNREADABLE = (
    (RecursionError, "it is nested too deeply"),
    (UnicodeDecodeError, "it is not UTF-8 text"),
    (ValueError, "a number in it has too many digits"),
)


async def on_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
    """Starlette's own answers (no such path, method not allowed) in the same shape; a body that cannot be parsed
    at all (nested too deeply, a 5,000-digit number, not UTF-8) is 422 ``malformed_json`` naming the cause, as any
    other body that is not JSON."""
    if error.status_code == 400 and error.__cause__ is not None:
        reason = next((why for kind, why in _UNREADABLE if isinstance(error.__cause__, kind)), "it is not JSON")
        return error_response(422, "malformed_json", f"The request body cannot be read as JSON: {reason}.")
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(error.status_code, codes.get(error.status_code, "http_error"), str(error.detail))


async def on_timeout(_: Request, error: ComputeTimeout) -> JSONResponse:
    """503 naming ``request_timeout_seconds``."""
    t = error.seconds
    return error_response(503, "timeout", f"The computation took over {t:g} s (limit request_timeout_seconds={t:g}).")


async def on_bug(_: Request, error: Exception) -> JSONResponse:
    """A server fault: 500 with the exception's class only; the traceback stays in the server log.

    It is answered outside every middleware, so it carries the security headers itself.
    """
    from corridor.api.middleware import API_SECURITY_POLICY, SECURITY_HEADERS

    response = error_response(500, "internal", f"internal error ({error.__class__.__name__}); see the server log")
    response.headers.update({**SECURITY_HEADERS, "Content-Security-Policy": API_SECURITY_POLICY})
    return response
