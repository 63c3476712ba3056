"""Tests for benchmarks/: the quick run writes the report files with every section, table and plot (not timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLOTS = ("ingest.png", "retrieval.png", "http.png", "baseline.png")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "results"
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--out", str(out), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"benchmark run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def results(quick_run: Path) -> dict[str, Any]:
    return json.loads((quick_run / "results.json").read_text())


def test_writes_results_report_and_plots(quick_run: Path) -> None:
    for name in ("results.json", "report.md", *PLOTS):
        path = quick_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    for name in PLOTS:
        assert (quick_run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_every_section_ran_without_error(results: dict[str, Any]) -> None:
    assert results["meta"]["quick"] is True
    for section in ("ingest", "baseline", "retrieval", "http", "memory"):
        assert section in results, section
        assert "error" not in results[section], results[section].get("traceback")


def test_ingest_measures_against_raw_encode_and_reingest_changes_nothing(results: dict[str, Any]) -> None:
    ingest = results["ingest"]
    assert ingest["chunks"] >= 50 and ingest["ingest_embedded_chunks"] == ingest["chunks"]
    assert ingest["raw_chunks_per_s"] > 0 and ingest["ratio_to_raw"] > 0
    assert ingest["reingest_embedded_chunks"] == 0 and ingest["reingest_unchanged"] == ingest["documents"]
    phases = {p["phase"] for p in ingest["phases"]}
    assert {"embedding", "chroma: write chunks", "chroma: commit record", "everything else"} <= phases
    assert ingest["diagnosis"]


def test_retrieval_has_percentiles_per_mode_and_size(results: dict[str, Any]) -> None:
    sizes = results["retrieval"]["sizes"]
    assert [s["chunks"] for s in sizes] == [100, 200]
    for size in sizes:
        assert size["documents"] == -(-size["chunks"] // 50)  # a Document per 50 chunks
        for mode in ("dense", "bm25", "hybrid", "embed query", "raw fp32 encode"):
            cell = size["latency"][mode]
            assert cell["n"] == results["retrieval"]["queries_per_mode"]
            assert 0 < cell["p50_ms"] <= cell["p95_ms"] <= cell["p99_ms"]


def test_http_and_memory_are_measured_on_a_real_server(results: dict[str, Any]) -> None:
    none = results["http"]["providers"]["none"]
    assert none["cold_start_s"] > 0
    assert none["sequential"]["errors"] == 0 and none["sequential"]["latency"]["n"] == 5
    assert set(none["sequential"]["modes"]) <= {"extractive", "refused"}
    assert [level["clients"] for level in none["load"]] == [1, 4]
    assert all(level["requests"] > 0 and level["errors"] == 0 for level in none["load"])
    processes = {row["process"] for row in results["memory"]["rows"]}
    assert processes == {"quelle ingest", "quelle serve (LLM none)"}
    assert all(row["peak_rss_mib"] > 100 for row in results["memory"]["rows"])  # a loaded model, not a stub


def test_baseline_indexes_the_same_documents(results: dict[str, Any]) -> None:
    baseline = results["baseline"]
    assert baseline["llama_index_nodes"] > 0 and baseline["quelle_chunks"] == results["ingest"]["chunks"]
    assert set(baseline["retrieval"]) == {"quelle dense", "quelle bm25", "quelle hybrid", "llama-index"}


def test_report_has_summary_and_section_tables(quick_run: Path, results: dict[str, Any]) -> None:
    report = (quick_run / "report.md").read_text()
    assert "| what | measured | target | met? |" in report
    for heading in ("## Summary", "## 1. Ingest", "## 2. Retrieval", "## 3. Ask over HTTP", "## 4. Memory",
                    "## 5. Baseline"):
        assert heading in report, heading
    whats = [row["what"] for row in results["summary"]]
    for expected in ("Ingest throughput / raw encode", "Re-ingest", "Retrieval p95 at 10,000 chunks, hybrid",
                     "Ask p50 over HTTP, extractive", "Query encode p50", "/v1/search p50 over HTTP / raw fp32",
                     "First query after one new document"):
        assert any(w.startswith(expected) for w in whats), expected
    for row in results["summary"]:
        assert f"| {row['what']} | {row['measured']} | {row['target']} | {row['met']} |" in report
    assert all(f"]({name})" in report for name in PLOTS)


def test_every_figure_has_a_raw_fp32_reference_from_the_same_run(results: dict[str, Any]) -> None:
    from rag.embeddings import BACKENDS

    assert results["meta"]["embed_backend"] in BACKENDS
    ingest = results["ingest"]
    assert ingest["backend"] == results["meta"]["embed_backend"] and ingest["backend_raw_chunks_per_s"] > 0
    assert ingest["backend_vs_fp32_cosine"]["min"] > 0.95
    # The ingest ran with every backend, each against the same raw fp32 encode, each with its summary row.
    assert [b["backend"] for b in ingest["backends"]][0] == ingest["backend"]
    assert sorted(b["backend"] for b in ingest["backends"]) == sorted(BACKENDS)
    assert all(b["ingest_embedded_chunks"] == ingest["chunks"] and b["ratio_to_raw"] > 0 for b in ingest["backends"])
    whats = [row["what"] for row in results["summary"] if row["what"].startswith("Ingest throughput / raw encode")]
    assert len(whats) == len(BACKENDS) and all(any(f"Quelle on {b}" in w for w in whats) for b in BACKENDS)
    assert any(name.startswith("raw fp32 encode") for name in results["retrieval"]["query_embedding"])
    search = results["http"]["search"]
    assert search["requests"] >= 20 and search["errors"] == 0 and search["p50_ratio"] > 0
