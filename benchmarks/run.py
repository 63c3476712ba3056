"""`python -m benchmarks.run --out DIR [--quick]`: run every benchmark and write results.json, report.md and plots."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SECTIONS = ("ingest", "baseline", "retrieval", "http", "memory")


@dataclass(frozen=True)
class BenchConfig:
    """Sizes of one run: the full benchmark, or the quick one the tests use."""

    quick: bool
    min_chunks: int
    haystack_docs: int
    raw_passes: int
    retrieval_sizes: tuple[int, ...]
    queries_per_mode: int
    baseline_queries: int
    providers: tuple[str, ...]
    sequential: dict[str, int]
    sequential_budget_s: dict[str, float]
    levels: tuple[int, ...]
    load_seconds: dict[str, float]
    load_max_requests: dict[str, int]
    memory_ingest_chunks: int  # 0: the seed ingest is the ingest measured
    retrieval_fill_budget_s: float  # sizes whose store fill would take longer are scaled down (and reported)

    @classmethod
    def for_run(cls, quick: bool) -> BenchConfig:
        if quick:
            return cls(quick=True, min_chunks=50, haystack_docs=16, raw_passes=1, retrieval_sizes=(100, 200),
                       queries_per_mode=10, baseline_queries=10, providers=("none",), sequential={"none": 5},
                       sequential_budget_s={"none": 120.0},
                       levels=(1, 4), load_seconds={"none": 3.0}, load_max_requests={"none": 5},
                       memory_ingest_chunks=0, retrieval_fill_budget_s=60.0)
        return cls(quick=False, min_chunks=2000, haystack_docs=500, raw_passes=2,
                   retrieval_sizes=(1_000, 10_000, 100_000), queries_per_mode=150, baseline_queries=100,
                   providers=("none", "llamacpp"), sequential={"none": 60, "llamacpp": 12},
                   sequential_budget_s={"none": 60.0, "llamacpp": 90.0}, levels=(1, 4, 16),
                   load_seconds={"none": 10.0, "llamacpp": 15.0}, load_max_requests={"none": 400, "llamacpp": 80},
                   memory_ingest_chunks=300, retrieval_fill_budget_s=400.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="folder for the report")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for tests (well under a minute)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--sizes", default=None, help="retrieval collection sizes, e.g. 1000,100000 (a reduced run)")
    parser.add_argument("--queries", type=int, default=None, help="steady-state queries per mode and size")
    parser.add_argument("--min-chunks", type=int, default=None, help="chunks in the ingest corpus (a reduced run)")
    parser.add_argument("--busy", type=int, default=0, metavar="N",
                        help="keep N cores busy with spinning processes during the run (a measurement under load)")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; valid: {', '.join(SECTIONS)}")
    config = BenchConfig.for_run(args.quick)
    overrides: dict[str, Any] = {}
    if args.sizes:
        overrides["retrieval_sizes"] = tuple(int(x) for x in args.sizes.split(","))
    if args.queries:
        overrides["queries_per_mode"] = args.queries
    if args.min_chunks:
        overrides["min_chunks"] = args.min_chunks
    with busy_cores(args.busy):
        results = run(replace(config, **overrides), args.out, sections, args.busy)
    failed = [name for name in sections if isinstance(results.get(name), dict) and "error" in results[name]]
    print(f"report: {args.out / 'report.md'}" + (f"; failed sections: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def run(config: BenchConfig, out: Path, sections: list[str], busy: int = 0) -> dict[str, Any]:
    """Run the chosen sections in order (later ones reuse the corpus and vectors of the first) and write the report.

    Every figure is set against a raw fp32 sentence-transformers encode (the torch backend, called directly)
    measured in the same run, whatever backend Quelle is configured with."""
    from benchmarks.corpus import SEED_DOCUMENTS, benchmark_queries, real_corpus, seed_questions
    from benchmarks.report import write_report
    from evals.harness import load_average
    from rag.config import load_settings
    from rag.embeddings import BACKENDS, make_embedder

    out.mkdir(parents=True, exist_ok=True)
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {"meta": _meta(config, sections, load_average())}
    results["meta"]["busy_cores"] = busy
    with tempfile.TemporaryDirectory(prefix="quelle-bench-") as tmp, _fast_tmp() as shm:
        work = Path(tmp)
        settings = load_settings()
        embedder = make_embedder(settings.embed)

        def with_backend(backend: str):  # noqa: ANN202
            return make_embedder(settings.embed.model_copy(update={"backend": backend}))

        reference = embedder if embedder.backend == "torch" else with_backend("torch")
        results["meta"]["embed_backend"] = embedder.backend
        # The ingest is measured with every backend: the configured one, then the others (torch is the reference).
        others = [reference if b == "torch" else with_backend(b) for b in BACKENDS if b != embedder.backend]
        corpus = real_corpus(work, config.min_chunks, config.haystack_docs, settings.chunk)
        queries = benchmark_queries(corpus)
        seed_files = sorted(p for p in SEED_DOCUMENTS.iterdir() if p.suffix in (".md", ".txt"))
        state: dict[str, Any] = {}

        def ingest() -> dict[str, Any]:
            from benchmarks.ingest import bench_ingest

            result, state["quelle"], state["vectors"] = bench_ingest(corpus, embedder, reference, work,
                                                                      config.raw_passes, shm, others)
            return result

        def baseline() -> dict[str, Any]:
            from benchmarks.ingest import bench_baseline

            if "quelle" not in state:
                raise RuntimeError("the baseline compares with the ingest section's store: run 'ingest' too")
            return bench_baseline(corpus, embedder, state["quelle"], results["ingest"],
                                  queries[: config.baseline_queries])

        def retrieval() -> dict[str, Any]:
            import numpy as np

            from benchmarks.ingest import make_quelle
            from benchmarks.retrieval import bench_retrieval

            vectors = state.get("vectors")
            if vectors is None:
                vectors = embedder.embed_batch(corpus.chunk_texts)
            quelle = make_quelle((shm or work) / "retrieval", embedder)
            result = bench_retrieval(quelle, reference, corpus.chunk_texts, np.asarray(vectors), queries,
                                     config.retrieval_sizes, config.queries_per_mode, config.retrieval_fill_budget_s)
            result["store_location"] = "tmpfs (/dev/shm)" if shm else "disk (temp dir)"
            return result

        def http() -> dict[str, Any]:
            from benchmarks.ingest import make_quelle
            from benchmarks.serving import bench_http, inprocess_asks
            from evals.harness import in_worker_thread

            questions = seed_questions()
            inprocess = make_quelle(work / "inprocess", embedder)
            inprocess.ingest(seed_files, show_progress=False)
            result = bench_http(work, logs, seed_files, questions, config.providers, config.sequential,
                                config.sequential_budget_s, config.levels, config.load_seconds,
                                config.load_max_requests, reference)
            result["inprocess_none"] = in_worker_thread(
                lambda: inprocess_asks(inprocess, questions, config.sequential["none"])
            )
            return result

        def memory() -> dict[str, Any]:
            from benchmarks.serving import ingest_subprocess

            rows: list[dict[str, Any]] = []
            served = results.get("http", {})
            if "seed_ingest" in served:
                rows.append({"process": "quelle ingest", "workload": "seed document", **served["seed_ingest"]})
            for provider, info in served.get("providers", {}).items():
                if "peak_rss_mib" in info:
                    rows.append({"process": f"quelle serve (LLM {provider})", "workload": "ask benchmark",
                                 "peak_rss_mib": info["peak_rss_mib"], "rss_at_ready_mib": info["rss_at_ready_mib"]})
            if config.memory_ingest_chunks:
                files, chunks = [], 0
                for path, text_count in _chunks_per_file(corpus, settings.chunk):
                    if chunks >= config.memory_ingest_chunks:
                        break
                    files.append(path)
                    chunks += text_count
                measured = ingest_subprocess(work / "memory-ingest", files, logs / "ingest-memory.log")
                rows.append({"process": "quelle ingest", "workload": f"{len(files)} corpus documents, {chunks} chunks",
                             **measured})
            if not rows:
                raise RuntimeError("nothing measured: memory needs the 'http' section or a corpus ingest")
            return {"rows": rows, "note": "peak RSS: VmHWM of the serve process (plus children) read before it stops; "
                                          "VmHWM of the ingest process read by an exit hook"}

        steps: dict[str, Callable[[], dict[str, Any]]] = {
            "ingest": ingest, "baseline": baseline, "retrieval": retrieval, "http": http, "memory": memory,
        }
        for name in SECTIONS:
            if name in sections:
                results[name] = _section(name, steps[name])
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    results["meta"]["load_average_end"] = load_average()
    write_report(results, out)
    return results


def _section(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from evals.harness import load_average

    print(f"== {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # a failed section is reported, the others still run
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=6)}
    result["section_seconds"] = round(time.perf_counter() - started, 1)
    result["load_average"] = load_average()
    print(f"   {name} took {result['section_seconds']} s", file=sys.stderr, flush=True)
    return result


def _chunks_per_file(corpus: Any, chunking: Any) -> list[tuple[Path, int]]:
    from rag.chunking import chunk_text

    return [(p, len(chunk_text(d.doc_id, d.text, d.outline, chunking.size, chunking.overlap)))
            for p, d in zip(corpus.files, corpus.documents, strict=True)]


@contextmanager
def busy_cores(n: int) -> Iterator[None]:
    """n processes spinning on a core each for the duration of the block (each started and stopped by pid)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()


class _fast_tmp:  # noqa: N801 - used as a context manager like tempfile's
    """A temp dir on tmpfs (/dev/shm) when there is one with room, else None: the 100k-chunk store is written there,
    so its fill is not bound by fsync (the ingest section measures that cost on disk)."""

    def __enter__(self) -> Path | None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        shm = Path("/dev/shm")
        try:
            if shm.is_dir() and os.statvfs(shm).f_bavail * os.statvfs(shm).f_frsize > 4 * 2**30:
                self._tmp = tempfile.TemporaryDirectory(prefix="quelle-bench-", dir=shm)
                return Path(self._tmp.name)
        except OSError:
            pass
        return None

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _meta(config: BenchConfig, sections: list[str], load: list[float]) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        commit = ""
    import chromadb
    import sentence_transformers
    import torch

    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"), "quick": config.quick, "sections": sections,
        "git_commit": commit or None, "python": platform.python_version(), "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "load_average_start": load,
        "versions": {"torch": torch.__version__, "sentence-transformers": sentence_transformers.__version__,
                     "chromadb": chromadb.__version__},
        "config": asdict(config),
    }


if __name__ == "__main__":
    sys.exit(main())
