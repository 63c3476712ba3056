"""The quality budget of the embedding backends: hit@5 and MRR@10 of each backend on every eval set's test split.

`python -m evals.backends --out reports/backends` runs each set (the gate's sets and split, provider none) once per
backend with the eval runner, keeps each run's report under <out>/<backend>/<set>/, and writes <out>/backends.md:
per set and retriever, each backend's figures and their difference from the first backend (torch, fp32)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evals.gate import SETS, SPLIT
from evals.harness import markdown_table
from rag.config import load_settings
from rag.embeddings import BACKENDS

BUDGET = 0.01  # hit@5 and MRR@10 may drop by at most this against fp32 (issue 16)
RETRIEVERS = ("hybrid", "dense")
METRICS = ("hit@5", "mrr@10")


def measure(set_path: Path, backend: str, out: Path) -> dict[str, dict[str, Any]]:
    """hit@5 and MRR@10 per retriever of one set's test split with one backend (the runner's figures, all
    languages), the runner's report written to `out`."""
    from evals.runner import run_eval

    settings = load_settings(llm={"provider": "none"}, embed={"backend": backend})
    results = run_eval(set_path, out_dir=out, split=SPLIT, settings=settings, show_progress=False)
    return {r: {m: results["retrieval"][r]["all"][m] for m in ("n", *METRICS)} for r in RETRIEVERS}


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
        figures[set_path.stem] = {b: measure(set_path, b, args.out / b / set_path.stem) for b in backends}
        print(f"{set_path.stem}: {figures[set_path.stem]}", flush=True)
    text, held = table(figures, backends)
    verdict = (f"Every difference is within the budget (a drop of at most {BUDGET})." if held else
               f"Some difference is outside the budget (a drop of more than {BUDGET}).")
    report = "\n\n".join([
        "# Embedding backends: retrieval quality",
        f"hit@5 and MRR@10 over the answerable items of each set's {SPLIT} split (`python -m evals.backends`; "
        f"the eval runner's figures, LLM provider none); Δ is the difference from {backends[0]}.",
        text, verdict,
    ]) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backends.md").write_text(report, encoding="utf-8")
    print(report)
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
