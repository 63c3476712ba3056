"""The OpenAI-compatible chat route, driven by the official openai client over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.schema import Delta
from openai import APIError, OpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.api.conftest import SEED_ID, LiveServer, assert_problem

pytestmark = pytest.mark.slow  # a real app on a real socket, the real embedding model

QUESTION = "How many Ascend 910B chips did Baidu order?"


def client_for(server: LiveServer) -> OpenAI:
    return OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_openai_client_round_trip(live_server: LiveServer) -> None:
    reply = client_for(live_server).chat.completions.create(
        model="quelle",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hallo"},
                  {"role": "assistant", "content": "Hallo! Was möchten Sie wissen?"},
                  {"role": "user", "content": QUESTION}],
    )
    assert reply.object == "chat.completion" and reply.id.startswith("chatcmpl-") and reply.model == "quelle"
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content or ""
    assert "1.600" in text and "[1]" in text
    assert reply.usage is not None
    citations = reply.model_extra["citations"]  # type: ignore[index]
    assert citations[0]["id"] == 1 and citations[0]["doc_id"] == SEED_ID and "1.600" in citations[0]["quote"]
    assert reply.model_extra["quelle"]["mode"] in ("generated", "extractive")  # type: ignore[index]


def test_openai_client_streaming(live_server: LiveServer) -> None:
    stream = client_for(live_server).chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": QUESTION}], stream=True)
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks) and len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "1.600" in text and "[1]" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    citations = chunks[-1].model_extra["citations"]  # type: ignore[index]
    assert citations and all(f"[{c['id']}]" in text for c in citations)


def test_the_streamed_text_is_the_answer(live_server: LiveServer) -> None:
    """Non-streaming and streaming give the same message, and both the same as /v1/ask."""
    client = client_for(live_server)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
    whole = client.chat.completions.create(model="quelle", messages=messages)
    parts = client.chat.completions.create(model="quelle", messages=messages, stream=True)
    with live_server.client() as http:
        asked = http.post("/v1/ask", json={"question": QUESTION}).json()
    assert whole.choices[0].message.content == "".join(c.choices[0].delta.content or "" for c in parts)
    assert whole.choices[0].message.content == asked["answer"]


def test_a_refusal_is_a_message_without_citations(live_server: LiveServer) -> None:
    client = client_for(live_server)
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": [{"type": "text", "text": "Who won the 1954 football world cup?"}]}]
    reply = client.chat.completions.create(model="quelle", messages=messages)
    assert reply.choices[0].message.content and reply.model_extra["citations"] == []  # type: ignore[index]
    assert reply.model_extra["quelle"]["answerable"] is False  # type: ignore[index]
    chunks = list(client.chat.completions.create(model="quelle", messages=messages, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == reply.choices[0].message.content


def test_chat_needs_a_user_message(live_server: LiveServer) -> None:
    with live_server.client() as client:
        for messages in ([{"role": "system", "content": "hi"}],
                         [{"role": "user", "content": "Frage?"}, {"role": "user", "content": "  "}],
                         [{"role": "user", "content": None}]):
            assert_problem(client.post("/v1/chat/completions", json={"messages": messages}), 422, "user message")
        assert_problem(client.post("/v1/chat/completions", json={"messages": []}), 422, "messages")
        assert_problem(client.post("/v1/chat/completions", json={"model": "quelle"}), 422, "messages")
        too_long = [{"role": "user", "content": "x" * 100_000}]
        assert_problem(client.post("/v1/chat/completions", json={"messages": too_long}), 422, "limit")


def test_a_failure_mid_stream_reaches_the_openai_client(live_server: LiveServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def half(*args: object, **kwargs: object) -> Iterator[Delta]:
        yield Delta("Ein halber")
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(live_server.quelle, "ask_stream", half)
    stream = client_for(live_server).chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": QUESTION}], stream=True)
    with pytest.raises(APIError, match="our side"):
        list(stream)
