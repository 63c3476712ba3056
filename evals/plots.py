"""PNG plots of an eval run (matplotlib, Agg backend): hit@k curves, accuracy by language, failure attribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def write_plots(results: dict[str, Any], out_dir: Path) -> list[Path]:
    return [
        hit_at_k(results, out_dir / "hit_at_k.png"),
        accuracy_by_language(results, out_dir / "accuracy_by_language.png"),
        failures(results, out_dir / "failures.png"),
    ]


def hit_at_k(results: dict[str, Any], path: Path) -> Path:
    """hit@k for k = 1..10, one line per retriever; one panel per language group (all, de, en)."""
    langs = list(next(iter(results["retrieval"].values())))
    fig, axes = plt.subplots(1, len(langs), figsize=(4.2 * len(langs), 4.2), sharey=True, squeeze=False)
    for ax, lang in zip(axes[0], langs, strict=True):
        for name, by_lang in results["retrieval"].items():
            curve = [c if c is not None else float("nan") for c in by_lang[lang]["hit_curve"]]
            ax.plot(range(1, len(curve) + 1), curve, marker="o", markersize=4, label=name)
        ax.set(xlabel="k", title=f"{lang} (n={next(iter(results['retrieval'].values()))[lang]['n']})", ylim=(0, 1.05))
        ax.set_xticks(range(1, 11))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("hit@k: gold evidence in the top k")
    axes[0][-1].legend(loc="lower right")
    return _save(fig, path)


def accuracy_by_language(results: dict[str, Any], path: Path) -> Path:
    """Answer accuracy per language, Quelle and the baseline side by side, with 95% bootstrap intervals."""
    groups = results["accuracy_by_language"]
    langs = list(next(iter(groups.values())))
    width = 0.8 / len(groups)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for j, (who, by_lang) in enumerate(groups.items()):
        xs = [i + (j - (len(groups) - 1) / 2) * width for i in range(len(langs))]
        means = [by_lang[lang]["mean"] or 0.0 for lang in langs]
        low = [m - (by_lang[lang]["low"] or m) for lang, m in zip(langs, means, strict=True)]
        high = [(by_lang[lang]["high"] or m) - m for lang, m in zip(langs, means, strict=True)]
        ax.bar(xs, means, width, yerr=[low, high], capsize=6, label=who)
        for x, m in zip(xs, means, strict=True):
            ax.annotate(f"{m:.2f}", (x, 0.02), ha="center", va="bottom", color="white", fontsize=9)
    ax.set_xticks(range(len(langs)), [f"{lang} (n={groups['Quelle'][lang]['n']})" for lang in langs])
    ax.set(ylabel="answer accuracy", ylim=(0, 1.05), title="Answer accuracy by language (95% bootstrap CI)")
    ax.legend(loc="upper right")
    return _save(fig, path)


def failures(results: dict[str, Any], path: Path) -> Path:
    """Failure attribution counts, bars per kind split by language."""
    by_lang = {lang: counts for lang, counts in results["failures"].items() if lang != "all"}
    kinds = list(results["failures"]["all"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(len(by_lang), 1)
    for j, (lang, counts) in enumerate(by_lang.items()):
        xs = [i + (j - (len(by_lang) - 1) / 2) * width for i in range(len(kinds))]
        bars = ax.bar(xs, [counts[k] for k in kinds], width, label=lang)
        ax.bar_label(bars, fontsize=8)
    ax.set_xticks(range(len(kinds)), kinds, rotation=20, ha="right")
    ax.set(ylabel="items", title="Failure attribution (first stage that went wrong)")
    ax.legend()
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path
