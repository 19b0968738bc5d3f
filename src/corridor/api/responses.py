"""JSON answers written by the project's one JSON writer (:func:`corridor.io.jsontext.to_json`): strict JSON always.

Starlette's own ``JSONResponse`` raises on a NaN or an infinity, which would make a result that holds one a 500;
here such a value is written as ``null``, as ``--json`` output and stored results are.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from corridor.io.jsontext import to_json

__all__ = ["StrictJSONResponse", "json_bytes"]


def json_bytes(content: Any) -> bytes:
    """``content`` as strict JSON in UTF-8 (never NaN or Infinity: a value that is not finite is ``null``)."""
    return to_json(content).encode("utf-8")


class StrictJSONResponse(JSONResponse):
    """The service's JSON answer: every endpoint's (the app's default response class) and every error's."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)
