"""The baseline: a plain llama-index VectorStoreIndex (default settings) over the same documents and embedding model."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core import Document as LIDocument
from llama_index.core import VectorStoreIndex
from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.constants import DEFAULT_SIMILARITY_TOP_K
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback

from evals.crosscheck import BASELINE_LABEL
from rag.embeddings import Embedder
from rag.llm.base import Message

Generate = Callable[[list[Message], int | None], str]


class QuelleEmbedding(BaseEmbedding):
    """Quelle's embedder as a llama-index embedding model (nothing is downloaded)."""

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, embed_batch_size=embedder.batch_size, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self._embedder.embed_query(query)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self._embedder.embed_batch(texts)]


class QuelleLLM(CustomLLM):
    """Quelle's configured LLM provider as a llama-index LLM (completion prompts sent as one user message)."""

    context_window: int = 2048
    num_output: int = 160
    _generate: Generate = PrivateAttr()

    def __init__(self, generate: Generate, *, context_window: int = 2048, num_output: int = 160) -> None:
        super().__init__(context_window=context_window, num_output=num_output)
        self._generate = generate

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, num_output=self.num_output, model_name="quelle")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._generate([{"role": "user", "content": prompt}], self.num_output))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        yield self.complete(prompt, formatted=formatted)


class LlamaIndexBaseline:
    """VectorStoreIndex.from_documents with llama-index's defaults (SentenceSplitter 1024/200 tokens, in-memory
    vector store, similarity_top_k 2 for answers). Document bodies are the ones Quelle indexes, without metadata,
    so the comparison is about chunking and retrieval, not file parsing. Node ids are '<doc_id>#<n>'."""

    label = BASELINE_LABEL

    def __init__(self, documents: Sequence[tuple[str, str, str]], embedder: Embedder,
                 generate: Generate | None = None, context_window: int = 2048, num_output: int = 160) -> None:
        started = time.perf_counter()
        docs = [LIDocument(text=body, id_=doc_id) for doc_id, _, body in documents]
        self.index = VectorStoreIndex.from_documents(docs, embed_model=QuelleEmbedding(embedder))
        self._renumber()
        self.build_seconds = time.perf_counter() - started
        self.llm = QuelleLLM(generate, context_window=context_window, num_output=num_output) if generate else None
        self.answer_mode = "generated" if generate else "top-nodes"

    def _renumber(self) -> None:
        # llama-index names nodes with random uuids; stable names make two runs comparable.
        counters: dict[str, int] = {}
        self.node_ids: dict[str, str] = {}
        nodes = self.index.docstore.docs.values()
        for node in sorted(nodes, key=lambda n: (n.ref_doc_id or "", getattr(n, "start_char_idx", None) or 0)):
            doc_id = node.ref_doc_id or "?"
            counters[doc_id] = counters.get(doc_id, -1) + 1
            self.node_ids[node.node_id] = f"{doc_id}#{counters[doc_id]}"

    def nodes(self) -> list[tuple[str, str]]:
        """(stable node id, text) of every node."""
        return sorted((self.node_ids[n.node_id], n.get_content()) for n in self.index.docstore.docs.values())

    def retrieve(self, query: str, k: int) -> list[tuple[str, str, float]]:
        """(stable node id, text, score), best first."""
        hits = self.index.as_retriever(similarity_top_k=k).retrieve(query)
        return [(self.node_ids[h.node.node_id], h.node.get_content(), float(h.score or 0.0)) for h in hits]

    def answer(self, query: str, ranking: Sequence[tuple[str, str, float]] | None = None) -> str:
        """The query engine's response with the configured LLM; without one, the top nodes' texts joined
        (from `ranking` when the caller already retrieved for this query)."""
        if self.llm is None:
            top = (ranking or self.retrieve(query, DEFAULT_SIMILARITY_TOP_K))[:DEFAULT_SIMILARITY_TOP_K]
            return "\n\n".join(text for _, text, _ in top)
        return str(self.index.as_query_engine(llm=self.llm).query(query))

