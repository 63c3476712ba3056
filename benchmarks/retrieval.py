"""Retrieval latency against collection size: synthetic documents of real sentences, written through ChromaStore."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.phases import PhaseTimer
from evals.harness import in_worker_thread, latency_summary, mib, proc_status_kb
from rag.chunking import split_sentences
from rag.documents import make_document
from rag.embeddings import Embedder
from rag.ingest import GROUP_CHUNKS
from rag.lexical import BM25Postings
from rag.retrieval import MODES
from rag.schema import Chunk
from rag.service import Quelle
from rag.store import ChromaStore, NewVersion

P95_TARGET_MS = 30.0
QUERY_ENCODE_P50_TARGET_MS = 5.0
ONE_DOCUMENT_TARGET_S = 0.2  # first query after one new document, at 100k chunks
TARGET_SIZE = 10_000
CHUNKS_PER_DOC = 50
CHUNK_CHARS = 700  # about the mean chunk of the real corpus; the chunker's target is 900 with overlap
NOISE = 0.04  # per-dimension noise on synthetic vectors: near, not on, the vectors of their source chunks
GROWTH_MARGIN = 1.25  # writes get slower as the collection grows: budget the next size at this much the last rate


class SyntheticCollection:
    """Grows a store with documents of CHUNKS_PER_DOC chunks. Each chunk is a run of real sentences drawn at
    random from the corpus; its vector is the normalised mean of those sentences' source-chunk vectors plus
    noise, so vectors cluster like real ones without embedding 100k texts. Written with ChromaStore.write and
    commit, a group of documents at a time, exactly as an ingest makes documents visible."""

    def __init__(self, store: ChromaStore, texts: Sequence[str], vectors: np.ndarray, seed: int = 7) -> None:
        self.store = store
        self.rng = np.random.default_rng(seed)
        self.sentences: list[str] = []
        self.sources: list[int] = []
        for index, text in enumerate(texts):
            for start, end in split_sentences(text):
                if end - start >= 20:
                    self.sentences.append(text[start:end])
                    self.sources.append(index)
        self.vectors = vectors
        self.size = 0
        self.documents = 0

    def grow_to(self, n_chunks: int) -> dict[str, Any]:
        """Add documents until the store holds n_chunks synthetic chunks, written and committed in groups of
        GROUP_CHUNKS chunks exactly as an ingest writes them; returns how long the writes took."""
        started, added, written_s = time.perf_counter(), 0, 0.0
        while self.size < n_chunks:
            group: list[NewVersion] = []
            while self.size < n_chunks and sum(len(v.chunks) for v in group) < GROUP_CHUNKS:
                count = min(CHUNKS_PER_DOC, n_chunks - self.size)
                group.append(NewVersion(*self._document(count)))
                self.size += count
                self.documents += 1
                added += count
            t = time.perf_counter()
            self.store.write(group)
            self.store.commit(group)
            written_s += time.perf_counter() - t
        total = time.perf_counter() - started
        return {"chunks_added": added, "seconds": round(total, 2), "store_write_s": round(written_s, 2),
                "store_chunks_per_s": round(added / written_s, 1) if written_s > 0 else 0.0}

    def _document(self, count: int) -> tuple[Any, list[Chunk], np.ndarray]:
        doc_id = f"synthetic-{self.documents:06d}"
        texts, vectors = [], []
        for _ in range(count):
            picked: list[int] = []
            length = 0
            while length < CHUNK_CHARS:
                i = int(self.rng.integers(len(self.sentences)))
                picked.append(i)
                length += len(self.sentences[i]) + 1
            texts.append(" ".join(self.sentences[i] for i in picked))
            mean = self.vectors[[self.sources[i] for i in picked]].mean(axis=0)
            vector = mean + self.rng.normal(0.0, NOISE, mean.shape)
            vectors.append(vector / np.linalg.norm(vector))
        body = "\n\n".join(texts)
        doc = make_document(body, doc_id=doc_id, title=f"Synthetic document {self.documents}",
                            source="benchmark:synthetic", language="en")
        chunks, offset = [], 0
        for index, text in enumerate(texts):
            chunks.append(Chunk(doc_id=doc_id, index=index, start=offset, end=offset + len(text), text=text))
            offset += len(text) + 2
        assert all(doc.text[c.start : c.end] == c.text for c in chunks)
        return doc, chunks, np.asarray(vectors, dtype=np.float32)


def bench_retrieval(quelle: Quelle, reference: Embedder, texts: Sequence[str], vectors: np.ndarray,
                    queries: Sequence[str], sizes: Sequence[int], n_queries: int, fill_budget_s: float,
                    k: int = 5) -> dict[str, Any]:
    """Section 2: grow one store through `sizes`; at each, time the first query's view refresh (it reads the
    chunks added since the last view), then n_queries steady-state searches per mode (modes interleaved per
    query, so load changes hit all alike), then the view refresh after one more document.
    A size whose fill would overrun `fill_budget_s` (judged by the last fill rate) is scaled down."""
    collection = SyntheticCollection(quelle.store, texts, vectors)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    fill_s, rate = 0.0, 0.0
    for wanted in sizes:
        size = wanted
        if rate > 0:
            affordable = collection.size + (fill_budget_s - fill_s) * rate / GROWTH_MARGIN
            if affordable < wanted:
                size = _round_down(affordable)
                if size <= collection.size:
                    notes.append(f"{wanted:,} chunks skipped: the fill would overrun the {fill_budget_s:.0f} s budget")
                    break
                notes.append(f"{wanted:,} chunks scaled down to {size:,}: at {rate:.0f} chunks/s the fill would "
                             f"overrun the {fill_budget_s:.0f} s budget")
        fill = collection.grow_to(size)
        fill_s += fill["seconds"]
        rate = fill["chunks_added"] / fill["store_write_s"] if fill["store_write_s"] > 0 else 0.0
        timer = PhaseTimer()
        targets = [(quelle.store, "registry", "registry read"), (quelle.store, "revision", "revision check"),
                   (BM25Postings, "update", "bm25 build"), (BM25Postings, "snapshot", "bm25 build")]
        started = time.perf_counter()
        with timer.wrapped(targets):
            view = quelle.retriever.view()
        view_s = time.perf_counter() - started
        assert len(view.chunks) == size, f"view holds {len(view.chunks)} chunks, expected {size}"
        phases = {p: round(s, 3) for p, s in timer.seconds.items()}
        phases["chunk read (the rest)"] = round(view_s - sum(timer.seconds.values()), 3)
        rows.append({
            "chunks": size, "requested": wanted, "documents": collection.documents, "fill": fill,
            "view_build_s": round(view_s, 3), "view_phases": phases,
            **in_worker_thread(lambda: measure_queries(quelle, reference, queries, n_queries, k)),
            "process_rss_mib": mib(proc_status_kb("self", "VmRSS")),
            "store_mib": data_dir_size_mib(Path(quelle.settings.data_dir)),
            "one_document_view_s": one_document_change(quelle, collection),
        })
    return {
        "query_embedding": query_embedding_threads(quelle.embedder, reference, queries),
        "backend": getattr(quelle.embedder, "backend", "?"),
        "query_encode_p50_target_ms": QUERY_ENCODE_P50_TARGET_MS, "one_document_target_s": ONE_DOCUMENT_TARGET_S,
        "text": "synthetic documents of real sentences from the ingest corpus; vectors derived from the real "
                "vectors of their source chunks plus noise (not embedded)",
        "chunks_per_document": CHUNKS_PER_DOC, "k": k, "queries_per_mode": n_queries,
        "fill_budget_s": fill_budget_s, "notes": notes,
        "p95_target_ms": P95_TARGET_MS, "target_size": TARGET_SIZE, "sizes": rows,
    }


def one_document_change(quelle: Quelle, collection: SyntheticCollection) -> float:
    """Seconds of the first query's view refresh after one more document (CHUNKS_PER_DOC chunks) is committed:
    what a user waits for after an upload to a collection of this size."""
    collection.grow_to(collection.size + CHUNKS_PER_DOC)
    started = time.perf_counter()
    view = quelle.retriever.view()
    seconds = time.perf_counter() - started
    assert len(view.chunks) == collection.size
    return round(seconds, 3)


def query_embedding_threads(embedder: Embedder, reference: Embedder, queries: Sequence[str],
                            n: int = 40) -> dict[str, Any]:
    """Latency of embedding one query as the API does it (from a request thread, the encode running on the
    process's compute thread, rag.compute) and from the main thread, and a raw fp32 encode (the torch model's
    own `encode`, on the compute thread) as the reference, interleaved so a busy machine affects all alike;
    then, for reference, torch called directly on request threads, as Quelle did before it had a compute
    thread."""
    from concurrent.futures import ThreadPoolExecutor

    seconds: dict[str, list[float]] = {"request thread (compute thread encodes)": [],
                                       "main thread (compute thread encodes)": [],
                                       RAW_FP32_QUERY: [],
                                       "request threads calling torch directly (before)": []}
    labels = list(seconds)
    model: Any = getattr(reference, "_model", None)

    def timed(fn: Any) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    run = [*queries[:3], *queries[:n]]
    with ThreadPoolExecutor(4) as pool:
        for query in run:
            seconds[labels[0]].append(pool.submit(timed, lambda q=query: embedder.embed_query(q)).result())
            seconds[labels[1]].append(timed(lambda q=query: embedder.embed_query(q)))
            if model is not None:
                seconds[labels[2]].append(timed(lambda q=query: raw_fp32_query(model, q)))
        # Last, not interleaved: once request threads have their own OpenMP pools, those pools' spinning
        # slows every later encode in the process, the compute thread's included.
        for query in run if model is not None else []:
            seconds[labels[3]].append(pool.submit(timed, lambda q=query: model.encode(
                [q], normalize_embeddings=True, show_progress_bar=False)).result())
    return {label: latency_summary(values[3:]) for label, values in seconds.items() if values}


RAW_FP32_QUERY = "raw fp32 encode (torch model's encode on the compute thread; the reference)"


def raw_fp32_query(model: Any, query: str) -> Any:
    """The reference every query figure is compared with: the fp32 model's own encode of one query."""
    from rag import compute

    return compute.run(model.encode, [query], normalize_embeddings=True, show_progress_bar=False)


def _round_down(n: float) -> int:
    """Down to two significant digits: 26,345 -> 26,000."""
    step = 10 ** max(0, len(str(int(n))) - 2)
    return int(n // step * step)


def measure_queries(quelle: Quelle, reference: Embedder, queries: Sequence[str], n: int, k: int) -> dict[str, Any]:
    """Steady-state latency per mode, with three references from the same loop: embedding the query alone with
    the configured backend, a raw fp32 encode of it, and the store revision check every search starts with."""
    for query in queries[:3]:
        for mode in MODES:
            quelle.search(query, k, mode=mode)
    embedder: Embedder = quelle.embedder
    model: Any = getattr(reference, "_model", None)
    seconds: dict[str, list[float]] = {name: [] for name in (*MODES, "embed query", "raw fp32 encode",
                                                             "revision check")}
    for i in range(n):
        query = queries[i % len(queries)]
        for mode in MODES:
            t = time.perf_counter()
            quelle.search(query, k, mode=mode)
            seconds[mode].append(time.perf_counter() - t)
        t = time.perf_counter()
        embedder.embed_query(query)
        seconds["embed query"].append(time.perf_counter() - t)
        if model is not None:
            t = time.perf_counter()
            raw_fp32_query(model, query)
            seconds["raw fp32 encode"].append(time.perf_counter() - t)
        t = time.perf_counter()
        quelle.store.revision()
        seconds["revision check"].append(time.perf_counter() - t)
    return {"latency": {name: latency_summary(values) for name, values in seconds.items() if values}}


def data_dir_size_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)
