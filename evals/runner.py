"""The eval runner: an eval set against Quelle (in-process or over HTTP) and a llama-index baseline, to a report."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from evals import aggregate as agg
from evals.aggregate import AnswerRun, ItemResult, RetrievalRun
from evals.crosscheck import BASELINE_LABEL, Ranking, agreement, llamaindex_hit_rate_mrr
from evals.harness import read_yaml
from evals.haystack import DEFAULT_DOCS, DEFAULT_MAX_CHARS, HaystackUnavailable, materialise
from evals.metrics import (
    answer_correct,
    attribute_failure,
    citation_precision,
    citation_recall,
    citation_valid,
    evidence_recall,
    numeric_exact,
    passage_relevant,
)
from evals.quality import corpus_files, corpus_of, eval_settings
from evals.relevance import RelevanceIndex
from evals.report import main_table, quality_table, write_report, write_summary
from evals.splits import select
from evals.targets import EvalError, HttpTarget, InProcessTarget, Target
from rag.config import Settings, load_settings
from rag.embeddings import Embedder, make_embedder
from rag.schema import Answer, Passage
from rag.service import Quelle

if TYPE_CHECKING:
    from evals.baseline import LlamaIndexBaseline

DEFAULT_SET = Path("evals/sets/seed.yaml")
HTTP_ASK_TOP_K = 5  # sent with every /v1/ask over HTTP, so attribution knows which passages the server used


def load_items(set_path: Path, limit: int | None = None, split: str | None = None) -> list[dict[str, Any]]:
    """The eval set's items, or those of its recorded `split` ('dev' or 'test'); with `limit`, that many spread
    evenly over them (both languages, all kinds)."""
    items = read_yaml(set_path) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and "question" in i for i in items):
        raise EvalError(f"{set_path}: expected a YAML list of items with a 'question' (see evals/sets/README.md)")
    try:
        return spread(select(Path(set_path), items, split), limit)
    except KeyError as exc:
        raise EvalError(str(exc.args[0])) from None


def spread(items: list[Any], limit: int | None) -> list[Any]:
    """`limit` items at evenly spaced positions (deterministic), or all of them."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[(i * len(items)) // limit] for i in range(max(limit, 0))]


@dataclass
class Setup:
    """What one run evaluates: the target, the baseline, the relevance judges and the memoised rankings."""

    target: Target
    settings: Settings
    ask_top_k: int
    baseline: LlamaIndexBaseline | None = None
    relevance: dict[str, RelevanceIndex | None] = field(default_factory=dict)
    passages: dict[tuple[str, str], list[Passage]] = field(default_factory=dict)
    rankings: dict[tuple[str, str], Ranking] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def retrievers(self) -> list[str]:
        names = list(self.target.retrievers)
        return [*names, BASELINE_LABEL] if self.baseline is not None else names

    @property
    def system(self) -> str:
        return self.target.retrievers[0]

    def search(self, retriever: str) -> Callable[[str], Ranking]:
        """The retriever's top-K_MAX for a query, computed once per run and shared with the cross-check."""

        def ranked(query: str) -> Ranking:
            key = (retriever, query)
            if key not in self.rankings:
                if retriever == BASELINE_LABEL:
                    assert self.baseline is not None
                    self.rankings[key] = self.baseline.retrieve(query, agg.K_MAX)
                else:
                    found = self.target.search(query, agg.K_MAX, retriever)
                    self.passages[key] = found
                    self.rankings[key] = [(p.chunk_id, p.text, p.score) for p in found]
            return self.rankings[key]

        return ranked

    def judge(self, retriever: str) -> RelevanceIndex | None:
        return self.relevance.get(BASELINE_LABEL if retriever == BASELINE_LABEL else "quelle")


def run_eval(
    set_path: str | Path,
    *,
    url: str | None = None,
    retriever: str | None = None,
    out_dir: str | Path = "reports",
    baselines: bool = True,
    haystack: bool = False,
    limit: int | None = None,
    split: str | None = None,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    documents: Path | None = None,
    haystack_dir: Path | None = None,
    haystack_docs: int = DEFAULT_DOCS,
    haystack_chars: int = DEFAULT_MAX_CHARS,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Run the set (or its `split`), write results.json, report.md and plots into `out_dir`, return the results.
    In-process the index holds `documents`, by default the set's corpus (`evals.quality.corpus_of`)."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    items = load_items(Path(set_path), limit, split)
    base = settings or load_settings()
    with ExitStack() as stack:
        if url:
            setup = _http_setup(url, base, embedder, baselines)
            if retriever or haystack:
                setup.notes.append("--retriever and --haystack do not apply over HTTP: the server's index and "
                                   "retriever are what is measured.")
        else:
            tmpdir = tempfile.TemporaryDirectory(prefix="quelle-eval-", ignore_cleanup_errors=True)
            tmp = Path(stack.enter_context(tmpdir))
            setup = _in_process_setup(
                eval_settings(base, tmp, retriever), embedder, baselines, documents or corpus_of(Path(set_path)),
                (haystack_dir, haystack_docs, haystack_chars) if haystack else None, show_progress,
            )
        loop_started = time.perf_counter()
        records = [evaluate_item(item, setup) for item in tqdm(items, desc="eval", unit="q", disable=not show_progress)]
        setup.info["timings"]["eval_s"] = time.perf_counter() - loop_started
        crosscheck = run_crosscheck(records, setup)
    setup.info["timings"]["total_s"] = time.perf_counter() - started
    # Timings mean little without the machine's load: other processes on the 2 cores slow torch a lot.
    setup.info["machine"] = {
        "cpus": os.cpu_count(), "load_1min_start": load_before, "load_1min_end": os.getloadavg()[0]
    }
    results = summarise(Path(set_path), limit, records, setup, crosscheck, split)
    write_report(results, Path(out_dir))
    return results


def _embedder(settings: Settings, embedder: Embedder | None) -> Embedder:
    return embedder or make_embedder(settings.embed)


def _in_process_setup(
    settings: Settings,
    embedder: Embedder | None,
    baselines: bool,
    documents: Path,
    haystack: tuple[Path | None, int, int] | None,
    show_progress: bool,
) -> Setup:
    if not Path(documents).is_dir():
        raise EvalError(f"no documents folder at {documents}: run from the project root or pass documents=")
    embedder = _embedder(settings, embedder)
    quelle = Quelle(settings, embedder=embedder)
    setup = Setup(target=InProcessTarget(quelle, baselines), settings=settings, ask_top_k=settings.retrieval.top_k)
    timings: dict[str, float] = {}
    # An eval corpus folder holds its provenance (README.md) and scripts beside the documents: ingest only these.
    paths: list[Path] = corpus_files(Path(documents)) or [Path(documents)]
    if haystack is not None:
        t = time.perf_counter()
        try:
            folder = materialise(haystack[0], haystack[1], haystack[2], show_progress=show_progress)
        except HaystackUnavailable as exc:
            raise EvalError(str(exc)) from None
        timings["haystack_materialise_s"] = time.perf_counter() - t
        paths.append(folder)
        setup.info["haystack"] = {"folder": str(folder), "docs": haystack[1], "max_chars": haystack[2],
                                  "corpus": "Debian man pages: manpages-de (German), manpages + manpages-dev (English)"}
    report = quelle.ingest(paths, show_progress=show_progress)
    if report.failed:
        failed = "; ".join(reason for _, reason in report.failed[:5])
        setup.notes.append(f"{len(report.failed)} files failed to ingest: {failed}")
    docs = quelle.list_documents()
    timings["ingest_s"] = report.seconds
    timings["ingest_chunks_per_s"] = report.embedded_chunks / report.seconds if report.seconds else 0.0
    setup.info["index"] = {"documents": len(docs), "chunks": sum(d.chunks for d in docs)}
    setup.relevance["quelle"] = RelevanceIndex(setup.target.chunks() or [])
    _add_baseline(setup, embedder, baselines, timings)
    setup.info["timings"] = timings
    return setup


def _http_setup(url: str, base: Settings, embedder: Embedder | None, baselines: bool) -> Setup:
    target = HttpTarget(url)
    setup = Setup(target=target, settings=base, ask_top_k=HTTP_ASK_TOP_K)
    setup.relevance["quelle"] = None  # chunks are not listed over HTTP: relevant ids come from what was retrieved
    setup.notes.append(
        "Over HTTP: only the server's retriever is measured (the v1 contract has no retriever switch); evidence "
        "given to the LLM is not visible, so failure attribution cannot tell 'evidence_dropped' from a later stage; "
        "verifier rejections are not reported."
    )
    timings: dict[str, float] = {}
    _add_baseline(setup, _embedder(base, embedder) if baselines else None, baselines, timings)
    setup.info["timings"] = timings
    return setup


def _add_baseline(setup: Setup, embedder: Embedder | None, baselines: bool, timings: dict[str, float]) -> None:
    if not baselines or embedder is None:
        return
    target = setup.target
    generate = (lambda messages, max_tokens: target.generate(messages, max_tokens)) if target.generates else None
    from evals.baseline import LlamaIndexBaseline  # llama-index: seconds to import, only when a baseline is asked for

    baseline = LlamaIndexBaseline(
        target.documents(), embedder, generate,
        context_window=setup.settings.llm.context_tokens, num_output=setup.settings.llm.max_tokens,
    )
    setup.baseline = baseline
    setup.relevance[BASELINE_LABEL] = RelevanceIndex(baseline.nodes())
    timings["baseline_build_s"] = baseline.build_seconds
    setup.info["baseline"] = {
        "index": "llama_index.core.VectorStoreIndex.from_documents (defaults: SentenceSplitter 1024/200 tokens)",
        "nodes": len(setup.relevance[BASELINE_LABEL] or []),
        "answers": baseline.answer_mode,
    }


def evaluate_item(item: dict[str, Any], setup: Setup) -> ItemResult:
    """Retrieval by every retriever, the system's answer, the baseline's answer, and where it failed."""
    question = str(item["question"])
    gold = [str(q) for q in item.get("evidence") or []]
    answerable = bool(item.get("answerable", True))
    record = ItemResult(
        id=str(item.get("id", question[:40])), lang=str(item.get("lang", "")), tags=list(item.get("tags") or []),
        answerable=answerable, question=question,
    )
    if answerable:
        for name in setup.retrievers:
            record.retrieval[name] = retrieval_run(setup, name, question, gold)
    answer = setup.target.ask(question, setup.ask_top_k)
    record.answer = _answer_run(setup, item, answer, gold)
    record.quality = setup.target.judge(item, answer)
    if setup.baseline is not None:
        text = setup.baseline.answer(question, setup.search(BASELINE_LABEL)(question))
        record.baseline_answer = AnswerRun(
            text=text, mode=setup.baseline.answer_mode, correct=answer_correct(text, item, refused=False),
            numeric_exact=numeric_exact(text, float(item["numeric"])) if "numeric" in item else None,
        )
    _attribute(record, setup, gold)
    return record


def retrieval_run(setup: Setup, retriever: str, question: str, gold: list[str]) -> RetrievalRun:
    """One retriever's ranking for a question, judged against the gold quotes (hit@k, MRR, evidence recall)."""
    ranking = setup.search(retriever)(question)
    relevant = [passage_relevant(text, gold) for _, text, _ in ranking]
    judge = setup.judge(retriever)
    if judge is not None:
        expected = judge.relevant_ids(gold)
    else:
        expected = [cid for (cid, _, _), rel in zip(ranking, relevant, strict=True) if rel]
    return RetrievalRun(
        ids=[cid for cid, _, _ in ranking], relevant=relevant,
        evidence_recall=evidence_recall(gold, [text for _, text, _ in ranking[: agg.EVIDENCE_K]]),
        chars=agg.mean(len(text) for _, text, _ in ranking[: agg.EVIDENCE_K]) or 0.0,
        expected_ids=expected,
    )


def _answer_run(setup: Setup, item: dict[str, Any], answer: Answer, gold: list[str]) -> AnswerRun:
    refused = answer.mode == "refused" or not answer.answerable
    text = answer.answer
    valid = sum(citation_valid(c.quote, setup.target.body(c.doc_id), c.start, c.end) for c in answer.citations)
    quotes = [c.quote for c in answer.citations]
    scored = bool(item.get("answerable", True)) and not refused
    return AnswerRun(
        text=text,
        mode="refused" if refused else answer.mode,
        correct=answer_correct(text, item, refused=refused),
        numeric_exact=numeric_exact(text, float(item["numeric"])) if "numeric" in item else None,
        citations=len(answer.citations),
        citations_valid=valid,
        citation_precision=citation_precision(quotes, gold, item.get("must_contain") or []) if scored else None,
        citation_recall=citation_recall(quotes, gold) if scored else None,
        llm_kept=len(answer.sentences) if answer.mode == "generated" else 0,
        llm_rejected=len(answer.rejected),
        latency_ms=answer.timings_ms.get("total"),
    )


def _attribute(record: ItemResult, setup: Setup, gold: list[str]) -> None:
    assert record.answer is not None
    if record.answerable:
        run = record.retrieval[setup.system]
        record.retrieved_has_gold = any(run.relevant[: setup.ask_top_k])
        passages = setup.passages[(setup.system, record.question)][: setup.ask_top_k]
        evidence = setup.target.evidence(record.question, passages)
        record.evidence_has_gold = None if evidence is None else any(passage_relevant(q, gold) for q in evidence)
    record.failure = attribute_failure(
        answerable=record.answerable,
        retrieved_has_gold=bool(record.retrieved_has_gold),
        evidence_has_gold=bool(record.evidence_has_gold if record.evidence_has_gold is not None
                               else record.retrieved_has_gold),
        correct=record.answer.correct,
        refused=record.answer.refused,
    )


def run_crosscheck(records: list[ItemResult], setup: Setup) -> dict[str, Any]:
    """Hit rate (hit@10) and MRR@10 per retriever, ours and llama-index's RetrieverEvaluator's, on the same runs."""
    out: dict[str, Any] = {}
    for name in setup.retrievers:
        runs = [(r.question, r.retrieval[name]) for r in records if name in r.retrieval]
        if not runs:
            continue
        ours = {"hit_rate": agg.mean(run.hit(agg.K_MAX) for _, run in runs),
                "mrr": agg.mean(run.rr() for _, run in runs)}
        theirs = llamaindex_hit_rate_mrr(setup.search(name), [(q, run.expected_ids) for q, run in runs])
        out[name] = {"n": len(runs), "ours": ours, "llama_index": theirs, "agree": agreement(ours, theirs)}
    return out


def summarise(
    set_path: Path, limit: int | None, records: list[ItemResult], setup: Setup, crosscheck: dict[str, Any],
    split: str | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as plain data."""
    groups = agg.by_language(records)
    if "haystack" in setup.info:
        # The needle claim, checked: which documents hold any chunk relevant to any gold quote.
        setup.info["haystack"]["documents_with_gold"] = sorted(
            {cid.split("::", 1)[0] for r in records if setup.system in r.retrieval
             for cid in r.retrieval[setup.system].expected_ids}
        )
    answers: dict[str, Any] = {"system": {lang: agg.answer_metrics(g) for lang, g in groups.items()}}
    if setup.baseline is not None:
        answers["baseline"] = {lang: agg.answer_metrics(g, "baseline_answer") for lang, g in groups.items()}
    accuracy = {
        "Quelle": {lang: agg.ci([float(r.answer.correct) for r in g if r.answer]) for lang, g in groups.items()}
    }
    if setup.baseline is not None:
        accuracy["llama-index"] = {
            lang: agg.ci([float(r.baseline_answer.correct) for r in g if r.baseline_answer])
            for lang, g in groups.items()
        }
    return {
        "accuracy_by_language": accuracy,
        "quality": {lang: agg.quality_metrics(g) for lang, g in groups.items()},
        "set": {"path": str(set_path), "items": len(records), "limit": limit, "split": split,
                "answerable": sum(r.answerable for r in records),
                "languages": {lang: len(g) for lang, g in groups.items() if lang != "all"}},
        "config": {
            "target": setup.target.label,
            "system_retriever": setup.system,
            "retrievers": setup.retrievers,
            "llm_provider": setup.settings.llm.provider if setup.target.label == "in-process" else "server",
            "embed_model": setup.settings.embed.model,
            "ask_top_k": setup.ask_top_k,
            "ranked_k": agg.K_MAX,
            **{k: v for k, v in setup.info.items() if k not in ("timings", "machine")},
        },
        "retrieval": {
            name: {lang: agg.retrieval_metrics(g, name) for lang, g in groups.items()} for name in setup.retrievers
        },
        "answers": answers,
        "slices": {
            "language": agg.slice_metrics(records, lambda r: [r.lang], setup.system),
            "tag": agg.slice_metrics(records, lambda r: r.tags, setup.system),
        },
        "failures": {lang: agg.failure_counts(g) for lang, g in groups.items()},
        "crosscheck": crosscheck,
        "timings": setup.info.get("timings", {}),
        "machine": setup.info.get("machine", {}),
        "notes": setup.notes,
        "items": [r.to_dict() for r in records],
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of an eval run (`python -m evals.runner`; `quelle eval` has the same ones but one set)."""
    parser.add_argument("sets", nargs="*", type=Path, default=[DEFAULT_SET],
                        help="eval sets; each is asked over its corpus, evals/corpora/<set name>/ (else documents/)")
    parser.add_argument("--split", choices=["dev", "test"], default=None,
                        help="only the items of this recorded split (evals/sets/splits.yaml); default all")
    parser.add_argument("--url", default=None, help="evaluate a running server over HTTP")
    parser.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default=None)
    parser.add_argument("--out", default="reports",
                        help="report folder; with several sets one subfolder per set and a summary.md")
    parser.add_argument("--no-baselines", action="store_true",
                        help="only the system: no other retrievers, no llama-index")
    parser.add_argument("--llm", choices=["llamacpp", "openai", "none"], default=None,
                        help="LLM provider for the answers")
    parser.add_argument("--limit", type=int, default=None, help="only this many items, spread evenly over the set")
    parser.add_argument("--haystack", action="store_true", help="also ingest the man page haystack (see README)")
    parser.add_argument("--haystack-docs", type=int, default=DEFAULT_DOCS, help="haystack documents")
    parser.add_argument("--haystack-chars", type=int, default=DEFAULT_MAX_CHARS, help="characters per haystack doc")


def run_cli(args: argparse.Namespace) -> int:
    """`quelle eval` and `python -m evals.runner`: run each set, write its report, print its tables; with several
    sets, each goes to <out>/<set name>/ and <out>/summary.md lists every report under <out>."""
    base = load_settings(**({"llm": {"provider": args.llm}} if getattr(args, "llm", None) else {}))
    sets = [Path(s) for s in (getattr(args, "sets", None) or [args.set])]
    out = Path(args.out)
    for set_path in sets:
        out_dir = out / set_path.stem if len(sets) > 1 else out
        try:
            results = run_eval(
                set_path, url=args.url, retriever=args.retriever, out_dir=out_dir, baselines=not args.no_baselines,
                haystack=getattr(args, "haystack", False), limit=getattr(args, "limit", None),
                split=getattr(args, "split", None), settings=base,
                haystack_docs=getattr(args, "haystack_docs", DEFAULT_DOCS),
                haystack_chars=getattr(args, "haystack_chars", DEFAULT_MAX_CHARS),
            )
        except (EvalError, FileNotFoundError) as exc:
            print(f"eval failed: {exc}", file=sys.stderr)
            return 1
        print(f"\n## {set_path.stem} ({results['set']['split'] or 'all items'})\n")
        print(quality_table(results))
        print()
        print(main_table(results))
        print(f"\nreport: {out_dir / 'report.md'}")
    if len(sets) > 1:
        print(f"summary: {write_summary(out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.runner", description=__doc__)
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
