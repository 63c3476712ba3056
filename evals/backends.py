"""The quality budget of the embedding backends: hit@5 and MRR@10 of each backend on every eval set's test split.

`python -m evals.backends --out reports/backends` indexes each set's corpus (the gate's sets and split) once per
backend, ranks the answerable items' questions as the eval runner does, and writes <out>/backends.md: per set and
retriever, each backend's figures and their difference from the first backend (torch, fp32)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from evals.gate import SETS, SPLIT
from evals.harness import markdown_table
from rag.config import load_settings
from rag.embeddings import BACKENDS, Embedder

BUDGET = 0.01  # hit@5 and MRR@10 may drop by at most this against fp32 (issue 16)
RETRIEVERS = ("hybrid", "dense")
METRICS = ("hit@5", "mrr@10")


def measure(set_path: Path, backend: str, embedder: Embedder | None = None,
            split: str = SPLIT) -> dict[str, dict[str, Any]]:
    """hit@5 and MRR@10 per retriever over the answerable items of one set's split with one backend: the
    eval runner's rankings and judgements (evals.runner.retrieval_run) over a fresh index of the set's corpus,
    without its answers and baseline."""
    from evals import aggregate as agg
    from evals.quality import corpus_files, eval_settings
    from evals.relevance import RelevanceIndex
    from evals.runner import Setup, load_items, retrieval_run
    from evals.targets import InProcessTarget
    from rag.service import Quelle

    items = [i for i in load_items(set_path, split=split) if i.get("answerable", True)]
    with tempfile.TemporaryDirectory(prefix="quelle-backends-") as tmp:
        settings = eval_settings(load_settings(llm={"provider": "none"}, embed={"backend": backend}), Path(tmp), None)
        quelle = Quelle(settings, embedder=embedder)
        quelle.ingest(corpus_files(set_path), show_progress=False)
        setup = Setup(target=InProcessTarget(quelle), settings=settings, ask_top_k=settings.retrieval.top_k)
        setup.relevance["quelle"] = RelevanceIndex(setup.target.chunks() or [])
        runs = {r: [retrieval_run(setup, r, str(i["question"]), [str(q) for q in i.get("evidence") or []])
                    for i in items] for r in RETRIEVERS}
    return {r: {"n": len(got), "hit@5": agg.mean(run.hit(5) for run in got),
                "mrr@10": agg.mean(run.rr() for run in got)} for r, got in runs.items()}


def table(figures: dict[str, dict[str, dict[str, dict[str, Any]]]], backends: list[str]) -> tuple[str, bool]:
    """The Markdown table (set, retriever, n, then per metric each backend and its difference from the first) and
    whether every difference stays within the budget."""
    base, others = backends[0], backends[1:]
    header = ["set", "retriever", "n"]
    for m in METRICS:
        header += [f"{m} {base}", *(f"{m} {b}" for b in others), *(f"Δ {b}" for b in others)]
    rows, held = [], True
    for set_name, by_backend in figures.items():
        for r in RETRIEVERS:
            row: list[Any] = [set_name, r, by_backend[base][r]["n"]]
            for m in METRICS:
                ref = by_backend[base][r][m]
                deltas = [by_backend[b][r][m] - ref for b in others]
                held &= all(d >= -BUDGET - 1e-9 for d in deltas)
                row += [ref, *(by_backend[b][r][m] for b in others), *(f"{d:+.3f}" for d in deltas)]
            rows.append(row)
    return markdown_table(header, rows), held


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.backends", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("reports/backends"))
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated; the first is the reference")
    parser.add_argument("sets", nargs="*", type=Path, default=list(SETS))
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    figures: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for set_path in args.sets:
        figures[set_path.stem] = {b: measure(set_path, b) for b in backends}
        print(f"{set_path.stem}: {figures[set_path.stem]}", flush=True)
    text, held = table(figures, backends)
    verdict = (f"Every difference is within the budget (a drop of at most {BUDGET})." if held else
               f"Some difference is outside the budget (a drop of more than {BUDGET}).")
    report = "\n\n".join([
        "# Embedding backends: retrieval quality",
        f"hit@5 and MRR@10 over the answerable items of each set's {SPLIT} split (`python -m evals.backends`; "
        f"the eval runner's rankings and judgements); Δ is the difference from {backends[0]}.",
        text, verdict,
    ]) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backends.md").write_text(report, encoding="utf-8")
    print(report)
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
