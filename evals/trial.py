"""Trials on documents nobody tuned for: hand-written questions over real documents that no eval set uses.

`python -m evals.trial [name ...] [-v]` asks each trial's questions (`evals/trials/<name>.jsonl`) over its own
documents (`evals/trials/<name>/`), ingested into a fresh temporary index, with provider `none`. An answerable
question counts as answered when the answer holds one of its `must` strings (whitespace aside), an unanswerable one
when Quelle refuses; `section` counts the answers whose first citation lies in the gold section. The trials are not
split: they are examples with counts, read answer by answer (see evals/trials/README.md), not a gate."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from evals.harness import markdown_table
from evals.quality import eval_settings
from rag.config import load_settings
from rag.service import Quelle

TRIALS = Path(__file__).parent / "trials"


def flat(text: str) -> str:
    """The text with its whitespace runs as single spaces (a quote may hold a wrapped line)."""
    return " ".join(text.split())


def run_trial(name: str, verbose: bool = False) -> dict[tuple[str, bool], list[int]]:
    """{(language, answerable): [questions, correct, first citation in the gold section]} for one trial."""
    items: list[dict[str, Any]] = [json.loads(line) for line in (TRIALS / f"{name}.jsonl").read_text().splitlines()
                                   if line.strip()]
    counts: dict[tuple[str, bool], list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="quelle-trial-") as tmp:
        quelle = Quelle(eval_settings(load_settings(llm={"provider": "none"}), Path(tmp), None))
        quelle.ingest([TRIALS / name], show_progress=False)
        for item in items:
            answer = quelle.ask(item["q"])
            first = answer.citations[0] if answer.citations else None
            if item["answerable"]:
                correct = answer.mode != "refused" and any(flat(m) in flat(answer.answer) for m in item["must"])
                in_section = first is not None and flat(item["section"]) in flat(first.section or "")
            else:
                correct, in_section = answer.mode == "refused", False
            row = counts.setdefault((item["lang"], bool(item["answerable"])), [0, 0, 0])
            row[0] += 1
            row[1] += correct
            row[2] += in_section
            if verbose and not correct:
                print(f"  -- [{item['lang']}] {item['q']}\n     {answer.mode} | {flat(answer.answer)[:200]}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="trials to run (default: all in evals/trials/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the questions answered wrongly")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in TRIALS.glob("*.jsonl"))
    rows = []
    for name in names:
        counts = run_trial(name, args.verbose)
        for (lang, answerable), (n, correct, in_section) in sorted(counts.items()):
            rows.append([name, lang, "answerable" if answerable else "unanswerable", n, correct,
                         in_section if answerable else "–"])
        total = sum(c[0] for c in counts.values())
        rows.append([name, "all", "", total, sum(c[1] for c in counts.values()), ""])
    print(markdown_table(["trial", "lang", "questions", "n", "correct", "first citation in section"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
