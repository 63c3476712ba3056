"""The FastAPI app factory: models load once per process at start-up; routes stay thin."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import chat, routes
from api.deps import QuelleDep, key_problem
from api.errors import install_error_handlers, problem_response
from api.limits import MULTIPART_OVERHEAD, BodyLimit
from api.metrics import Metrics, MetricsMiddleware
from rag.config import Settings, load_settings
from rag.llm import LLMError
from rag.service import Quelle

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("quelle.api")


def create_app(settings: Settings | None = None, quelle: Quelle | None = None) -> FastAPI:
    """Build the app. Without `quelle`, the service (embedding model, LLM, store) is created at start-up."""
    settings = settings or (quelle.settings if quelle else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "quelle", None) is None:
            app.state.quelle = await run_in_threadpool(Quelle, settings)
        log.info("Quelle ready: %s, LLM %s", app.state.quelle.store.where, app.state.quelle.llm.name)
        yield

    app = FastAPI(
        title="Quelle",
        version="1.0",
        summary="Answers with proof: every sentence cites the exact characters of its source.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.quelle = quelle
    app.state.metrics = Metrics()
    # The middleware added last is outermost: metrics see every response, the body limit's 413s too.
    app.add_middleware(BodyLimit, limit=settings.api.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    install_error_handlers(app, key_check=key_problem)
    app.include_router(routes.router)
    app.include_router(chat.router)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: the store and the LLM are reachable")
    async def readyz(quelle: QuelleDep) -> JSONResponse:
        try:
            await run_in_threadpool(quelle.store.heartbeat)
        except Exception as exc:  # noqa: BLE001 - any store failure means not ready
            log.warning("not ready: store: %s", exc)
            return problem_response(503, "The document store is not reachable.")
        try:
            await run_in_threadpool(quelle.llm.check)
        except LLMError as exc:
            log.warning("not ready: LLM: %s", exc)
            return problem_response(503, "The language model is not reachable.")
        return JSONResponse({"status": "ready", "store": quelle.store.where, "llm": quelle.llm.name})

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return app.state.metrics.render()

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
