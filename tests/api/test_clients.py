"""Real OpenAI-compatible clients against a running server: the `llm` CLI, LangChain's ChatOpenAI and LlamaIndex's
OpenAILike, each with a follow-up question and the sources at the end of the message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import LiveServer

pytestmark = pytest.mark.slow

BAIDU = "Wie viele Ascend 910B Chips hat Baidu bestellt?"
FOLLOW_UP = "Und Bytedance?"


def llm_cli() -> str:
    return str(Path(sys.executable).parent / "llm")


def test_the_llm_cli_continues_a_conversation(live_server: LiveServer, tmp_path: Path) -> None:
    """`llm -m quelle …` then `llm -c "Und Bytedance?"`: the issue's example, with the CLI's own conversation log."""
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: quelle\n  model_name: quelle\n  api_base: \"{live_server.url}/v1\"\n")
    env = {**os.environ, "LLM_USER_PATH": str(tmp_path), "OPENAI_API_KEY": "unused"}

    def llm(*args: str) -> str:
        done = subprocess.run([llm_cli(), *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "quelle" in llm("models", "list")
    first = llm("-m", "quelle", BAIDU)
    assert "1.600" in first and "Quellen:" in first and "[1]" in first
    second = llm("-c", FOLLOW_UP)
    answer, _, sources = second.partition("Quellen:")
    assert "100.000" in answer and "Bytedance" in answer, second
    assert "[1]" in sources and "100.000" in sources  # the quote is in the text the CLI shows


def test_langchain_chat_openai(live_server: LiveServer) -> None:
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(model="quelle", base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0)  # type: ignore[arg-type]
    first = chat.invoke([HumanMessage(BAIDU)])
    assert "1.600" in str(first.content)
    history = [HumanMessage(BAIDU), AIMessage(str(first.content)), HumanMessage(FOLLOW_UP)]
    reply = chat.invoke(history)
    assert "100.000" in str(reply.content).split("Quellen:")[0]
    streamed = "".join(str(chunk.content) for chunk in chat.stream(history))
    assert streamed == reply.content


def test_llama_index_openai_like(live_server: LiveServer) -> None:
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(model="quelle", api_base=f"{live_server.url}/v1", api_key="unused", is_chat_model=True,
                     max_retries=0)
    first = llm.chat([ChatMessage(role="user", content=BAIDU)])
    assert "1.600" in str(first.message.content)
    history = [ChatMessage(role="user", content=BAIDU), ChatMessage(role="assistant", content=first.message.content),
               ChatMessage(role="user", content=FOLLOW_UP)]
    reply = llm.chat(history)
    assert "100.000" in str(reply.message.content).split("Quellen:")[0]
    streamed = list(llm.stream_chat(history))
    assert streamed[-1].message.content == reply.message.content
