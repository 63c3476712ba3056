"""PNG plots of the benchmark results (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first

MODES = ("dense", "bm25", "hybrid")


def write_plots(results: dict[str, Any], out: Path) -> dict[str, str]:
    """Draw what the results hold; returns {section: file name relative to `out`}."""
    written: dict[str, str] = {}
    for key, draw in (("ingest", _ingest), ("retrieval", _retrieval), ("http", _http), ("baseline", _baseline)):
        section = results.get(key)
        if not section or "error" in section:
            continue
        name = f"{key}.png"
        fig = draw(section)
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written[key] = name
    return written


def _ingest(r: dict[str, Any]) -> Any:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    labels = ["raw encode", "Quelle.ingest"]
    rates = [r["raw_chunks_per_s"], r["ingest_chunks_per_s"]]
    left.bar(labels, rates, color=["#888888", "#1f77b4"])
    left.set_ylabel("chunks / s")
    left.set_title(f"Ingest vs raw encode: ratio {r['ratio_to_raw']:.2f} (target {r['ratio_target']})")
    phases = [p for p in r["phases"] if p["seconds"] > 0]
    right.barh([p["phase"] for p in phases][::-1], [p["seconds"] for p in phases][::-1], color="#1f77b4")
    right.set_xlabel("seconds")
    right.set_title(f"Where the first ingest's {r['ingest_seconds']:.0f} s go")
    return fig


def _retrieval(r: dict[str, Any]) -> Any:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    sizes = [s["chunks"] for s in r["sizes"]]
    for mode, color in zip((*MODES, "embed query"), ("#1f77b4", "#2ca02c", "#d62728", "#888888"), strict=True):
        p95 = [s["latency"][mode]["p95_ms"] for s in r["sizes"]]
        p50 = [s["latency"][mode]["p50_ms"] for s in r["sizes"]]
        label = "embedding the query alone" if mode == "embed query" else mode
        ax.plot(sizes, p95, "o-", color=color, label=f"{label} p95")
        ax.plot(sizes, p50, "o--", color=color, alpha=0.5, label=f"{label} p50")
    ax.axhline(r["p95_target_ms"], color="black", linestyle=":", label=f"target p95 {r['p95_target_ms']:.0f} ms")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the collection")
    ax.set_ylabel("ms per search")
    ax.set_title("Retrieval latency against collection size")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _http(r: dict[str, Any]) -> Any:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for provider, info in r["providers"].items():
        if "load" not in info:
            continue
        clients = [level["clients"] for level in info["load"]]
        left.plot(clients, [level["throughput_rps"] for level in info["load"]], "o-", label=f"LLM {provider}")
        right.plot(clients, [level["latency"]["p95_ms"] for level in info["load"]], "o-", label=f"LLM {provider}")
    for ax, ylabel in ((left, "asks / s"), (right, "p95 latency, ms")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrent clients")
        ax.set_ylabel(ylabel)
        ax.legend()
    left.set_title("Throughput over HTTP")
    right.set_title("Latency under load")
    return fig


def _baseline(r: dict[str, Any]) -> Any:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.bar(["Quelle", "llama-index"], [r["quelle_chars_per_s"], r["llama_index_chars_per_s"]],
             color=["#1f77b4", "#ff7f0e"])
    left.set_ylabel("characters / s")
    left.set_title("Ingest throughput, same documents and model")
    names = list(r["retrieval"])
    right.bar(names, [r["retrieval"][n]["p95_ms"] for n in names], color="#1f77b4", label="p95")
    right.bar(names, [r["retrieval"][n]["p50_ms"] for n in names], color="#aec7e8", label="p50")
    right.set_ylabel("ms per query")
    right.set_title("Retrieval latency on that corpus")
    right.tick_params(axis="x", labelrotation=20)
    right.legend()
    return fig
