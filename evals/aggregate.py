"""Eval results: the per-item records and their pure aggregation into metrics, slices and failure counts."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, get_args

from evals.harness import percentile
from evals.metrics import FailureKind, bootstrap_ci, hit_at_k, reciprocal_rank
from evals.quality import Outcome, summary

K_MAX = 10  # passages ranked per question and retriever
HIT_KS = (1, 3, 5, 10)
EVIDENCE_K = 5
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)
MODES = ("generated", "extractive", "refused")


@dataclass
class RetrievalRun:
    """One retriever's top-K_MAX for one question, judged against the gold quotes."""

    ids: list[str]
    relevant: list[bool]
    evidence_recall: float  # of the gold quotes, the share found whole in the top EVIDENCE_K
    chars: float = 0.0  # mean length of the top EVIDENCE_K passages: long passages make recall easy
    expected_ids: list[str] = field(default_factory=list)  # every relevant chunk id in the collection

    def hit(self, k: int) -> float:
        return hit_at_k(self.relevant, k)

    def rr(self) -> float:
        return reciprocal_rank(self.relevant, K_MAX)


@dataclass
class AnswerRun:
    """One answer to one question and how it scored."""

    text: str
    mode: str  # generated | extractive | refused (Quelle); top-nodes | generated (baseline)
    correct: bool
    numeric_exact: bool | None = None  # None: the item states no number
    citations: int = 0
    citations_valid: int = 0
    citation_precision: float | None = None  # None: refused or unanswerable
    citation_recall: float | None = None
    llm_kept: int = 0  # LLM sentences shown (mode generated)
    llm_rejected: int = 0  # LLM sentences the verifier dropped
    latency_ms: float | None = None

    @property
    def refused(self) -> bool:
        return self.mode == "refused"


@dataclass
class ItemResult:
    """Everything measured for one eval item."""

    id: str
    lang: str
    tags: list[str]
    answerable: bool
    question: str
    retrieval: dict[str, RetrievalRun] = field(default_factory=dict)
    answer: AnswerRun | None = None
    baseline_answer: AnswerRun | None = None
    retrieved_has_gold: bool | None = None  # the system's top-k passages given to evidence selection
    evidence_has_gold: bool | None = None  # the evidence sentences given to the LLM (None: not observable)
    failure: str | None = None
    quality: Outcome | None = None  # first citation in the gold, context quoted (in-process only)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mean(values: Iterable[float]) -> float | None:
    data = list(values)
    return sum(data) / len(data) if data else None


def ci(values: Sequence[float]) -> dict[str, float | None]:
    """Mean and 95% percentile-bootstrap interval (seeded: the same values give the same interval)."""
    m, low, high = bootstrap_ci(values)
    return {"mean": _num(m), "low": _num(low), "high": _num(high), "n": len(values)}


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def retrieval_metrics(items: Sequence[ItemResult], retriever: str) -> dict[str, Any]:
    """hit@k, MRR@10, evidence recall@5 and the hit@k curve k=1..10, over answerable items."""
    runs = [i.retrieval[retriever] for i in items if i.answerable and retriever in i.retrieval]
    out: dict[str, Any] = {"n": len(runs)}
    for k in HIT_KS:
        out[f"hit@{k}"] = mean(r.hit(k) for r in runs)
    out["mrr@10"] = mean(r.rr() for r in runs)
    out["evidence_recall@5"] = mean(r.evidence_recall for r in runs)
    out["chars@5"] = mean(r.chars for r in runs)
    out["hit_curve"] = [mean(r.hit(k) for r in runs) for k in range(1, K_MAX + 1)]
    return out


def answer_metrics(items: Sequence[ItemResult], which: str = "answer") -> dict[str, Any]:
    """Accuracy, exactness, citation and refusal rates, verifier rejections, latency and per-mode accuracy."""
    pairs = [(i, a) for i in items if (a := getattr(i, which)) is not None]
    answers = [a for _, a in pairs]
    answerable = [a for i, a in pairs if i.answerable]
    unanswerable = [a for i, a in pairs if not i.answerable]
    cited = sum(a.citations for a in answers)
    llm_total = sum(a.llm_kept + a.llm_rejected for a in answers)
    latencies = [a.latency_ms for a in answers if a.latency_ms is not None]
    modes = {
        mode: {"n": len(group), "accuracy": mean(float(a.correct) for a in group)}
        for mode in (MODES if which == "answer" else sorted({a.mode for a in answers}))
        for group in [[a for a in answers if a.mode == mode]]
    }
    return {
        "n": len(answers),
        "accuracy": mean(float(a.correct) for a in answers),
        "accuracy_answerable": mean(float(a.correct) for a in answerable),
        "numeric_exact": mean(float(a.numeric_exact) for a in answers if a.numeric_exact is not None),
        "citation_validity": sum(a.citations_valid for a in answers) / cited if cited else None,
        "citation_precision": mean(a.citation_precision for a in answers if a.citation_precision is not None),
        "citation_recall": mean(a.citation_recall for a in answers if a.citation_recall is not None),
        "refusal_recall": mean(float(a.refused) for a in unanswerable),
        "false_refusal_rate": mean(float(a.refused) for a in answerable),
        "verifier_rejection_rate": sum(a.llm_rejected for a in answers) / llm_total if llm_total else None,
        "llm_sentences": llm_total,
        "latency_p50_ms": _num(percentile(latencies, 50)),
        "latency_p95_ms": _num(percentile(latencies, 95)),
        "modes": modes,
    }


def quality_metrics(items: Sequence[ItemResult]) -> dict[str, Any] | None:
    """The figures of issue 12 (`evals.quality.summary`) over the items that were judged; None when none were."""
    judged = [i.quality for i in items if i.quality is not None]
    return summary(judged) if judged else None


def slice_metrics(
    items: Sequence[ItemResult], key: Callable[[ItemResult], Iterable[str]], retriever: str
) -> dict[str, dict[str, Any]]:
    """Per slice (language, tag): answer accuracy and the retriever's hit@5 and MRR, each with a 95% interval."""
    names = sorted({name for item in items for name in key(item)})
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        group = [i for i in items if name in key(i)]
        answered = [float(i.answer.correct) for i in group if i.answer is not None]
        runs = [i.retrieval[retriever] for i in group if i.answerable and retriever in i.retrieval]
        out[name] = {
            "n": len(group),
            "accuracy": ci(answered),
            "hit@5": ci([r.hit(5) for r in runs]),
            "mrr@10": ci([r.rr() for r in runs]),
        }
    return out


def failure_counts(items: Sequence[ItemResult]) -> dict[str, int]:
    """How many items each failure kind explains (every kind listed, zeros too)."""
    counts = dict.fromkeys(FAILURE_KINDS, 0)
    for item in items:
        if item.failure is not None:
            counts[item.failure] = counts.get(item.failure, 0) + 1
    return counts


def by_language(items: Sequence[ItemResult]) -> dict[str, list[ItemResult]]:
    """'all' plus one group per language, in a fixed order."""
    groups = {"all": list(items)}
    for lang in sorted({i.lang for i in items}):
        groups[lang] = [i for i in items if i.lang == lang]
    return groups


def clean(value: Any, digits: int = 4) -> Any:
    """JSON-ready: floats rounded, NaN as null, tuples as lists, dict keys as strings."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, digits)
    if isinstance(value, dict):
        return {str(k): clean(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, digits) for v in value]
    return value
