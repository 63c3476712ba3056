"""Encode speed per embedding backend: one-query p50 and batch throughput on real chunks, each set against a raw fp32
sentence-transformers `encode` measured in the same run.

`python -m benchmarks.encode --backends torch,onnx,onnx-int8` embeds the chunks of the eval corpora (manpages-de
first, ~1,000 chunks) and the eval sets' questions (~200) with each backend, in turns (round-robin, so a busy machine
slows every backend alike), and prints a Markdown table with the load average before and after."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from evals.harness import load_average, markdown_table, percentile

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("manpages-de", "debian-reference", "developers-reference")
RAW = "raw fp32 encode"


def real_chunks(limit: int) -> list[str]:
    """What Quelle embeds for the chunks of the eval corpora (manpages-de first), at most `limit`."""
    from evals.quality import corpus_files
    from rag.chunking import chunk_text, embedding_text
    from rag.config import load_settings
    from rag.documents import load_file

    size = load_settings().chunk
    texts: list[str] = []
    for name in CORPORA:
        for path in corpus_files(ROOT / "evals" / "corpora" / name):
            doc = load_file(path, path.parent)
            texts += [embedding_text(c) for c in chunk_text(doc.doc_id, doc.text, doc.outline, size.size,
                                                            size.overlap)]
            if len(texts) >= limit:
                return texts[:limit]
    return texts


def questions(limit: int) -> list[str]:
    """The eval sets' questions, at most `limit`."""
    found: list[str] = []
    for path in sorted((ROOT / "evals" / "sets").glob("*.yaml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(items, list):
            found += [str(i["question"]) for i in items if isinstance(i, dict) and "question" in i]
    return found[:limit]


def measure(encoders: dict[str, tuple[Callable[[str], np.ndarray], Callable[[Sequence[str]], np.ndarray]]],
            chunks: list[str], queries: list[str], rounds: int) -> dict[str, dict[str, Any]]:
    """Per encoder (a one-query and a batch function): query latencies, batch rates, and the cosine of its chunk
    vectors to the first encoder's (the reference)."""
    seconds: dict[str, list[float]] = {name: [] for name in encoders}
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    vectors: dict[str, np.ndarray] = {}
    for one, _ in encoders.values():
        one(queries[0])  # warm-up: first-call allocations are no part of the figure
    for _ in range(rounds):  # each round: every encoder's queries, then every encoder's batch
        for name, (one, _) in encoders.items():
            for q in queries:
                started = time.perf_counter()
                one(q)
                seconds[name].append(time.perf_counter() - started)
        for name, (_, many) in encoders.items():
            started = time.perf_counter()
            vectors[name] = np.asarray(many(chunks), dtype=np.float32)
            rates[name].append(len(chunks) / (time.perf_counter() - started))
    reference = vectors[next(iter(encoders))]
    return {name: {"query_p50_ms": 1000 * percentile(seconds[name], 50), "queries": len(seconds[name]),
                   "chunks_per_s": statistics.median(rates[name]),
                   "cosine": np.sum(reference * vectors[name], axis=1)} for name in encoders}


def report(figures: dict[str, dict[str, Any]], chunks: int, loads: Sequence[Sequence[float]]) -> str:
    raw = figures[RAW]
    rows = [[name, f["queries"], round(f["query_p50_ms"], 2), f"{raw['query_p50_ms'] / f['query_p50_ms']:.2f}x",
             round(f["chunks_per_s"], 1), f"{f['chunks_per_s'] / raw['chunks_per_s']:.2f}x",
             f"{f['cosine'].min():.4f}", f"{f['cosine'].mean():.4f}"] for name, f in figures.items()]
    header = ["encoder", "queries", "one query p50 ms", "vs raw", f"chunks/s ({chunks} chunks)", "vs raw",
              "cosine to raw min", "mean"]
    before, after = (", ".join(f"{x:.2f}" for x in load) for load in loads)
    return f"{markdown_table(header, rows)}\n\nLoad average (1, 5, 15 min) before: {before}; after: {after}.\n"


def main(argv: list[str] | None = None) -> int:
    from rag.config import load_settings
    from rag.embeddings import BACKENDS, make_embedder

    parser = argparse.ArgumentParser(prog="python -m benchmarks.encode", description=__doc__)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated Quelle backends")
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    settings = load_settings().embed
    chunks, queries = real_chunks(args.chunks), questions(args.queries)
    encoders: dict[str, Any] = {}
    torch = make_embedder(settings.model_copy(update={"backend": "torch"}))
    raw = torch._model  # sentence-transformers itself, as `make bench`'s raw reference calls it

    def raw_many(texts: Sequence[str]) -> np.ndarray:
        return raw.encode(list(texts), batch_size=settings.batch_size, normalize_embeddings=True,
                          show_progress_bar=False)

    encoders[RAW] = (lambda q: raw_many([q])[0], raw_many)
    for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
        embedder = torch if backend == "torch" else make_embedder(settings.model_copy(update={"backend": backend}))
        encoders[f"Quelle {backend}"] = (embedder.embed_query, embedder.embed_batch)
    before = load_average()
    figures = measure(encoders, chunks, queries, args.rounds)
    print(report(figures, len(chunks), [before, load_average()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
