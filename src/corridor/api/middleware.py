"""Middleware of the app: a bound on request bodies, and the headers every answer carries."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor.api.errors import error_response

__all__ = ["API_SECURITY_POLICY", "CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "BodyLimit", "SecurityHeaders"]

#: the policy of HTML answers (the page at ``/``, the API docs at ``/docs``): their own scripts and styles,
#: OpenStreetMap tiles, no plugins, never inside a frame of another page
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: the policy of every other answer (JSON, GeoJSON, scripts, styles): nothing loads from it, nothing frames it
API_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
#: headers of every answer: no MIME sniffing, no framing (for browsers without frame-ancestors), no Referer sent on
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await self._refuse(scope, receive, send)
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
                await self._refuse(scope, receive, send)
                return
            if not msg.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is over the limit max_body_bytes={self.limit} of this server."
        response = error_response(413, "body_too_large", message, limit="max_body_bytes", maximum=self.limit)
        await response(scope, receive, send)


class SecurityHeaders:
    """:data:`SECURITY_HEADERS` on every answer, and a Content-Security-Policy: the page's on HTML, else the API's.

    Plain ASGI, set on the start of each answer as it is sent: Starlette's ``BaseHTTPMiddleware`` (``call_next``)
    would run each request in a task of its own with streams between the two, a cost every answer paid.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(SECURITY_HEADERS)
                html = headers.get("content-type", "").startswith("text/html")
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY if html else API_SECURITY_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)
