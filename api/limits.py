"""A cap on request body size: refused by Content-Length up front, and counted while the body is read."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import Problem, error_response

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and small form fields around an uploaded file


class BodyTooLarge(HTTPException):
    """Raised from `receive` once more than the limit has arrived (an HTTPException, so FastAPI lets it through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")


class BodyLimit:
    """Pure ASGI middleware: no request body may exceed `limit` bytes, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            detail = f"The request body is {int(declared)} bytes; the limit is {self.limit} bytes."
            problem = Problem(413, detail, headers={"Connection": "close"})
            await error_response(scope["path"], problem)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)
