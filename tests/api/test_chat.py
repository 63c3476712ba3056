"""The OpenAI-compatible chat route, driven by the official openai client over a real socket."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from openai import APIError, NotFoundError, OpenAI, UnprocessableEntityError
from openai.types.chat import ChatCompletionMessageParam

from rag.schema import Delta
from tests.api.conftest import SEED_ID, LiveServer, assert_openai_error, assert_problem

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
    """Non-streaming and streaming give the same message: the answer of /v1/ask, then its sources."""
    client = client_for(live_server)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
    whole = client.chat.completions.create(model="quelle", messages=messages)
    parts = client.chat.completions.create(model="quelle", messages=messages, stream=True)
    bare = client.chat.completions.create(model="quelle", messages=messages, extra_body={"quelle": {"sources": False}})
    with live_server.client() as http:
        asked = http.post("/v1/ask", json={"question": QUESTION}).json()
    assert whole.choices[0].message.content == "".join(c.choices[0].delta.content or "" for c in parts)
    assert bare.choices[0].message.content == asked["answer"]
    assert whole.choices[0].message.content == asked["answer"] + sources_text_of(asked)


def sources_text_of(answer: dict) -> str:  # type: ignore[type-arg]
    """What the message of an answer ends with, written out independently of api/chat.py."""
    lines = ["\n\nSources:" if answer["language"] == "en" else "\n\nQuellen:"]
    for c in answer["citations"]:
        page = f", p. {c['page']}" if c["page"] else ""
        section = f" › {c['section']}" if c["section"] else ""
        quote = c["quote"] if len(c["quote"]) <= 160 else c["quote"][:159].rstrip() + "…"
        lines.append(f"[{c['id']}] {c['title']}{section}{page}: \u201c{quote}\u201d")
    return "\n".join(lines)


def test_the_message_ends_with_its_sources(live_server: LiveServer) -> None:
    reply = client_for(live_server).chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": "Wie viele Ascend 910B Chips hat Baidu bestellt?"}])
    text = reply.choices[0].message.content or ""
    answer, _, sources = text.partition("\n\nQuellen:\n")
    citations = reply.model_extra["citations"]  # type: ignore[index]
    assert "[1]" in answer and citations
    lines = sources.splitlines()
    assert len(lines) == len(citations)
    for line, c in zip(lines, citations, strict=True):
        assert line.startswith(f"[{c['id']}] {c['title']}") and c["quote"][:40] in line


def test_models_list_in_the_openai_shape(live_server: LiveServer) -> None:
    models = client_for(live_server).models.list()
    assert [m.id for m in models.data] == ["quelle"] and models.data[0].object == "model"
    assert client_for(live_server).models.retrieve("quelle").owned_by == "quelle"
    with pytest.raises(NotFoundError) as err:
        client_for(live_server).models.retrieve("gpt-4")
    assert "gpt-4" in err.value.message and err.value.type == "not_found_error"


def test_a_follow_up_uses_the_earlier_question(live_server: LiveServer) -> None:
    """The issue's example: after Baidu's order, "Und Bytedance?" is about Bytedance's 100.000 chips."""
    client = client_for(live_server)
    first: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Wie viele Ascend 910B Chips hat Baidu bestellt?"}]
    reply = client.chat.completions.create(model="quelle", messages=first)
    assert "1.600" in (reply.choices[0].message.content or "")
    follow_up: list[ChatCompletionMessageParam] = [
        *first, {"role": "assistant", "content": reply.choices[0].message.content or ""},
        {"role": "user", "content": "Und Bytedance?"}]
    for streamed in (False, True):
        if streamed:
            text = "".join(c.choices[0].delta.content or "" for c in
                           client.chat.completions.create(model="quelle", messages=follow_up, stream=True))
        else:
            text = client.chat.completions.create(model="quelle", messages=follow_up).choices[0].message.content or ""
        answer = text.split("\n\nQuellen:")[0]
        assert "100.000" in answer and "Bytedance" in answer, text
    alone = client.chat.completions.create(model="quelle", messages=[{"role": "user", "content": "Und Bytedance?"}])
    assert "100.000" not in (alone.choices[0].message.content or "")  # the history made the difference


def test_errors_reach_openai_clients_with_their_message(live_server: LiveServer) -> None:
    with pytest.raises(UnprocessableEntityError) as err:
        client_for(live_server).chat.completions.create(model="quelle", messages=[{"role": "user", "content": "  "}])
    assert "last user message must contain the question" in err.value.message
    assert err.value.type == "invalid_request_error" and err.value.code == "invalid_request"
    with live_server.client() as http:
        for resp in (http.post("/v1/chat/completions", json={"messages": "nope"}),
                     http.post("/v1/chat/completions", content=b"{", headers={"content-type": "application/json"}),
                     http.post("/v1/chat/completions", content=b"hi", headers={"content-type": "text/plain"}),
                     http.get("/v1/models/nope"),
                     http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Was?"}],
                                                             "where": {"year": {"$gt": [1]}}})):
            assert resp.status_code in (404, 415, 422), resp.text
            assert resp.headers["content-type"].startswith("application/json")
            body = resp.json()
            assert set(body) == {"error"} and {"message", "type", "code"} <= set(body["error"]), body
            assert body["error"]["message"] and "Traceback" not in resp.text
        # Quelle's own routes keep problem+json
        assert_problem(http.post("/v1/ask", json={"question": "  "}), 422, "question")


def test_where_narrows_the_chat_documents(live_server: LiveServer) -> None:
    client = client_for(live_server)
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
    nothing = client.chat.completions.create(model="quelle", messages=messages,
                                             extra_body={"where": {"no-such-field": "x"}})
    assert nothing.model_extra["quelle"]["answerable"] is False  # type: ignore[index]
    assert nothing.model_extra["citations"] == []  # type: ignore[index]


def test_chat_ui_task_prompts_get_short_replies_and_are_not_questions(live_server: LiveServer) -> None:
    title_task = ("### Task:\nGenerate a concise, 3-5 word title with an emoji summarizing the chat history.\n"
                  + "### Guidelines:\n- Keep it clear, short, and simple.\n" * 100 +  # longer than any question
                  "### Output:\nJSON format: { \"title\": \"your concise title here\" }\n### Chat History:\n"
                  f"<chat_history>\nUSER: {QUESTION}\nASSISTANT: 1.600 [1]\n</chat_history>")
    client = client_for(live_server)
    before = answers_counted(live_server)
    reply = client.chat.completions.create(model="quelle", messages=[{"role": "user", "content": title_task}])
    assert json.loads(reply.choices[0].message.content or "") == {"title": "How many Ascend 910B chips did"}
    assert reply.model_extra["quelle"] == {"task": "title"} and reply.model_extra["citations"] == []  # type: ignore[index]
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="quelle", messages=[{"role": "user", "content": "Provide a concise, 5-word-or-less title for the "
                                   "conversation, using title case conventions. Only return the title itself.\n\n"
                                   f"Conversation:\nUser: {QUESTION}\nAI: 1.600"}], stream=True))
    assert streamed == "How many Ascend 910B chips did"
    assert answers_counted(live_server) == before  # neither was taken for a question


def answers_counted(server: LiveServer) -> float:
    with server.client() as http:
        text = http.get("/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("quelle_answers_total{"))


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
            assert_openai_error(client.post("/v1/chat/completions", json={"messages": messages}), 422, "user message")
        assert_openai_error(client.post("/v1/chat/completions", json={"messages": []}), 422, "messages")
        assert_openai_error(client.post("/v1/chat/completions", json={"model": "quelle"}), 422, "messages")
        too_long = [{"role": "user", "content": "x" * 100_000}]
        assert_openai_error(client.post("/v1/chat/completions", json={"messages": too_long}), 422, "limit")


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


def test_openai_clients_get_no_draft_only_the_generated_text(live_server: LiveServer) -> None:
    from tests.rag.test_answer import ScriptedLLM

    answerer = live_server.quelle.answerer
    before = answerer.llm
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]
    try:
        answerer.llm = ScriptedLLM("Baidu ordered 1,600 Ascend 910B chips.")
        chunks = list(client_for(live_server).chat.completions.create(model="quelle", messages=messages, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks)
        # the verified generated sentence only (no quoted draft before it), then the sources list
        assert text.startswith("Baidu ordered 1,600 Ascend 910B chips [1].\n") and "Sources:" in text
        assert chunks[-1].model_extra["quelle"]["mode"] == "generated"  # type: ignore[index]
        answerer.llm = ScriptedLLM("Baidu ordered 7 chips.")  # rejected: the quote is sent, once, at the end
        chunks = list(client_for(live_server).chat.completions.create(model="quelle", messages=messages, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks)
        answer = text.split("\n\nQuellen:")[0].split("\n\nSources:")[0]  # the sources list quotes it once more
        assert "1.600" in answer and answer.count("1.600") == 1 and "7 chips" not in text
        assert chunks[-1].model_extra["quelle"]["mode"] == "extractive"  # type: ignore[index]
    finally:
        answerer.llm = before
