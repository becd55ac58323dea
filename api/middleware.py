"""ASGI middleware: the headers every answer carries, and a cap on request bodies."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response
from .pages.render import error_page, is_page

__all__ = ["BodyLimit", "SecurityHeaders"]


class SecurityHeaders:
    """ASGI middleware: ``X-Content-Type-Options: nosniff`` on every response, and
    ``Cache-Control: no-store`` on everything under ``/v1`` and on the pages (rankings, scores,
    explanations and evidence are about people: no shared cache or browser may keep them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        personal = path.startswith("/v1/") or is_page(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if personal:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before they are read into memory.

    A declared ``Content-Length`` over the cap is answered at once; a body sent without one
    (chunked) is counted as it arrives and refused when it passes the cap.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = HTTPException(
            413, detail=f"the request body is larger than {self.max_bytes:,} bytes"
        )
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = (
                error_page(413, str(too_large.detail))
                if is_page(scope["path"])
                else error_response(413, "payload_too_large", str(too_large.detail))
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large
            return message

        await self.app(scope, counting_receive, send)
