"""The eval report: results.json (stable, diffable), report.md (Markdown tables) and PNG plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.aggregate import clean
from evals.harness import markdown_table

RETRIEVAL_COLUMNS = ("hit@1", "hit@3", "hit@5", "mrr@10", "evidence_recall@5", "chars@5")
ANSWER_ROWS = (
    ("accuracy", "answer accuracy"),
    ("numeric_exact", "numeric exactness"),
    ("citation_validity", "citation validity (quote == body[start:end])"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("refusal_recall", "refusal recall (unanswerable refused)"),
    ("false_refusal_rate", "false-refusal rate (answerable refused)"),
    ("verifier_rejection_rate", "verifier rejection rate (LLM sentences dropped)"),
    ("latency_p50_ms", "latency p50 (ms)"),
    ("latency_p95_ms", "latency p95 (ms)"),
)


def _interval(stat: dict[str, Any]) -> str:
    if stat.get("mean") is None:
        return "–"
    return f"{stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}]"


QUALITY_COLUMNS = (
    ("items", "n"),
    ("accuracy", "accuracy"),
    ("first_citation_in_gold", "first citation in gold evidence/section"),
    ("context_quoted", "answers quoting a question/heading/title"),
    ("refusal_recall", "refusal recall"),
    ("false_refusal", "false refusals"),
    ("citations_exact", "citations exact"),
)


def quality_rows(results: dict[str, Any]) -> list[list[Any]]:
    """Per language: the figures of issue 12, then the system retriever's hit@5 and MRR@10."""
    retrieval = results["retrieval"].get(results["config"]["system_retriever"], {})
    rows = []
    for lang, figures in (results.get("quality") or {}).items():
        if figures is None:
            continue
        hits = retrieval.get(lang, {})
        rows.append([lang, *(figures[key] for key, _ in QUALITY_COLUMNS), hits.get("hit@5"), hits.get("mrr@10")])
    return rows


def quality_table(results: dict[str, Any]) -> str:
    header = ["lang", *(label for _, label in QUALITY_COLUMNS), "hit@5", "MRR@10"]
    rows = quality_rows(results)
    return markdown_table(header, rows) if rows else "(not judged: over HTTP the documents' headings are not visible)"


def main_table(results: dict[str, Any]) -> str:
    """Retrieval per retriever and language: hit@1/3/5, MRR@10, evidence recall@5."""
    system = results["config"]["system_retriever"]
    rows = []
    for name, by_lang in results["retrieval"].items():
        label = f"{name} (system)" if name == system else name
        for lang, m in by_lang.items():
            rows.append([label, lang, m["n"], *(m[c] for c in RETRIEVAL_COLUMNS)])
    return markdown_table(["retriever", "lang", "n", *RETRIEVAL_COLUMNS], rows)


def answers_table(results: dict[str, Any]) -> str:
    columns = [(who, lang) for who, by_lang in results["answers"].items() for lang in by_lang]
    header = ["metric", *(f"{'Quelle' if who == 'system' else 'llama-index'} {lang}" for who, lang in columns)]
    rows = [[label, *(results["answers"][who][lang][key] for who, lang in columns)] for key, label in ANSWER_ROWS]
    rows.insert(0, ["n", *(results["answers"][who][lang]["n"] for who, lang in columns)])
    return markdown_table(header, rows)


def modes_table(results: dict[str, Any]) -> str:
    rows = [[mode, m["n"], m["accuracy"]] for mode, m in results["answers"]["system"]["all"]["modes"].items()]
    return markdown_table(["mode", "n", "accuracy"], rows)


def slices_table(slices: dict[str, Any]) -> str:
    rows = [[name, s["n"], _interval(s["accuracy"]), _interval(s["hit@5"]), _interval(s["mrr@10"])]
            for name, s in slices.items()]
    return markdown_table(["slice", "n", "accuracy [95% CI]", "hit@5 [95% CI]", "MRR@10 [95% CI]"], rows)


def failures_table(results: dict[str, Any]) -> str:
    langs = list(results["failures"])
    kinds = list(results["failures"]["all"])
    return markdown_table(["failure", *langs], [[k, *(results["failures"][lang][k] for lang in langs)] for k in kinds])


def crosscheck_table(results: dict[str, Any]) -> str:
    rows = [
        [name, c["n"], c["ours"]["hit_rate"], c["llama_index"]["hit_rate"], c["ours"]["mrr"],
         c["llama_index"]["mrr"], c["agree"]]
        for name, c in results["crosscheck"].items()
    ]
    header = ["retriever", "n", "hit@10 ours", "hit_rate llama-index", "MRR@10 ours", "MRR llama-index", "agree"]
    return markdown_table(header, rows)


def render_markdown(results: dict[str, Any], plots: Sequence[str]) -> str:
    cfg, s = results["config"], results["set"]
    timings = ", ".join(f"{k} {v:.1f}" for k, v in results["timings"].items())
    m = results.get("machine") or {}
    machine = (f" (on {m['cpus']} CPUs; 1-minute load average {m['load_1min_start']:.1f} at the start, "
               f"{m['load_1min_end']:.1f} at the end)") if m else ""
    baseline = cfg.get("baseline")
    split = f"the {s['split']} split of " if s.get("split") else ""
    parts = [
        f"# Eval report: {Path(s['path']).name}",
        f"{s['items']} items of {split}the set ({s['answerable']} answerable; "
        + ", ".join(f"{lang}: {n}" for lang, n in s["languages"].items())
        + f"), target {cfg['target']}, system retriever **{cfg['system_retriever']}**, LLM provider "
        f"`{cfg['llm_provider']}`, embeddings `{cfg['embed_model']}`, "
        f"answers from the top {cfg['ask_top_k']} passages.",
    ]
    if "index" in cfg:
        parts.append(f"Index: {cfg['index']['documents']} documents, {cfg['index']['chunks']} chunks.")
    if cfg.get("haystack"):
        h = cfg["haystack"]
        parts.append(f"Haystack: {h['corpus']}; {h['docs']} documents cut to {h['max_chars']} characters, "
                     "ingested beside documents/. Documents holding any chunk relevant to a gold quote: "
                     + ", ".join(f"`{d}`" for d in h.get("documents_with_gold", [])) + ".")
    if baseline:
        how = ("its LLM answer through a llama-index CustomLLM around Quelle's provider"
               if baseline["answers"] == "generated"
               else "no LLM generates here, so its 'answer' is the text of its top 2 nodes (llama-index's default "
               "similarity_top_k) and it never refuses")
        parts.append(f"Baseline: {baseline['index']}, {baseline['nodes']} nodes, same embedding model; {how}.")
    parts += [
        "## Answer quality per language",
        "Accuracy over all items; first citation in the gold: answerable items that were answered, whose first "
        "citation overlaps a gold evidence span or lies in the gold section; answers quoting context: items whose "
        "citations quote a question, a heading or the title (a count; the target is 0); refusal recall over "
        "unanswerable items, false refusals over answerable ones; citations exact: items whose every citation is "
        "`body[start:end]`. hit@5 and MRR@10 are the system retriever's.",
        quality_table(results),
        "## Retrieval (answerable items, top 10 ranked)",
        "Relevant: the passage overlaps a gold evidence quote (`passage_relevant`). Evidence recall@5: share of gold "
        "quotes found whole in the top 5. chars@5: mean passage length in the top 5 (longer passages make hits "
        "and recall easier).",
        main_table(results),
        "## Answers",
        answers_table(results),
        "Citation precision/recall are averaged over answerable items that were answered; validity over all "
        "citations; the verifier rejection rate is '–' when no LLM sentence was produced.",
        "### Per mode (Quelle)",
        modes_table(results),
        "## Slices (Quelle, 95% bootstrap intervals)",
        "### Language",
        slices_table(results["slices"]["language"]),
        "### Tag",
        slices_table(results["slices"]["tag"]),
        "## Failure attribution (Quelle)",
        "The first stage that went wrong: retrieval (gold not in the top passages), evidence selection (gold not "
        "among the sentences given to the LLM), the answer, or the refusal decision.",
        failures_table(results),
        "## Cross-check with llama-index's RetrieverEvaluator",
        crosscheck_table(results),
        "## Timings (s)",
        (timings or "–") + machine,
    ]
    if results["notes"]:
        parts += ["## Notes", "\n".join(f"- {note}" for note in results["notes"])]
    parts += ["## Plots", "\n\n".join(f"![{name}]({name})" for name in plots)]
    return "\n\n".join(parts) + "\n"


def write_report(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """results.json, report.md and the plots; returns the files written."""
    from evals.plots import write_plots

    out_dir.mkdir(parents=True, exist_ok=True)
    data = clean(results)
    results_path = out_dir / "results.json"
    results_path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    plots = write_plots(data, out_dir)
    report_path = out_dir / "report.md"
    report_path.write_text(render_markdown(data, [p.name for p in plots]), encoding="utf-8")
    return [results_path, report_path, *plots]


def write_summary(root: Path) -> Path:
    """<root>/summary.md: the answer quality per language of every report under `root` (one folder per set)."""
    runs = []
    for path in sorted(root.glob("*/results.json")):
        results = json.loads(path.read_text(encoding="utf-8"))
        runs.append((path.parent.name, results))
    header = ["report", "set", "split", "lang", *(label for _, label in QUALITY_COLUMNS), "hit@5", "MRR@10"]
    rows = [[f"[{name}]({name}/report.md)", Path(r["set"]["path"]).stem, r["set"].get("split") or "all", *row]
            for name, r in runs for row in quality_rows(r)]
    setup = sorted({f"LLM provider `{r['config']['llm_provider']}`, retriever {r['config']['system_retriever']}"
                    for _, r in runs})
    text = "\n\n".join([
        "# Eval summary",
        f"{len(runs)} reports ({'; '.join(setup)}). Columns as in each report's 'Answer quality per language'.",
        markdown_table(header, rows),
    ]) + "\n"
    out = root / "summary.md"
    out.write_text(text, encoding="utf-8")
    return out
