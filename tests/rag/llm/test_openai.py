"""Provider 'openai' against a real llama.cpp server over HTTP, a dead port and a silent server."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest

from evals.harness import free_port
from rag.config import LLMSettings
from rag.llm import LLMUnavailable
from rag.llm.openai import OpenAIProvider

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one short sentence."}]


@pytest.fixture(scope="module")
def server_llm(llama_server: str) -> OpenAIProvider:
    return OpenAIProvider(LLMSettings(base_url=llama_server, model="smollm2", timeout_s=60, max_tokens=16))


@pytest.mark.slow  # a real llama.cpp server with SmolLM2
def test_check_passes_on_a_live_server(server_llm: OpenAIProvider) -> None:
    server_llm.check()


@pytest.mark.slow  # a real llama.cpp server with SmolLM2
def test_generate(server_llm: OpenAIProvider) -> None:
    assert "Paris" in server_llm.generate(QUESTION)


@pytest.mark.slow  # a real llama.cpp server with SmolLM2
def test_stream(server_llm: OpenAIProvider) -> None:
    chunks = list(server_llm.stream(QUESTION, max_tokens=12))
    assert len(chunks) >= 3
    assert "Paris" in "".join(chunks)


def test_dead_port_is_unavailable_fast() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # a port that was free a moment ago: nothing listens there
    llm = OpenAIProvider(LLMSettings(base_url=url, timeout_s=2))
    calls = (llm.check, lambda: llm.generate(QUESTION), lambda: list(llm.stream(QUESTION)))
    for timed in (False, True):  # the first round also imports the client's resources (seconds on a loaded machine)
        started = time.monotonic()
        for call in calls:
            with pytest.raises(LLMUnavailable, match=re.escape(f"cannot reach the LLM server at {url}")):
                call()
        if timed:  # refused at once: no retry, no wait for the 2 s timeout
            assert time.monotonic() - started < 1


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_timeout_is_unavailable(silent_server: str) -> None:
    llm = OpenAIProvider(LLMSettings(base_url=silent_server, timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=re.escape(f"{silent_server} did not answer within 0.5 s")):
        llm.generate(QUESTION)
    with pytest.raises(LLMUnavailable, match="did not answer"):
        list(llm.stream(QUESTION))
    assert time.monotonic() - started < 5
