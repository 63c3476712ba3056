"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates fused by reciprocal rank fusion."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.config import RetrievalSettings
from rag.crosslingual import CrossLingual
from rag.embeddings import Embedder
from rag.filters import check_where, matches
from rag.lexical import BM25Index, BM25Postings
from rag.question import Question, coverage, option_tokens
from rag.schema import Passage
from rag.store import ChromaStore, DocRecord, StoredChunk
from rag.structure import PATH_SEPARATOR, Outline, heading_topic
from rag.text import fold, iter_tokens

# Sections found by their heading (HybridRetriever.with_headings): the best HEADING_CANDIDATES headings by BM25 and by
# the cross-lingual encoder are checked, and the best HEADING_SECTIONS of those that match are read. One section (dev
# splits: first citation 0.858 -> 0.867 against two; the heading probe's dev chapters 0.843 -> 0.846; three as two).
HEADING_CANDIDATES = 10
HEADING_SECTIONS = 1
HEADING_COVERAGE = 0.75
HEADING_SIMILARITY = 0.5

RetrieverMode = str  # "hybrid" | "dense" | "bm25"
MODES = ("hybrid", "dense", "bm25")


class UnknownDocuments(LookupError):
    """A filter names documents that are not in the index."""

    def __init__(self, doc_ids: Sequence[str]) -> None:
        super().__init__(f"unknown doc_ids in filter: {', '.join(sorted(doc_ids))}")
        self.doc_ids = list(doc_ids)


@dataclass(frozen=True)
class IndexView:
    """The visible state of the store at one revision: committed documents, their chunks, and BM25."""

    revision: str
    registry: dict[str, DocRecord]
    chunks: dict[str, StoredChunk]
    bm25: BM25Index
    by_doc: dict[str, list[str]] = field(default_factory=dict)  # doc_id -> its chunk ids in this view
    heads: BM25Index | None = None  # BM25 over each section's first chunk by its innermost heading's topic
    # each section's first chunk id -> its innermost heading without its number (rag.structure.heading_topic)
    sections: dict[str, str] = field(default_factory=dict)

    def visible(self, chunk: StoredChunk) -> bool:
        return _committed(self.registry, chunk)


def load_view(store: ChromaStore, previous: IndexView | None = None,
              postings: BM25Postings | None = None, heads: BM25Postings | None = None) -> IndexView:
    """Read the registry and the committed chunks; index them for BM25. Revision is read first, so a
    commit that lands meanwhile changes the revision and the next check rebuilds.

    With the previous view and the postings it was built from (changed in place: the caller keeps one
    BM25Postings for its views, as HybridRetriever does), only documents whose committed version changed
    are read again: the store's version markers name them (ChromaStore.registry_changes), their records and
    chunks are read by id, and BM25 changes in place by just their chunks (BM25Postings: removed chunks masked,
    new ones appended, weights computed at query time). A change to one document then costs work in proportion
    to that document, plus reading the ids of the documents and their markers, not the collection.

    `heads` (kept by the caller like `postings`) indexes each section's first chunk by its innermost heading, so
    that a question worded like a heading finds that section (HybridRetriever.with_headings)."""
    revision = store.revision()
    postings = postings if postings is not None else BM25Postings()
    heads = heads if heads is not None else BM25Postings()
    if previous is None:
        registry = store.registry()
        chunks = {c.chunk_id: c for c in store.iter_chunks() if _committed(registry, c)}
        by_doc: dict[str, list[str]] = {}
        for c in sorted(chunks.values(), key=lambda c: (c.doc_id, c.start)):
            by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
        postings.update(removed=[cid for cid in postings.ids() if cid not in chunks],
                        added=[(cid, _bm25_text(registry, chunks[cid])) for ids in by_doc.values() for cid in ids])
        sections = dict(_section_heads(chunks[cid] for ids in by_doc.values() for cid in ids))
        heads.update(removed=[cid for cid in heads.ids() if cid not in chunks], added=list(sections.items()))
        return IndexView(revision, registry, chunks, postings.snapshot(), by_doc, heads.snapshot(), sections)
    old = previous.registry
    found = store.registry_changes({d: rec.version for d, rec in old.items()})
    if found is None:  # the markers cannot tell: compare the whole registry
        registry = store.registry()
        changed = [d for d, rec in registry.items() if (was := old.get(d)) is None or was.version != rec.version]
        gone = [d for d in old if d not in registry]
    else:
        records, gone = found
        registry = dict(old)
        for d in gone:
            del registry[d]
        registry.update(records)
        changed = [d for d, rec in records.items() if (was := old.get(d)) is None or was.version != rec.version]
    chunks, by_doc = dict(previous.chunks), dict(previous.by_doc)
    removed = [cid for d in (*changed, *gone) for cid in by_doc.pop(d, [])]
    for cid in removed:
        del chunks[cid]
    fresh = sorted((c for c in store.committed_chunks([registry[d] for d in changed]) if _committed(registry, c)),
                   key=lambda c: (c.doc_id, c.start)) if changed else []
    for c in fresh:
        chunks[c.chunk_id] = c
        by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
    postings.update(removed=removed, added=[(c.chunk_id, _bm25_text(registry, c)) for c in fresh])
    added = _section_heads(fresh)
    sections = {cid: h for cid, h in previous.sections.items() if cid in chunks}
    sections.update(added)
    heads.update(removed=removed, added=added)
    return IndexView(revision, registry, chunks, postings.snapshot(), by_doc, heads.snapshot(), sections)


def _section_heads(chunks: Iterable[StoredChunk]) -> list[tuple[str, str]]:
    """(chunk id, innermost heading's topic) of the first chunk of each section, of chunks given by document and
    start."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[str, str]] = []
    for c in chunks:
        if c.section and (c.doc_id, c.section) not in seen:
            seen.add((c.doc_id, c.section))
            found.append((c.chunk_id, heading_topic(innermost(c.section))))
    return found


def innermost(section: str) -> str:
    """The innermost heading of a heading path."""
    return section.rsplit(PATH_SEPARATOR, 1)[-1]


def _bm25_text(registry: dict[str, DocRecord], chunk: StoredChunk) -> str:
    # The title and heading path count as text of every chunk of their section: a question worded like a heading
    # finds it, and one that names the document ("… bei df") finds its chunks.
    return f"{registry[chunk.doc_id].title}\n{chunk.section}\n{chunk.text}"


def _committed(registry: dict[str, DocRecord], chunk: StoredChunk) -> bool:
    return (record := registry.get(chunk.doc_id)) is not None and record.version == chunk.version


class HybridRetriever:
    """Ranks visible chunks for a question. The lexical index follows the store's revision, so every
    process sharing one Chroma server sees the same documents."""

    def __init__(self, store: ChromaStore, embedder: Embedder, settings: RetrievalSettings,
                 crosslingual: CrossLingual | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.crosslingual = crosslingual
        self._heading_matrix: tuple[str, list[str], np.ndarray] | None = None  # revision, chunk ids, vectors
        self.candidates = settings.candidates
        self.rrf_k = settings.rrf_k
        self._view: IndexView | None = None
        self._postings = BM25Postings()  # changed in place from view to view; each view holds a snapshot
        self._heads = BM25Postings()  # the same for section headings
        self._lock = threading.Lock()

    def view(self) -> IndexView:
        """The current visible state, rebuilt only when another ingest or delete changed the store."""
        revision = self.store.revision()
        view = self._view
        if view is not None and view.revision == revision:
            return view
        with self._lock:
            if self._view is None or self._view.revision != revision:
                self._view = load_view(self.store, self._view, self._postings, self._heads)
            return self._view

    def search(
        self, query: str, k: int, doc_ids: Sequence[str] | None = None, mode: RetrieverMode = "hybrid",
        vector: np.ndarray | None = None, where: dict[str, Any] | None = None, terms: Sequence[str] | None = None,
    ) -> list[Passage]:
        """Ranked passages; `vector` is the query's embedding when the caller already has it. `where` (Chroma's
        filter syntax over front-matter metadata) narrows both retrievers to the documents it matches. `terms` are the
        query's BM25 terms when the caller analysed it (rag.question.Question.search_terms)."""
        if mode not in MODES:
            raise ValueError(f"unknown retriever {mode!r}; valid: {', '.join(MODES)}")
        view = self.view()
        if doc_ids:
            unknown = [d for d in doc_ids if d not in view.registry]
            if unknown:
                raise UnknownDocuments(unknown)
        if where is not None:
            matched = matching_documents(view, where, doc_ids)
            if not matched:
                return []
            doc_ids = matched if doc_ids or len(matched) < len(view.registry) else None  # all match: no filter
        n = max(k, self.candidates)
        rankings: list[list[tuple[str, float]]] = []
        if mode in ("hybrid", "dense"):
            rankings.append(self._dense(view, query if vector is None else vector, n, doc_ids))
        if mode in ("hybrid", "bm25"):
            allowed = set(doc_ids) if doc_ids else None
            rankings.append(
                view.bm25.search(
                    query, n, allowed=None if allowed is None else (lambda cid: view.chunks[cid].doc_id in allowed),
                    terms=terms,
                )
            )
        scored = rankings[0] if len(rankings) == 1 else reciprocal_rank_fusion(rankings, self.rrf_k)
        return [self._passage(view, cid, score) for cid, score in scored[:k] if cid in view.chunks]

    def named_documents(self, question: str, doc_ids: Sequence[str] | None = None) -> list[str]:
        """The documents a question names by the name their title starts with: "Was macht cp -n?" names
        "cp(1) — Dateien kopieren". Only a title that opens with a one-word name before "(", " — ", " - " or ":"
        has such a name; a title that is a whole phrase ("Huawei will …") names nothing."""
        asked = {fold(t.text) for t in iter_tokens(question)}
        allowed = set(doc_ids) if doc_ids is not None else None
        return sorted(doc_id for doc_id, record in self.view().registry.items()
                      if (allowed is None or doc_id in allowed) and title_name(record.title) in asked)

    def with_options(self, options: Sequence[str], passages: list[Passage], limit: int = 5,
                     doc_ids: Sequence[str] | None = None) -> list[Passage]:
        """The passages, plus (after them) chunks of sections headed by one of these command-line options, best
        first by the rank their documents already have: a question about "-h" reads the description of -h."""
        if not options:
            return passages
        view = self.view()
        wanted = set(options)
        have = {p.chunk_id for p in passages}
        doc_rank = {p.doc_id: i for i, p in reversed(list(enumerate(passages)))}
        allowed = set(doc_ids) if doc_ids is not None else None
        found = [cid for cid, c in view.chunks.items() if cid not in have and c.section
                 and (allowed is None or c.doc_id in allowed)
                 and wanted & set(option_tokens(innermost(c.section)))]
        found.sort(key=lambda cid: (doc_rank.get(view.chunks[cid].doc_id, len(passages)), cid))
        return passages + [self._passage(view, cid, 0.0) for cid in found[:limit]]

    def with_headings(self, question: Question, passages: list[Passage], limit: int = HEADING_SECTIONS,
                      doc_ids: Sequence[str] | None = None) -> list[Passage]:
        """The passages, plus (after them) the first chunk of each section whose heading matches the question: its
        words (with the headings above it) cover what the question is about (rag.question.coverage at least
        HEADING_COVERAGE), or, in either language, it means what the question says (rag.crosslingual, cosine at
        least HEADING_SIMILARITY). "Wie verifiziere ich installierte Paketdateien?" reads the section
        "Verifizierung von installierten Paketdateien", and "Virtual consoles" the section "Virtuelle Konsolen",
        even when neither the dense nor the BM25 ranking of whole chunks put them among the passages."""
        view = self.view()
        if not view.sections or limit <= 0:
            return passages
        allowed = set(doc_ids) if doc_ids else None
        have = {p.chunk_id for p in passages}
        candidates: dict[str, float] = {}
        if view.heads is not None:
            for cid, _ in view.heads.search(question.text, HEADING_CANDIDATES, terms=question.search_terms(),
                                            allowed=None if allowed is None else
                                            (lambda cid: view.chunks[cid].doc_id in allowed)):
                if coverage(question, view.chunks[cid].section) >= HEADING_COVERAGE:
                    candidates[cid] = 1.0
        for cid, similarity in self._similar_headings(view, question.text, allowed):
            candidates[cid] = max(candidates.get(cid, 0.0), similarity)
        ranked = sorted((c for c in candidates if c not in have), key=lambda c: (-candidates[c], c))
        return passages + [self._passage(view, cid, candidates[cid]) for cid in ranked[:limit]]

    def _similar_headings(self, view: IndexView, text: str, allowed: set[str] | None) -> list[tuple[str, float]]:
        """The sections whose innermost heading is at least HEADING_SIMILARITY close to the text, best first. The
        headings' vectors are stacked once per revision (each heading is encoded once per process: the encoder's
        cache); at tens of thousands of sections that stacking, not the encoding, is the cost of a refresh."""
        if self.crosslingual is None:
            return []
        memo = self._heading_matrix
        if memo is None or memo[0] != view.revision:
            ids = list(view.sections)
            memo = (view.revision, ids, self.crosslingual.encode([view.sections[c] for c in ids]))
            self._heading_matrix = memo
        _, ids, matrix = memo
        scores = matrix @ self.crosslingual.encode([text])[0]
        if allowed is not None:  # before ranking: the best headings of the allowed documents, not of all
            scores = np.where([view.chunks[c].doc_id in allowed for c in ids], scores, -1.0)
        best = np.argsort(-scores)[:HEADING_CANDIDATES]
        return [(ids[i], float(scores[i])) for i in best if scores[i] >= HEADING_SIMILARITY]

    def _dense(self, view: IndexView, query: str | np.ndarray, n: int,
               doc_ids: Sequence[str] | None) -> list[tuple[str, float]]:
        vector = self.embedder.embed_query(query) if isinstance(query, str) else query
        hits = self.store.dense_query(vector, n + 8, doc_ids)  # a few spare for uncommitted leftovers
        return [(cid, s) for cid, s in hits if cid in view.chunks][:n]

    @staticmethod
    def _passage(view: IndexView, cid: str, score: float) -> Passage:
        chunk = view.chunks[cid]
        record = view.registry[chunk.doc_id]
        inside = tuple(h for h in record.outline.headings if chunk.start <= h.start < chunk.end)
        return Passage(
            doc_id=chunk.doc_id, chunk_id=cid, title=record.title, source=record.source,
            start=chunk.start, end=chunk.end, text=chunk.text, score=round(float(score), 6),
            section=chunk.section, page=chunk.page, outline=Outline(inside),
        )


def matching_documents(view: IndexView, where: dict[str, Any], doc_ids: Sequence[str] | None = None) -> list[str]:
    """The documents (of `doc_ids`, if given) whose metadata passes `where`.

    The filter is evaluated here, over the registry's metadata, not by Chroma over chunk metadata: chunks do not
    carry their document's metadata (copying it onto every chunk would mean rewriting all chunks whenever it
    changes, and Chroma's metadata cannot hold front-matter lists such as tags). The matching ids then restrict
    dense retrieval (a `doc_id $in` filter in Chroma) and BM25 alike, so both see exactly the same documents."""
    check_where(where)
    candidates = doc_ids if doc_ids else list(view.registry)
    return [d for d in candidates if (rec := view.registry.get(d)) is not None and matches(where, rec.metadata)]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[tuple[str, float]]], k: int) -> list[tuple[str, float]]:
    """Fuse ranked lists: score(d) = sum over lists of 1 / (k + rank), rank starting at 1."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (cid, _) in enumerate(ranking, start=1):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


_TITLE_NAME = re.compile(r"\s*([^\s(—:]+)\s*(?:\(|—|–| - |:)")


def title_name(title: str) -> str | None:
    """The one-word name a title opens with ("tar" of "tar(1) — ein Archivierungswerkzeug"), folded, or None."""
    match = _TITLE_NAME.match(title)
    return fold(match.group(1)) if match and len(match.group(1)) > 1 else None
