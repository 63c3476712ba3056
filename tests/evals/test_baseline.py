"""Tests for evals/baseline.py: the llama-index baseline over the seed document with the real embedder."""

from __future__ import annotations

import numpy as np
import pytest

from evals.baseline import LlamaIndexBaseline, QuelleEmbedding
from rag.llm.base import Message

pytestmark = pytest.mark.slow  # llama-index over the real embedding model


@pytest.fixture(scope="module")
def documents(seed_doc) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(seed_doc.doc_id, seed_doc.title, seed_doc.text)]


def test_embedding_wrapper_gives_our_vectors(embedder) -> None:  # type: ignore[no-untyped-def]
    wrapped = QuelleEmbedding(embedder)
    text = "Wie viele Chips hat Baidu bestellt?"
    assert np.allclose(wrapped.get_query_embedding(text), embedder.embed_query(text), atol=1e-6)
    assert np.allclose(wrapped.get_text_embedding_batch([text, "zwei"])[1], embedder.embed_query("zwei"), atol=1e-6)


def test_default_index_retrieves_stable_node_ids(embedder, documents) -> None:  # type: ignore[no-untyped-def]
    baseline = LlamaIndexBaseline(documents, embedder)
    nodes = baseline.nodes()
    assert [cid for cid, _ in nodes] == [f"{documents[0][0]}#{i}" for i in range(len(nodes))]
    assert len(nodes) >= 1 and all(len(text) > 500 for _, text in nodes)  # 1024-token default chunks
    hits = baseline.retrieve("Wie viele Ascend-Chips hat Baidu bestellt?", 10)
    assert sorted(h[0] for h in hits) == [cid for cid, _ in nodes]  # every node once: there are fewer than 10
    assert hits[0][2] >= hits[-1][2]
    assert baseline.answer_mode == "top-nodes"
    assert baseline.answer("Wie viele Ascend-Chips hat Baidu bestellt?", hits) == "\n\n".join(t for _, t, _ in hits[:2])


def test_generated_answers_go_through_a_custom_llm(embedder, documents) -> None:  # type: ignore[no-untyped-def]
    prompts: list[list[Message]] = []

    def generate(messages: list[Message], max_tokens: int | None) -> str:
        prompts.append(messages)
        return "Baidu bestellte 1.600 Chips."

    baseline = LlamaIndexBaseline(documents, embedder, generate, context_window=4096, num_output=64)
    assert baseline.answer_mode == "generated"
    assert baseline.answer("Wie viele Ascend-Chips hat Baidu bestellt?") == "Baidu bestellte 1.600 Chips."
    assert prompts and prompts[0][0]["role"] == "user"
    assert "Baidu" in prompts[0][0]["content"] and "Wie viele Ascend-Chips" in prompts[0][0]["content"]
