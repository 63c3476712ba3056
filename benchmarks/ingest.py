"""Ingest throughput against raw encoding, re-ingest speed-up, and the llama-index baseline on the same corpus."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import rag.ingest
from benchmarks.corpus import Corpus
from benchmarks.phases import PhaseTimer, profile_call
from evals.harness import in_worker_thread, latency_summary
from rag import compute
from rag.chunking import chunk_text, embedding_text
from rag.config import load_settings
from rag.embeddings import SentenceTransformerEmbedder
from rag.retrieval import MODES
from rag.service import Quelle

INGEST_RATIO_TARGET = 2.0  # against a raw fp32 encode of the same chunks (issue 16)
REINGEST_SPEEDUP_TARGET = 50.0
PROFILE_CHUNKS = 400  # a cProfile run of this many chunks is enough to see where the non-embedding time goes
COSINE_SAMPLE = 256  # chunks whose Quelle vectors are compared with the raw fp32 ones


def raw_encode(embedder: SentenceTransformerEmbedder, texts: list[str]) -> tuple[float, float, np.ndarray]:
    """One SentenceTransformer.encode call over all texts, with the batch size Quelle uses: the raw limit of that
    embedder's backend (the fp32 reference when given the torch one).
    Returns (wall seconds, CPU seconds of this process, unit vectors)."""
    started, cpu = time.perf_counter(), time.process_time()
    vectors = compute.run(  # on the compute thread, where Quelle's encodes run too
        embedder._model.encode, texts, batch_size=embedder.batch_size, normalize_embeddings=True,
        show_progress_bar=False,
    )
    return time.perf_counter() - started, time.process_time() - cpu, np.asarray(vectors, dtype=np.float32)


def padding(embedder: SentenceTransformerEmbedder, corpus: Corpus) -> dict[str, Any]:
    """Word pieces the model computes (padding included) when chunks are batched as the Indexer does (groups of
    rag.ingest.GROUP_CHUNKS, each sorted by word pieces into batches by Embedder.embed_batch), against the raw
    reference (one SentenceTransformer.encode call over everything, which sorts by characters) and unsorted batches
    in document order."""
    model, size = embedder._model, embedder.batch_size
    chunking = load_settings().chunk
    per_doc = []
    for d in corpus.documents:
        texts = [embedding_text(c) for c in chunk_text(d.doc_id, d.text, d.outline, chunking.size, chunking.overlap)]
        ids = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
        per_doc.append([(len(t), len(i)) for t, i in zip(texts, ids, strict=True)])  # (characters, word pieces)
    groups: list[list[tuple[int, int]]] = [[]]
    for lengths in per_doc:
        groups[-1] += lengths
        if len(groups[-1]) >= rag.ingest.GROUP_CHUNKS:
            groups.append([])

    def padded(chunks: list[tuple[int, int]]) -> int:
        pieces = [n for _, n in chunks]
        return sum(max(pieces[i : i + size]) * len(pieces[i : i + size]) for i in range(0, len(pieces), size))

    everything = [c for group in groups for c in group]
    real = sum(n for _, n in everything)
    as_ingest = sum(padded(sorted(g, key=lambda c: -c[1])) for g in groups if g)
    unsorted = sum(padded(g) for g in groups if g)
    raw = padded(sorted(everything, key=lambda c: -c[0]))
    return {"word_pieces": real, "computed_as_ingest": as_ingest, "computed_unsorted": unsorted,
            "computed_raw": raw, "ingest_vs_raw": round(as_ingest / raw, 3),
            "unsorted_vs_raw": round(unsorted / raw, 3)}


def make_quelle(data_dir: Path, embedder: SentenceTransformerEmbedder) -> Quelle:
    return Quelle(load_settings(data_dir=data_dir, llm={"provider": "none"}), embedder=embedder)


def ingest_phases(quelle: Quelle) -> list[tuple[Any, str, str]]:
    """The methods an ingest spends its time in, as PhaseTimer targets; they do not call each other."""
    store = quelle.store
    return [
        (quelle.embedder, "embed_batch", "embedding"),  # on the ingest's background thread, beside the writes
        (store, "write", "chroma: write chunks"),
        (store, "commit", "chroma: commit record"),
        (store, "drop_other_versions", "chroma: drop old versions"),
        (store, "records", "chroma: registry lookups"),
        (store, "collect_orphans", "chroma: orphan scan"),
        (quelle.indexer, "chunk", "chunking"),
        (rag.ingest, "load_file", "loading files"),
    ]


def chroma_operations(quelle: Quelle) -> list[tuple[Any, str, str]]:
    """Every Chroma collection call an ingest makes, one phase per collection and operation."""
    store = quelle.store
    return [
        (collection, op, f"{label}.{op}")
        for label, collection in (("chunks", store.chunks), ("docs", store.docs), ("meta", store.meta))
        for op in ("add", "upsert", "delete", "get", "count")
    ]


def chroma_write_ms(folder: Path, n: int = 20) -> float:
    """Mean milliseconds of a one-record upsert into an embedded Chroma in `folder`: the fixed cost of a write
    transaction there (on disk it includes waiting for fsync)."""
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client = chromadb.PersistentClient(path=str(folder), settings=ChromaClientSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("probe", embedding_function=None)
    placeholder = np.ones((1, 1), dtype=np.float32)
    collection.upsert(ids=["x"], embeddings=placeholder, documents=["warm-up"])
    started = time.perf_counter()
    for i in range(n):
        collection.upsert(ids=["x"], embeddings=placeholder, documents=[f"write {i}"])
    return round((time.perf_counter() - started) / n * 1000, 2)


def fresh_ingest(corpus: Corpus, embedder: SentenceTransformerEmbedder, data_dir: Path) -> dict[str, Any]:
    """A fresh ingest of the corpus into its own store with this embedder: seconds, chunks and embedding time."""
    quelle = make_quelle(data_dir, embedder)
    timer = PhaseTimer()
    with timer.wrapped([(embedder, "embed_batch", "embedding")]):
        report = quelle.ingest(corpus.files, show_progress=False)
    return {"backend": embedder.backend, "ingest_seconds": round(report.seconds, 3),
            "ingest_embedded_chunks": report.embedded_chunks,
            "embedding_in_ingest_s": round(timer.seconds.get("embedding", 0.0), 3)}


def bench_ingest(corpus: Corpus, embedder: SentenceTransformerEmbedder, reference: SentenceTransformerEmbedder,
                 work: Path, raw_passes: int, fast_dir: Path | None = None,
                 others: Sequence[SentenceTransformerEmbedder] = ()) -> tuple[dict[str, Any], Quelle, np.ndarray]:
    """Section 1: Quelle's ingest (with the configured backend, then with each of `others`) against a raw fp32
    encode of the same chunks (`reference`, the torch backend). Returns the results, the service holding the
    ingested corpus (for retrieval comparisons) and the raw fp32 vectors of the corpus's chunks (for synthetic
    collections)."""
    texts = corpus.chunk_texts
    for model in {id(m): m for m in (embedder, reference, *others)}.values():  # warm up
        compute.run(model._model.encode, texts[:64], batch_size=model.batch_size, show_progress_bar=False)
    raw_s, raw_cpu_s, vectors = raw_encode(reference, texts)
    raw_runs, raw_cpu = [raw_s], [raw_cpu_s]
    quelle = make_quelle(work / "ingest", embedder)
    timer, ops = PhaseTimer(), PhaseTimer()
    cpu = time.process_time()
    with timer.wrapped(ingest_phases(quelle)), ops.wrapped(chroma_operations(quelle)):
        first = quelle.ingest(corpus.files, show_progress=False)
    ingest_cpu_s = time.process_time() - cpu
    backends = [fresh_ingest(corpus, other, work / f"ingest-{other.backend}") for other in others]
    for _ in range(raw_passes - 1):  # after the ingest too, so a change in machine load shows and averages out
        wall, cpu_s, _ = raw_encode(reference, texts)
        raw_runs.append(wall)
        raw_cpu.append(cpu_s)
    backend_s, _, backend_vectors = raw_encode(embedder, texts) if embedder is not reference else (raw_s, 0.0, vectors)
    for row, other in zip(backends, others, strict=True):
        row["raw_encode_seconds"] = round(raw_encode(other, texts)[0], 3) if other is not reference else None
    # The vectors Quelle stores (its own encode path: the backend's pooling in fp32), against the fp32 reference's.
    sample = min(len(texts), COSINE_SAMPLE)
    cosines = np.sum(embedder.embed_batch(texts[:sample]) * vectors[:sample], axis=1)
    again = PhaseTimer()
    with again.wrapped(ingest_phases(quelle)):
        second = quelle.ingest(corpus.files, show_progress=False)

    raw_s = sum(raw_runs) / len(raw_runs)
    raw_rate = len(texts) / raw_s
    ingest_rate = first.embedded_chunks / first.seconds if first.seconds > 0 else 0.0
    ratio = ingest_rate / raw_rate if raw_rate > 0 else 0.0
    embed_s = timer.seconds.get("embedding", 0.0)
    backends.insert(0, {"backend": embedder.backend, "ingest_seconds": round(first.seconds, 3),
                        "ingest_embedded_chunks": first.embedded_chunks, "embedding_in_ingest_s": round(embed_s, 3),
                        "raw_encode_seconds": round(backend_s, 3) if embedder is not reference else None})
    for row in backends:
        rate = row["ingest_embedded_chunks"] / row["ingest_seconds"] if row["ingest_seconds"] > 0 else 0.0
        row["ingest_chunks_per_s"] = round(rate, 2)
        row["ratio_to_raw"] = round(rate / raw_rate, 3) if raw_rate > 0 else 0.0
        row["raw_chunks_per_s"] = round(len(texts) / (row["raw_encode_seconds"] or raw_s), 2)
    results: dict[str, Any] = {
        "corpus": corpus.description,
        "documents": len(corpus.documents),
        "chunks": len(texts),
        "characters": corpus.characters,
        "mean_chunk_chars": round(sum(map(len, texts)) / max(1, len(texts)), 1),
        "batch_size": embedder.batch_size,
        "backend": embedder.backend,
        "backend_raw_encode_seconds": round(backend_s, 3),
        "backend_raw_chunks_per_s": round(len(texts) / backend_s, 2) if backend_s > 0 else None,
        "backend_vs_fp32_cosine": {"min": round(float(cosines.min()), 4), "mean": round(float(cosines.mean()), 4)},
        "cosine_sample": sample,
        "raw_encode_seconds": [round(s, 3) for s in raw_runs],
        "raw_chunks_per_s": round(raw_rate, 2),
        "raw_cpu_seconds": [round(s, 3) for s in raw_cpu],
        "ingest_cpu_seconds": round(ingest_cpu_s, 3),
        "cpu_ratio_to_raw": round(sum(raw_cpu) / len(raw_cpu) / ingest_cpu_s, 3) if ingest_cpu_s > 0 else None,
        "ingest_seconds": round(first.seconds, 3),
        "ingest_embedded_chunks": first.embedded_chunks,
        "ingest_chunks_per_s": round(ingest_rate, 2),
        "ratio_to_raw": round(ratio, 3),
        "ratio_target": INGEST_RATIO_TARGET,
        "backends": backends,  # the configured backend first, then the others, each a fresh ingest
        "embedding_in_ingest_s": round(embed_s, 3),
        "embedding_in_ingest_vs_raw": round(embed_s / raw_s, 3) if raw_s > 0 else None,
        "phases": timer.table(first.seconds),
        "chroma_operations": [
            {"operation": name, "calls": ops.calls[name], "seconds": round(sec, 3),
             "mean_ms": round(sec / ops.calls[name] * 1000, 2)}
            for name, sec in sorted(ops.seconds.items(), key=lambda item: -item[1])
        ],
        "reingest_seconds": round(second.seconds, 4),
        "reingest_unchanged": second.count("unchanged"),
        "reingest_embedded_chunks": second.embedded_chunks,
        "reingest_speedup": round(first.seconds / second.seconds, 1) if second.seconds > 0 else None,
        "reingest_speedup_target": REINGEST_SPEEDUP_TARGET,
        "reingest_phases": again.table(second.seconds),
    }
    results["padding"] = padding(embedder, corpus)
    results["chroma_write_ms"] = {"disk (the ingest's temp dir)": chroma_write_ms(work / "write-probe")}
    if fast_dir is not None:
        results["chroma_write_ms"]["tmpfs (/dev/shm)"] = chroma_write_ms(fast_dir / "write-probe")
    if ratio < INGEST_RATIO_TARGET:
        results["profile"] = profile_ingest(corpus, embedder, work / "ingest-profile")
    results["diagnosis"] = diagnose(results)
    return results, quelle, vectors


def diagnose(r: dict[str, Any]) -> str:
    """Where the gap to the raw encode comes from, in words, from the measured phases."""
    total = r["ingest_seconds"]
    phases = {p["phase"]: p["seconds"] for p in r["phases"]}
    chroma_s = sum(s for name, s in phases.items() if name.startswith("chroma"))
    writes = [op for op in r["chroma_operations"] if op["operation"].split(".")[1] in ("add", "upsert", "delete")]
    write_calls = sum(op["calls"] for op in writes)
    gap = total - r["embedding_in_ingest_s"]
    parts = [
        f"Embedding took {r['embedding_in_ingest_s']:.1f} s of the {total:.1f} s ingest "
        f"({r['embedding_in_ingest_s'] / total:.0%}); "
        f"Chroma calls took {chroma_s:.1f} s ({chroma_s / total:.0%}): {write_calls} write calls for "
        f"{r['documents']} documents ({write_calls / max(1, r['documents']):.1f} per document, "
        f"{r['chunks'] / max(1, r['documents']):.1f} chunks per document)."
    ]
    probe = r.get("chroma_write_ms", {})
    if probe:
        costs = ", ".join(f"{ms:.1f} ms on {where}" for where, ms in probe.items())
        parts.append(f"A one-record Chroma write costs {costs}.")
    pad = r.get("padding")
    if pad:
        parts.append(
            f"Embedding inside the ingest took {r['embedding_in_ingest_vs_raw']:.2f}x the raw encode. "
            "Embedder.embed_batch "
            f"sorts each group of {rag.ingest.GROUP_CHUNKS} chunks by word pieces before batching (the raw encode "
            "sorts everything by characters), so the ingest computes "
            f"{pad['ingest_vs_raw']:.2f}x the word pieces of the raw encode (unsorted batches would compute "
            f"{pad['unsorted_vs_raw']:.2f}x)."
        )
    parts.append(f"The ingest took {gap:.1f} s ({gap / total:.0%}) longer than its embedding: what the pipeline "
                 "(the next group embedding while the last one is written) did not hide.")
    return " ".join(parts)


def profile_ingest(corpus: Corpus, embedder: SentenceTransformerEmbedder, data_dir: Path) -> dict[str, Any]:
    """cProfile of a fresh ingest of the first documents (about PROFILE_CHUNKS chunks). cProfile slows Python
    code more than torch's C++ kernels, so shares of Python-heavy phases are overstated."""
    quelle = make_quelle(data_dir, embedder)
    files, chunks = [], 0
    for path, doc in zip(corpus.files, corpus.documents, strict=True):
        if chunks >= PROFILE_CHUNKS:
            break
        files.append(path)
        chunks += len(quelle.indexer.chunk(doc))
    report, profile = profile_call(lambda: quelle.ingest(files, show_progress=False))
    return {"documents": len(files), "chunks": report.embedded_chunks, **profile}


def bench_baseline(corpus: Corpus, embedder: SentenceTransformerEmbedder, quelle: Quelle, ingest: dict[str, Any],
                   queries: list[str], k: int = 5) -> dict[str, Any]:
    """Section 5: llama-index's default VectorStoreIndex with the same embedder over the same documents, and
    retrieval latency of both over that corpus (Quelle's first query, which builds its BM25 view, timed apart)."""
    from evals.baseline import LlamaIndexBaseline

    timer = PhaseTimer()
    with timer.wrapped([(embedder, "embed_batch", "embedding")]):
        baseline = LlamaIndexBaseline([(d.doc_id, d.title, d.text) for d in corpus.documents], embedder)
    nodes = len(baseline.nodes())
    build_s = baseline.build_seconds
    started = time.perf_counter()
    quelle.retriever.view()
    view_s = time.perf_counter() - started
    latencies: dict[str, list[float]] = {name: [] for name in (*(f"quelle {m}" for m in MODES), "llama-index")}

    def measure() -> None:
        baseline.retrieve(queries[0], k)
        for query in queries:
            for mode in MODES:
                t = time.perf_counter()
                quelle.search(query, k, mode=mode)
                latencies[f"quelle {mode}"].append(time.perf_counter() - t)
            t = time.perf_counter()
            baseline.retrieve(query, k)
            latencies["llama-index"].append(time.perf_counter() - t)

    in_worker_thread(measure)
    return {
        "llama_index_nodes": nodes,
        "llama_index_seconds": round(build_s, 3),
        "llama_index_chunks_per_s": round(nodes / build_s, 2) if build_s > 0 else None,
        "llama_index_chars_per_s": round(corpus.characters / build_s) if build_s > 0 else None,
        "llama_index_embedding_s": round(timer.seconds.get("embedding", 0.0), 3),
        "quelle_chunks": ingest["chunks"],
        "quelle_seconds": ingest["ingest_seconds"],
        "quelle_chunks_per_s": ingest["ingest_chunks_per_s"],
        "quelle_chars_per_s": round(corpus.characters / ingest["ingest_seconds"]) if ingest["ingest_seconds"] else None,
        "quelle_view_build_s": round(view_s, 3),
        "k": k,
        "retrieval": {name: latency_summary(v) for name, v in latencies.items()},
    }
