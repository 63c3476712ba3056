"""Prometheus metrics of one app: requests and latency per route, ingest, LLM latency, verifier, refusals.

With several workers (`quelle serve --workers N`), PROMETHEUS_MULTIPROC_DIR is set before they start: each
worker then writes its values to files there, and a scrape of any worker adds up the files of all of them."""

from __future__ import annotations

import os
import time

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response, problem_for
from rag.ingest import IngestResult
from rag.schema import Answer

_WORKER = str(os.getpid())


class Metrics:
    """One registry per app, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("quelle_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("quelle_http_request_seconds", "HTTP request latency", ["method", "route"],
                                 registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.ingested = Counter("quelle_ingest_documents_total", "Documents ingested", ["status"],
                                registry=self.registry)
        self.llm_latency = Histogram("quelle_llm_generate_seconds", "LLM generation time per answer",
                                     registry=self.registry, buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64))
        self.rejected = Counter("quelle_verifier_rejected_sentences_total", "LLM sentences the verifier dropped",
                                registry=self.registry)
        self.answers = Counter("quelle_answers_total", "Answers by mode", ["mode"], registry=self.registry)
        self.refusals = Counter("quelle_refusals_total", "Questions refused as not answerable",
                                registry=self.registry)
        self.chat_tasks = Counter("quelle_chat_tasks_total", "Chat UI task prompts (title, tags, …) answered "
                                  "without retrieval", ["task"], registry=self.registry)

    def observe_chat_task(self, kind: str) -> None:
        self.chat_tasks.labels(kind).inc()

    def observe_answer(self, answer: Answer) -> None:
        self.answers.labels(answer.mode).inc()
        self.rejected.inc(len(answer.rejected))
        if answer.mode == "refused":
            self.refusals.inc()
        if "generate" in answer.timings_ms:
            self.llm_latency.observe(answer.timings_ms["generate"] / 1000)

    def observe_ingest(self, result: IngestResult) -> None:
        self.ingested.labels(result.status).inc()

    def render(self) -> Response:
        return Response(generate_latest(self._scraped()), media_type=CONTENT_TYPE_LATEST)

    def _scraped(self) -> CollectorRegistry:
        """This app's registry, or in multiprocess mode one that collects the files of every worker."""
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            return self.registry
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry


class MetricsMiddleware:
    """Pure ASGI middleware: counts and times every request by route template, tags the response with the worker
    that served it, and turns an exception nobody handled into a bare 500 problem (logged once, counted)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, responding = time.perf_counter(), 500, False

        async def tagged(message: Message) -> None:
            nonlocal status, responding
            if message["type"] == "http.response.start":
                status, responding = message["status"], True
                # which process answered, when several workers serve one port
                message["headers"] = [*message.get("headers", []), (b"x-quelle-worker", _WORKER.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        except Exception as exc:
            if responding:  # too late for a problem response: the server closes the connection and logs it
                raise
            # logged there; no traceback to the client
            await error_response(scope["path"], problem_for(exc))(scope, receive, tagged)
        finally:
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


def _route_template(scope: Scope) -> str:
    """The matched route's path template (/v1/documents/{doc_id}), so ids do not explode the label space."""
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched")
