"""Errors as RFC 9457 problem+json, with messages a person can act on, and the handlers that produce them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.documents import DocumentError
from rag.filters import InvalidFilter
from rag.llm import LLMError
from rag.retrieval import UnknownDocuments
from rag.store import StoreError

log = logging.getLogger("quelle.api")
PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    413: "Payload too large", 415: "Unsupported media type", 422: "Invalid input", 500: "Internal error",
    503: "Service unavailable",
}
STORE_DOWN = "The document store is not reachable right now; try again shortly."
LLM_DOWN = "The language model is not reachable right now; try again shortly."


class Problem(Exception):
    """An error to send as problem+json."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"type": "about:blank", "title": self.title, "status": self.status, "detail": self.detail}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, media_type=PROBLEM, headers=self.headers)

    def openai_body(self) -> dict[str, Any]:
        """The error as OpenAI clients read it: {"error": {"message", "type", "code"}}."""
        return {"error": {"message": self.detail, "type": _OPENAI_TYPES.get(self.status, "invalid_request_error"),
                          "param": None, "code": _OPENAI_CODES.get(self.status, str(self.status))}}

    def openai_response(self) -> JSONResponse:
        return JSONResponse(self.openai_body(), status_code=self.status, headers=self.headers)


# The OpenAI-compatible routes answer errors in OpenAI's shape; every other route with problem+json.
OPENAI_ROUTES = ("/v1/chat/completions", "/v1/models")
_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                 500: "server_error", 503: "service_unavailable"}
_OPENAI_CODES = {400: "bad_request", 401: "invalid_api_key", 403: "forbidden", 404: "not_found", 405:
                 "method_not_allowed", 413: "request_too_large", 415: "unsupported_media_type", 422: "invalid_request",
                 500: "internal_error", 503: "service_unavailable"}


def speaks_openai(path: str) -> bool:
    return any(path == route or path.startswith(route + "/") for route in OPENAI_ROUTES)


def error_response(path: str, problem: Problem) -> JSONResponse:
    """The problem in the shape the route's clients read."""
    return problem.openai_response() if speaks_openai(path) else problem.response()


def problem_response(status: int, detail: str, title: str | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    return Problem(status, detail, title=title, headers=headers).response()


def describe_errors(errors: Sequence[Any]) -> str:
    """Pydantic validation errors as one sentence that names the fields."""
    parts = []
    for err in errors[:5]:
        if err.get("type") == "json_invalid":
            return "The request body is not valid JSON: " + str(err.get("ctx", {}).get("error", err.get("msg")))
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or "The request is not valid."


def problem_for(exc: Exception) -> Problem:
    """What an exception from the service means to a client. Unexpected ones are logged with their traceback;
    the client only learns that something went wrong on our side."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, DocumentError | InvalidFilter):
        return Problem(422, str(exc))
    if isinstance(exc, UnknownDocuments):
        return Problem(404, f"No such documents: {', '.join(exc.doc_ids)}. List them with GET /v1/documents.")
    if isinstance(exc, StoreError) or _is_store_failure(exc):
        log.warning("store unavailable: %s", type(exc).__name__)
        return Problem(503, STORE_DOWN)
    if isinstance(exc, LLMError):
        log.warning("LLM unavailable: %s", type(exc).__name__)
        return Problem(503, LLM_DOWN)
    log.error("unexpected error", exc_info=exc)
    return Problem(500, "Something went wrong on our side; the error was logged.")


def install_error_handlers(app: FastAPI, *, key_check: Any = None) -> None:
    """`key_check(request) -> Problem | None` runs before a validation error is reported, so a client without
    the API key learns nothing about a request body (FastAPI parses JSON before dependencies run)."""

    async def _service(request: Request, exc: Exception) -> JSONResponse:
        return error_response(request.url.path, problem_for(exc))

    async def _validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        denied = key_check(request) if key_check else None
        return error_response(request.url.path, denied or Problem(422, describe_errors(exc.errors())))

    async def _http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no route {request.method} {request.url.path}."
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return error_response(request.url.path, Problem(exc.status_code, detail, headers=getattr(exc, "headers", None)))

    for kind in (Problem, DocumentError, InvalidFilter, UnknownDocuments, StoreError, LLMError, Exception):
        app.add_exception_handler(kind, _service)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)


def _is_store_failure(exc: Exception) -> bool:
    """Chroma's HTTP client raises plain connection errors when its server is gone."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError) or type(exc).__module__.startswith("chromadb")
