"""Answer quality on an eval set, per language: accuracy, first citation in the gold, context quoted, refusals.

The quick loop for tuning on a dev split (`python -m evals.quality evals/sets/manpages-de.yaml --split dev -v`);
`make eval` reports the same figures on the test splits, and the gate in `make test` holds them."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.harness import read_yaml
from evals.metrics import answer_correct, cites_gold, gold_spans, quotes_context
from evals.splits import select
from rag.config import Settings, load_settings
from rag.embeddings import Embedder
from rag.schema import Answer
from rag.service import Quelle

ROOT = Path(__file__).resolve().parent.parent


def corpus_of(set_path: Path) -> Path:
    """The documents an eval set is about: evals/corpora/<set name>/ if it exists, else documents/."""
    folder = ROOT / "evals" / "corpora" / set_path.stem
    return folder if folder.is_dir() else ROOT / "documents"


def corpus_files(path: Path) -> list[Path]:
    """The documents of a set's corpus (a set file) or of a corpus folder: its documents, without the folder's
    README (provenance, not corpus) and scripts."""
    from rag.documents import SUPPORTED_SUFFIXES

    folder = path if path.is_dir() else corpus_of(path)
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                  and p.name.lower() != "readme.md")


@dataclass
class Outcome:
    """One item's answer, judged."""

    id: str
    lang: str
    answerable: bool
    mode: str
    correct: bool
    cites_gold: bool | None  # answerable and answered: is the first citation in the gold evidence or section?
    context_quoted: bool  # a citation quotes a question, a heading or the title
    citations_exact: bool
    answer: str = ""
    first: dict[str, Any] = field(default_factory=dict)


def judge(item: dict[str, Any], answer: Answer, quelle: Quelle) -> Outcome:
    refused = answer.mode == "refused"
    gold = [str(q) for q in item.get("evidence") or []]
    first_ok: bool | None = None
    context = False
    exact = True
    for i, c in enumerate(answer.citations):
        found = quelle.store.body(c.doc_id)
        if found is None:
            exact = False
            continue
        record, body = found
        exact &= body[c.start:c.end] == c.quote
        headings = [body[h.start:h.end] for h in record.outline.headings]
        context |= quotes_context(c.quote, str(item["question"]), record.title, headings)
        if i == 0 and item.get("answerable", True):
            first_ok = cites_gold(c.start, c.end, c.section, gold_spans(body, gold), item.get("section"))
    first = answer.citations[0] if answer.citations else None
    return Outcome(
        id=str(item["id"]), lang=str(item.get("lang", "")), answerable=bool(item.get("answerable", True)),
        mode=answer.mode, correct=answer_correct(answer.answer, item, refused=refused),
        cites_gold=first_ok, context_quoted=context, citations_exact=exact, answer=answer.answer,
        first={"section": first.section, "quote": first.quote} if first else {},
    )


def summary(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    """The figures of issue 12 over some outcomes."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered = [o for o in answerable if o.mode != "refused"]

    def share(hits: Sequence[bool], of: Sequence[Any]) -> float | None:
        return round(sum(hits) / len(of), 3) if of else None

    return {
        "items": len(outcomes),
        "accuracy": share([o.correct for o in outcomes], outcomes),
        "first_citation_in_gold": share([bool(o.cites_gold) for o in answered], answered),
        "context_quoted": sum(o.context_quoted for o in outcomes),
        "refusal_recall": share([o.mode == "refused" for o in unanswerable], unanswerable),
        "false_refusal": share([o.mode == "refused" for o in answerable], answerable),
        "citations_exact": share([o.citations_exact for o in outcomes], outcomes),
    }


def eval_settings(base: Settings, data_dir: Path, retriever: str | None) -> Settings:
    """The user's settings on a fresh embedded store in `data_dir` (never their index or their Chroma server)."""
    data = base.model_dump()
    data["data_dir"] = data_dir
    data["store"]["chroma_host"] = None
    if retriever:
        data["retrieval"]["mode"] = retriever
    return Settings.model_validate(data)


def run(set_path: Path, split: str | None, settings: Settings | None = None, embedder: Embedder | None = None,
        show_progress: bool = True) -> tuple[list[Outcome], dict[str, dict[str, float | int | None]]]:
    """Ingest the set's corpus into a fresh temporary index, ask every item of the split, judge the answers."""
    items = select(set_path, read_yaml(set_path), split)
    with tempfile.TemporaryDirectory(prefix="quelle-quality-") as tmp:
        quelle = Quelle(eval_settings(settings or load_settings(llm={"provider": "none"}), Path(tmp), None),
                        embedder=embedder)
        quelle.ingest(corpus_files(set_path), show_progress=show_progress)
        outcomes = [judge(item, quelle.ask(str(item["question"])), quelle)
                    for item in tqdm(items, desc=set_path.stem, unit="q", disable=not show_progress)]
    by_lang = {"all": summary(outcomes)}
    for lang in sorted({o.lang for o in outcomes}):
        by_lang[lang] = summary([o for o in outcomes if o.lang == lang])
    return outcomes, by_lang


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--split", choices=["dev", "test"], default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every wrong item")
    args = parser.parse_args(argv)
    for set_path in args.sets:
        outcomes, figures = run(set_path, args.split)
        print(f"\n## {set_path.stem} ({args.split or 'all'})")
        keys = list(figures["all"])
        print("| lang | " + " | ".join(keys) + " |")
        for lang, row in figures.items():
            print(f"| {lang} | " + " | ".join(str(row[k]) for k in keys) + " |")
        if args.verbose:
            for o in outcomes:
                if not o.correct or o.cites_gold is False or o.context_quoted:
                    print(f"- {o.id} [{o.mode}] correct={o.correct} gold={o.cites_gold} ctx={o.context_quoted}"
                          f"\n    answer: {o.answer[:200]!r}\n    first: {o.first.get('section')!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
