"""Errors as RFC 9457 problem+json, with messages a person can act on, and the handlers that produce them."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.documents import DocumentError
from rag.llm import LLMUnavailable
from rag.retrieval import UnknownDocuments
from rag.store import StoreUnavailable

log = logging.getLogger("quelle.api")
PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    413: "Payload too large", 415: "Unsupported media type", 422: "Invalid input", 500: "Internal error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An error to send as problem+json."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.headers = headers


def problem_response(status: int, detail: str, title: str | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title or _TITLES.get(status, "Error"), "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        if err.get("type") == "json_invalid":
            return "The request body is not valid JSON: " + str(err.get("ctx", {}).get("error", err.get("msg")))
        msg = str(err.get("msg", "invalid"))
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or "The request is not valid."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.detail, exc.title, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(422, _describe(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no route {request.method} {request.url.path}."
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(DocumentError)
    async def _document(request: Request, exc: DocumentError) -> JSONResponse:
        status = 415 if "unsupported file type" in str(exc) else 422
        return problem_response(status, str(exc))

    @app.exception_handler(UnknownDocuments)
    async def _unknown(request: Request, exc: UnknownDocuments) -> JSONResponse:
        return problem_response(404, f"No such documents: {', '.join(exc.doc_ids)}. List them with GET /v1/documents.")

    @app.exception_handler(StoreUnavailable)
    async def _store(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return problem_response(503, "The document store is not reachable right now; try again shortly.")

    @app.exception_handler(LLMUnavailable)
    async def _llm(request: Request, exc: LLMUnavailable) -> JSONResponse:
        log.warning("LLM unavailable: %s", exc)
        return problem_response(503, "The language model is not reachable right now; try again shortly.")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if _is_store_failure(exc):
            log.warning("store failure: %s", type(exc).__name__)
            return problem_response(503, "The document store is not reachable right now; try again shortly.")
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, "Something went wrong on our side; the error was logged.")


def _is_store_failure(exc: Exception) -> bool:
    """Chroma's HTTP client raises plain connection errors when its server is gone."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError) or type(exc).__module__.startswith("chromadb")
