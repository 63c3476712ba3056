"""Compare LLM configurations through the full pipeline on eval sets: accuracy, answers generated and kept, answers in
the asker's language, ask latency, time to the first verified text, peak RSS, and a re-check of every shown sentence.

Each configuration runs in its own process (so peak RSS is its own), over a fresh temporary index of each set's
corpus, asking the same items: `python -m evals.llm_compare --out evals/reports/llm-compare.md`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evals.harness import markdown_table, mib, percentile, proc_status_kb, read_yaml
from evals.quality import corpus_of, eval_settings, judge
from evals.splits import draw, recorded, select
from rag.answer import final_answer
from rag.config import load_settings
from rag.schema import AnswerEvent, Delta, Draft, Final
from rag.service import Quelle
from rag.text import detect_language
from rag.verify import verify_sentence, without_markers

ROOT = Path(__file__).resolve().parent.parent

# name -> LLM settings. "extractive" is the baseline every model must beat: no LLM, the evidence quoted.
CONFIGS: dict[str, dict[str, Any]] = {
    "extractive": {"provider": "none"},
    "smollm2-135m": {"provider": "llamacpp", "model_path": "bundled:smollm2-135m-instruct"},
    "gemma-3-270m": {"provider": "llamacpp", "model_path": "bundled:gemma-3-270m"},
    "qwen2.5-coder-0.5b": {"provider": "llamacpp", "model_path": "bundled:qwen2.5-coder-0.5b-instruct"},
    "qwen2.5-coder-1.5b": {"provider": "llamacpp", "model_path": "bundled:qwen2.5-coder-1.5b-instruct"},
    # The LLM only where quoting cannot answer in the asker's language (LLMSettings.generate_when).
    "qwen2.5-coder-0.5b-other-language": {"provider": "llamacpp", "model_path": "bundled:qwen2.5-coder-0.5b-instruct",
                                          "generate_when": "other_language"},
    "qwen2.5-coder-1.5b-other-language": {"provider": "llamacpp", "model_path": "bundled:qwen2.5-coder-1.5b-instruct",
                                          "generate_when": "other_language"},
}


@dataclass
class Row:
    """One asked item under one configuration."""

    set: str
    id: str
    lang: str
    mode: str
    correct: bool
    answer_lang: str
    ask_ms: float
    first_text_ms: float | None  # the first verified text (a draft or a delta) after the ask started
    unverified: int  # shown generated sentences that fail verify_sentence against their own citations (must be 0)
    answer: str


def items_of(set_path: Path, split: str, limit: int | None) -> list[dict[str, Any]]:
    """The set's items of `split`, or `limit` of them spread evenly over the set (so both languages and the
    unanswerable items stay in). A set without a recorded split gets the split evals.splits would record (it
    is drawn deterministically)."""
    items = read_yaml(set_path)
    if set_path.stem in recorded():
        chosen = select(set_path, items, split)
    else:
        test = set(draw(items))
        chosen = [i for i in items if (str(i["id"]) in test) == (split == "test")]
    if not limit or limit >= len(chosen):
        return chosen
    return [chosen[i * len(chosen) // limit] for i in range(limit)]


def timed_ask(quelle: Quelle, question: str) -> tuple[Any, float, float | None]:
    """The answer, the ask's wall time and the time to its first verified text (ms)."""
    started = time.perf_counter()
    first: float | None = None

    def watched() -> Any:
        nonlocal first
        event: AnswerEvent
        for event in quelle.ask_stream(question):
            if first is None and isinstance(event, (Draft, Delta, Final)):
                first = (time.perf_counter() - started) * 1000
            yield event

    answer = final_answer(watched())
    return answer, (time.perf_counter() - started) * 1000, first


def unverified_sentences(answer: Any, question: str = "") -> int:
    """Generated sentences shown although their own citations do not support them (the verifier's invariant, checked
    as the answer path checks it: words that only restate the question are neutral, its names and numbers are not)."""
    if answer.mode != "generated":
        return 0
    quotes = {c.id: c.quote for c in answer.citations}
    return sum(not verify_sentence(without_markers(s.text), [quotes[n] for n in s.citations], question).supported
               for s in answer.sentences)


def run_config(name: str, sets: Sequence[tuple[Path, int | None]], split: str) -> dict[str, Any]:
    """Ask every chosen item under one configuration, in this process."""
    rows: list[Row] = []
    for set_path, limit in sets:
        items = items_of(set_path, split, limit)
        with tempfile.TemporaryDirectory(prefix="quelle-llm-compare-") as tmp:
            quelle = Quelle(eval_settings(load_settings(llm=CONFIGS[name]), Path(tmp), None))
            quelle.ingest([corpus_of(set_path)], show_progress=False)
            quelle.ask(str(items[0]["question"]))  # warm-up, not measured: the embedder's first encode
            if quelle.llm.generates:
                quelle.llm.generate([{"role": "user", "content": "Hallo"}], max_tokens=1)  # loads the model
            for item in items:
                answer, ask_ms, first_ms = timed_ask(quelle, str(item["question"]))
                outcome = judge(item, answer, quelle)
                said = without_markers(answer.answer)
                rows.append(Row(set_path.stem, outcome.id, outcome.lang, answer.mode, outcome.correct,
                                detect_language(said) if answer.mode != "refused" else answer.language,
                                round(ask_ms, 1), None if first_ms is None else round(first_ms, 1),
                                unverified_sentences(answer, str(item["question"])), answer.answer))
                print(f"{name} {outcome.id} {answer.mode} correct={outcome.correct} {ask_ms:.0f} ms", file=sys.stderr)
    return {"config": name, "rows": [asdict(r) for r in rows], "peak_rss_mb": mib(proc_status_kb("self", "VmHWM")),
            "load": os.getloadavg()}


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The figures of issue 13 for one configuration."""
    rows = result["rows"]
    answered = [r for r in rows if r["mode"] != "refused"]
    en_answered = [r for r in answered if r["lang"] == "en"]

    def share(hits: int, of: int) -> float | None:
        return round(hits / of, 3) if of else None

    asks = [r["ask_ms"] for r in rows]
    firsts = [r["first_text_ms"] for r in rows if r["first_text_ms"] is not None]
    return {
        "config": result["config"],
        "items": len(rows),
        "accuracy": share(sum(r["correct"] for r in rows), len(rows)),
        "generated_kept": share(sum(r["mode"] == "generated" for r in answered), len(answered)),
        "in_asker_language": share(sum(r["answer_lang"] == r["lang"] for r in answered), len(answered)),
        "en_answered_in_en": share(sum(r["answer_lang"] == "en" for r in en_answered), len(en_answered)),
        "ask_p50_ms": round(percentile(asks, 50)),
        "ask_p95_ms": round(percentile(asks, 95)),
        "first_text_p50_ms": round(percentile(firsts, 50)) if firsts else None,
        "peak_rss_mb": result["peak_rss_mb"],
        "unverified_shown": sum(r["unverified"] for r in rows),
        "load_1m": round(result["load"][0], 1),
    }


COLUMNS = [
    ("config", "configuration"), ("items", "items"), ("accuracy", "accuracy"),
    ("generated_kept", "generated and kept"), ("in_asker_language", "in asker's language"),
    ("en_answered_in_en", "English Qs in English"), ("ask_p50_ms", "ask p50 ms"), ("ask_p95_ms", "ask p95 ms"),
    ("first_text_p50_ms", "first text p50 ms"), ("peak_rss_mb", "peak RSS MB"),
    ("unverified_shown", "unverified shown"), ("load_1m", "load (1 min) at end"),
]


def markdown(summaries: Sequence[dict[str, Any]], per_set: dict[str, list[dict[str, Any]]]) -> str:
    """The comparison table, overall and per set."""
    def table(rows: Sequence[dict[str, Any]]) -> str:
        return markdown_table([title for _, title in COLUMNS], [[r[k] for k, _ in COLUMNS] for r in rows],
                              render=lambda value: "–" if value is None else str(value))

    out = ["## All items", "", table(summaries), ""]
    for name, rows in per_set.items():
        out += [f"## {name}", "", table(rows), ""]
    return "\n".join(out)


def per_set_summaries(results: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    sets = dict.fromkeys(r["set"] for result in results for r in result["rows"])
    return {s: [summary({**result, "rows": [r for r in result["rows"] if r["set"] == s]}) for result in results]
            for s in sets}


def parse_set(spec: str) -> tuple[Path, int | None]:
    """'evals/sets/seed.yaml' or 'evals/sets/manpages-de.yaml:20' (the first 20 items of the split)."""
    path, _, limit = spec.partition(":")
    return Path(path), int(limit) if limit else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of: {', '.join(CONFIGS)}")
    parser.add_argument("--sets", nargs="+", default=["evals/sets/seed.yaml"], help="set paths, each maybe :LIMIT")
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--out", type=Path, help="write the Markdown table here (and the rows beside it as .json)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one configuration in this process, JSON to stdout
    args = parser.parse_args(argv)
    sets = [parse_set(s) for s in args.sets]
    if args.one:
        out, sys.stdout = sys.stdout, sys.stderr  # only the JSON goes to stdout, whatever the libraries print
        result = run_config(args.one, sets, args.split)
        json.dump(result, out)
        return 0
    results = []
    for name in args.configs.split(","):
        if name not in CONFIGS:
            parser.error(f"unknown configuration {name!r}; known: {', '.join(CONFIGS)}")
        done = subprocess.run([sys.executable, "-m", "evals.llm_compare", "--one", name, "--split", args.split,
                               "--sets", *args.sets], stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0:
            print(f"{name} failed (exit {done.returncode}); see above", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout))
        print(json.dumps(summary(results[-1])), file=sys.stderr)
    report = markdown([summary(r) for r in results], per_set_summaries(results))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
