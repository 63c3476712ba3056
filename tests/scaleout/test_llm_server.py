"""The answer pipeline with provider `openai` against a real llama.cpp server, and what happens when it dies."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.harness import free_port, running_server
from tests.api.conftest import LiveServer, live
from tests.conftest import llama_server_command

pytestmark = pytest.mark.slow  # real servers in subprocesses (llama.cpp, quelle serve workers, Chroma)


@pytest.fixture()
def own_llama_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:  # type: ignore[type-arg]
    """A llama.cpp server this test may stop."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    with running_server(llama_server_command(port), f"{base_url}/models", tmp_path / "llama.log", timeout_s=90) as proc:
        yield base_url, proc


@pytest.fixture()
def served(own_llama_server, tmp_path_factory, embedder) -> Iterator[tuple[LiveServer, subprocess.Popen]]:  # type: ignore[no-untyped-def,type-arg]
    base_url, proc = own_llama_server
    llm = {"provider": "openai", "base_url": base_url, "model": "local", "timeout_s": 60, "max_tokens": 48}
    for server in live({"llm": llm}, tmp_path_factory, embedder):
        yield server, proc


QUESTION = "Wie viele Ascend-910B-Chips hat Baidu bestellt?"


def test_llm_server_answers_then_dies_and_the_api_stays_up(served) -> None:  # type: ignore[no-untyped-def]
    server, proc = served
    with server.client(timeout=600) as client:  # a loaded machine makes the model slow
        assert client.get("/readyz").status_code == 200
        answer = client.post("/v1/ask", json={"question": QUESTION}).json()
        assert answer["mode"] in ("generated", "extractive")
        assert "1.600" in " ".join(c["quote"] for c in answer["citations"])
        assert answer["timings_ms"]["generate"] > 0  # the model was asked
        stream = client.post("/v1/ask", json={"question": QUESTION, "stream": True})
        assert stream.status_code == 200 and "event: answer" in stream.text

        proc.kill()
        proc.wait(timeout=15)

        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["content-type"].startswith("application/problem+json")
        assert "language model" in ready.json()["detail"]
        fallback = client.post("/v1/ask", json={"question": QUESTION})
        assert fallback.status_code == 200
        body = fallback.json()
        assert body["mode"] == "extractive" and "1.600" in body["answer"]  # quoted evidence, marked as such
        assert client.get("/healthz").status_code == 200
