"""A real app on a real loopback socket (uvicorn in a thread), over a service with the seed article."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from evals.harness import free_port
from tests.conftest import SEED

PROBLEM = "application/problem+json"
SEED_ID = "huawei-ascend-910c-nvidia-china"


@dataclass
class LiveServer:
    url: str
    app: Any
    quelle: Any

    def client(self, timeout: float = 120, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, **kwargs)


def start_server(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def live(settings_overrides: dict[str, Any], tmp_path_factory, embedder) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    from api.app import create_app
    from rag.config import load_settings
    from rag.service import Quelle

    overrides = {"data_dir": tmp_path_factory.mktemp("api-data"), "llm": {"provider": "none"}, **settings_overrides}
    settings = load_settings(**overrides)
    quelle = Quelle(settings, embedder=embedder)
    quelle.ingest([SEED], show_progress=False)
    app = create_app(settings, quelle)
    server, thread, url = start_server(app)
    try:
        yield LiveServer(url, app, quelle)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, embedder) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    yield from live({"api": {"max_upload_bytes": 200_000}}, tmp_path_factory, embedder)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, embedder) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    yield from live({"api": {"api_key": "s3cret-key"}}, tmp_path_factory, embedder)


def assert_problem(resp: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A problem+json error with this status whose detail names each of `words`, and no traceback."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM), resp.headers["content-type"]
    body = resp.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status, body
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    return body  # type: ignore[no-any-return]


def assert_openai_error(resp: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """An error in OpenAI's shape ({"error": {"message", "type", "code"}}) whose message names each of `words`."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json"), resp.headers["content-type"]
    body = resp.json()
    assert set(body) == {"error"} and {"message", "type", "code"} <= set(body["error"]), body
    for word in words:
        assert word.lower() in body["error"]["message"].lower(), body
    assert "Traceback" not in resp.text and 'File "' not in resp.text
    return body["error"]  # type: ignore[no-any-return]


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """(event name, decoded data) for each Server-Sent Event of a finished stream."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events
