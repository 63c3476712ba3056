"""The OpenAI-compatible chat route, driven by the official openai client over a real socket."""

from __future__ import annotations

from openai import OpenAI

from tests.api.conftest import LiveServer

QUESTION = "How many Ascend 910B chips did Baidu order?"


def test_openai_client_round_trip(live_server: LiveServer) -> None:
    client = OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0)
    reply = client.chat.completions.create(
        model="quelle",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
    )
    text = reply.choices[0].message.content or ""
    assert "1.600" in text and "[1]" in text
    citations = reply.model_extra["citations"]  # type: ignore[index]
    assert citations[0]["id"] == 1 and "1.600" in citations[0]["quote"]


def test_openai_client_streaming(live_server: LiveServer) -> None:
    client = OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(model="quelle", messages=[{"role": "user", "content": QUESTION}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "1.600" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"]  # type: ignore[index]


def test_chat_needs_a_user_message(live_server: LiveServer) -> None:
    with live_server.client() as client:
        resp = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]})
    assert resp.status_code == 422 and "user message" in resp.json()["detail"]
