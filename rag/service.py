"""The Quelle service: one object that ingests, searches and answers, shared by the CLI, the API and evals."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer import Answerer, final_answer
from rag.config import Settings, load_settings
from rag.crosslingual import make_crosslingual
from rag.documents import DocumentError, doc_id_for, load_bytes, make_document
from rag.embeddings import Embedder, make_embedder
from rag.evidence import EvidenceSelection, SentenceVectors, select_evidence
from rag.followup import standalone
from rag.ingest import Indexer, IngestReport, IngestResult
from rag.llm import LLMProvider, make_llm
from rag.question import Question, analyse
from rag.retrieval import HybridRetriever, matching_documents
from rag.schema import Answer, AnswerEvent, Document, DocumentInfo, Final, Passage, page_at
from rag.store import ChromaStore
from rag.uploads import UploadFolder


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
        self.crosslingual = make_crosslingual(s.embed)
        self.retriever = HybridRetriever(self.store, self.embedder, s.retrieval, self.crosslingual)
        self.sentence_vectors = SentenceVectors(self.embedder, s.answer.sentence_cache)
        self.answerer = Answerer(self.llm, s.answer, s.llm)
        self.uploads = UploadFolder(s.data_dir)

    # -- documents ----------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], *, prune: bool = False, show_progress: bool = True) -> IngestReport:
        return self.indexer.ingest_paths(paths, prune=prune, show_progress=show_progress)

    def add_document(self, doc: Document) -> IngestResult:
        return self.indexer.add(doc)

    def add_text(
        self, text: str, *, title: str | None, doc_id: str | None = None, source: str = "",
        metadata: dict | None = None,
    ) -> IngestResult:
        """Add a text; without a doc_id, one is derived from the title."""
        doc_id = doc_id or doc_id_for(title or text[:60], text.encode())
        return self.add_document(make_document(text, doc_id=doc_id, title=title, source=source or f"api:{doc_id}",
                                               metadata=metadata))

    def load_upload(self, data: bytes, filename: str, doc_id: str | None = None) -> Document:
        """An uploaded file as a Document (parsed here: call it off an event loop). Only the last part of the
        client's file name lends itself to the doc_id, never a path."""
        name = Path(filename.replace("\\", "/")).name
        doc = load_bytes(data, name, doc_id=doc_id or doc_id_for(name, data))
        return replace(doc, source=f"upload:{doc.doc_id}{Path(name).suffix.lower()}")

    def add_uploads(self, files: Sequence[tuple[bytes, str]], doc_id: str | None = None) -> list[IngestResult]:
        """Parse, embed and index uploaded files (bytes, file name) in one ingest, and keep their originals.
        Every file is parsed before any is indexed, so one unreadable file adds none."""
        docs = [self.load_upload(data, name, doc_id) for data, name in files]
        taken: dict[str, str] = {}
        for (_, name), doc in zip(files, docs, strict=True):
            if (other := taken.setdefault(doc.doc_id, name)) != name:
                raise DocumentError(f"{other} and {name} would both be the document {doc.doc_id!r}; rename one.")
        results = self.indexer.add_many(docs)
        for (data, name), doc in zip(files, docs, strict=True):
            self.uploads.keep(doc.doc_id, data, Path(name).suffix.lower())
        return results

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document from every index, and its uploaded original if there is one."""
        removed = self.indexer.remove(doc_id)
        self.uploads.forget(doc_id)
        return removed

    def list_documents(self) -> list[DocumentInfo]:
        return sorted((r.info() for r in self.store.registry().values()), key=lambda d: d.doc_id)

    def get_document(self, doc_id: str) -> tuple[DocumentInfo, str] | None:
        found = self.store.body(doc_id)
        return None if found is None else (found[0].info(), found[1])

    # -- questions ----------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None,
               mode: str | None = None, vector: np.ndarray | None = None,
               where: dict[str, Any] | None = None) -> list[Passage]:
        return self.retriever.search(query, k or self.settings.retrieval.top_k, doc_ids,
                                     mode or self.settings.retrieval.mode, vector, where)

    def standalone_question(self, question: str, history: Sequence[str] = ()) -> str:
        """A follow-up made standalone against the earlier user questions (oldest first): rewritten by the LLM
        when it is a capable one (provider openai) and the rewrite adds only words of the conversation, else by
        carrying the previous question's subject or predicate over (rag.followup)."""
        capable = self.llm if self.settings.llm.provider == "openai" else None
        return standalone(question, history, capable)

    def evidence(self, question: str | Question, passages: Sequence[Passage],
                 vector: np.ndarray | None = None) -> EvidenceSelection:
        """The evidence sentences for a question; `vector` is its embedding if already computed."""
        analysed = question if isinstance(question, Question) else analyse(question)
        if vector is None:
            vector = self.embedder.embed_query(analysed.text)
        return select_evidence(analysed, passages, self.sentence_vectors, vector, self.settings.answer.evidence_k,
                               self.crosslingual)

    def ask(self, question: str, top_k: int | None = None, doc_ids: Sequence[str] | None = None, *,
            history: Sequence[str] = (), where: dict[str, Any] | None = None) -> Answer:
        return final_answer(self.ask_stream(question, top_k, doc_ids, history=history, where=where))

    def ask_stream(
        self, question: str, top_k: int | None = None, doc_ids: Sequence[str] | None = None, *,
        history: Sequence[str] = (), where: dict[str, Any] | None = None,
    ) -> Iterator[AnswerEvent]:
        """Verified answer text as it is produced (Delta events), then the answer (Final). `history` holds the
        earlier user questions of a conversation (oldest first); `where` filters documents by metadata."""
        started = time.perf_counter()
        timings: dict[str, float] = {}
        if history:
            question = self.standalone_question(question, history)
        analysed = analyse(question)  # once: language, words, translations, what it asks for
        vector = self.embedder.embed_query(question)  # once, for dense retrieval and evidence scoring
        if where is not None:
            doc_ids = matching_documents(self.retriever.view(), where, doc_ids)  # search applies `where` too
        # A question that names documents ("Was macht cp -n?" and "cp(1) — …") reads those documents.
        named = self.retriever.named_documents(question, doc_ids) if doc_ids != [] else []
        passages = self.retriever.search(question, top_k or self.settings.answer.passages,
                                         named or doc_ids, self.settings.retrieval.mode, vector, where,
                                         analysed.search_terms())
        passages = self.retriever.with_options(sorted(analysed.options), passages, doc_ids=named or doc_ids)
        passages = self.retriever.with_headings(analysed, passages, doc_ids=named or doc_ids)
        selection = self.evidence(analysed, passages, vector)
        timings["retrieve"] = _ms(started)
        for event in self.answerer.stream(analysed, selection, timings):
            if isinstance(event, Final):
                event.answer.timings_ms["total"] = _ms(started)
                self._locate_pages(event.answer)
            yield event

    def _locate_pages(self, answer: Answer) -> None:
        """Each citation's page is the page its quote starts on. Evidence inherits its passage's page, where the
        chunk starts, and a chunk may run across a page break: a fact on page 3 would be cited as page 2."""
        registry = self.retriever.view().registry
        for i, cited in enumerate(answer.citations):
            record = registry.get(cited.doc_id)
            if record is not None and record.pages:
                answer.citations[i] = replace(cited, page=page_at(record.pages, cited.start))


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
