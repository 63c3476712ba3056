"""The Quelle service: one object that ingests, searches and answers, shared by the CLI, the API and evals."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from rag.answer import Answerer, final_answer
from rag.config import Settings, load_settings
from rag.documents import make_document
from rag.embeddings import Embedder, make_embedder
from rag.evidence import EvidenceSelection, SentenceVectors, select_evidence
from rag.ingest import Indexer, IngestReport, IngestResult
from rag.llm import LLMProvider, make_llm
from rag.question import Question, analyse
from rag.retrieval import HybridRetriever
from rag.schema import Answer, AnswerEvent, Document, DocumentInfo, Final, Passage
from rag.store import ChromaStore


class Quelle:
    """Models are loaded once here; every method is safe to call from several threads."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        llm: LLMProvider | None = None,
        store: ChromaStore | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        s = self.settings
        Path(s.data_dir).mkdir(parents=True, exist_ok=True)
        self.store = store or ChromaStore(s.store, str(s.data_dir))
        self.embedder = embedder or make_embedder(s.embed)
        self.llm = llm or make_llm(s.llm)
        self.indexer = Indexer(self.store, self.embedder, s.chunk)
        self.retriever = HybridRetriever(self.store, self.embedder, s.retrieval.candidates, s.retrieval.rrf_k)
        self.sentence_vectors = SentenceVectors(self.embedder)
        self.answerer = Answerer(self.llm, s.answer, s.llm)

    # -- documents ----------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], *, prune: bool = False, show_progress: bool = True) -> IngestReport:
        return self.indexer.ingest_paths(paths, prune=prune, show_progress=show_progress)

    def add_document(self, doc: Document) -> IngestResult:
        return self.indexer.add(doc)

    def add_text(
        self, text: str, *, title: str | None, doc_id: str, source: str = "", metadata: dict | None = None
    ) -> IngestResult:
        return self.add_document(make_document(text, doc_id=doc_id, title=title, source=source, metadata=metadata))

    def delete_document(self, doc_id: str) -> bool:
        return self.indexer.remove(doc_id)

    def list_documents(self) -> list[DocumentInfo]:
        return sorted((r.info() for r in self.store.registry().values()), key=lambda d: d.doc_id)

    def get_document(self, doc_id: str) -> tuple[DocumentInfo, str] | None:
        found = self.store.body(doc_id)
        return None if found is None else (found[0].info(), found[1])

    # -- questions ----------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None,
               mode: str | None = None, vector: np.ndarray | None = None) -> list[Passage]:
        return self.retriever.search(query, k or self.settings.retrieval.top_k, doc_ids,
                                     mode or self.settings.retrieval.mode, vector)

    def evidence(self, question: str | Question, passages: Sequence[Passage],
                 vector: np.ndarray | None = None) -> EvidenceSelection:
        """The evidence sentences for a question; `vector` is its embedding if already computed."""
        analysed = question if isinstance(question, Question) else analyse(question)
        if vector is None:
            vector = self.embedder.embed_query(analysed.text)
        return select_evidence(analysed, passages, self.sentence_vectors, vector, self.settings.answer.evidence_k)

    def ask(self, question: str, top_k: int | None = None, doc_ids: Sequence[str] | None = None) -> Answer:
        return final_answer(self.ask_stream(question, top_k, doc_ids))

    def ask_stream(
        self, question: str, top_k: int | None = None, doc_ids: Sequence[str] | None = None
    ) -> Iterator[AnswerEvent]:
        """Verified answer text as it is produced (Delta events), then the answer (Final)."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        analysed = analyse(question)  # once: language, words, translations, what it asks for
        vector = self.embedder.embed_query(question)  # once, for dense retrieval and evidence scoring
        passages = self.retriever.search(analysed.search_text(), top_k or self.settings.retrieval.top_k, doc_ids,
                                         self.settings.retrieval.mode, vector)
        passages = self.retriever.with_options(sorted(analysed.options), passages, doc_ids=doc_ids)
        selection = self.evidence(analysed, passages, vector)
        timings["retrieve"] = _ms(started)
        for event in self.answerer.stream(analysed, selection, timings):
            if isinstance(event, Final):
                event.answer.timings_ms["total"] = _ms(started)
            yield event


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
