"""`python -m benchmarks.refresh [--chunks N]`: BM25's share of the first query after one new document, at N chunks.

The retrieval section (benchmarks.retrieval) measures the whole view refresh through a real Chroma store, whose
fill takes minutes at 100k chunks; this measures the lexical part alone on the same kind of text (runs of real
sentences from the seed and haystack documents), in seconds: the in-place update and snapshot after one document of
50 chunks is added and one removed, and the first BM25 query on the new snapshot."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.corpus import SEED_DOCUMENTS, seed_questions
from benchmarks.retrieval import CHUNK_CHARS, CHUNKS_PER_DOC
from evals.harness import latency_summary, load_average
from rag.chunking import split_sentences
from rag.lexical import BM25Postings


def synthetic_chunks(texts: list[str], n: int, seed: int = 7) -> list[str]:
    """n chunks of about CHUNK_CHARS characters, each a run of sentences drawn at random from `texts`."""
    sentences = [t[a:b] for t in texts for a, b in split_sentences(t) if b - a >= 20]
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(sentences), size=n * 12)
    chunks, i = [], 0
    for _ in range(n):
        parts, length = [], 0
        while length < CHUNK_CHARS:
            parts.append(sentences[int(picks[i % len(picks)])])
            length += len(parts[-1]) + 1
            i += 1
        chunks.append(" ".join(parts))
    return chunks


def measure(n_chunks: int, changes: int = 5) -> dict[str, object]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEED_DOCUMENTS.glob("*.md"))]
    haystack = Path(__file__).resolve().parent.parent / ".data" / "haystack"
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(haystack.rglob("*.txt"))[:400]]
    chunks = synthetic_chunks(texts, n_chunks + changes * CHUNKS_PER_DOC)
    postings = BM25Postings()
    started = time.perf_counter()
    postings.update(added=[(f"c{i}", t) for i, t in enumerate(chunks[:n_chunks])])
    snapshot = postings.snapshot()
    build_s = time.perf_counter() - started
    queries = seed_questions()
    for q in queries[:5]:
        snapshot.search(q, 30)
    steady: list[float] = []
    for q in queries[:60]:
        t = time.perf_counter()
        snapshot.search(q, 30)
        steady.append(time.perf_counter() - t)
    refresh: list[float] = []
    refresh_cpu: list[float] = []  # CPU time of this process: what the refresh costs, whatever else runs
    first_query: list[float] = []
    for j in range(changes):
        new = chunks[n_chunks + j * CHUNKS_PER_DOC : n_chunks + (j + 1) * CHUNKS_PER_DOC]
        gone = [f"c{i}" for i in range(j * CHUNKS_PER_DOC, (j + 1) * CHUNKS_PER_DOC)]
        t, cpu = time.perf_counter(), time.process_time()
        postings.update(removed=gone, added=[(f"n{j}-{i}", text) for i, text in enumerate(new)])
        snapshot = postings.snapshot()
        refresh.append(time.perf_counter() - t)
        refresh_cpu.append(time.process_time() - cpu)
        t = time.perf_counter()
        snapshot.search(queries[j % len(queries)], 30)
        first_query.append(time.perf_counter() - t)
    return {"chunks": n_chunks, "first_build_s": round(build_s, 2), "load_average": load_average(),
            "one_document_update_and_snapshot": latency_summary(refresh),
            "one_document_update_and_snapshot_cpu": latency_summary(refresh_cpu),
            "first_query_after_it": latency_summary(first_query), "steady_query": latency_summary(steady)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.refresh", description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.chunks), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
